/* report_html.c: the --html reporter: one self-contained HTML page (inline
 * CSS, SVG and JavaScript, no network: its Content-Security-Policy forbids
 * every fetch) that steps through a capture one segment at a time, the
 * ladder beside RFC 9293's state diagram (statediag.c). docs/VIEWS.md, "The
 * HTML page", says what it shows.
 *
 * The page carries two data blocks, built while the run goes and written
 * when it finishes:
 *  - "tcpshake-ndjson": the run's NDJSON exactly as `--json --all` writes
 *    it (report_json.c: meta, segment, state, conn, summary...), so the page
 *    is also an archive of the run; the page's script builds its view from
 *    it and skips record types it does not know;
 *  - "tcpshake-page": what NDJSON does not say, one object per line: per
 *    segment or timeout ("step", by its NDJSON line number) both states
 *    with their presumed marks and the --explain sentence; per record
 *    ("outcome") the outcome sentence; per connection that was cut ("cut");
 *    last the bounds and what they left out ("page").
 * Bounds (config.h CFG_HTML_*): the first CFG_HTML_MAX_CONNS connections
 * (and the one --conn names), CFG_HTML_MAX_SEGS segments each, and
 * CFG_HTML_MAX_BYTES of NDJSON in all; what is left out is counted, and
 * the page says so. Escaping: capture strings reach the page only inside
 * the two blocks, as JSON (json.c), with '<', '>' and '&' written as
 * \u003c, \u003e and \u0026, so no "</script>" can end a block early; the
 * script puts them into the page with textContent only. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "explain.h"
#include "html_assets.h"
#include "json.h"
#include "ladder.h"
#include "report.h"
#include "statediag.h"

struct html_conn {
    uint64_t id;
    uint32_t segs;            /* segment records kept */
    uint64_t left_out;        /* segment and state records not kept */
};

struct html_rep {
    struct reporter base;
    uint64_t only;            /* --conn: preselected, kept beyond the bound */
    struct reporter *json;    /* writes the NDJSON block into nd */
    FILE *nd, *pg;            /* memory streams: the two blocks */
    char *nd_buf, *pg_buf;
    size_t nd_len, pg_len;
    size_t scanned;           /* bytes of nd_buf counted for lines */
    uint64_t lines;           /* NDJSON lines so far */
    struct html_conn conns[CFG_HTML_MAX_CONNS + 1];
    size_t nconns;
    size_t nothers;           /* kept connections other than --conn's */
    uint64_t conns_left_out;  /* connections whose records were not kept */
    uint64_t records_left_out; /* records not kept for lack of room */
};

/* ---- the blocks -------------------------------------------------------- */

/* The NDJSON lines written so far (the line a record will have). */
static uint64_t nd_lines(struct html_rep *t)
{
    fflush(t->nd);
    for (; t->scanned < t->nd_len; t->scanned++)
        if (t->nd_buf[t->scanned] == '\n')
            t->lines++;
    return t->lines;
}

static bool nd_full(struct html_rep *t)
{
    fflush(t->nd);
    return t->nd_len >= CFG_HTML_MAX_BYTES;
}

static struct html_conn *conn_find(struct html_rep *t, uint64_t id)
{
    size_t i;
    for (i = t->nconns; i-- > 0;)
        if (t->conns[i].id == id)
            return &t->conns[i];
    return NULL;
}

/* The kept connection `id`, taken in if there is room; NULL if it is left
 * out. One slot beyond the bound is kept for --conn's connection. */
static struct html_conn *conn_keep(struct html_rep *t, uint64_t id)
{
    struct html_conn *k = conn_find(t, id);
    if (k)
        return k;
    if (id == t->only ? t->nconns > CFG_HTML_MAX_CONNS : t->nothers >= CFG_HTML_MAX_CONNS)
        return NULL;
    if (id != t->only)
        t->nothers++;
    k = &t->conns[t->nconns++];
    memset(k, 0, sizeof(*k));
    k->id = id;
    return k;
}

static const char *st_name(uint8_t s)
{
    return tcp_state_name((enum tcp_state)s);
}

/* {"type":"step",...}: states before and after a segment or a timeout,
 * presumed marks, and the sentence. */
static void put_step(struct html_rep *t, uint64_t line, const struct ladder_row *r)
{
    struct json j;
    json_begin(&j, t->pg);
    json_str(&j, "type", "step");
    json_u64(&j, "line", line);
    json_u64(&j, "conn", r->conn_id);
    json_str(&j, "client_before", st_name(r->before[TRK_CLIENT]));
    json_str(&j, "server_before", st_name(r->before[TRK_SERVER]));
    json_bool(&j, "client_before_presumed", r->before_presumed[TRK_CLIENT]);
    json_bool(&j, "server_before_presumed", r->before_presumed[TRK_SERVER]);
    json_str(&j, "client", st_name(r->state[TRK_CLIENT]));
    json_str(&j, "server", st_name(r->state[TRK_SERVER]));
    json_bool(&j, "client_presumed", r->presumed[TRK_CLIENT]);
    json_bool(&j, "server_presumed", r->presumed[TRK_SERVER]);
    json_str(&j, "explain", r->explain);
    json_end(&j);
}

/* ---- the reporter ------------------------------------------------------ */

static void html_segment(struct reporter *r, const struct pkt *p, const struct trk_verdict *v)
{
    struct html_rep *t = (struct html_rep *)r;
    struct html_conn *k;
    struct ladder_row row;
    uint64_t line;

    if (!v->conn) { /* untracked: in the archive while there is room */
        if (nd_full(t))
            t->records_left_out++;
        else
            t->json->ops->segment(t->json, p, v);
        return;
    }
    k = conn_keep(t, v->conn->id);
    if (!k)
        return; /* counted once, at its record */
    if (k->segs >= CFG_HTML_MAX_SEGS || nd_full(t)) {
        k->left_out += 1u + v->nchanges;
        t->records_left_out += 1u + v->nchanges;
        return;
    }
    line = nd_lines(t);
    t->json->ops->segment(t->json, p, v);
    k->segs++;
    ladder_row_segment(&row, p, v, (r->flags & RPT_ABS_SEQ) | RPT_EXPLAIN);
    put_step(t, line, &row);
}

static void html_undecoded(struct reporter *r, const struct pkt *p, enum decode_status st)
{
    struct html_rep *t = (struct html_rep *)r;
    if (nd_full(t))
        t->records_left_out++;
    else
        t->json->ops->undecoded(t->json, p, st);
}

static void html_timer(struct reporter *r, const struct conn *c, const struct trk_change *ch,
                       uint64_t ts_ns)
{
    struct html_rep *t = (struct html_rep *)r;
    struct html_conn *k = conn_keep(t, c->id);
    struct ladder_row row;
    uint64_t line;
    if (!k)
        return;
    if (k->segs >= CFG_HTML_MAX_SEGS || nd_full(t)) {
        k->left_out++;
        t->records_left_out++;
        return;
    }
    line = nd_lines(t);
    t->json->ops->timer_change(t->json, c, ch, ts_ns);
    ladder_row_timer(&row, c, ch, ts_ns, (r->flags & RPT_ABS_SEQ) | RPT_EXPLAIN);
    put_step(t, line, &row);
}

static void html_conn_end(struct reporter *r, const struct conn *c, enum trk_end why,
                          uint64_t ts_ns)
{
    struct html_rep *t = (struct html_rep *)r;
    struct html_conn *k = conn_keep(t, c->id);
    char sentence[EXPLAIN_MAX];
    struct json j;
    uint64_t line;
    if (!k) {
        t->conns_left_out++;
        return;
    }
    /* Kept connections' records always go in: at most CFG_HTML_MAX_CONNS + 1. */
    line = nd_lines(t);
    t->json->ops->conn_end(t->json, c, why, ts_ns);
    explain_outcome(c, why, sentence, sizeof(sentence));
    json_begin(&j, t->pg);
    json_str(&j, "type", "outcome");
    json_u64(&j, "line", line);
    json_u64(&j, "conn", c->id);
    json_str(&j, "explain", sentence);
    json_end(&j);
}

/* The demo's records: in the archive (the page does not draw them). */
static void html_syscall(struct reporter *r, uint64_t ts_ns, const char *text)
{
    struct html_rep *t = (struct html_rep *)r;
    if (!nd_full(t))
        reporter_syscall(t->json, ts_ns, text);
}

static void html_kernel(struct reporter *r, const struct rpt_kernel *k)
{
    struct html_rep *t = (struct html_rep *)r;
    if (!nd_full(t))
        reporter_kernel(t->json, k);
}

/* watch's and demo's kernel word on a listener (issue 16): archived as
 * NDJSON has it; the page's script skips the type. */
static void html_listener(struct reporter *r, const struct rpt_listener *l)
{
    struct html_rep *t = (struct html_rep *)r;
    if (!nd_full(t))
        reporter_listener(t->json, l);
}

static void html_agree(struct reporter *r, const struct rpt_agree *a)
{
    struct html_rep *t = (struct html_rep *)r;
    if (!nd_full(t))
        reporter_agree(t->json, a);
}

static void html_held_copy(struct reporter *r, const struct rpt_held_copy *h)
{
    struct html_rep *t = (struct html_rep *)r;
    if (!nd_full(t))
        reporter_held_copy(t->json, h);
}

/* ---- writing the page -------------------------------------------------- */

/* A data block's text: '<', '>' and '&' only ever occur inside JSON
 * strings, where \u003c, \u003e, \u0026 mean the same characters. */
static void put_block(FILE *o, const char *id, const char *s, size_t n)
{
    size_t i, from = 0;
    fprintf(o, "<script type=\"application/x-ndjson\" id=\"%s\">\n", id);
    for (i = 0; i < n; i++) {
        const char *rep = s[i] == '<' ? "\\u003c" : s[i] == '>' ? "\\u003e"
                        : s[i] == '&' ? "\\u0026" : NULL;
        if (!rep)
            continue;
        fwrite(s + from, 1, i - from, o);
        fputs(rep, o);
        from = i + 1;
    }
    fwrite(s + from, 1, n - from, o);
    fputs("</script>\n", o);
}

static void put_page_record(struct html_rep *t)
{
    struct json j;
    size_t i;
    for (i = 0; i < t->nconns; i++) {
        if (!t->conns[i].left_out)
            continue;
        json_begin(&j, t->pg);
        json_str(&j, "type", "cut");
        json_u64(&j, "conn", t->conns[i].id);
        json_u64(&j, "records_left_out", t->conns[i].left_out);
        json_end(&j);
    }
    json_begin(&j, t->pg);
    json_str(&j, "type", "page");
    json_str(&j, "tcpshake_version", TCPSHAKE_VERSION);
    if (t->only)
        json_u64(&j, "select", t->only);
    else
        json_null(&j, "select");
    json_u64(&j, "max_conns", CFG_HTML_MAX_CONNS);
    json_u64(&j, "max_segments", CFG_HTML_MAX_SEGS);
    json_u64(&j, "max_bytes", CFG_HTML_MAX_BYTES);
    json_u64(&j, "conns_shown", t->nconns);
    json_u64(&j, "conns_left_out", t->conns_left_out);
    json_u64(&j, "records_left_out", t->records_left_out);
    json_end(&j);
}

static void write_page(struct html_rep *t, FILE *o)
{
    const char *body = (const char *)html_asset_body;
    const char *mark = strstr(body, HTML_DIAGRAM_MARK);
    size_t before = mark ? (size_t)(mark - body) : html_asset_body_len;

    fflush(t->nd);
    fflush(t->pg);
    fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
          "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
          /* Nothing may be fetched: no script, style, image, font or frame
           * from anywhere, not even from the page's own directory. */
          "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
          "script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:; "
          "base-uri 'none'; form-action 'none'\">\n"
          "<meta name=\"generator\" content=\"tcpshake " TCPSHAKE_VERSION "\">\n"
          "<title>tcpshake: a TCP connection step by step</title>\n<style>\n",
          o);
    fwrite(html_asset_css, 1, html_asset_css_len, o);
    fputs("</style>\n</head>\n", o);
    fwrite(body, 1, before, o);
    statediag_write(o, NULL, false);
    if (mark)
        fputs(mark + strlen(HTML_DIAGRAM_MARK), o);
    put_block(o, "tcpshake-ndjson", t->nd_buf ? t->nd_buf : "", t->nd_len);
    put_block(o, "tcpshake-page", t->pg_buf ? t->pg_buf : "", t->pg_len);
    fputs("<script>\n", o);
    fwrite(html_asset_js, 1, html_asset_js_len, o);
    fputs("</script>\n</body>\n</html>\n", o);
}

static void html_finish(struct reporter *r, const struct run_stats *rs,
                        const struct tracker_stats *ts)
{
    struct html_rep *t = (struct html_rep *)r;
    t->json->ops->finish(t->json, rs, ts); /* the summary: always the last line */
    put_page_record(t);
    write_page(t, r->out);
}

static void html_destroy(struct reporter *r)
{
    struct html_rep *t = (struct html_rep *)r;
    reporter_destroy(t->json);
    if (t->nd)
        fclose(t->nd);
    if (t->pg)
        fclose(t->pg);
    free(t->nd_buf);
    free(t->pg_buf);
    free(t);
}

static const struct reporter_ops html_ops = {
    .segment = html_segment,
    .undecoded = html_undecoded,
    .timer_change = html_timer,
    .conn_end = html_conn_end,
    .finish = html_finish,
    .destroy = html_destroy,
    .syscall = html_syscall,
    .kernel = html_kernel,
    .agree = html_agree,
    .held_copy = html_held_copy,
    .listener = html_listener,
};

struct reporter *report_html_new(FILE *out, unsigned flags, uint64_t only_conn,
                                 const struct rpt_meta *meta)
{
    struct html_rep *t = calloc(1, sizeof(*t));
    unsigned jflags = RPT_ALL | (flags & (RPT_ABS_SEQ | RPT_VERBOSE));
    if (!t)
        return NULL;
    t->base.ops = &html_ops;
    t->base.out = out;
    t->base.flags = jflags;
    t->only = only_conn;
    t->nd = open_memstream(&t->nd_buf, &t->nd_len);
    t->pg = open_memstream(&t->pg_buf, &t->pg_len);
    t->json = t->nd ? report_json_new(t->nd, jflags) : NULL;
    if (!t->nd || !t->pg || !t->json) {
        html_destroy(&t->base);
        return NULL;
    }
    if (meta) {
        /* The archive is what `--json --all` prints: its meta says so. */
        struct rpt_meta m = *meta;
        m.flags = (m.flags & ~RPT_QUIET) | jflags;
        report_json_meta(t->json, &m);
    }
    return &t->base;
}
