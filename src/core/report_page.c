/* report_page.c: the --report reporter (issue 18): one self-contained HTML
 * page for a whole capture, written when the run finishes. It collects, in
 * the same single pass as every other view, only bounded aggregates
 * (pagestats.h): time buckets merged pairwise as the capture grows, and
 * Space-Saving tables of servers and clients; the summary's own numbers
 * (run_stats, tracker_stats, hs_summary) come with finish(). Composed with
 * the terminal view by report_tee.c, like --svg. Drawing and the page are
 * in report_page_svg.c and report_page_html.c. */
#include <stdlib.h>
#include <string.h>

#include "report.h"
#include "report_page_int.h"

const unsigned page__outcome_order[HS__COUNT - 1] = {
    HS_COMPLETE, HS_REFUSED, HS_UNANSWERED, HS_HALF_OPEN, HS_ABORTED, HS_MIDSTREAM,
};

int page__failed(unsigned o)
{
    return o == HS_REFUSED || o == HS_UNANSWERED || o == HS_HALF_OPEN || o == HS_ABORTED;
}

struct page_rep {
    struct reporter base;
    struct page_meta meta;
    struct pagestats ps;
    struct topk servers;         /* by handshakes (connections that began with one) */
    struct page_server srv[PS_TOPK];
    struct topk clients;         /* by failed handshakes */
    struct page_client cli[PS_TOPK];
};

static void page_segment(struct reporter *r, const struct pkt *p, const struct trk_verdict *v)
{
    struct page_rep *pr = (struct page_rep *)r;
    pagestats_epoch(&pr->ps, p->ts_ns);
    if (v->conn && (v->notes & TRK_NOTE_NEW))
        pagestats_conn_begin(&pr->ps, p->ts_ns);
}

static void page_undecoded(struct reporter *r, const struct pkt *p, enum decode_status st)
{
    (void)st;
    pagestats_epoch(&((struct page_rep *)r)->ps, p->ts_ns);
}

static void page_epoch(struct reporter *r, uint64_t ts_ns)
{
    pagestats_epoch(&((struct page_rep *)r)->ps, ts_ns);
}

static void page_conn_end(struct reporter *r, const struct conn *c, enum trk_end why,
                          uint64_t ts_ns)
{
    struct page_rep *pr = (struct page_rep *)r;
    struct topk_key key;
    size_t e;
    bool fresh;
    int64_t rtt;

    pagestats_conn_end(&pr->ps, c, why, ts_ns);
    if (c->outcome == HS_MIDSTREAM || c->outcome >= HS__COUNT)
        return; /* no handshake seen: neither a server's nor a client's */
    memset(&key, 0, sizeof(key));
    key.addr = c->ep[TRK_SERVER].addr;
    key.port = c->ep[TRK_SERVER].port;
    e = topk_add(&pr->servers, &key, &fresh);
    if (fresh)
        memset(&pr->srv[e], 0, sizeof(pr->srv[e]));
    if (page__failed(c->outcome))
        pr->srv[e].failed++;
    rtt = conn_rtt_syn_synack_us(c);
    if (rtt >= 0)
        chist_add(&pr->srv[e].syn_synack, (uint64_t)rtt);
    if (!page__failed(c->outcome))
        return;
    memset(&key, 0, sizeof(key));
    key.addr = c->ep[TRK_CLIENT].addr;
    e = topk_add(&pr->clients, &key, &fresh);
    if (fresh)
        memset(&pr->cli[e], 0, sizeof(pr->cli[e]));
    pr->cli[e].out[c->outcome]++;
}

/* Combine the time buckets into at most PAGE_BINS_MAX bins, and carry the
 * alive count through bins where it did not change. */
static int make_bins(struct page_rep *pr, struct page_view *v)
{
    const struct pagestats *ps = &pr->ps;
    struct ps_bucket *bins;
    size_t k = 1, i;
    uint64_t carry = 0;

    if (ps->used == 0)
        return 0;
    while ((ps->used + k - 1) / k > PAGE_BINS_MAX)
        k *= 2;
    v->nbins = (ps->used + k - 1) / k;
    v->bin_ns = ps->width_ns * k;
    bins = calloc(v->nbins, sizeof(*bins));
    v->alive = calloc(v->nbins, sizeof(*v->alive));
    if (!bins || !v->alive) {
        free(bins);
        free(v->alive);
        v->alive = NULL;
        v->nbins = 0;
        return -1;
    }
    for (i = 0; i < v->nbins; i++) {
        pagestats_combine(ps, i * k, k, &bins[i]);
        v->alive[i] = bins[i].touched ? bins[i].alive_max : carry;
        if (bins[i].touched)
            carry = bins[i].alive_last;
    }
    v->bins = bins;
    return 0;
}

static void page_finish(struct reporter *r, const struct run_stats *rs,
                        const struct tracker_stats *ts)
{
    struct page_rep *pr = (struct page_rep *)r;
    struct page_view v;

    memset(&v, 0, sizeof(v));
    v.meta = &pr->meta;
    v.rs = rs;
    v.ts = ts;
    v.hs = rs->hs;
    v.ps = &pr->ps;
    v.servers = &pr->servers;
    v.srv = pr->srv;
    v.clients = &pr->clients;
    v.cli = pr->cli;
    v.t0_ns = pr->ps.have_t0 ? pr->ps.t0_ns : rs->first_ts_ns;
    (void)make_bins(pr, &v); /* out of memory: the page without its charts' data */
    page__write(r->out, &v);
    free((void *)v.bins);
    free(v.alive);
}

static void page_destroy(struct reporter *r)
{
    struct page_rep *pr = (struct page_rep *)r;
    pagestats_free(&pr->ps);
    free(pr);
}

static const struct reporter_ops page_ops = {
    .segment = page_segment,
    .undecoded = page_undecoded,
    .conn_end = page_conn_end,
    .finish = page_finish,
    .destroy = page_destroy,
    .epoch = page_epoch,
};

/* Copy at most cap - 1 bytes of s onto the end of out (a C string). */
static void append(char *out, size_t cap, const char *s)
{
    size_t n = strlen(out), k = strlen(s);
    if (n + 1 >= cap)
        return;
    if (k > cap - 1 - n)
        k = cap - 1 - n;
    memcpy(out + n, s, k);
    out[n + k] = '\0';
}

struct reporter *report_page_new(FILE *out, const struct rpt_meta *m)
{
    struct page_rep *pr = calloc(1, sizeof(*pr));
    size_t i;
    if (!pr)
        return NULL;
    if (pagestats_init(&pr->ps) != 0) {
        free(pr);
        return NULL;
    }
    pr->base.ops = &page_ops;
    pr->base.out = out;
    pr->base.flags = 0;
    topk_init(&pr->servers);
    topk_init(&pr->clients);
    if (m) {
        append(pr->meta.command, sizeof(pr->meta.command), m->command ? m->command : "");
        for (i = 0; i < m->ninputs; i++) {
            if (i)
                append(pr->meta.inputs, sizeof(pr->meta.inputs), ", ");
            append(pr->meta.inputs, sizeof(pr->meta.inputs), m->inputs[i]);
        }
        if (m->interface)
            append(pr->meta.inputs, sizeof(pr->meta.inputs), m->interface);
        if (m->filter)
            append(pr->meta.filter, sizeof(pr->meta.filter), m->filter);
    }
    return &pr->base;
}
