/* gen_main.c: tcpshake-gen's command line: write one scenario capture, list
 * them, or write a seeded benchmark / SYN-flood capture with its ground truth. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exitcode.h"
#include "gen.h"

#define BENCH_DEFAULT_CONNECTIONS 10000u
#define BENCH_DEFAULT_RATE 200u /* new connections per second: thousands alive at once */
#define BENCH_MAX_CONNECTIONS 1000000000ull

static void usage(FILE *f)
{
    fprintf(f,
            "usage: tcpshake-gen SCENARIO OUTFILE\n"
            "       tcpshake-gen bench [--connections N] [--seed S] [--rate R] OUTFILE\n"
            "       tcpshake-gen synflood --count N [--seed S] [--retransmits K] OUTFILE\n"
            "       tcpshake-gen --list | --help | --version\n"
            "\n"
            "Writes deterministic pcap captures (nanosecond timestamps from\n"
            "2024-01-01T00:00:00Z, fixed ISNs, Linux-like options). OUTFILE \"-\" is\n"
            "stdout (scenarios only). --list shows the scenarios.\n"
            "\n"
            "bench: N connections (default %u) arriving at R per second of packet\n"
            "  time (default %u), interleaved, IPv4 and IPv6 over Ethernet, with a\n"
            "  seeded mix of outcomes (complete, refused, unanswered, half-open,\n"
            "  aborted, mid-stream; some complete ones are simultaneous opens).\n"
            "  Written as a stream: memory grows with the connections alive at once,\n"
            "  not with N. The counts go to OUTFILE.truth.json. They assume the\n"
            "  reader evicts nothing: keep R x 130 s under its --max-conns.\n"
            "synflood: N bare SYNs from N distinct spoofed IPv4 sources to\n"
            "  198.18.0.80:80, 10 us apart; truth: N unanswered. --retransmits K:\n"
            "  each SYN is sent again K times (0..6), 1 s, 3 s, 7 s, ... after the\n"
            "  first, as Linux backs off (at most 10000000 SYNs then).\n",
            BENCH_DEFAULT_CONNECTIONS, BENCH_DEFAULT_RATE);
}

static void list(void)
{
    size_t i;
    for (i = 0; i < gen_scenario_count(); i++) {
        const struct gen_scenario_info *s = gen_scenario_info(i);
        printf("%-18s %s [expect: %s]\n", s->name, s->shows, s->expect);
    }
}

static int parse_u64(const char *opt, const char *s, uint64_t max, uint64_t *out)
{
    char *end;
    unsigned long long v;
    if (!s || !*s || *s == '-') {
        fprintf(stderr, "tcpshake-gen: %s needs a number\n", opt);
        return -1;
    }
    errno = 0;
    v = strtoull(s, &end, 10);
    if (errno || *end || v > max) {
        fprintf(stderr, "tcpshake-gen: %s: bad number '%s' (0..%llu)\n", opt, s,
                (unsigned long long)max);
        return -1;
    }
    *out = v;
    return 0;
}

static const char *next_arg(int argc, char **argv, int *i)
{
    return *i + 1 < argc ? argv[++*i] : NULL;
}

/* Options of bench/synflood, then exactly one OUTFILE (not "-": the truth
 * file needs a name). */
static int mode_main(const char *mode, int argc, char **argv)
{
    struct gen_bench_cfg cfg = { BENCH_DEFAULT_CONNECTIONS, 1, BENCH_DEFAULT_RATE };
    uint64_t count = 0, v, rtx = 0;
    bool have_count = false;
    const char *path = NULL;
    char errbuf[ERRBUF_SIZE];
    bool flood = strcmp(mode, "synflood") == 0;
    int i, rc;

    for (i = 0; i < argc; i++) {
        const char *a = argv[i];
        if (!flood && strcmp(a, "--connections") == 0) {
            if (parse_u64(a, next_arg(argc, argv, &i), BENCH_MAX_CONNECTIONS, &cfg.connections))
                return EXIT_USAGE;
        } else if (!flood && strcmp(a, "--rate") == 0) {
            if (parse_u64(a, next_arg(argc, argv, &i), 10000000, &v) != 0 || v == 0) {
                fprintf(stderr, "tcpshake-gen bench: --rate must be 1..10000000\n");
                return EXIT_USAGE;
            }
            cfg.rate = (uint32_t)v;
        } else if (flood && strcmp(a, "--count") == 0) {
            if (parse_u64(a, next_arg(argc, argv, &i), 100000000, &count) != 0)
                return EXIT_USAGE;
            have_count = true;
        } else if (flood && strcmp(a, "--retransmits") == 0) {
            if (parse_u64(a, next_arg(argc, argv, &i), 6, &rtx) != 0)
                return EXIT_USAGE;
        } else if (strcmp(a, "--seed") == 0) {
            if (parse_u64(a, next_arg(argc, argv, &i), UINT64_MAX, &cfg.seed) != 0)
                return EXIT_USAGE;
        } else if (a[0] == '-' && a[1] != '\0') {
            fprintf(stderr, "tcpshake-gen %s: unknown option '%s'\n", mode, a);
            return EXIT_USAGE;
        } else if (!path) {
            path = a;
        } else {
            fprintf(stderr, "tcpshake-gen %s: more than one OUTFILE ('%s')\n", mode, a);
            return EXIT_USAGE;
        }
    }
    if (!path || strcmp(path, "-") == 0) {
        fprintf(stderr, "tcpshake-gen %s: needs an OUTFILE (not '-': OUTFILE.truth.json goes beside it)\n",
                mode);
        return EXIT_USAGE;
    }
    if (flood && !have_count) {
        fprintf(stderr, "tcpshake-gen synflood: needs --count N\n");
        return EXIT_USAGE;
    }
    rc = flood ? gen_synflood_rtx_write(count, cfg.seed, (unsigned)rtx, path, errbuf)
               : gen_bench_write(&cfg, path, errbuf);
    if (rc != 0) {
        fprintf(stderr, "tcpshake-gen: %s\n", errbuf);
        return EXIT_OUTPUT;
    }
    return EXIT_OK;
}

int main(int argc, char **argv)
{
    char errbuf[ERRBUF_SIZE];
    int rc;

    if (argc == 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
        usage(stdout);
        return EXIT_OK;
    }
    if (argc == 2 && strcmp(argv[1], "--list") == 0) {
        list();
        return EXIT_OK;
    }
    if (argc == 2 && strcmp(argv[1], "--version") == 0) {
        printf("tcpshake-gen %s\n", TCPSHAKE_VERSION);
        return EXIT_OK;
    }
    if (argc >= 2 && (strcmp(argv[1], "bench") == 0 || strcmp(argv[1], "synflood") == 0))
        return mode_main(argv[1], argc - 2, argv + 2);
    if (argc != 3 || argv[1][0] == '-') {
        if (argc >= 2 && argv[1][0] == '-')
            fprintf(stderr, "tcpshake-gen: unknown option '%s'\n", argv[1]);
        usage(stderr);
        return EXIT_USAGE;
    }
    errbuf[0] = '\0';
    rc = gen_scenario_write(argv[1], argv[2], errbuf);
    if (rc == 1) {
        fprintf(stderr, "tcpshake-gen: unknown scenario '%s' (see --list)\n", argv[1]);
        return EXIT_USAGE;
    }
    if (rc != 0) {
        fprintf(stderr, "tcpshake-gen: %s\n", errbuf);
        return EXIT_OUTPUT;
    }
    return EXIT_OK;
}
