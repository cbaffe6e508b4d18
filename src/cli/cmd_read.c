/* cmd_read.c: `tcpshake read FILE [BPF expression]` (and `tcpshake -r FILE`):
 * open a pcap/pcapng file, run every frame through the pipeline, report
 * whatever was decoded even when the file ends in an error. */
#include <getopt.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "capture.h"
#include "capture_set.h"
#include "cli.h"
#include "config.h"
#include "pipeline.h"
#include "report.h"
#include "tracker.h"



#define SEE_HELP " (see '" CLI_PROG " read --help')"

static const struct cli_opt read_opts[] = {
    { 'r', "read", "FILE",
      "capture file to read ('-' = stdin); repeatable; with -r every other word is the "
      "filter" },
    { CLI_OPT_JSON, "json", NULL, "NDJSON output: \"state\", \"conn\" and \"summary\" objects" },
    { CLI_OPT_ALL, "all", NULL, "show every TCP segment and every frame that did not decode" },
    { 'n', "numeric", NULL, "no name resolution: always the case (accepted as in tcpdump)" },
    { 'q', "quiet", NULL, "connection records and the summary only" },
    CLI_LINE_OPTS,
    { 'c', "count", "N", "stop after N connections have ended (their records are out)" },
    { CLI_OPT_PACKETS, "packets", "N", "stop after N packets (frames read)" },
    { 'S', "absolute-seq", NULL, "absolute sequence numbers (default: relative to the ISN)" },
    { 'v', "verbose", NULL, "more detail: TTL, window, anomalies" },
    { CLI_OPT_MAX_CONNS, "max-conns", "N",
      "connection table size, 16..67108864 (default 262144);\n"
      "                         when full, the least recently seen one is evicted" },
    { CLI_OPT_TIMEOUT, "timeout", "STATE=SECONDS",
      "packet-time timeout of a state (repeatable; conntrack's defaults):\n"
      "                         " CLI_TIMEOUT_STATES },
    CLI_FILTER_OPTS,
    CLI_VIEW_OPTS,
    { 'h', "help", NULL, "show this help" },
};
#define N_READ_OPTS (sizeof(read_opts) / sizeof(read_opts[0]))
_Static_assert(CFG_MAX_CONNS_DEFAULT == 262144u && CFG_MAX_CONNS_MIN == 16u &&
                   CFG_MAX_CONNS_MAX == 67108864u,
               "update the --max-conns help text");

void cmd_read_print_opts(FILE *out)
{
    cli_print_opts(out, read_opts, N_READ_OPTS);
}

void cmd_read_help(FILE *out)
{
    fprintf(out,
            "Usage: " CLI_PROG " read [OPTIONS] FILE... [BPF expression]\n"
            "       " CLI_PROG " -r FILE [-r FILE]... [OPTIONS] [BPF expression]\n"
            "\n"
            "Read pcap or pcapng captures ('-' = standard input) and show every TCP\n"
            "handshake as it happened, with the RFC 9293 state of each endpoint.\n"
            "Several files are read as one capture, merged in packet-time order (as\n"
            "mergecap does; a tcpdump -C/-G rotation set reads back as one), with one\n"
            "summary. Without -r, the leading words that name files (or look like\n"
            "capture names: x.pcap, x.pcapng, x.cap, x.pcap1) are files and the rest\n"
            "is a BPF filter, as with tcpdump; with -r, every -r names a file and every\n"
            "other word is the filter; words after -- are always the filter:\n"
            "  " CLI_PROG " read web.pcap tcp port 80\n"
            "  " CLI_PROG " read x.pcap x.pcap1 x.pcap2 -- host tcp\n"
            "\n"
            "Options:\n");
    cmd_read_print_opts(out);
    fprintf(out,
            "\n"
            "Text output, one line per SYN, SYN+ACK, handshake-completing ACK, RST, FIN\n"
            "and any segment that changed a state (every segment with --all):\n"
            "  TIME #CONN SRC > DST FLAGS seq S ack A [len N] client STATE server STATE\n"
            "      [options] [notes]\n"
            "TIME is seconds since the first packet. A state shows as FROM->TO when the\n"
            "segment moved that endpoint; '?' marks a presumed state (no segment from\n"
            "that endpoint has shown it yet). A 'conn' line closes each connection:\n"
            "  outcome, client and server states, rtt SYN->SYN+ACK/SYN+ACK->ACK in ms,\n"
            "  retransmits of SYN/SYN+ACK, packets, how it ended.\n"
            "A summary follows the last packet: outcome counts, handshake times per\n"
            "half (p50/p90/p99/max), SYN retransmissions, the most refused ports.\n"
            "\n"
            "Teaching views:\n"
            "  --ladder        one sequence diagram per connection, drawn when it ends:\n"
            "                  lanes ip:port, an arrow per segment, both states per row\n"
            "  --explain       a plain sentence after each transition (also with --ladder)\n"
            "  --svg FILE      the ladder as an SVG picture for slides\n"
            "  --report FILE   the whole capture as one HTML page: outcomes, handshake\n"
            "                  times and retransmissions over time, top servers, counters\n"
            "  --html FILE     one page to step through in a browser: the ladder beside\n"
            "                  RFC 9293's state diagram, both endpoints followed\n"
            "  --state-diagram FILE  that diagram alone as SVG (--conn ID: its path)\n"
            "  " CLI_PROG " read --ladder --explain captures/handshake-ipv4.pcap\n"
            "\n"
            "Exit status: see '" CLI_PROG " --help'. A file truncated mid-record exits 5\n"
            "after everything before the cut has been reported.\n");
}

static struct capture_set *volatile g_set; /* for the SIGINT handler */

static volatile sig_atomic_t g_interrupted;

static void on_interrupt(int sig)
{
    (void)sig;
    g_interrupted = 1;
    if (g_set)
        capture_set_breakloop(g_set);
}

struct read_args {
    const char **paths;  /* the capture files, in the order given */
    size_t npaths;
    bool from_r;         /* -r named them: every other word is the filter */
    char *bpf;           /* joined words, or NULL */
    struct cli_track_opts t;     /* output and tracker options */
    struct cli_views views;
};

/* Is this word a capture file to read? "-", a name that exists, or one
 * that looks like a capture's (x.pcap, x.pcapng, x.cap, tcpdump's rotation
 * x.pcap1): a missing file is then reported as missing, not as a filter. */
static bool names_a_file(const char *w)
{
    static const char *const exts[] = { ".pcap", ".pcapng", ".cap", ".pcap.gz" };
    struct stat st;
    const char *dot;
    size_t i;
    if (strcmp(w, "-") == 0 || stat(w, &st) == 0)
        return true;
    dot = strrchr(w, '.');
    for (i = 0; dot && i < sizeof(exts) / sizeof(exts[0]); i++) {
        size_t n = strlen(exts[i]), wl = strlen(w);
        if (wl > n && strcmp(w + wl - n, exts[i]) == 0)
            return true;
    }
    if (dot && strncmp(dot, ".pcap", 5) == 0) { /* x.pcap12: a rotation file */
        const char *d = dot + 5;
        while (*d >= '0' && *d <= '9')
            d++;
        return *d == '\0' && d > dot + 5;
    }
    return false;
}

/* Parse; returns -1 to go on, or an exit status. Files and the filter are
 * told apart as documented in read --help: every -r names a file (and then
 * every other word is the filter, as tcpdump); without -r the leading words
 * that name files (or "-") are files and the rest is the filter; words after
 * "--" are always the filter. */
static int parse_args(int argc, char **argv, struct read_args *a)
{
    struct option longopts[N_READ_OPTS + 1];
    char shortopts[2 * N_READ_OPTS + 2];
    int c, first, k, i, dd = -1, after_dd;
    bool oom;

    cli_getopt_tables(read_opts, N_READ_OPTS, longopts, shortopts);
    memset(a, 0, sizeof(*a));
    a->paths = calloc((size_t)argc + 1, sizeof(*a->paths));
    if (!a->paths) {
        cli_error("out of memory");
        return EXIT_INTERNAL;
    }
    for (i = 1; i < argc; i++)
        if (strcmp(argv[i], "--") == 0) {
            dd = i;
            break;
        }
    after_dd = dd < 0 ? 0 : argc - dd - 1;
    opterr = 0;
    optind = 1;
    while ((c = getopt_long(argc, argv, shortopts, longopts, NULL)) != -1) {
        switch (c) {
        case 'r':
            a->paths[a->npaths++] = optarg;
            a->from_r = true;
            break;
        case 'h':
            cmd_read_help(stdout);
            return EXIT_OK;
        default:
            k = cli_track_option(c, optarg, &a->t);
            if (k == 0)
                k = cli_views_option(c, optarg, &a->views);
            if (k < 0)
                return EXIT_USAGE;
            if (k == 0)
                return cli_bad_option(c, read_opts, N_READ_OPTS, argv, "read");
            break;
        }
    }
    if (cli_track_check(&a->t) != 0 || cli_views_check(&a->views, a->t.json) != 0)
        return EXIT_USAGE;
    first = optind;
    if (!a->from_r) {
        /* getopt moved the words after "--" to the end, in order. */
        int last_file_word = argc - after_dd;
        while (first < last_file_word && (a->npaths == 0 || names_a_file(argv[first])))
            a->paths[a->npaths++] = argv[first++];
        if (a->npaths == 0) {
            cli_error("read: missing capture file" SEE_HELP);
            return EXIT_USAGE;
        }
    }
    a->bpf = cli_join_words(argc, argv, first, &oom);
    if (oom) {
        cli_error("out of memory");
        return EXIT_INTERNAL;
    }
    return -1;
}

/* A progress line on stderr while reading a large file, only when stderr is
 * a terminal (never in pipes, logs or tests): bytes read of the file's
 * size, packets, connections, and the packet rate so far. */
struct progress {
    bool on;
    bool shown;            /* a line is on screen (to erase at the end) */
    double interval_s;     /* TCPSHAKE_PROGRESS_MS, default 500 ms */
    long long size;
    struct timespec start, last;
};

static double elapsed(const struct timespec *a, const struct timespec *b)
{
    return (double)(b->tv_sec - a->tv_sec) + (double)(b->tv_nsec - a->tv_nsec) / 1e9;
}

static void progress_init(struct progress *pr, struct capture_set *set)
{
    long long done;
    memset(pr, 0, sizeof(*pr));
    capture_set_progress(set, &done, &pr->size);
    pr->on = isatty(STDERR_FILENO) && pr->size > 0;
    pr->interval_s = 0.5;
    if (getenv("TCPSHAKE_PROGRESS_MS"))
        pr->interval_s = atof(getenv("TCPSHAKE_PROGRESS_MS")) / 1000.0;
    clock_gettime(CLOCK_MONOTONIC, &pr->start);
    pr->last = pr->start;
}

static void progress_show(struct progress *pr, struct capture_set *set, struct pipeline *pl,
                          bool done)
{
    struct timespec now;
    const struct run_stats *rs;
    double t, pct;
    long long off;
    if (!pr->on)
        return;
    clock_gettime(CLOCK_MONOTONIC, &now);
    if (!done && elapsed(&pr->last, &now) < pr->interval_s)
        return;
    pr->last = now;
    if (done) {
        if (pr->shown)
            fputs("\r\033[K", stderr); /* erase the line: the summary says the rest */
        return;
    }
    pr->shown = true;
    rs = pipeline_run_stats(pl);
    t = elapsed(&pr->start, &now);
    capture_set_progress(set, &off, &pr->size);
    pct = (pr->size > 0 && off >= 0) ? 100.0 * (double)off / (double)pr->size : 0.0;
    fprintf(stderr, "\r\033[K%s: %.1f%% of %.1f MB, %llu packets, %llu connections, %.0f packets/s",
            CLI_PROG, pct, (double)pr->size / 1e6, (unsigned long long)rs->packets,
            (unsigned long long)pipeline_tracker_stats(pl)->connections,
            t > 0 ? (double)rs->packets / t : 0.0);
}

/* Drain the captures into the pipeline, until every file ended, a limit
 * (-c, --packets), an interrupt, or nobody reads stdout. */
static void run(struct capture_set *set, struct pipeline *pl, struct progress *pr,
                const struct cli_track_opts *lim)
{
    struct frame f;
    uint32_t n = 0;
    while (capture_set_next(set, &f) == CAPTURE_FRAME) {
        /* Each frame with its own pcapng interface's link type (issue 15). */
        pipeline_set_link_type(pl, capture_set_frame_link_type(set));
        pipeline_feed(pl, &f);
        /* -c N and --packets N: a chosen end, not an interrupt. */
        if (lim->count && pipeline_conns_ended(pl) >= lim->count)
            return;
        if (lim->packets && pipeline_run_stats(pl)->packets >= lim->packets)
            return;
        if ((++n & 0xffffu) == 0)
            progress_show(pr, set, pl, false);
        /* ferror() takes stdout's lock: ask every 256 frames, not per frame. */
        if ((n & 255u) == 0 && cli_output_failed())
            return; /* nobody is reading: stop quietly */
    }
}

/* Every file's error, one line each, joined for the summary's "error". */
static enum capture_err collect_errors(struct capture_set *set, char *joined, size_t cap)
{
    enum capture_err first = CAPTURE_ERR_NONE, k;
    size_t i, used = 0;
    joined[0] = '\0';
    for (i = 0; i < capture_set_nerrors(set); i++) {
        const char *msg = capture_set_error(set, i, &k);
        if (first == CAPTURE_ERR_NONE)
            first = k;
        if (used < cap)
            used += (size_t)snprintf(joined + used, cap - used, "%s%s", i ? "; " : "", msg);
    }
    return first;
}

int cmd_read(int argc, char **argv)
{
    struct read_args a;
    struct capture_cfg ccfg;
    struct tracker_cfg tcfg;
    struct capture_set *set;
    struct reporter *rep;
    struct pipeline *pl;
    struct sigaction sa;
    enum capture_err err;
    struct progress pr;
    struct rpt_meta meta;
    char errbuf[ERRBUF_SIZE], errors[4 * ERRBUF_SIZE];
    size_t i;
    int status = parse_args(argc, argv, &a);

    if (status >= 0) {
        free(a.paths);
        return status;
    }
    for (i = 0; i < a.npaths; i++) {
        if (strcmp(a.paths[i], "-") == 0 && isatty(STDIN_FILENO)) {
            cli_error("standard input is a terminal; pipe a capture into '" CLI_PROG " read -'");
            free(a.bpf);
            free(a.paths);
            return EXIT_USAGE;
        }
    }

    memset(&ccfg, 0, sizeof(ccfg));
    ccfg.bpf = a.bpf;
    set = capture_set_open(&ccfg, a.paths, a.npaths, &err, errbuf);
    if (!set) {
        free(a.bpf);
        free(a.paths);
        cli_error("%s", errbuf);
        return cli_exit_for_capture(err);
    }
    memset(&meta, 0, sizeof(meta));
    meta.command = "read";
    meta.inputs = a.paths;
    meta.ninputs = a.npaths;
    meta.filter = a.bpf;
    cli_track_meta(&a.t, &meta);
    a.views.meta = &meta;

    cli_output_init();
    if (a.t.line_buffered)
        cli_output_line_buffered();
    capture_set_on_idle(set, cli_output_idle, NULL);
    rep = cli_views_reporter(&a.views, a.t.flags | cli_views_flags(&a.views), a.t.json, &status);
    if (rep && !(rep = cli_track_filter(&a.t, rep))) {
        cli_error("out of memory");
        status = EXIT_INTERNAL;
    }
    if (rep) /* outside the filter: the page shows the whole capture */
        rep = cli_views_report(&a.views, rep, &status);
    free(a.bpf); /* the meta record and the page have copied it */
    a.bpf = NULL;
    meta.filter = NULL;
    if (!rep) {
        capture_set_close(set);
        free(a.paths);
        return status;
    }
    tcfg = a.t.timeouts;
    tcfg.max_conns = a.t.max_conns;
    pl = pipeline_new(capture_set_link_type(set), &tcfg, rep);
    if (!pl) {
        cli_error("out of memory (connection table of %zu entries)",
                  a.t.max_conns ? a.t.max_conns : (size_t)CFG_MAX_CONNS_DEFAULT);
        reporter_destroy(rep);
        capture_set_close(set);
        free(a.paths);
        return cli_views_finish(&a.views, EXIT_INTERNAL);
    }

    /* Ctrl-C stops reading; what was read is still reported. */
    g_set = set;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_interrupt;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);

    progress_init(&pr, set);
    run(set, pl, &pr, &a.t);
    progress_show(&pr, set, pl, true);
    err = collect_errors(set, errors, sizeof(errors));
    if (err != CAPTURE_ERR_NONE)
        pipeline_run_stats(pl)->input_error = errors;
    if (g_interrupted) {
        /* Ctrl-C before the end: report what was read, and say so (one
         * policy for read, demo and craft: exit 130; watch ends normally). */
        struct run_stats *rs = pipeline_run_stats(pl);
        long long done, total;
        capture_set_progress(set, &done, &total);
        rs->interrupted = true;
        rs->input_percent = total > 0 ? 100.0 * (double)done / (double)total : -1;
    }
    if (!cli_output_failed())
        pipeline_finish(pl);
    a.views.have_conns = true;
    a.views.conns_seen = pipeline_tracker_stats(pl)->connections;

    signal(SIGINT, SIG_DFL);
    signal(SIGTERM, SIG_DFL);
    g_set = NULL;
    pipeline_free(pl);
    reporter_destroy(rep);

    status = cli_output_finish(cli_exit_for_capture(err));
    if (g_interrupted && status == EXIT_OK)
        status = EXIT_INTERRUPTED;
    for (i = 0; i < capture_set_nerrors(set); i++)
        cli_error("%s", capture_set_error(set, i, NULL));
    capture_set_close(set);
    free(a.paths);
    return cli_views_finish(&a.views, status);
}
