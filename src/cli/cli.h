/* cli.h: what the tcpshake binary's files share (private to src/cli). Only
 * this directory prints to stderr or chooses an exit status (exitcode.h). */
#ifndef TCPSHAKE_CLI_H
#define TCPSHAKE_CLI_H

#include <stdbool.h>
#include <stdio.h>

#include "capture.h"
#include "exitcode.h"
#include "tracker.h"

#define CLI_PROG "tcpshake"

/* One subcommand. argv[0] is
 * the subcommand's name (or the program name for `tcpshake -r FILE`). */
struct cli_cmd {
    const char *name;
    const char *args;     /* synopsis after the name */
    const char *summary;  /* one line for `tcpshake --help` */
    int (*run)(int argc, char **argv);
    void (*help)(FILE *out);
};

/* One option of a subcommand: drives getopt_long and the --help text, so the
 * help lists every option the parser accepts. */
struct cli_opt {
    int val;              /* short letter, or a value >= 256 for long-only */
    const char *name;     /* long name, without "--" */
    const char *arg;      /* argument name, NULL if none */
    const char *help;
};

/* "tcpshake: <message>\n" on stderr. */
void cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Exit status for a capture failure. */
int cli_exit_for_capture(enum capture_err e);

/* Print an options table, aligned. */
void cli_print_opts(FILE *out, const struct cli_opt *opts, size_t n);

/* stdout: one large buffer, SIGPIPE ignored (a closed pipe becomes EPIPE). */
void cli_output_init(void);
/* -l (tcpdump's --line-buffered): stdout flushed after every line. */
void cli_output_line_buffered(void);
/* The capture's idle hook (capture_set_idle): flush stdout before tcpshake
 * waits for input, so a pipe or live capture shows each record at once. */
void cli_output_idle(void *unused);
/* The width to fold to: `forced` (--width) if set, else a terminal's
 * (TIOCGWINSZ, then COLUMNS, then 80), else 0: not a terminal, no folding. */
size_t cli_term_width(size_t forced);
/* From now on stdout folds each line to `width` columns (fold.h); 0: no-op.
 * Call after cli_output_init(). 0, or -1 out of memory. */
int cli_output_fold(size_t width);
/* Back to the real stdout: the folding stream's last lines go out and its
 * memory is freed (cli_output_finish() calls it). */
void cli_output_unfold(void);
/* `tcpshake -D` and `watch -D`: the interfaces, as tcpdump -D. An exit status. */
int cli_list_interfaces(void);
/* True once writing to stdout has failed. */
bool cli_output_failed(void);
/* Flush stdout. Returns `status` unchanged, or EXIT_OUTPUT (after one line
 * on stderr) when writing failed for another reason than a closed pipe. */
int cli_output_finish(int status);

struct option;
/* Fill getopt_long's tables from an options table: longopts needs n + 1
 * entries, shortopts 2 * n + 2 characters. Cannot fail. */
void cli_getopt_tables(const struct cli_opt *opts, size_t n, struct option *longopts,
                       char *shortopts);
/* One line for a getopt_long failure (c is ':' for a missing argument, else
 * an unknown option) naming the command's --help. Returns EXIT_USAGE. */
int cli_bad_option(int c, const struct cli_opt *opts, size_t n, char **argv, const char *cmd);
/* argv[from..argc) joined with spaces (a trailing BPF expression); NULL if
 * there are no words or memory ran out (*oom tells which). */
char *cli_join_words(int argc, char **argv, int from, bool *oom);

struct tracker_cfg;
struct rpt_meta;
/* Parse one "--timeout STATE=SECONDS" (STATE: syn_sent, syn_recv,
 * established, fin_wait, close_wait, last_ack, time_wait, close) into cfg.
 * 0 or -1 after one line on stderr. */
int cli_parse_timeout(const char *arg, struct tracker_cfg *cfg);
/* The list of STATE names, for --help. */
#define CLI_TIMEOUT_STATES "syn_sent, syn_recv, established, fin_wait, close_wait, last_ack, time_wait, close"

/* Output and tracker options that read and watch share: --json, --all,
 * -q, -S, -v, -n, --max-conns, --timeout. */
enum {
    CLI_OPT_JSON = 0x180, /* long-only values, below the views' 0x200 */
    CLI_OPT_ALL,
    CLI_OPT_MAX_CONNS,
    CLI_OPT_TIMEOUT,
    CLI_OPT_PACKETS,
    CLI_OPT_OUTCOME,
    CLI_OPT_SLOWER_THAN,
};
/* The shared option rows of -e and -l (cli_track_option() handles them). */
#define CLI_LINE_OPTS                                                                         \
    { 'e', "link-header", NULL, "the link-layer header on each line: MAC addresses, VLAN id" }, \
    { 'l', "line-buffered", NULL,                                                             \
      "flush every output line (tcpdump's -l); a pipe or live capture is flushed anyway "     \
      "whenever tcpshake waits for input" }
/* The shared option rows of --outcome and --slower-than. */
#define CLI_FILTER_OPTS                                                                       \
    { CLI_OPT_OUTCOME, "outcome", "LIST",                                                     \
      "keep only connections with these outcomes (comma-separated: complete, refused, "       \
      "unanswered, half-open, aborted, mid-stream); the summary still counts all" },          \
    { CLI_OPT_SLOWER_THAN, "slower-than", "DURATION",                                         \
      "keep only connections whose handshake (SYN to the completing ACK) took longer, e.g. "  \
      "100ms, 1.5s, 250us" }

struct cli_track_opts {
    unsigned flags;              /* RPT_* */
    bool json;
    bool line_buffered;          /* -l: flush every line */
    unsigned long count;         /* -c N: stop after N connections ended (0: no limit) */
    unsigned long packets;       /* --packets N: stop after N packets (0: no limit) */
    unsigned outcomes;           /* --outcome: bit per enum hs_outcome (0: all) */
    const char *outcome_arg;     /* as given, for the meta record */
    int64_t slower_than_ns;      /* --slower-than (-1: not given) */
    bool slower_than_given;
    size_t max_conns;            /* 0 = default */
    struct tracker_cfg timeouts; /* --timeout values (0 = default) */
};
/* One of the shared options: 1 handled, 0 not one of them, -1 bad value
 * (one line on stderr). */
int cli_track_option(int c, const char *arg, struct cli_track_opts *t);
/* After parsing: options that cannot be combined. 0 or -1 (one line). */
int cli_track_check(const struct cli_track_opts *t);
/* Wrap the reporter in the --outcome/--slower-than filter when asked (it
 * owns rep then). NULL on out-of-memory. */
struct reporter *cli_track_filter(const struct cli_track_opts *t, struct reporter *rep);
/* The NDJSON "meta" record's fields from the shared options. */
void cli_track_meta(const struct cli_track_opts *t, struct rpt_meta *m);

/* Strict unsigned parse: all digits, within [min, max]. 0 or -1. */
int cli_parse_ulong(const char *s, unsigned long min, unsigned long max, unsigned long *out);

/* Teaching views (--ladder, --ascii, --explain, --color, --svg, --html,
 * --state-diagram, --report, --conn),
 * shared by the subcommands that report segments. To add them to a
 * command: put CLI_VIEW_OPTS in its cli_opt table, call cli_views_option()
 * in the getopt default branch, cli_views_check() after parsing, and build
 * the reporter with cli_views_reporter(); close with cli_views_finish(). */
enum {
    CLI_OPT_LADDER = 0x200, /* long-only values, above any command's own */
    CLI_OPT_ASCII,
    CLI_OPT_EXPLAIN,
    CLI_OPT_COLOR,
    CLI_OPT_SVG,
    CLI_OPT_CONN,
    CLI_OPT_TIME_ZONE,
    CLI_OPT_WIDTH,
    CLI_OPT_REPORT,
    CLI_OPT_HTML,
    CLI_OPT_STATE_DIAGRAM,
};
#define CLI_VIEW_OPTS                                                                        \
    { CLI_OPT_LADDER, "ladder", NULL, "draw each connection as a sequence diagram (ladder)" }, \
    { CLI_OPT_ASCII, "ascii", NULL, "plain ASCII for --ladder (default: Unicode box drawing)" }, \
    { CLI_OPT_EXPLAIN, "explain", NULL,                                                      \
      "after each transition, one sentence: what happened and why" },                        \
    { CLI_OPT_COLOR, "color", "WHEN",                                                        \
      "auto (default: on a terminal, unless NO_COLOR is set), always, never" },              \
    { CLI_OPT_SVG, "svg", "FILE", "also write the ladder as a standalone SVG to FILE" },     \
    { CLI_OPT_REPORT, "report", "FILE",                                                      \
      "also write the whole run as one HTML page of charts and tables to FILE" },            \
    { CLI_OPT_HTML, "html", "FILE",                                                          \
      "also write a self-contained HTML page to step through the\n"                         \
      "                         connections: ladder and RFC 9293 state diagram" },           \
    { CLI_OPT_STATE_DIAGRAM, "state-diagram", "FILE",                                        \
      "also write RFC 9293's state diagram as SVG, with the\n"                               \
      "                         path of --conn ID drawn on it" },                            \
    { CLI_OPT_CONN, "conn", "ID",                                                            \
      "--ladder and --svg: draw connection ID only; --html: open\n"                          \
      "                         it first; --state-diagram: draw its path" },                 \
    { 't', "t", NULL,                                                                        \
      "timestamps as tcpdump's: -t none, -tt seconds since 1970, -ttt since\n"               \
      "                         the previous line, -tttt date and time, -ttttt\n"            \
      "                         since the first packet (the default)" },                     \
    { CLI_OPT_TIME_ZONE, "time-zone", "ZONE",                                                \
      "-tttt: local (default, as tcpdump) or utc" },                                         \
    { CLI_OPT_WIDTH, "width", "N",                                                           \
      "fit text and ladder to N columns (default: the terminal's; pipes keep full lines)" }

enum cli_color { CLI_COLOR_AUTO, CLI_COLOR_ALWAYS, CLI_COLOR_NEVER };

struct cli_views {
    bool ladder, ascii, explain;
    enum cli_color color;
    const char *svg_path;   /* NULL: no SVG */
    unsigned long conn;     /* 0: all */
    FILE *svg;              /* open while running */
    const char *html_path;  /* --html FILE; NULL: none */
    FILE *html;
    const char *sdiag_path; /* --state-diagram FILE; NULL: none */
    FILE *sdiag;
    unsigned t_count;       /* -t given this many times (0: default, since the first) */
    unsigned long width;    /* --width N (0: the terminal's, none for a pipe) */
    const struct rpt_meta *meta; /* NDJSON: the first record (set by the command) */
    bool utc;               /* --time-zone utc */
    bool have_conns;        /* conns_seen is set (the run ended normally) */
    uint64_t conns_seen;    /* connections the run tracked: --conn N must be one */
    const char *report_path; /* --report FILE, NULL: none */
    FILE *report;           /* open while running */
};

/* Handle one getopt result if it is a view option: 1 handled, 0 not a view
 * option, -1 bad argument (message printed; exit EXIT_USAGE). */
int cli_views_option(int c, const char *arg, struct cli_views *v);
/* A picture or page file option's value (--svg, --html, --report...): not
 * empty, and not "-", since stdout carries the text or NDJSON (-w - is the
 * one option that writes to stdout, as tcpdump's). 0, or -1 after a message
 * naming --opt (EXIT_USAGE). */
int cli_file_arg(const char *opt, const char *arg);
/* Combinations that make no sense (--ladder with --json...): 0, or -1
 * after a message (EXIT_USAGE). */
int cli_views_check(const struct cli_views *v, bool json);
/* RPT_* flags for the views, colour resolved here: always; never; auto =
 * stdout is a terminal, NO_COLOR unset or empty, TERM not "dumb". An
 * explicit --color always wins over NO_COLOR (no-color.org). */
unsigned cli_views_flags(const struct cli_views *v);
/* Create the --svg, --html, --state-diagram and --report files now (before dropping
 * privileges); no-op for those not given or already open. 0, or -1 after a
 * message with *status set. */
int cli_views_open(struct cli_views *v, int *status);
/* The reporter for stdout (JSON, text or ladder), tee'd with the SVG,
 * HTML and state-diagram reporters when asked (the files are created here). `flags` holds
 * the command's RPT_* flags plus cli_views_flags(). NULL after a message;
 * *status is then the exit status. */
struct reporter *cli_views_reporter(struct cli_views *v, unsigned flags, bool json, int *status);
/* --report: tee `rep` (the command's reporter, filter included, so the page
 * shows the whole run) with the page reporter; rep itself without --report.
 * Opens the file when cli_views_open() has not. NULL after a message (rep is
 * then destroyed) with *status set. */
struct reporter *cli_views_report(struct cli_views *v, struct reporter *rep, int *status);
/* Close the SVG, HTML, diagram and report files (after pipeline_finish and
 * reporter_destroy). Returns status, or EXIT_OUTPUT after a message if
 * writing one failed. */
int cli_views_finish(struct cli_views *v, int status);

/* Subcommands. */
int cmd_read(int argc, char **argv);
void cmd_read_help(FILE *out);
/* The options table of read (shown by `tcpshake --help` too). */
void cmd_read_print_opts(FILE *out);
int cmd_watch(int argc, char **argv);
void cmd_watch_help(FILE *out);
int cmd_craft(int argc, char **argv);
void cmd_craft_help(FILE *out);
int cmd_demo(int argc, char **argv);
void cmd_demo_help(FILE *out);

#endif
