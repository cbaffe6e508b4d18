/* report_page_data.c: the --report page's numbers as JSON, in a data block
 * (<script type="application/json" id="tcpshake-data">) that no browser
 * runs: the summary record's members exactly as report_json.c writes them
 * (tests/report/page_numbers.py compares the two), the shown bins, and the
 * top tables. Strings are escaped with <, > and & as \u escapes, so the
 * block cannot be ended early whatever a capture holds (HTML Living
 * Standard 4.12.1.3, "Restrictions for contents of script elements"), and
 * invalid UTF-8 becomes U+FFFD. */
#include <inttypes.h>
#include <string.h>

#include "report_page_int.h"

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
    if (ts->returned || ts->forgotten_early) { /* as report_json.c: issue 15 */
        pj_open(j, "returned", '{');
        pj_u64(j, "connections", ts->returned);
        pj_u64(j, "segments", ts->returned_segments);
        pj_u64(j, "syn_retransmits", ts->returned_syn_retransmits);
        pj_close(j, '}');
        pj_open(j, "memory", '{');
        pj_u64(j, "remembered", ts->remembered);
        pj_u64(j, "forgotten_early", ts->forgotten_early);
        pj_u64(j, "window_ms", ts->memory_window_ns / 1000000u);
        pj_u64(j, "bytes", ts->memory_bytes);
        pj_u64(j, "cap_bytes", ts->memory_cap_bytes);
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

void page__data(FILE *o, const struct page_view *v)
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
    pj_u64(&j, "alive_end", v->ps->alive); /* begun and never recorded: 0 */
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

