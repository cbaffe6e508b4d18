/* report_page_html.c: the --report page itself: head, outcome cards, the
 * charts (report_page_svg.c), the tables, and the numbers as JSON
 * (report_page_data.c). Everything a capture (or the user) can influence is
 * escaped for where it lands: HTML text and attributes through
 * svg_escape(). The page loads nothing: a Content-Security-Policy of
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
    else if (ns < UINT64_C(7200000000000) && ns / UINT64_C(1000000000) % 60u)
        snprintf(out, 64, "%" PRIu64 " min %" PRIu64 " s", ns / UINT64_C(60000000000),
                 ns / UINT64_C(1000000000) % 60u);
    else if (ns < UINT64_C(7200000000000))
        snprintf(out, 64, "%" PRIu64 " min", ns / UINT64_C(60000000000));
    else if (ns / UINT64_C(60000000000) % 60u)
        snprintf(out, 64, "%" PRIu64 " h %" PRIu64 " min", ns / UINT64_C(3600000000000),
                 ns / UINT64_C(60000000000) % 60u);
    else
        snprintf(out, 64, "%" PRIu64 " h", ns / UINT64_C(3600000000000));
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

/* A Space-Saving count: "~N" with its bound when it may be high. */
static void cell_est(FILE *o, const struct topk_entry *e)
{
    char g[32], b[32];
    group(e->count, g);
    if (!e->err) {
        fprintf(o, "<td class=\"n\">%s</td>", g);
        return;
    }
    group(e->err, b);
    fprintf(o, "<td class=\"n\" title=\"estimate: at most %s above the true count\">~%s</td>",
            b, g);
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
        cell_est(o, e);
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
        cell_est(o, &v->clients->e[idx[i]]);
        cell_u(o, NULL, c->out[HS_REFUSED]);
        cell_u(o, NULL, c->out[HS_UNANSWERED]);
        cell_u(o, NULL, c->out[HS_HALF_OPEN]);
        cell_u(o, NULL, c->out[HS_ABORTED]);
        fputs("</tr>\n", o);
    }
    if (n == 0)
        fputs("<tr><td colspan=\"6\" class=\"mute\">no failed handshakes</td></tr>\n", o);
    fputs("</table></div>\n</div>\n", o);
    if (v->servers->replaced || v->clients->replaced)
        fprintf(o, "<p class=\"mute\">Servers and clients are counted in %u entries each "
                   "(Space-Saving): exact while there are no more distinct ones; beyond, the "
                   "busiest are kept, a count marked ~ may be high by the bound its tooltip "
                   "gives, and its times cover only the handshakes since it took its entry."
                   "</p>\n", PS_TOPK);
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
    page__data(o, v);
    fputs("</body>\n</html>\n", o);
}
