/* views.c: the teaching-view options (--ladder, --ascii, --explain, --report,
 * --color, --svg, --conn) shared by read and watch (and ready for demo and
 * craft): parsing, the colour decision (the only getenv of the views), and
 * building the reporter, SVG file included. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "outfile.h"
#include "report.h"

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
        if (!arg[0]) {
            cli_error("--svg: empty file name");
            return -1;
        }
        v->svg_path = arg;
        return 1;
    case CLI_OPT_REPORT:
        if (!arg[0]) {
            cli_error("--report: empty file name");
            return -1;
        }
        v->report_path = arg;
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
    if (v->conn && !v->ladder && !v->svg_path) {
        cli_error("--conn selects what --ladder or --svg draws: add one of them");
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

int cli_views_open(struct cli_views *v, int *status)
{
    char errbuf[ERRBUF_SIZE];
    if (v->svg_path && !v->svg) {
        v->svg = outfile_fopen(v->svg_path, errbuf);
        if (!v->svg) {
            cli_error("%s", errbuf);
            *status = EXIT_OUTPUT;
            return -1;
        }
    }
    /* --report: through the same symlink-safe opener, before root is dropped. */
    if (v->report_path && !v->report) {
        v->report = outfile_fopen(v->report_path, errbuf);
        if (!v->report) {
            cli_error("%s", errbuf);
            *status = EXIT_OUTPUT;
            return -1;
        }
    }
    return 0;
}

struct reporter *cli_views_report(struct cli_views *v, struct reporter *rep, int *status)
{
    struct reporter *page, *tee;
    if (!v->report_path)
        return rep;
    if (cli_views_open(v, status) != 0) {
        reporter_destroy(rep);
        return NULL;
    }
    page = report_page_new(v->report, v->meta);
    tee = page ? report_tee_new(rep, page) : NULL;
    if (!tee) {
        cli_error("out of memory");
        reporter_destroy(rep);
        reporter_destroy(page);
        *status = EXIT_INTERNAL;
        return NULL;
    }
    return tee;
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
    struct reporter *main_rep, *svg_rep, *tee;
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
    if (!v->svg_path)
        return main_rep;
    if (cli_views_open(v, status) != 0) {
        reporter_destroy(main_rep);
        return NULL;
    }
    svg_rep = report_svg_new(v->svg, flags, v->conn);
    tee = svg_rep ? report_tee_new(main_rep, svg_rep) : NULL;
    if (!tee) {
        cli_error("out of memory");
        reporter_destroy(main_rep);
        reporter_destroy(svg_rep);
        fclose(v->svg);
        v->svg = NULL;
        *status = EXIT_INTERNAL;
        return NULL;
    }
    return tee;
}

int cli_views_finish(struct cli_views *v, int status)
{
    int failed = 0;
    /* --conn N that matched nothing: say so, and leave no blank slide. */
    bool no_such_conn = v->conn && v->have_conns && v->conn > v->conns_seen;
    if (v->svg) {
        failed = ferror(v->svg);
        if (fclose(v->svg) != 0)
            failed = 1;
        v->svg = NULL;
        if (no_such_conn)
            unlink(v->svg_path);
    }
    if (v->report) {
        bool bad = ferror(v->report) != 0;
        if (fclose(v->report) != 0)
            bad = true;
        v->report = NULL;
        if (bad) {
            cli_error("writing %s failed", v->report_path);
            if (status == EXIT_OK)
                status = EXIT_OUTPUT;
        }
    }
    if (no_such_conn) {
        cli_error("--conn %lu: no such connection (this input has %llu)", v->conn,
                  (unsigned long long)v->conns_seen);
        return status == EXIT_OK ? EXIT_USAGE : status;
    }
    if (failed) {
        cli_error("writing %s failed", v->svg_path);
        if (status == EXIT_OK)
            return EXIT_OUTPUT;
    }
    return status;
}
