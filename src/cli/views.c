/* views.c: the teaching-view options (--ladder, --ascii, --explain,
 * --color, --svg, --html, --state-diagram, --report, --conn) shared by read
 * and watch (and ready for demo and craft): parsing, the colour decision (the only getenv of the views), and
 * building the reporter, output files included. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "outfile.h"
#include "report.h"

/* The name of a file option, for its messages. */
static const char *file_opt_name(int c)
{
    switch (c) {
    case CLI_OPT_SVG: return "svg";
    case CLI_OPT_REPORT: return "report";
    case CLI_OPT_HTML: return "html";
    default: return "state-diagram";
    }
}

int cli_file_arg(const char *opt, const char *arg)
{
    if (!arg[0]) {
        cli_error("--%s: empty file name", opt);
        return -1;
    }
    if (strcmp(arg, "-") == 0) {
        cli_error("--%s: '-' would mix the file into the output on stdout; give a file name "
                  "(./- for a file named '-')",
                  opt);
        return -1;
    }
    return 0;
}

int cli_views_option(int c, const char *arg, struct cli_views *v)
{
    unsigned long n;
    switch (c) {
    case CLI_OPT_LADDER: v->ladder = true; return 1;
    case CLI_OPT_ASCII: v->ascii = true; return 1;
    case CLI_OPT_EXPLAIN: v->explain = true; return 1;
    case CLI_OPT_COLOR:
        if (strcmp(arg, "auto") == 0)
            v->color = CLI_COLOR_AUTO;
        else if (strcmp(arg, "always") == 0)
            v->color = CLI_COLOR_ALWAYS;
        else if (strcmp(arg, "never") == 0)
            v->color = CLI_COLOR_NEVER;
        else {
            cli_error("--color: '%s' is not auto, always or never", arg);
            return -1;
        }
        return 1;
    case CLI_OPT_SVG:
    case CLI_OPT_REPORT:
    case CLI_OPT_HTML:
    case CLI_OPT_STATE_DIAGRAM:
        if (cli_file_arg(file_opt_name(c), arg) != 0)
            return -1;
        if (c == CLI_OPT_SVG)
            v->svg_path = arg;
        else if (c == CLI_OPT_REPORT)
            v->report_path = arg;
        else if (c == CLI_OPT_HTML)
            v->html_path = arg;
        else
            v->sdiag_path = arg;
        return 1;
    case 't':
        if (++v->t_count > 5) {
            cli_error("-t: at most -ttttt (five)");
            return -1;
        }
        return 1;
    case CLI_OPT_WIDTH:
        if (cli_parse_ulong(arg, 40, 10000, &n) != 0) {
            cli_error("--width: '%s' is not a number of columns from 40 to 10000", arg);
            return -1;
        }
        v->width = n;
        return 1;
    case CLI_OPT_TIME_ZONE:
        if (strcmp(arg, "utc") == 0 || strcmp(arg, "UTC") == 0)
            v->utc = true;
        else if (strcmp(arg, "local") == 0)
            v->utc = false;
        else {
            cli_error("--time-zone: '%s' is not local or utc", arg);
            return -1;
        }
        return 1;
    case CLI_OPT_CONN:
        if (cli_parse_ulong(arg, 1, 0xFFFFFFFFUL, &n) != 0) {
            cli_error("--conn: '%s' is not a connection number (the #N of the output)", arg);
            return -1;
        }
        v->conn = n;
        return 1;
    default:
        return 0;
    }
}

int cli_views_check(const struct cli_views *v, bool json)
{
    if (json && (v->ladder || v->explain)) {
        cli_error("--json cannot be combined with %s", v->ladder ? "--ladder" : "--explain");
        return -1;
    }
    if (v->ascii && !v->ladder) {
        cli_error("--ascii draws the ladder: add --ladder");
        return -1;
    }
    if (v->conn && !v->ladder && !v->svg_path && !v->html_path && !v->sdiag_path) {
        cli_error("--conn selects what --ladder, --svg, --html or --state-diagram draws: "
                  "add one of them");
        return -1;
    }
    return 0;
}

static bool color_auto(void)
{
    const char *no = getenv("NO_COLOR"), *term = getenv("TERM");
    if (no && no[0])
        return false; /* https://no-color.org: present and not empty */
    if (term && strcmp(term, "dumb") == 0)
        return false;
    return isatty(STDOUT_FILENO) == 1;
}

unsigned cli_views_flags(const struct cli_views *v)
{
    unsigned f = 0;
    if (v->ascii)
        f |= RPT_ASCII;
    if (v->explain)
        f |= RPT_EXPLAIN;
    if (v->color == CLI_COLOR_ALWAYS || (v->color == CLI_COLOR_AUTO && color_auto()))
        f |= RPT_COLOR;
    return f;
}

/* One output file through the symlink-safe opener (outfile.h). */
static int open_one(const char *path, FILE **f, int *status)
{
    char errbuf[ERRBUF_SIZE];
    if (!path || *f)
        return 0;
    *f = outfile_fopen(path, errbuf);
    if (!*f) {
        cli_error("%s", errbuf);
        *status = EXIT_OUTPUT;
        return -1;
    }
    return 0;
}

int cli_views_open(struct cli_views *v, int *status)
{
    if (open_one(v->svg_path, &v->svg, status) != 0 ||
        open_one(v->html_path, &v->html, status) != 0 ||
        open_one(v->sdiag_path, &v->sdiag, status) != 0 ||
        /* --report: through the same opener, before root is dropped. */
        open_one(v->report_path, &v->report, status) != 0)
        return -1;
    return 0;
}

/* Add one file reporter beside *rep (the tee owns both); on failure *rep
 * is destroyed. 0 or -1 (out of memory). */
static int tee_in(struct reporter **rep, struct reporter *extra)
{
    struct reporter *tee = extra ? report_tee_new(*rep, extra) : NULL;
    if (!tee) {
        reporter_destroy(*rep);
        reporter_destroy(extra);
        *rep = NULL;
        return -1;
    }
    *rep = tee;
    return 0;
}

struct reporter *cli_views_report(struct cli_views *v, struct reporter *rep, int *status)
{
    if (!v->report_path)
        return rep;
    if (cli_views_open(v, status) != 0) {
        reporter_destroy(rep);
        return NULL;
    }
    if (tee_in(&rep, report_page_new(v->report, v->meta)) != 0) {
        cli_error("out of memory");
        *status = EXIT_INTERNAL;
        return NULL;
    }
    return rep;
}

/* -t..-ttttt and --time-zone on the text view. The local offset is the
 * one in force now (tm_gmtoff): a capture that spans a daylight-saving
 * change is shown with one offset (docs/VIEWS.md). */
static void set_time(struct reporter *rep, const struct cli_views *v)
{
    static const enum rpt_time modes[] = { RPT_TIME_SINCE_FIRST, RPT_TIME_NONE, RPT_TIME_EPOCH,
                                           RPT_TIME_DELTA, RPT_TIME_DATE, RPT_TIME_SINCE_FIRST };
    int32_t off = 0;
    if (!v->utc) {
        time_t now = time(NULL);
        struct tm tm;
        if (localtime_r(&now, &tm))
            off = (int32_t)tm.tm_gmtoff;
    }
    report_text_set_time(rep, modes[v->t_count], off);
}

struct reporter *cli_views_reporter(struct cli_views *v, unsigned flags, bool json, int *status)
{
    struct reporter *main_rep;
    /* Text and ladder fit the terminal (or --width); NDJSON lines never fold. */
    size_t width = json ? 0 : cli_term_width(v->width);
    if (width && cli_output_fold(width) != 0) {
        cli_error("out of memory");
        *status = EXIT_INTERNAL;
        return NULL;
    }
    if (json) {
        main_rep = report_json_new(stdout, flags & ~(RPT_COLOR | RPT_EXPLAIN | RPT_ASCII));
        if (main_rep && v->meta)
            report_json_meta(main_rep, v->meta);
    }
    else if (v->ladder) {
        main_rep = report_ladder_new(stdout, flags, v->conn);
        report_ladder_set_width(main_rep, (int)width);
    }
    else
        main_rep = report_text_new(stdout, flags);
    if (main_rep && !json && !v->ladder && v->t_count)
        set_time(main_rep, v);
    if (!main_rep) {
        cli_error("out of memory");
        *status = EXIT_INTERNAL;
        return NULL;
    }
    if (cli_views_open(v, status) != 0) {
        reporter_destroy(main_rep);
        return NULL;
    }
    if ((v->svg && tee_in(&main_rep, report_svg_new(v->svg, flags, v->conn)) != 0) ||
        (v->html && tee_in(&main_rep, report_html_new(v->html, flags, v->conn, v->meta)) != 0) ||
        (v->sdiag && tee_in(&main_rep, report_sdiag_new(v->sdiag, flags, v->conn)) != 0)) {
        cli_error("out of memory");
        *status = EXIT_INTERNAL;
        return NULL;
    }
    return main_rep;
}

/* Close one output file; true if writing it failed. */
static bool close_one(FILE **f, const char *path, bool remove)
{
    bool failed;
    if (!*f)
        return false;
    failed = ferror(*f) != 0;
    if (fclose(*f) != 0)
        failed = true;
    *f = NULL;
    if (remove)
        unlink(path);
    if (failed && !remove)
        cli_error("writing %s failed", path);
    return failed && !remove;
}

int cli_views_finish(struct cli_views *v, int status)
{
    bool failed = false;
    /* --conn N that matched nothing: say so, and leave no blank slide. */
    bool no_such_conn = v->conn && v->have_conns && v->conn > v->conns_seen;
    failed |= close_one(&v->svg, v->svg_path, no_such_conn);
    failed |= close_one(&v->html, v->html_path, no_such_conn);
    failed |= close_one(&v->sdiag, v->sdiag_path, no_such_conn);
    failed |= close_one(&v->report, v->report_path, false); /* the whole run: kept */
    if (no_such_conn) {
        cli_error("--conn %lu: no such connection (this input has %llu)", v->conn,
                  (unsigned long long)v->conns_seen);
        return status == EXIT_OK ? EXIT_USAGE : status;
    }
    if (failed && status == EXIT_OK)
        return EXIT_OUTPUT;
    return status;
}
