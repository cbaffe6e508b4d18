/* cli.c: helpers of the binary: error lines, exit statuses, stdout buffering
 * and write-error handling, option tables, number parsing. */
#include "cli.h"
#include "tracker.h"
#include "config.h"
#include "report.h"
#include "capture.h"
#include "duration.h"

#include <getopt.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

/* Large enough that a read of a big file makes few write(2) calls. */
#define CLI_STDOUT_BUF (1u << 20)

static char stdout_buf[CLI_STDOUT_BUF];
static int output_errno;   /* first write error seen on stdout, 0 if none */

void cli_error(const char *fmt, ...)
{
    va_list ap;
    fputs(CLI_PROG ": ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

int cli_exit_for_capture(enum capture_err e)
{
    switch (e) {
    case CAPTURE_ERR_NONE: return EXIT_OK;
    case CAPTURE_ERR_NOFILE: return EXIT_NOFILE;
    case CAPTURE_ERR_NOTCAPTURE: return EXIT_NOTCAPTURE;
    case CAPTURE_ERR_TRUNCATED: return EXIT_TRUNCATED;
    case CAPTURE_ERR_LINKTYPE: return EXIT_LINKTYPE;
    case CAPTURE_ERR_BPF: return EXIT_BPF;
    case CAPTURE_ERR_PERM: return EXIT_PRIV;
    case CAPTURE_ERR_DEVICE: return EXIT_CAPTURE;
    case CAPTURE_ERR_READ: return EXIT_CAPTURE;
    }
    return EXIT_INTERNAL;
}

/* Help text fits 80 columns: descriptions are joined (the tables' own line
 * breaks are only hints) and wrapped at a word boundary, indented under
 * the description column; a long option name gets a line of its own. */
#define HELP_COL 25
#define HELP_WIDTH 80

static void print_wrapped(FILE *out, const char *text, int col)
{
    char words[1024];
    char *w, *save = NULL;
    int at = col;
    size_t i, n = 0;
    /* Collapse the tables' "\n" + indentation into single spaces. */
    for (i = 0; text[i] && n + 1 < sizeof(words); i++) {
        char ch = text[i] == '\n' ? ' ' : text[i];
        if (ch == ' ' && n > 0 && words[n - 1] == ' ')
            continue;
        words[n++] = ch;
    }
    words[n] = '\0';
    for (w = strtok_r(words, " ", &save); w; w = strtok_r(NULL, " ", &save)) {
        int len = (int)strlen(w);
        if (at > col && at + 1 + len > HELP_WIDTH) {
            fprintf(out, "\n%*s", col, "");
            at = col;
        }
        if (at > col) {
            fputc(' ', out);
            at++;
        }
        fputs(w, out);
        at += len;
    }
    fputc('\n', out);
}

void cli_print_opts(FILE *out, const struct cli_opt *opts, size_t n)
{
    size_t i;
    for (i = 0; i < n; i++) {
        char left[64];
        const struct cli_opt *o = &opts[i];
        if (o->val < 256)
            snprintf(left, sizeof(left), "-%c, --%s%s%s", o->val, o->name, o->arg ? " " : "",
                     o->arg ? o->arg : "");
        else
            snprintf(left, sizeof(left), "    --%s%s%s", o->name, o->arg ? " " : "",
                     o->arg ? o->arg : "");
        if ((int)strlen(left) > HELP_COL - 3)
            fprintf(out, "  %s\n%*s", left, HELP_COL, "");
        else
            fprintf(out, "  %-22s ", left);
        print_wrapped(out, o->help, HELP_COL);
    }
}

void cli_output_init(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = SIG_IGN;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGPIPE, &sa, NULL);
    setvbuf(stdout, stdout_buf, _IOFBF, sizeof(stdout_buf));
}

void cli_output_line_buffered(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
}

void cli_output_idle(void *unused)
{
    (void)unused;
    if (fflush(stdout) != 0 && output_errno == 0)
        output_errno = errno ? errno : EIO;
}

int cli_list_interfaces(void)
{
    char errbuf[ERRBUF_SIZE];
    if (capture_list_interfaces(stdout, errbuf) != 0) {
        cli_error("%s", errbuf);
        return EXIT_CAPTURE;
    }
    return EXIT_OK;
}

bool cli_output_failed(void)
{
    if (output_errno == 0 && ferror(stdout))
        output_errno = errno ? errno : EIO;
    return output_errno != 0;
}

int cli_output_finish(int status)
{
    errno = 0;
    if (fflush(stdout) != 0 && output_errno == 0)
        output_errno = errno ? errno : EIO;
    (void)cli_output_failed();
    cli_output_unfold();
    if (fflush(stdout) != 0 && output_errno == 0)
        output_errno = errno ? errno : EIO;
    (void)cli_output_failed();
    if (output_errno == 0 || output_errno == EPIPE)
        return status; /* a reader that went away (| head) is not an error */
    cli_error("write error on standard output: %s", strerror(output_errno));
    return EXIT_OUTPUT;
}

int cli_parse_ulong(const char *s, unsigned long min, unsigned long max, unsigned long *out)
{
    char *end;
    unsigned long v;
    if (!s || *s < '0' || *s > '9')
        return -1;
    errno = 0;
    v = strtoul(s, &end, 10);
    if (errno || *end || v < min || v > max)
        return -1;
    *out = v;
    return 0;
}

void cli_getopt_tables(const struct cli_opt *opts, size_t n, struct option *longopts,
                       char *shortopts)
{
    size_t i, ns = 0;
    shortopts[ns++] = ':'; /* report a missing argument as ':' */
    for (i = 0; i < n; i++) {
        longopts[i].name = opts[i].name;
        longopts[i].has_arg = opts[i].arg ? required_argument : no_argument;
        longopts[i].flag = NULL;
        longopts[i].val = opts[i].val;
        if (opts[i].val < 256) {
            shortopts[ns++] = (char)opts[i].val;
            if (opts[i].arg)
                shortopts[ns++] = ':';
        }
    }
    memset(&longopts[n], 0, sizeof(longopts[0]));
    shortopts[ns] = '\0';
}

int cli_bad_option(int c, const struct cli_opt *opts, size_t n, char **argv, const char *cmd)
{
    size_t i;
    if (c == ':') {
        for (i = 0; i < n; i++)
            if (opts[i].val == optopt) {
                cli_error("option --%s needs an argument %s (see '" CLI_PROG " %s --help')",
                          opts[i].name, opts[i].arg, cmd);
                return EXIT_USAGE;
            }
        cli_error("option '%s' needs an argument (see '" CLI_PROG " %s --help')",
                  argv[optind - 1], cmd);
        return EXIT_USAGE;
    }
    if (optopt && optopt < 256)
        cli_error("unknown option '-%c' (see '" CLI_PROG " %s --help')", optopt, cmd);
    else
        cli_error("unknown option '%s' (see '" CLI_PROG " %s --help')", argv[optind - 1], cmd);
    return EXIT_USAGE;
}

char *cli_join_words(int argc, char **argv, int from, bool *oom)
{
    size_t len = 0;
    int i;
    char *s;
    *oom = false;
    for (i = from; i < argc; i++)
        len += strlen(argv[i]) + 1;
    if (len == 0)
        return NULL;
    s = malloc(len);
    if (!s) {
        *oom = true;
        return NULL;
    }
    s[0] = '\0';
    for (i = from; i < argc; i++) {
        if (i > from)
            strcat(s, " ");
        strcat(s, argv[i]);
    }
    return s;
}

int cli_parse_timeout(const char *arg, struct tracker_cfg *cfg)
{
    static const struct {
        const char *name;
        size_t off;
    } states[] = {
        { "syn_sent", offsetof(struct tracker_cfg, to_syn_sent_ns) },
        { "syn_recv", offsetof(struct tracker_cfg, to_syn_recv_ns) },
        { "established", offsetof(struct tracker_cfg, to_established_ns) },
        { "fin_wait", offsetof(struct tracker_cfg, to_fin_wait_ns) },
        { "close_wait", offsetof(struct tracker_cfg, to_close_wait_ns) },
        { "last_ack", offsetof(struct tracker_cfg, to_last_ack_ns) },
        { "time_wait", offsetof(struct tracker_cfg, to_time_wait_ns) },
        { "close", offsetof(struct tracker_cfg, to_close_ns) },
    };
    const char *eq = strchr(arg, '=');
    unsigned long secs;
    size_t i;
    if (!eq) {
        cli_error("--timeout: '%s' is not STATE=SECONDS", arg);
        return -1;
    }
    for (i = 0; i < sizeof(states) / sizeof(states[0]); i++) {
        if (strlen(states[i].name) == (size_t)(eq - arg) &&
            strncmp(arg, states[i].name, (size_t)(eq - arg)) == 0) {
            /* 1 s .. 10 years: 0 would mean "default" in tracker_cfg. */
            if (cli_parse_ulong(eq + 1, 1, 315360000UL, &secs) != 0) {
                cli_error("--timeout: '%s' is not a number of seconds from 1 to 315360000",
                          eq + 1);
                return -1;
            }
            *(uint64_t *)(void *)((char *)cfg + states[i].off) =
                (uint64_t)secs * 1000000000ULL;
            return 0;
        }
    }
    cli_error("--timeout: unknown state '%.*s' (one of: " CLI_TIMEOUT_STATES ")",
              (int)(eq - arg), arg);
    return -1;
}

int cli_track_option(int c, const char *arg, struct cli_track_opts *t)
{
    unsigned long n;
    switch (c) {
    case CLI_OPT_JSON: t->json = true; return 1;
    case CLI_OPT_ALL: t->flags |= RPT_ALL; return 1;
    case 'q': t->flags |= RPT_QUIET; return 1;
    case 'S': t->flags |= RPT_ABS_SEQ; return 1;
    case 'v': t->flags |= RPT_VERBOSE; return 1;
    case 'n': return 1; /* tcpshake never resolves names: tcpdump's -n is the default */
    case 'l': t->line_buffered = true; return 1;
    case 'e': t->flags |= RPT_LINK; return 1;
    case 'c':
        if (cli_parse_ulong(arg, 1, 1000000000UL, &t->count) != 0) {
            cli_error("-c: '%s' is not a number from 1 to 1000000000", arg);
            return -1;
        }
        return 1;
    case CLI_OPT_OUTCOME: {
        char list[256], *w, *save = NULL;
        if (snprintf(list, sizeof(list), "%s", arg) >= (int)sizeof(list))
            list[0] = '\0';
        t->outcomes = 0;
        for (w = strtok_r(list, ",", &save); w; w = strtok_r(NULL, ",", &save)) {
            int k;
            for (k = HS_PENDING + 1; k < HS__COUNT; k++)
                if (strcmp(w, hs_outcome_name((enum hs_outcome)k)) == 0)
                    break;
            if (k == HS__COUNT) {
                cli_error("--outcome: '%s' is not an outcome (complete, refused, unanswered, "
                          "half-open, aborted, mid-stream)",
                          w);
                return -1;
            }
            t->outcomes |= 1u << k;
        }
        if (!t->outcomes) {
            cli_error("--outcome: no outcome in '%s'", arg);
            return -1;
        }
        t->outcome_arg = arg;
        return 1;
    }
    case CLI_OPT_SLOWER_THAN:
        if (duration_parse_ns(arg, &t->slower_than_ns) != 0) {
            cli_error("--slower-than: '%s' is not a duration such as 100ms, 1.5s or 250us "
                      "(at most an hour)",
                      arg);
            return -1;
        }
        t->slower_than_given = true;
        return 1;
    case CLI_OPT_PACKETS:
        if (cli_parse_ulong(arg, 1, 1000000000000UL, &t->packets) != 0) {
            cli_error("--packets: '%s' is not a number from 1 to 1000000000000", arg);
            return -1;
        }
        return 1;
    case CLI_OPT_MAX_CONNS:
        if (cli_parse_ulong(arg, CFG_MAX_CONNS_MIN, CFG_MAX_CONNS_MAX, &n) != 0) {
            cli_error("--max-conns: '%s' is not a number from %u to %u", arg, CFG_MAX_CONNS_MIN,
                      CFG_MAX_CONNS_MAX);
            return -1;
        }
        t->max_conns = n;
        return 1;
    case CLI_OPT_TIMEOUT:
        return cli_parse_timeout(arg, &t->timeouts) == 0 ? 1 : -1;
    default:
        return 0;
    }
}

void cli_track_meta(const struct cli_track_opts *t, struct rpt_meta *m)
{
    m->flags = t->flags;
    m->max_conns = t->max_conns;
    m->count = t->count;
    m->packets = t->packets;
    m->outcomes = t->outcome_arg;
    m->slower_than_ns = t->slower_than_given ? t->slower_than_ns : -1;
}

struct reporter *cli_track_filter(const struct cli_track_opts *t, struct reporter *rep)
{
    if (!rep || (!t->outcomes && !t->slower_than_given))
        return rep;
    return report_filter_new(rep, t->outcomes, t->slower_than_given ? t->slower_than_ns : -1);
}

int cli_track_check(const struct cli_track_opts *t)
{
    if ((t->flags & RPT_QUIET) && (t->flags & RPT_ALL)) {
        cli_error("--all and --quiet cannot be combined");
        return -1;
    }
    return 0;
}
