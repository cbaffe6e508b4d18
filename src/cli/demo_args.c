/* demo_args.c: the options of `tcpshake demo`, its --help, and their
 * parsing into a demo_cfg (docs/DEMO.md). */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "config.h"
#include "demo_cli.h"
#include "report.h"

enum { OPT_JSON = 256, OPT_SLOW, OPT_STEP, OPT_REFUSED, OPT_RESET, OPT_PIN, OPT_WIDTH,
       OPT_BACKLOG_FULL, OPT_SYN_COOKIES, OPT_HTML };

/* --slow without a value: one second per segment. */
#define DEMO_SLOW_DEFAULT_S 1.0
/* Longer holds only make the kernels retransmit (the SYN's RTO is 1 s). */
#define DEMO_SLOW_MAX_S 60.0

static const struct cli_opt demo_opts[] = {
    { '6', "ipv6", NULL, "IPv6: ::1 (slow motion: fd00:7473:686b::1 and ::2)" },
    { 'p', "port", "P", "server port, 1..65535 (default: a free one)" },
    { OPT_SLOW, "slow", NULL,
      "slow motion: hold each segment on the wire 1 s;\n"
      "                         --slow=SECONDS holds it that long (0 to 60)" },
    { OPT_STEP, "step", NULL,
      "slow motion: each segment waits for Enter (q stops);\n"
      "                         needs a terminal on standard input" },
    { OPT_REFUSED, "refused", NULL, "the port is bound but nobody listens: SYN, RST+ACK" },
    { OPT_RESET, "reset", NULL, "the server aborts after accept(): RST instead of FIN" },
    { OPT_BACKLOG_FULL, "backlog-full", NULL,
      "listen(1), no accept(): a third client's SYN is dropped, then gets in\n"
      "                         once accept() frees a slot (on the wire: namespaces)" },
    { OPT_SYN_COOKIES, "syn-cookies", NULL,
      "tcp_syncookies=2 in the server's namespace: a cookie SYN+ACK, no\n"
      "                         request socket until the ACK (on the wire: namespaces)" },
    { OPT_PIN, "pin-netns", NULL,
      "slow motion: name the namespaces tshk<pid>-N-{client,server,wire}\n"
      "                         while the demo runs (ip netns exec ... ss -tan)" },
    { OPT_WIDTH, "width", "N",
      "fit the lines to N columns (default: the terminal's; pipes keep full lines)" },
    { OPT_JSON, "json", NULL,
      "NDJSON: \"syscall\", \"segment\", \"state\", \"kernel\", \"agree\",\n"
      "                         \"conn\" and \"summary\" objects" },
    { OPT_HTML, "html", "FILE",
      "also write the connection as a self-contained HTML page to\n"
      "                         step through (ladder and RFC 9293 state diagram)" },
    { 'S', "absolute-seq", NULL, "absolute sequence numbers (default: relative to the ISN)" },
    { 'v', "verbose", NULL, "more detail: TTL, window, anomalies" },
    { 'h', "help", NULL, "show this help" },
};
#define N_DEMO_OPTS (sizeof(demo_opts) / sizeof(demo_opts[0]))

void cmd_demo_help(FILE *out)
{
    fprintf(out,
            "Usage: " CLI_PROG " demo [OPTIONS]\n"
            "\n"
            "Make one TCP connection on purpose and show it three ways, in order: each\n"
            "system call (listen, connect, accept, send, recv, close), each segment with\n"
            "the states tcpshake infers from the wire, and the kernel's own state of each\n"
            "socket (TCP_INFO and sock_diag). Wherever both views are stable, an 'agree'\n"
            "line says whether they match. No other terminal is needed.\n"
            "\n"
            "By default the demo runs on loopback (127.0.0.1), where the kernel does the\n"
            "whole handshake inside connect(). --slow and --step run it in slow motion:\n"
            "client and server get their own network namespaces and the demo itself is\n"
            "the wire between them, so each segment can be held while both kernels are\n"
            "asked what they think (client ESTABLISHED while the server is still\n"
            "SYN_RECV, FIN_WAIT2, TIME_WAIT...).\n"
            "  " CLI_PROG " demo                    # graceful close on loopback\n"
            "  " CLI_PROG " demo --slow=0.3 --ipv6  # slow motion, IPv6\n"
            "  " CLI_PROG " demo --step --reset     # one segment per Enter; RST close\n"
            "  " CLI_PROG " demo --json --refused   # NDJSON; nobody listens\n"
            "\n"
            "Lines, in the order things happen: 'call' for each system call; each\n"
            "segment as '" CLI_PROG " read --all' shows it; 'kernel' for the kernel's own\n"
            "state of the client, the server end of the connection and the listener\n"
            "(the kernel's spelling: FIN_WAIT1, CLOSE); 'agree' (or 'DIFFER') where both\n"
            "views are stable: no segment a kernel has sent is still unseen, and one\n"
            "held on the wire counts as sent but not yet received. Then the connection\n"
            "record and the summary.\n"
            "\n"
            "Options:\n");
    cli_print_opts(out, demo_opts, N_DEMO_OPTS);
    fprintf(out,
            "\n"
            "--backlog-full and --syn-cookies always run on the demo's wire (its own\n"
            "namespaces, as slow motion): the wire decides when each segment arrives,\n"
            "so a listener under load behaves the same way every time. The server's\n"
            "TCP counters (ListenOverflows, SyncookiesSent...) are shown as they rise.\n"
            "\n"
            "The demo needs root, or CAP_NET_RAW and CAP_NET_ADMIN for the loopback\n"
            "capture; slow motion creates network namespaces, so it needs root.\n"
            "Output: docs/DEMO.md; NDJSON schema: docs/NDJSON.md.\n");
}

/* --slow=SECONDS: digits with at most one '.', 0 to DEMO_SLOW_MAX_S. */
static int parse_seconds(const char *s, uint64_t *ns)
{
    const char *p;
    int dots = 0, digits = 0;
    double v;
    for (p = s; *p; p++) {
        if (*p == '.')
            dots++;
        else if (*p >= '0' && *p <= '9')
            digits++;
        else
            return -1;
    }
    if (digits == 0 || dots > 1)
        return -1;
    v = strtod(s, NULL);
    if (!isfinite(v) || v < 0 || v > DEMO_SLOW_MAX_S)
        return -1;
    *ns = (uint64_t)(v * 1e9 + 0.5);
    return 0;
}

int demo_parse_args(int argc, char **argv, struct demo_args *a)
{
    struct option longopts[N_DEMO_OPTS + 1];
    char shortopts[2 * N_DEMO_OPTS + 2];
    unsigned long n;
    bool slow = false, refused = false, reset = false, backlog_full = false, cookies = false;
    size_t i;
    int c;

    cli_getopt_tables(demo_opts, N_DEMO_OPTS, longopts, shortopts);
    /* --slow takes an optional =SECONDS, which the shared tables cannot say. */
    for (i = 0; i < N_DEMO_OPTS; i++)
        if (longopts[i].val == OPT_SLOW)
            longopts[i].has_arg = optional_argument;
    memset(a, 0, sizeof(*a));
    a->cfg.mode = DEMO_MODE_LOOPBACK;
    a->cfg.scenario = DEMO_SCENARIO_GRACEFUL;
    /* Every segment: there are a dozen, and each one is part of the story. */
    a->flags = RPT_ALL;
    opterr = 0;
    optind = 1;
    while ((c = getopt_long(argc, argv, shortopts, longopts, NULL)) != -1) {
        switch (c) {
        case '6': a->cfg.ipv6 = true; break;
        case 'p':
            if (cli_parse_ulong(optarg, 1, 65535, &n) != 0) {
                cli_error("--port: '%s' is not a port number from 1 to 65535", optarg);
                return EXIT_USAGE;
            }
            a->cfg.port = (uint16_t)n;
            break;
        case OPT_SLOW:
            slow = true;
            a->cfg.slow_ns = (uint64_t)(DEMO_SLOW_DEFAULT_S * 1e9);
            if (optarg && parse_seconds(optarg, &a->cfg.slow_ns) != 0) {
                cli_error("--slow: '%s' is not a number of seconds from 0 to %g", optarg,
                          DEMO_SLOW_MAX_S);
                return EXIT_USAGE;
            }
            break;
        case OPT_STEP: a->step = true; break;
        case OPT_REFUSED: refused = true; break;
        case OPT_RESET: reset = true; break;
        case OPT_BACKLOG_FULL: backlog_full = true; break;
        case OPT_SYN_COOKIES: cookies = true; break;
        case OPT_PIN: a->cfg.pin_netns = true; break;
        case OPT_WIDTH:
            if (cli_parse_ulong(optarg, 40, 10000, &a->width) != 0) {
                cli_error("--width: '%s' is not a number of columns from 40 to 10000", optarg);
                return EXIT_USAGE;
            }
            break;
        case OPT_JSON: a->json = true; break;
        case OPT_HTML:
            if (cli_file_arg("html", optarg) != 0)
                return EXIT_USAGE;
            a->html_path = optarg;
            break;
        case 'S': a->flags |= RPT_ABS_SEQ; break;
        case 'v': a->flags |= RPT_VERBOSE; break;
        case 'h':
            cmd_demo_help(stdout);
            return EXIT_OK;
        default:
            return cli_bad_option(c, demo_opts, N_DEMO_OPTS, argv, "demo");
        }
    }
    if (optind < argc) {
        cli_error("demo takes no arguments, got '%s' (see '" CLI_PROG " demo --help')",
                  argv[optind]);
        return EXIT_USAGE;
    }
    if (refused + reset + backlog_full + cookies > 1) {
        cli_error("--refused, --reset, --backlog-full and --syn-cookies cannot be combined");
        return EXIT_USAGE;
    }
    if (slow && a->step) {
        cli_error("--slow and --step cannot be combined");
        return EXIT_USAGE;
    }
    if (a->step && !isatty(STDIN_FILENO)) {
        cli_error("--step waits for Enter on a terminal, but standard input is not one");
        return EXIT_USAGE;
    }
    if (a->cfg.pin_netns && !slow && !a->step && !backlog_full && !cookies) {
        cli_error("--pin-netns needs --slow or --step (only slow motion makes namespaces)");
        return EXIT_USAGE;
    }
    if (refused)
        a->cfg.scenario = DEMO_SCENARIO_REFUSED;
    if (reset)
        a->cfg.scenario = DEMO_SCENARIO_RESET;
    if (backlog_full)
        a->cfg.scenario = DEMO_SCENARIO_BACKLOG_FULL;
    if (cookies)
        a->cfg.scenario = DEMO_SCENARIO_SYN_COOKIES;
    /* A listener under load is shown on the wire, held snapshots included:
     * the moment a SYN+ACK is on the wire is the lesson (issue 16). */
    if (slow || a->step || backlog_full || cookies) {
        a->cfg.mode = DEMO_MODE_WIRE;
        a->cfg.held_snapshots = true;
    }
    return -1;
}
