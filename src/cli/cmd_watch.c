/* cmd_watch.c: `tcpshake watch [-i IFACE] [BPF expression]`: live capture
 * (loopback by default) through the same decode -> track -> report pipeline
 * as `read`; optional pcap copy (-w), stop after N connections (-c), drop
 * root after the capture is open (like tcpdump -Z). */
#include <errno.h>
#include <getopt.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "capture.h"
#include "ioclock.h"
#include "cli.h"
#include "config.h"
#include "outfile.h"
#include "pcaprotate.h"
#include "privs.h"
#include "pipeline.h"
#include "report.h"
#include "tracker.h"
#include "watch_kernel.h"

enum { OPT_KEEP_ROOT = 256, OPT_NO_KERNEL };

#define WATCH_DEFAULT_USER "nobody"

static const struct cli_opt watch_opts[] = {
    { 'i', "interface", "IFACE", "interface to capture on (default lo; 'any' for all)" },
    { CLI_OPT_JSON, "json", NULL, "NDJSON output: \"state\", \"conn\" and \"summary\" objects" },
    { CLI_OPT_ALL, "all", NULL, "show every TCP segment and every frame that did not decode" },
    { 'n', "numeric", NULL, "no name resolution: always the case (accepted as in tcpdump)" },
    { 'q', "quiet", NULL, "connection records and the summary only" },
    CLI_LINE_OPTS,
    { 'S', "absolute-seq", NULL, "absolute sequence numbers (default: relative to the ISN)" },
    { 'v', "verbose", NULL, "more detail: TTL, window, anomalies" },
    { 'w', "write", "FILE",
      "also write the captured frames to FILE: pcapng if FILE ends in .pcapng\n"
      "                         (with tcpshake's verdict as a comment on each segment\n"
      "                         that changed a state), pcap otherwise" },
    { 'U', "packet-buffered", NULL,
      "-w: write each packet to the file at once, so it can be read while watch runs" },
    { 'C', "file-size", "MB",
      "-w: start a new file when the current one exceeds MB million bytes (FILE, FILE1, ...)" },
    { 'G', "rotate-seconds", "SECONDS",
      "-w: start a new file every SECONDS; FILE is a strftime(3) pattern" },
    { 'W', "file-count", "N",
      "-w: with -C a ring of N files (FILE0..); with -G alone stop after N files" },
    { 'c', "count", "N", "stop after N connections have ended" },
    { CLI_OPT_PACKETS, "packets", "N", "stop after N packets (frames captured)" },
    { 'B', "buffer-size", "MB", "kernel capture buffer in MiB (default 32)" },
    { 'D', "list-interfaces", NULL, "list the interfaces -i can name (as tcpdump -D), then exit" },
    { 'Z', "user", "USER", "after opening the capture, drop root to USER (default nobody)" },
    { OPT_KEEP_ROOT, "keep-root", NULL, "do not drop root after opening the capture" },
    { OPT_NO_KERNEL, "no-kernel", NULL,
      "do not ask the kernel why a SYN to a local listener went unanswered\n"
      "                         (its accept queue and TCP counters; docs/NDJSON.md)" },
    { CLI_OPT_MAX_CONNS, "max-conns", "N", "connection table size, 16..67108864 (default 262144)" },
    { CLI_OPT_TIMEOUT, "timeout", "STATE=SECONDS",
      "packet-time timeout of a state (repeatable; conntrack's defaults):\n"
      "                         " CLI_TIMEOUT_STATES },
    CLI_FILTER_OPTS,
    CLI_VIEW_OPTS,
    { 'h', "help", NULL, "show this help" },
};
#define N_WATCH_OPTS (sizeof(watch_opts) / sizeof(watch_opts[0]))

void cmd_watch_help(FILE *out)
{
    fprintf(out,
            "Usage: " CLI_PROG " watch [OPTIONS] [BPF expression]\n"
            "\n"
            "Capture live (default: interface lo, filter 'tcp') and show every TCP\n"
            "handshake as it happens, with the RFC 9293 state of each endpoint. The\n"
            "output is the same as '" CLI_PROG " read'. Ctrl-C stops, flushes and prints\n"
            "the summary with libpcap's received and dropped counts.\n"
            "  " CLI_PROG " watch                       # every TCP handshake on lo\n"
            "  " CLI_PROG " watch -i eth0 tcp port 443  # one port on eth0\n"
            "  " CLI_PROG " watch --json -c 10 -w hs.pcap\n"
            "\n"
            "Options:\n");
    cli_print_opts(out, watch_opts, N_WATCH_OPTS);
    fprintf(out,
            "\n"
            "Live capture needs root, or the capabilities CAP_NET_RAW and CAP_NET_ADMIN:\n"
            "  sudo setcap cap_net_raw,cap_net_admin=eip $(command -v " CLI_PROG ")\n"
            "As root, watch drops to user '" WATCH_DEFAULT_USER "' once the capture is open\n"
            "(and the -w file created), unless --keep-root.\n"
            "When a SYN to one of this host's own listeners goes unanswered, watch\n"
            "asks the kernel why (the listener's accept queue, the TCP counters of\n"
            "/proc/net/netstat) and says so in a 'kernel' line; --no-kernel: off.\n"
            "With --ladder each segment is drawn as it is seen; the lane header is\n"
            "drawn again whenever the next segment belongs to another connection.\n");
}

struct watch_args {
    const char *device;
    const char *write_path;
    bool packet_buffered;        /* -U */
    unsigned long file_mb, rotate_s, file_count; /* -C, -G, -W */
    const char *user;
    char *bpf;
    bool keep_root;
    bool no_kernel;              /* --no-kernel */
    bool user_given;             /* -Z named the user: files are created as it */
    unsigned long buffer_mb;
    struct cli_track_opts t;     /* output and tracker options */
    struct cli_views views;
};

static volatile sig_atomic_t g_stop;
static struct capture *volatile g_cap;

static void on_signal(int sig)
{
    g_stop = sig; /* which one: SIGINT from a terminal echoed "^C" */
    if (g_cap)
        capture_breakloop(g_cap);
}

static int parse_args(int argc, char **argv, struct watch_args *a)
{
    struct option longopts[N_WATCH_OPTS + 1];
    char shortopts[2 * N_WATCH_OPTS + 2];
    bool oom;
    int c, k;

    cli_getopt_tables(watch_opts, N_WATCH_OPTS, longopts, shortopts);
    memset(a, 0, sizeof(*a));
    a->device = "lo";
    a->user = WATCH_DEFAULT_USER;
    opterr = 0;
    optind = 1;
    while ((c = getopt_long(argc, argv, shortopts, longopts, NULL)) != -1) {
        switch (c) {
        case 'i': a->device = optarg; break;
        case 'w': a->write_path = optarg; break;
        case 'U': a->packet_buffered = true; break;
        case 'C':
            if (cli_parse_ulong(optarg, 1, 1000000UL, &a->file_mb) != 0) {
                cli_error("-C: '%s' is not a number of millions of bytes from 1 to 1000000",
                          optarg);
                return EXIT_USAGE;
            }
            break;
        case 'G':
            if (cli_parse_ulong(optarg, 1, 31536000UL, &a->rotate_s) != 0) {
                cli_error("-G: '%s' is not a number of seconds from 1 to 31536000", optarg);
                return EXIT_USAGE;
            }
            break;
        case 'W':
            if (cli_parse_ulong(optarg, 1, 100000UL, &a->file_count) != 0) {
                cli_error("-W: '%s' is not a number from 1 to 100000", optarg);
                return EXIT_USAGE;
            }
            break;
        case 'Z': a->user = optarg; a->user_given = true; break;
        case OPT_KEEP_ROOT: a->keep_root = true; break;
        case OPT_NO_KERNEL: a->no_kernel = true; break;
        case 'D': return cli_list_interfaces();
        case 'B':
            if (cli_parse_ulong(optarg, 1, 4096, &a->buffer_mb) != 0) {
                cli_error("--buffer-size: '%s' is not a number of MiB from 1 to 4096", optarg);
                return EXIT_USAGE;
            }
            break;
        case 'h':
            cmd_watch_help(stdout);
            return EXIT_OK;
        default:
            k = cli_track_option(c, optarg, &a->t);
            if (k == 0)
                k = cli_views_option(c, optarg, &a->views);
            if (k < 0)
                return EXIT_USAGE;
            if (k == 0)
                return cli_bad_option(c, watch_opts, N_WATCH_OPTS, argv, "watch");
            break;
        }
    }
    if (cli_track_check(&a->t) != 0 || cli_views_check(&a->views, a->t.json) != 0)
        return EXIT_USAGE;
    if ((a->packet_buffered || a->file_mb || a->rotate_s || a->file_count) && !a->write_path) {
        cli_error("-U, -C, -G and -W apply to the -w file: add -w FILE");
        return EXIT_USAGE;
    }
    if (a->file_count && !a->file_mb && !a->rotate_s) {
        cli_error("-W needs -C or -G (as tcpdump)");
        return EXIT_USAGE;
    }
    a->bpf = cli_join_words(argc, argv, optind, &oom);
    if (oom) {
        cli_error("out of memory");
        return EXIT_INTERNAL;
    }
    return -1;
}

/* Files written as root are created as the -Z user when one is named (else
 * as the invoking user: outfile.h), never through a planted symlink. */
static int set_file_owner(const struct watch_args *a)
{
    struct passwd *pw;
    if (!a->user_given || geteuid() != 0)
        return 0;
    errno = 0;
    pw = getpwnam(a->user);
    if (!pw) {
        cli_error("-Z %s: no such user%s%s", a->user, errno ? ": " : "",
                  errno ? strerror(errno) : "");
        return -1;
    }
    outfile_set_owner(pw->pw_uid, pw->pw_gid);
    return 0;
}

/* Drop root like tcpdump -Z: supplementary groups, then gid, then uid. */
static int drop_root(const char *user)
{
    struct passwd *pw;
    if (geteuid() != 0)
        return 0;
    errno = 0;
    pw = getpwnam(user);
    if (!pw) {
        cli_error("-Z %s: no such user%s%s", user, errno ? ": " : "", errno ? strerror(errno) : "");
        return -1;
    }
    if (pw->pw_uid == 0)
        return 0; /* -Z root: stay root, as tcpdump -Z root (capabilities still go) */
    if (setgroups(0, NULL) != 0 || setgid(pw->pw_gid) != 0 || setuid(pw->pw_uid) != 0) {
        cli_error("cannot drop root to user %s: %s", user, strerror(errno));
        return -1;
    }
    if (setuid(0) == 0) { /* must not be able to regain root */
        cli_error("dropping root to user %s did not stick", user);
        return -1;
    }
    return 0;
}

/* Capture until a signal, -c N, or an error. */
static enum capture_err run(struct capture *cap, struct pipeline *pl, struct rotator *w,
                            const struct cli_track_opts *lim, char *errbuf, char *werr,
                            bool *write_failed, struct wkernel *wk, struct reporter *rep)
{
    struct frame f;
    enum capture_err err = CAPTURE_ERR_NONE;
    while (!g_stop) {
        int rc = capture_next(cap, &f, &err, errbuf);
        if (rc == CAPTURE_FRAME) {
            pipeline_feed(pl, &f);
            wkernel_frame(wk, pl, rep);
            if (w && !*write_failed) {
                /* pcapng: a comment on each segment that changed a state,
                 * so Wireshark shows tcpshake's verdicts. */
                char note[256];
                int wr;
                trk_verdict_describe(pipeline_last_verdict(pl), note, sizeof(note));
                wr = rotator_write(w, &f, note[0] ? note : NULL, (time_t)(io_real_ns() / 1000000000u),
                                   werr);
                if (wr < 0)
                    *write_failed = true;
                else if (wr > 0)
                    return CAPTURE_ERR_NONE; /* -G -W: the last file is done */
            }
            if (cli_output_failed())
                return CAPTURE_ERR_NONE;
            if (lim->count && pipeline_conns_ended(pl) >= lim->count)
                return CAPTURE_ERR_NONE;
            if (lim->packets && pipeline_run_stats(pl)->packets >= lim->packets)
                return CAPTURE_ERR_NONE;
        } else if (rc == CAPTURE_TIMEOUT) {
            /* An idle link: live packet times are wall-clock times, so let
             * the tracker's timeouts see the clock move. */
            pipeline_tick(pl, io_real_ns());
            wkernel_tick(wk, pl, rep);
            fflush(stdout);
        } else if (rc == CAPTURE_EOF) {
            return CAPTURE_ERR_NONE;
        } else {
            return err == CAPTURE_ERR_NONE ? CAPTURE_ERR_READ : err;
        }
    }
    return CAPTURE_ERR_NONE;
}

int cmd_watch(int argc, char **argv)
{
    struct watch_args a;
    struct capture_cfg ccfg;
    struct tracker_cfg tcfg;
    struct capture *cap;
    struct rotator *w = NULL;
    char werr[ERRBUF_SIZE] = "";
    struct reporter *rep;
    struct pipeline *pl;
    struct sigaction sa;
    enum capture_err err;
    char errbuf[ERRBUF_SIZE];
    char filter_desc[1024];
    struct rpt_meta meta;
    bool write_failed = false;
    struct wkernel *wk = NULL;
    uint64_t rx, drop, ifdrop;
    int status = parse_args(argc, argv, &a);

    if (status >= 0)
        return status;
    if (set_file_owner(&a) != 0) {
        free(a.bpf);
        return EXIT_USAGE;
    }
    memset(&ccfg, 0, sizeof(ccfg));
    ccfg.device = a.device;
    ccfg.bpf = a.bpf ? a.bpf : "tcp";
    /* Not immediate mode: on Linux it makes libpcap use TPACKET_V2, whose
     * ring has one fixed slot per frame sized for the snap length (256 KiB),
     * so 32 MiB holds about 128 frames and a burst of handshakes on lo is
     * dropped (tcpdump --immediate-mode drops the same way). TPACKET_V3
     * packs frames into blocks the kernel hands over when full or after
     * the read timeout (CFG_LIVE_TIMEOUT_MS): output lags by at most that.
     * See docs/PERFORMANCE.md, "Live". */
    ccfg.immediate = false;
    ccfg.buffer_mb = (int)a.buffer_mb;
    cap = capture_open(&ccfg, &err, errbuf);
    /* The startup line below is printed long after a.bpf is freed: keep its
     * own copy (it once printed freed memory, on a terminal only: issue 12). */
    snprintf(filter_desc, sizeof(filter_desc), "%s", ccfg.bpf);
    ccfg.bpf = NULL;
    free(a.bpf);
    a.bpf = NULL;
    if (!cap) {
        if (err == CAPTURE_ERR_PERM)
            cli_error("%s (grant it with: sudo setcap cap_net_raw,cap_net_admin=eip %s)", errbuf,
                      "$(command -v " CLI_PROG ")");
        else
            cli_error("%s", errbuf);
        return cli_exit_for_capture(err);
    }
    if (a.write_path) {
        struct rotate_cfg rc;
        memset(&rc, 0, sizeof(rc));
        rc.pattern = a.write_path;
        rc.size_bytes = (uint64_t)a.file_mb * 1000000u;
        rc.seconds = (unsigned)a.rotate_s;
        rc.count = (unsigned)a.file_count;
        rc.packet_buffered = a.packet_buffered;
        rc.dlt = capture_dlt(cap);
        rc.snaplen = capture_snaplen(cap);
        rc.if_name = a.device;
        w = rotator_open(&rc, (time_t)(io_real_ns() / 1000000000u), errbuf);
        if (!w) {
            cli_error("%s", errbuf);
            capture_close(cap);
            return EXIT_OUTPUT;
        }
    }
    if (cli_views_open(&a.views, &status) != 0) { /* like -w: before dropping root */
        rotator_close(w, errbuf);
        capture_close(cap);
        return status;
    }
    /* The kernel's view of local listeners: opened in the namespace watch
     * captures in, before root and the capabilities go (issue 16). */
    if (!a.no_kernel)
        wk = wkernel_open();
    if (!a.keep_root && drop_root(a.user) != 0) {
        wkernel_close(wk);
        rotator_close(w, errbuf);
        capture_close(cap);
        return cli_views_finish(&a.views, EXIT_USAGE);
    }
    /* Nothing after this needs a capability: a start with file capabilities
     * (setcap) or --keep-root gives them all up, every set (issue 20). */
    if (privs_drop_all(errbuf) != 0) {
        cli_error("%s", errbuf);
        wkernel_close(wk);
        rotator_close(w, errbuf);
        capture_close(cap);
        return cli_views_finish(&a.views, EXIT_PRIV);
    }

    cli_output_init();
    if (a.t.line_buffered)
        cli_output_line_buffered();
    capture_set_idle(cap, cli_output_idle, NULL);
    /* Live: each ladder row is drawn as it happens (RPT_STREAM). */
    memset(&meta, 0, sizeof(meta));
    meta.command = "watch";
    meta.interface = a.device;
    meta.filter = filter_desc;
    cli_track_meta(&a.t, &meta);
    a.views.meta = &meta;
    rep = cli_views_reporter(&a.views, a.t.flags | RPT_STREAM | cli_views_flags(&a.views), a.t.json,
                             &status);
    if (rep && !(rep = cli_track_filter(&a.t, rep))) {
        cli_error("out of memory");
        status = EXIT_INTERNAL;
    }
    if (rep) /* the page: written when the watch ends, file opened above */
        rep = cli_views_report(&a.views, rep, &status);
    if (!rep) {
        wkernel_close(wk);
        rotator_close(w, errbuf);
        capture_close(cap);
        return status;
    }
    tcfg = a.t.timeouts;
    tcfg.max_conns = a.t.max_conns;
    pl = pipeline_new(capture_link_type(cap), &tcfg, rep);
    if (!pl) {
        cli_error("out of memory");
        wkernel_close(wk);
        reporter_destroy(rep);
        rotator_close(w, errbuf);
        capture_close(cap);
        return cli_views_finish(&a.views, EXIT_INTERNAL);
    }
    if (!a.t.json && isatty(STDERR_FILENO))
        fprintf(stderr, CLI_PROG ": watching %s (%s); Ctrl-C to stop\n", a.device,
                filter_desc);

    g_cap = cap;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);

    errbuf[0] = '\0';
    err = run(cap, pl, w, &a.t, errbuf, werr, &write_failed, wk, rep);
    if (err != CAPTURE_ERR_NONE)
        pipeline_run_stats(pl)->input_error = errbuf;
    if (capture_stats(cap, &rx, &drop, &ifdrop) == 0) {
        struct run_stats *rs = pipeline_run_stats(pl);
        rs->have_capture_stats = true;
        rs->cap_received = rx;
        rs->cap_dropped = drop;
        rs->cap_ifdropped = ifdrop;
    }
    /* The terminal echoed "^C" where the cursor was: start the summary on
     * a line of its own, not "^C-- summary". */
    if (g_stop == SIGINT && isatty(STDOUT_FILENO))
        fputc('\n', stdout);
    if (!cli_output_failed()) {
        wkernel_finish(wk, pl, rep);
        pipeline_finish(pl);
    }
    wkernel_close(wk);
    a.views.have_conns = true;
    a.views.conns_seen = pipeline_tracker_stats(pl)->connections;

    signal(SIGINT, SIG_DFL);
    signal(SIGTERM, SIG_DFL);
    g_cap = NULL;
    pipeline_free(pl);
    reporter_destroy(rep);
    capture_close(cap);
    status = cli_output_finish(cli_exit_for_capture(err));
    if (err != CAPTURE_ERR_NONE)
        cli_error("%s", errbuf);
    if (w) {
        char cerr[ERRBUF_SIZE];
        if (rotator_close(w, cerr) != 0 || write_failed) {
            cli_error("%s", write_failed ? (werr[0] ? werr : "writing the -w file failed") : cerr);
            if (status == EXIT_OK)
                status = EXIT_OUTPUT;
        }
    }
    return cli_views_finish(&a.views, status);
}
