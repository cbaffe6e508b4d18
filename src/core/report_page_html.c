/* report_page_html.c: the --report page itself: head, outcome cards, the
 * charts (report_page_svg.c), the tables, and the numbers as JSON in a
 * data block. Everything a capture (or the user) can influence is escaped
 * for where it lands: HTML text and attributes through svg_escape(), JSON
 * strings with <, > and & as \u escapes so a data block cannot be ended
 * early (HTML Living Standard 4.12.1.3, "Restrictions for contents of
 * script elements"). The page loads nothing: a Content-Security-Policy of
 * default-src 'none' says so to the browser. */
#include <inttypes.h>
#include <string.h>

#include "config.h"
#include "report_page_int.h"
#include "svg.h"

/* ---- text ------------------------------------------------------------------- */

void page__esc(FILE *o, const char *s)
{
    char buf[4 * PAGE_META_TEXT];
    svg_escape(s ? s : "", buf, sizeof(buf));
    fputs(buf, o);
}

/* "1234567" -> "1,234,567". */
static void group(uint64_t v, char out[32])
{
    char d[24];
    int n = snprintf(d, sizeof(d), "%" PRIu64, v), i, k = 0;
    for (i = 0; i < n; i++) {
        if (i && (n - i) % 3 == 0)
            out[k++] = ',';
        out[k++] = d[i];
    }
    out[k] = '\0';
}

/* v / div with up to 3 decimals, trailing zeros dropped. */
static void decimal(uint64_t v, uint64_t div, char out[48])
{
    const size_t cap = 48;
    uint64_t whole = v / div, frac = (v % div) * 1000u / div;
    if (frac == 0)
        snprintf(out, cap, "%" PRIu64, whole);
    else if (frac % 100 == 0)
        snprintf(out, cap, "%" PRIu64 ".%" PRIu64, whole, frac / 100);
    else if (frac % 10 == 0)
        snprintf(out, cap, "%" PRIu64 ".%02" PRIu64, whole, frac / 10);
    else
        snprintf(out, cap, "%" PRIu64 ".%03" PRIu64, whole, frac);
}

void page__dur(uint64_t ns, char out[64])
{
    char n[48];
    if (ns == 0)
        snprintf(out, 64, "0 s");
    else if (ns < 1000u)
        snprintf(out, 64, "%" PRIu64 " ns", ns);
    else if (ns < 1000000u)
        decimal(ns, 1000u, n), snprintf(out, 64, "%s us", n);
    else if (ns < UINT64_C(1000000000))
        decimal(ns, 1000000u, n), snprintf(out, 64, "%s ms", n);
    else if (ns < UINT64_C(120000000000))
        decimal(ns, UINT64_C(1000000000), n), snprintf(out, 64, "%s s", n);
    else if (ns < UINT64_C(7200000000000))
        snprintf(out, 64, "%" PRIu64 " min %" PRIu64 " s", ns / UINT64_C(60000000000),
                 ns / UINT64_C(1000000000) % 60u);
    else
        snprintf(out, 64, "%" PRIu64 " h %" PRIu64 " min", ns / UINT64_C(3600000000000),
                 ns / UINT64_C(60000000000) % 60u);
}

/* Days since 1970-01-01 to a civil date (H. Hinnant's civil_from_days, as
 * report_text.c: pure arithmetic, no time zone database in the core). */
static void civil(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
    int64_t era, yoe, doy, mp;
    z += 719468;
    era = (z >= 0 ? z : z - 146096) / 146097;
    yoe = z - era * 146097;
    yoe = (yoe - yoe / 1460 + yoe / 36524 - yoe / 146096) / 365;
    doy = z - era * 146097 - (365 * yoe + yoe / 4 - yoe / 100);
    mp = (5 * doy + 2) / 153;
    *d = (unsigned)(doy - (153 * mp + 2) / 5 + 1);
    *m = (unsigned)(mp < 10 ? mp + 3 : mp - 9);
    *y = yoe + era * 400 + (*m <= 2);
}

void page__utc(uint64_t ts_ns, char out[40])
{
    uint64_t secs = ts_ns / UINT64_C(1000000000), sod = secs % 86400u;
    int64_t y;
    unsigned mo, d;
    civil((int64_t)(secs / 86400u), &y, &mo, &d);
    snprintf(out, 40, "%04" PRId64 "-%02u-%02u %02u:%02u:%02u.%06" PRIu64, y, mo, d,
             (unsigned)(sod / 3600), (unsigned)(sod / 60 % 60), (unsigned)(sod % 60),
             ts_ns / 1000u % 1000000u);
}

void page__clock(uint64_t ts_ns, int decimals, char out[24])
{
    uint64_t sod = ts_ns / UINT64_C(1000000000) % 86400u, frac = ts_ns / 1000u % 1000000u;
    int n = snprintf(out, 24, "%02u:%02u:%02u", (unsigned)(sod / 3600), (unsigned)(sod / 60 % 60),
                     (unsigned)(sod % 60));
    if (decimals > 0) {
        char f[8];
        snprintf(f, sizeof(f), "%06" PRIu64, frac);
        snprintf(out + n, (size_t)(24 - n), ".%.*s", decimals > 6 ? 6 : decimals, f);
    }
}

/* ---- JSON (the data block) ------------------------------------------------------ */

struct pj {
    FILE *o;
    int depth;
    bool more[16]; /* a member was written at this depth */
};

static void pj_sep(struct pj *j, const char *key)
{
    if (j->more[j->depth])
        fputc(',', j->o);
    j->more[j->depth] = true;
    if (key)
        fprintf(j->o, "\"%s\":", key); /* keys are our own words */
}

/* Invalid UTF-8 -> U+FFFD; <, >, & and controls as \u escapes. */
static void pj_string(FILE *o, const char *s)
{
    const unsigned char *p = (const unsigned char *)(s ? s : "");
    fputc('"', o);
    while (*p) {
        size_t n = 0, i;
        unsigned c = *p;
        if (c == '"' || c == '\\') {
            fputc('\\', o), fputc((int)c, o), p++;
            continue;
        }
        if (c < 0x20 || c == '<' || c == '>' || c == '&' || c == 0x7F) {
            fprintf(o, "\\u%04x", c), p++;
            continue;
        }
        if (c < 0x80) {
            fputc((int)c, o), p++;
            continue;
        }
        if (c >= 0xC2 && c <= 0xDF)
            n = 2;
        else if (c >= 0xE0 && c <= 0xEF)
            n = 3;
        else if (c >= 0xF0 && c <= 0xF4)
            n = 4;
        for (i = 1; i < n; i++)
            if ((p[i] & 0xC0) != 0x80)
                break;
        if (n && i == n && !(c == 0xE0 && p[1] < 0xA0) && !(c == 0xED && p[1] > 0x9F) &&
            !(c == 0xF0 && p[1] < 0x90) && !(c == 0xF4 && p[1] > 0x8F)) {
            fwrite(p, 1, n, o);
            p += n;
        } else {
            fputs("\\ufffd", o);
            p++;
        }
    }
    fputc('"', o);
}

static void pj_open(struct pj *j, const char *key, char c)
{
    pj_sep(j, key);
    fputc(c, j->o);
    if (j->depth < 15)
        j->more[++j->depth] = false;
}

static void pj_close(struct pj *j, char c)
{
    fputc(c, j->o);
    if (j->depth > 0)
        j->depth--;
}

static void pj_u64(struct pj *j, const char *key, uint64_t v)
{
    pj_sep(j, key);
    fprintf(j->o, "%" PRIu64, v);
}

static void pj_str(struct pj *j, const char *key, const char *s)
{
    pj_sep(j, key);
    pj_string(j->o, s);
}

static void pj_ts(struct pj *j, const char *key, uint64_t ts_ns)
{
    char b[32];
    ts_format(ts_ns, b);
    pj_sep(j, key);
    fputs(b, j->o);
}

/* The summary record's members, as report_json.c writes them (the test
 * compares the two: tests/report/page_numbers.py). */
static void put_half(struct pj *j, const char *key, const struct hist *h)
{
    static const struct { const char *name; unsigned pm; } pcts[] = {
        { "p50", 500 }, { "p90", 900 }, { "p99", 990 }, { "max", 1000 },
    };
    size_t i;
    pj_open(j, key, '{');
    pj_u64(j, "count", h->count);
    for (i = 0; i < sizeof(pcts) / sizeof(pcts[0]); i++) {
        pj_sep(j, pcts[i].name);
        if (h->count)
            fprintf(j->o, "%" PRIu64, hist_percentile(h, pcts[i].pm));
        else
            fputs("null", j->o);
    }
    pj_close(j, '}');
}

static void put_summary(struct pj *j, const struct page_view *v)
{
    const struct run_stats *rs = v->rs;
    const struct tracker_stats *ts = v->ts;
    unsigned k;
    pj_open(j, "summary", '{');
    pj_u64(j, "packets", rs->packets);
    pj_u64(j, "tcp_packets", rs->tcp_packets);
    pj_u64(j, "bytes", rs->bytes);
    if (rs->packets) {
        pj_ts(j, "first_ts", rs->first_ts_ns);
        pj_ts(j, "last_ts", rs->last_ts_ns);
    }
    pj_u64(j, "connections", ts->connections);
    pj_open(j, "outcomes", '{');
    for (k = HS_PENDING + 1; k < HS__COUNT; k++)
        pj_u64(j, hs_outcome_name((enum hs_outcome)k), ts->outcomes[k]);
    pj_close(j, '}');
    pj_open(j, "closes", '{');
    for (k = 0; k < CLOSE__COUNT; k++)
        pj_u64(j, close_outcome_name((enum close_outcome)k), ts->closes[k]);
    pj_close(j, '}');
    pj_u64(j, "evicted", ts->evicted);
    pj_u64(j, "timed_out", ts->timed_out);
    pj_u64(j, "retransmits", ts->retransmits);
    pj_u64(j, "strays", ts->strays);
    pj_u64(j, "invalid", ts->invalid);
    pj_u64(j, "untracked", ts->untracked);
    pj_u64(j, "peak_active", ts->peak_active);
    pj_u64(j, "capacity", ts->capacity);
    pj_open(j, "decode", '{');
    for (k = DECODE_OK + 1; k < DECODE__COUNT; k++)
        pj_u64(j, decode_status_name((enum decode_status)k), rs->decode[k]);
    pj_close(j, '}');
    pj_open(j, "anomalies", '{');
    for (k = 0; k < PKT_ANOM__COUNT; k++)
        if (pkt_anomaly_name(1u << k))
            pj_u64(j, pkt_anomaly_name(1u << k), rs->anomalies[k]);
    pj_close(j, '}');
    if (v->hs) {
        struct hs_port_count top[HS_TOP_PORTS];
        size_t i, n = hsstats_top_refused(v->hs, top, HS_TOP_PORTS);
        pj_open(j, "handshake_us", '{');
        put_half(j, "syn_synack", &v->hs->syn_synack);
        put_half(j, "synack_ack", &v->hs->synack_ack);
        pj_close(j, '}');
        pj_u64(j, "syn_retransmits", v->hs->syn_retransmits);
        pj_u64(j, "syn_retransmit_conns", v->hs->syn_retransmit_conns);
        pj_u64(j, "synack_retransmits", v->hs->synack_retransmits);
        pj_u64(j, "synack_retransmit_conns", v->hs->synack_retransmit_conns);
        pj_open(j, "top_refused_ports", '[');
        for (i = 0; i < n; i++) {
            pj_open(j, NULL, '{');
            pj_u64(j, "port", top[i].port);
            pj_u64(j, "count", top[i].count);
            pj_close(j, '}');
        }
        pj_close(j, ']');
    }
    if (rs->have_capture_stats) {
        pj_open(j, "capture", '{');
        pj_u64(j, "received", rs->cap_received);
        pj_u64(j, "dropped", rs->cap_dropped);
        pj_u64(j, "ifdropped", rs->cap_ifdropped);
        pj_close(j, '}');
    }
    if (rs->input_error)
        pj_str(j, "error", rs->input_error);
    pj_close(j, '}');
}

/* One array member per bin. */
#define PJ_BINS(j, key, expr)                                                                \
    do {                                                                                     \
        size_t i_;                                                                           \
        pj_open((j), (key), '[');                                                            \
        for (i_ = 0; i_ < v->nbins; i_++) {                                                  \
            const struct ps_bucket *b_ = &v->bins[i_];                                       \
            (void)b_;                                                                        \
            pj_u64((j), NULL, (expr));                                                       \
        }                                                                                    \
        pj_close((j), ']');                                                                  \
    } while (0)

static void put_half_bins(struct pj *j, const char *key, const struct page_view *v, int half)
{
    static const struct { const char *name; unsigned pm; } pcts[] = {
        { "p50", 500 }, { "p90", 900 }, { "p99", 990 },
    };
    size_t p, i;
    pj_open(j, key, '{');
    PJ_BINS(j, "count", b_->half[half].count);
    for (p = 0; p < 3; p++) {
        pj_open(j, pcts[p].name, '[');
        for (i = 0; i < v->nbins; i++) {
            const struct chist *h = &v->bins[i].half[half];
            pj_sep(j, NULL);
            if (h->count)
                fprintf(j->o, "%" PRIu64, chist_percentile(h, pcts[p].pm));
            else
                fputs("null", j->o);
        }
        pj_close(j, ']');
    }
    pj_close(j, '}');
}

static void put_data(FILE *o, const struct page_view *v)
{
    struct pj j;
    size_t idx[PAGE_TOP_ROWS], n, i, k;
    char ep[ENDPOINT_STRLEN];

    memset(&j, 0, sizeof(j));
    j.o = o;
    fputs("<script type=\"application/json\" id=\"tcpshake-data\">", o);
    pj_open(&j, NULL, '{');
    pj_str(&j, "format", "tcpshake-report");
    pj_u64(&j, "version", 1);
    pj_str(&j, "command", v->meta->command);
    pj_str(&j, "inputs", v->meta->inputs);
    pj_str(&j, "filter", v->meta->filter);
    put_summary(&j, v);
    pj_open(&j, "bins", '{');
    pj_ts(&j, "t0", v->t0_ns);
    pj_u64(&j, "bin_ns", v->bin_ns);
    pj_u64(&j, "count", v->nbins);
    pj_u64(&j, "bucket_ns", v->ps->width_ns);
    pj_u64(&j, "merges", v->ps->merges);
    pj_open(&j, "started", '{');
    for (k = 0; k < HS__COUNT - 1; k++) {
        unsigned oc = page__outcome_order[k];
        PJ_BINS(&j, hs_outcome_name((enum hs_outcome)oc), b_->started[oc]);
    }
    pj_close(&j, '}');
    put_half_bins(&j, "syn_synack_us", v, PS_SYN_SYNACK);
    put_half_bins(&j, "synack_ack_us", v, PS_SYNACK_ACK);
    PJ_BINS(&j, "syn_retransmits", b_->syn_rtx);
    PJ_BINS(&j, "synack_retransmits", b_->synack_rtx);
    PJ_BINS(&j, "alive", v->alive[i_]);
    PJ_BINS(&j, "evicted", b_->evicted);
    PJ_BINS(&j, "timed_out", b_->timed_out);
    pj_close(&j, '}');

    pj_open(&j, "servers", '[');
    n = topk_sorted(v->servers, idx, PAGE_TOP_ROWS);
    for (i = 0; i < n; i++) {
        const struct topk_entry *e = &v->servers->e[idx[i]];
        const struct page_server *s = &v->srv[idx[i]];
        endpoint_format(&e->key.addr, e->key.port, ep);
        pj_open(&j, NULL, '{');
        pj_str(&j, "server", ep);
        pj_u64(&j, "handshakes", e->count);
        pj_u64(&j, "error", e->err);
        pj_u64(&j, "failed", s->failed);
        pj_u64(&j, "p50_us", chist_percentile(&s->syn_synack, 500));
        pj_u64(&j, "p99_us", chist_percentile(&s->syn_synack, 990));
        pj_close(&j, '}');
    }
    pj_close(&j, ']');
    pj_open(&j, "clients", '[');
    n = topk_sorted(v->clients, idx, PAGE_TOP_ROWS);
    for (i = 0; i < n; i++) {
        const struct topk_entry *e = &v->clients->e[idx[i]];
        ipaddr_format(&e->key.addr, ep);
        pj_open(&j, NULL, '{');
        pj_str(&j, "client", ep);
        pj_u64(&j, "failed", e->count);
        pj_u64(&j, "error", e->err);
        for (k = 0; k < HS__COUNT; k++)
            if (page__failed((unsigned)k))
                pj_u64(&j, hs_outcome_name((enum hs_outcome)k), v->cli[idx[i]].out[k]);
        pj_close(&j, '}');
    }
    pj_close(&j, ']');
    pj_close(&j, '}');
    fputs("</script>\n", o);
}

/* ---- the page ---------------------------------------------------------------------- */

static const char page_css[] =
    "<style>\n"
    ":root{--ink:#1a1a1a;--mute:#5f6368;--line:#d0d4d9}\n"
    "body{font:15px/1.45 system-ui,'DejaVu Sans',Arial,sans-serif;color:var(--ink);"
    "margin:0 auto;max-width:1100px;padding:16px 24px;background:#fff}\n"
    "h1{font-size:24px;margin:0 0 4px}h2{font-size:18px;margin:28px 0 6px;"
    "border-bottom:1px solid var(--line)}\n"
    ".src{font-family:'DejaVu Sans Mono',Menlo,Consolas,monospace;word-break:break-all}\n"
    ".mute,figcaption{color:var(--mute)}figure{margin:14px 0}\n"
    "figcaption{font-size:13px}figcaption b{color:var(--ink);font-size:15px}\n"
    "svg.chart{width:100%;height:auto;display:block}\n"
    "svg text{font:12px system-ui,'DejaVu Sans',Arial,sans-serif;fill:var(--ink)}\n"
    ".grid{stroke:#e6e8eb;stroke-width:1}.axis{stroke:#6b7280;stroke-width:1}\n"
    ".cards{display:flex;flex-wrap:wrap;gap:8px;margin:12px 0}\n"
    ".card{border:1px solid var(--line);border-radius:6px;padding:6px 10px;min-width:120px}\n"
    ".card .n{font-size:20px;font-weight:600}\n"
    ".sw{display:inline-block;width:12px;height:12px;vertical-align:-1px;margin-right:5px;"
    "border:1px solid #555}\n"
    "table{border-collapse:collapse;margin:6px 0 12px;font-size:14px}\n"
    "th,td{border-bottom:1px solid var(--line);padding:3px 10px;text-align:left}\n"
    "td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}\n"
    ".tables{display:flex;flex-wrap:wrap;gap:0 36px}\n"
    ".o-complete{fill:#1f5fbf;background:#1f5fbf}\n"
    ".o-refused{fill:url(#p-refused);background:repeating-linear-gradient(45deg,#d00000 0 3px,"
    "#fff 3px 5px)}\n"
    ".o-unanswered{fill:#9ca3af;background:#9ca3af}\n"
    ".o-half-open{fill:url(#p-half-open);background:repeating-linear-gradient(-45deg,#f59e0b 0 "
    "3px,#7c4a03 3px 4px)}\n"
    ".o-aborted{fill:#4a1d0a;background:#4a1d0a}\n"
    ".o-mid-stream{fill:#eef0f3;stroke:#6b7280;stroke-width:.5;background:#eef0f3}\n"
    ".r-syn{fill:#1f5fbf;background:#1f5fbf}\n"
    ".r-synack{fill:url(#p-synack);background:repeating-linear-gradient(45deg,#c2410c 0 3px,"
    "#fff 3px 5px)}\n"
    ".l-client{stroke:#1f5fbf;fill:#1f5fbf}.l-server{stroke:#c2410c;fill:#c2410c}\n"
    ".mk{fill:#fff;stroke-width:1.5}\n"
    ".p50{stroke-width:2.5;fill:none}.p90{stroke-width:1.8;stroke-dasharray:7 4;fill:none}\n"
    ".p99{stroke-width:1.6;stroke-dasharray:1.5 3;fill:none}\n"
    ".alive{fill:#dbe6f6;stroke:#1f5fbf;stroke-width:1.5}\n"
    ".m-evicted{fill:#d00000}.m-timeout{fill:#fff;stroke:#1a1a1a;stroke-width:1.3}\n"
    "@media print{body{max-width:none;padding:0}h2{break-after:avoid}"
    "figure,table{break-inside:avoid}}\n"
    "</style>\n";

static void cell_u(FILE *o, const char *key, uint64_t v)
{
    char g[32];
    group(v, g);
    if (key)
        fprintf(o, "<td class=\"n\" data-k=\"%s\" data-v=\"%" PRIu64 "\">%s</td>", key, v, g);
    else
        fprintf(o, "<td class=\"n\">%s</td>", g);
}

static void cell_us(FILE *o, uint64_t us, bool have)
{
    char d[64];
    if (!have) {
        fputs("<td class=\"n\">-</td>", o);
        return;
    }
    page__dur(us * 1000u, d);
    fprintf(o, "<td class=\"n\" data-us=\"%" PRIu64 "\">%s</td>", us, d);
}

/* "12.5 %" of a / b. */
static void cell_share(FILE *o, uint64_t a, uint64_t b)
{
    uint64_t pm = b ? (a * 1000u + b / 2) / b : 0;
    fprintf(o, "<td class=\"n\">%" PRIu64 ".%" PRIu64 " %%</td>", pm / 10, pm % 10);
}

static void head(FILE *o, const struct page_view *v)
{
    const struct run_stats *rs = v->rs;
    char a[40], b[40], d[64], n1[32], n2[32];
    fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
          "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
          "style-src 'unsafe-inline'\">\n"
          "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
          "<meta name=\"generator\" content=\"tcpshake " TCPSHAKE_VERSION "\">\n<title>tcpshake report: ",
          o);
    page__esc(o, v->meta->inputs[0] ? v->meta->inputs : "capture");
    fputs("</title>\n", o);
    fputs(page_css, o);
    fputs("</head>\n<body>\n", o);
    page__svg_defs(o);
    fputs("<header>\n<h1>tcpshake report</h1>\n<p class=\"src\">", o);
    page__esc(o, v->meta->command[0] ? v->meta->command : "read");
    fputc(' ', o);
    page__esc(o, v->meta->inputs);
    if (v->meta->filter[0]) {
        fputs(" <span class=\"mute\">filter</span> ", o);
        page__esc(o, v->meta->filter);
    }
    fputs("</p>\n", o);
    if (rs->packets) {
        page__utc(rs->first_ts_ns, a);
        page__utc(rs->last_ts_ns, b);
        page__dur(rs->last_ts_ns > rs->first_ts_ns ? rs->last_ts_ns - rs->first_ts_ns : 0, d);
        group(rs->packets, n1);
        group(v->ts->connections, n2);
        fprintf(o, "<p>%s to %s UTC (%s): %s packets, %s connections.</p>\n", a, b, d, n1, n2);
    } else {
        fputs("<p>The input held no packets.</p>\n", o);
    }
    if (rs->input_error) {
        fputs("<p><b>Input error:</b> ", o);
        page__esc(o, rs->input_error);
        fputs("</p>\n", o);
    }
    if (rs->interrupted)
        fputs("<p><b>Interrupted</b> before the end of the input.</p>\n", o);
    fputs("</header>\n", o);
}

static void cards(FILE *o, const struct page_view *v)
{
    size_t k;
    fputs("<section id=\"outcomes\" class=\"cards\">\n", o);
    for (k = 0; k < HS__COUNT - 1; k++) {
        unsigned oc = page__outcome_order[k];
        const char *name = hs_outcome_name((enum hs_outcome)oc);
        char g[32];
        group(v->ts->outcomes[oc], g);
        fprintf(o, "<div class=\"card\"><span class=\"sw o-%s\"></span>%s<br>"
                   "<span class=\"n\" data-k=\"outcomes.%s\" data-v=\"%" PRIu64 "\">%s</span>",
                name, name, name, v->ts->outcomes[oc], g);
        if (v->ts->connections) {
            uint64_t pm = (v->ts->outcomes[oc] * 1000u + v->ts->connections / 2) /
                          v->ts->connections;
            fprintf(o, " <span class=\"mute\">%" PRIu64 ".%" PRIu64 " %%</span>", pm / 10, pm % 10);
        }
        fputs("</div>\n", o);
    }
    fputs("</section>\n", o);
}

static void table_start(FILE *o, const char *id, const char *title, const char *cols)
{
    fprintf(o, "<div><h3>%s</h3>\n<table id=\"%s\"><tr>%s</tr>\n", title, id, cols);
}

static void top_tables(FILE *o, const struct page_view *v)
{
    size_t idx[PAGE_TOP_ROWS], n, i;
    char ep[ENDPOINT_STRLEN], key[48];

    fputs("<h2 id=\"who\">Who</h2>\n<div class=\"tables\">\n", o);
    table_start(o, "t-refused-ports", "Top refused ports",
                "<th class=\"n\">port</th><th class=\"n\">refused</th><th class=\"n\">share</th>");
    if (v->hs) {
        struct hs_port_count top[PAGE_TOP_ROWS];
        n = hsstats_top_refused(v->hs, top, PAGE_TOP_ROWS);
        for (i = 0; i < n; i++) {
            fputs("<tr>", o);
            snprintf(key, sizeof(key), "top_refused_ports.%zu.port", i);
            cell_u(o, i < HS_TOP_PORTS ? key : NULL, top[i].port);
            snprintf(key, sizeof(key), "top_refused_ports.%zu.count", i);
            cell_u(o, i < HS_TOP_PORTS ? key : NULL, top[i].count);
            cell_share(o, top[i].count, v->hs->refused);
            fputs("</tr>\n", o);
        }
        if (n == 0)
            fputs("<tr><td colspan=\"3\" class=\"mute\">none refused</td></tr>\n", o);
    }
    fputs("</table></div>\n", o);

    table_start(o, "t-servers", "Top servers by handshakes",
                "<th>server</th><th class=\"n\">handshakes</th><th class=\"n\">SYN&#8594;SYN+ACK "
                "p50</th><th class=\"n\">p99</th><th class=\"n\">failed</th>");
    n = topk_sorted(v->servers, idx, PAGE_TOP_ROWS);
    for (i = 0; i < n; i++) {
        const struct topk_entry *e = &v->servers->e[idx[i]];
        const struct chist *h = &v->srv[idx[i]].syn_synack;
        endpoint_format(&e->key.addr, e->key.port, ep);
        fputs("<tr><td class=\"src\">", o);
        page__esc(o, ep);
        fputs("</td>", o);
        cell_u(o, NULL, e->count);
        cell_us(o, chist_percentile(h, 500), h->count > 0);
        cell_us(o, chist_percentile(h, 990), h->count > 0);
        cell_share(o, v->srv[idx[i]].failed, e->count);
        fputs("</tr>\n", o);
    }
    if (n == 0)
        fputs("<tr><td colspan=\"5\" class=\"mute\">no handshakes</td></tr>\n", o);
    fputs("</table></div>\n", o);

    table_start(o, "t-clients", "Top clients by failed handshakes",
                "<th>client</th><th class=\"n\">failed</th><th class=\"n\">refused</th>"
                "<th class=\"n\">unanswered</th><th class=\"n\">half-open</th>"
                "<th class=\"n\">aborted</th>");
    n = topk_sorted(v->clients, idx, PAGE_TOP_ROWS);
    for (i = 0; i < n; i++) {
        const struct page_client *c = &v->cli[idx[i]];
        ipaddr_format(&v->clients->e[idx[i]].key.addr, ep);
        fputs("<tr><td class=\"src\">", o);
        page__esc(o, ep);
        fputs("</td>", o);
        cell_u(o, NULL, v->clients->e[idx[i]].count);
        cell_u(o, NULL, c->out[HS_REFUSED]);
        cell_u(o, NULL, c->out[HS_UNANSWERED]);
        cell_u(o, NULL, c->out[HS_HALF_OPEN]);
        cell_u(o, NULL, c->out[HS_ABORTED]);
        fputs("</tr>\n", o);
    }
    if (n == 0)
        fputs("<tr><td colspan=\"6\" class=\"mute\">no failed handshakes</td></tr>\n", o);
    fputs("</table></div>\n</div>\n", o);
    if (v->servers->total > v->servers->n || v->clients->total > v->clients->n)
        fprintf(o, "<p class=\"mute\">Servers and clients are counted in %u entries each "
                   "(Space-Saving): exact while there are no more distinct ones; beyond, the "
                   "busiest are kept and a count may be a little high.</p>\n", PS_TOPK);
}

/* One row "name | value" of a counters table. */
static void counter_row(FILE *o, const char *prefix, const char *name, uint64_t val)
{
    char key[96];
    snprintf(key, sizeof(key), "%s%s", prefix, name);
    fprintf(o, "<tr><td>%s</td>", name);
    cell_u(o, key, val);
    fputs("</tr>\n", o);
}

static void counter_tables(FILE *o, const struct page_view *v)
{
    const struct run_stats *rs = v->rs;
    const struct tracker_stats *ts = v->ts;
    unsigned k;

    fputs("<h2 id=\"counters\">Counters</h2>\n<div class=\"tables\">\n", o);
    table_start(o, "t-run", "Run", "<th>counter</th><th class=\"n\">value</th>");
    counter_row(o, "", "packets", rs->packets);
    counter_row(o, "", "tcp_packets", rs->tcp_packets);
    counter_row(o, "", "bytes", rs->bytes);
    counter_row(o, "", "connections", ts->connections);
    counter_row(o, "", "evicted", ts->evicted);
    counter_row(o, "", "timed_out", ts->timed_out);
    counter_row(o, "", "retransmits", ts->retransmits);
    counter_row(o, "", "strays", ts->strays);
    counter_row(o, "", "invalid", ts->invalid);
    counter_row(o, "", "untracked", ts->untracked);
    counter_row(o, "", "peak_active", ts->peak_active);
    counter_row(o, "", "capacity", ts->capacity);
    if (v->hs) {
        counter_row(o, "", "syn_retransmits", v->hs->syn_retransmits);
        counter_row(o, "", "syn_retransmit_conns", v->hs->syn_retransmit_conns);
        counter_row(o, "", "synack_retransmits", v->hs->synack_retransmits);
        counter_row(o, "", "synack_retransmit_conns", v->hs->synack_retransmit_conns);
    }
    if (rs->have_capture_stats) {
        counter_row(o, "capture.", "received", rs->cap_received);
        counter_row(o, "capture.", "dropped", rs->cap_dropped);
        counter_row(o, "capture.", "ifdropped", rs->cap_ifdropped);
    }
    fputs("</table></div>\n", o);
    table_start(o, "t-closes", "How connections ended", "<th>close</th><th class=\"n\">count</th>");
    for (k = 0; k < CLOSE__COUNT; k++)
        counter_row(o, "closes.", close_outcome_name((enum close_outcome)k), ts->closes[k]);
    fputs("</table></div>\n", o);
    table_start(o, "t-decode", "Frames not decoded to TCP",
                "<th>decode</th><th class=\"n\">frames</th>");
    for (k = DECODE_OK + 1; k < DECODE__COUNT; k++)
        counter_row(o, "decode.", decode_status_name((enum decode_status)k), rs->decode[k]);
    fputs("</table></div>\n", o);
    table_start(o, "t-anomalies", "Packet anomalies",
                "<th>anomaly</th><th class=\"n\">packets</th>");
    for (k = 0; k < PKT_ANOM__COUNT; k++)
        if (pkt_anomaly_name(1u << k))
            counter_row(o, "anomalies.", pkt_anomaly_name(1u << k), rs->anomalies[k]);
    fputs("</table></div>\n</div>\n", o);
}

void page__write(FILE *o, const struct page_view *v)
{
    char d[64];
    head(o, v);
    cards(o, v);
    page__charts(o, v);
    top_tables(o, v);
    counter_tables(o, v);
    page__dur(v->bin_ns, d);
    fprintf(o, "<footer class=\"mute\"><p>Made by tcpshake " TCPSHAKE_VERSION
               " in one pass over the capture. Charts show %zu bins of %s each (time buckets "
               "merged %u times); per-bin percentiles are at most 12.5 %% high, the "
               "whole-capture ones at most 3.125 %% (docs/VIEWS.md). The numbers are in the "
               "page as JSON (script#tcpshake-data).</p></footer>\n",
            v->nbins, d, v->ps->merges);
    put_data(o, v);
    fputs("</body>\n</html>\n", o);
}
