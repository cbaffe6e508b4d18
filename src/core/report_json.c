/* report_json.c: the NDJSON reporter: one object per line with a "type":
 * "state" per transition, "conn" per connection record, "segment" per TCP
 * segment and "undecoded" per other frame (--all), "syscall", "kernel" and
 * "agree" for the demo, and a last "summary".
 * Key order is fixed; docs/NDJSON.md is the schema. */
#include <inttypes.h>
#include <stdlib.h>

#include "config.h"
#include "hsstats.h"
#include "json.h"
#include "report.h"
#include "report_int.h"
#include "tcp_wire.h"
#include "tcpopt.h"

struct json_rep {
    struct reporter base;
};

static void put_ts(struct json *j, const char *key, uint64_t ts_ns)
{
    char buf[32];
    ts_format(ts_ns, buf);
    json_number_text(j, key, buf);
}

static void put_endpoint(struct json *j, const char *key, const struct ip_addr *a, uint16_t port)
{
    char buf[ENDPOINT_STRLEN];
    endpoint_format(a, port, buf);
    json_str(j, key, buf);
}

static void put_rtt(struct json *j, const char *key, int64_t us)
{
    if (us < 0)
        json_null(j, key);
    else
        json_i64(j, key, us);
}

/* "tunnel": the encapsulations walked to the inner IP, outermost first;
 * only when there are some (docs/NDJSON.md). */
static void put_tunnels(struct json *j, const struct pkt *p)
{
    unsigned i;
    json_arr_open(j, "tunnel");
    for (i = 0; i < p->ntunnels && i < CFG_MAX_TUNNELS; i++) {
        json_obj_open(j, NULL);
        json_str(j, "kind", pkt_tunnel_name(p->tunnel[i].kind));
        if (p->tunnel[i].have_id)
            json_u64(j, "id", p->tunnel[i].id);
        json_obj_close(j);
    }
    json_arr_close(j);
}

static void put_pkt_anomalies(struct json *j, uint32_t anomalies)
{
    uint32_t i;
    json_arr_open(j, "anomalies");
    for (i = 0; i < PKT_ANOM__COUNT; i++)
        if ((anomalies & (1u << i)) && pkt_anomaly_name(1u << i))
            json_arr_str(j, pkt_anomaly_name(1u << i));
    json_arr_close(j);
}

static void put_state_line(struct reporter *r, const struct conn *c, const struct trk_change *ch,
                           uint64_t ts_ns, const char *cause)
{
    struct json j;
    json_begin(&j, r->out);
    json_str(&j, "type", "state");
    put_ts(&j, "ts", ts_ns);
    json_u64(&j, "conn", c->id);
    json_str(&j, "endpoint", report__side_name(ch->side));
    json_str(&j, "from", tcp_state_name((enum tcp_state)ch->from));
    json_str(&j, "to", tcp_state_name((enum tcp_state)ch->to));
    json_str(&j, "cause", cause);
    json_bool(&j, "presumed", ch->presumed);
    json_end(&j);
}

static void put_segment_line(struct reporter *r, const struct pkt *p, const struct trk_verdict *v)
{
    const struct conn *c = v->conn;
    struct json j;
    char words[48], opts[256];
    uint32_t i;
    int me = v->from_client ? TRK_CLIENT : TRK_SERVER;

    json_begin(&j, r->out);
    json_str(&j, "type", "segment");
    put_ts(&j, "ts", p->ts_ns);
    if (c)
        json_u64(&j, "conn", c->id);
    else
        json_null(&j, "conn");
    json_str(&j, "sender", c ? report__side_name((unsigned)me) : NULL);
    put_endpoint(&j, "src", &p->src, p->sport);
    put_endpoint(&j, "dst", &p->dst, p->dport);
    json_str(&j, "flags", tcp_flags_words(p->flags, words));
    json_u64(&j, "seq", p->seq);
    json_u64(&j, "ack", p->ack);
    if (c && c->ep[me].isn_known)
        json_u64(&j, "rel_seq", conn_rel_seq(c, me, p->seq));
    else
        json_null(&j, "rel_seq");
    if (c && (p->flags & TH_ACK) && c->ep[1 - me].isn_known)
        json_u64(&j, "rel_ack", conn_rel_seq(c, 1 - me, p->ack));
    else
        json_null(&j, "rel_ack");
    json_u64(&j, "len", p->payload_len);
    json_u64(&j, "win", p->win);
    json_u64(&j, "ttl", p->ttl);
    if (p->ntunnels)
        put_tunnels(&j, p);
    opts[0] = '\0';
    if (p->opt.nlayout > 0 || p->opt.present)
        tcpopt_format(&p->opt, opts, (int)sizeof(opts));
    json_str(&j, "options", opts);
    json_arr_open(&j, "notes");
    for (i = 0; i < 16; i++)
        if ((v->notes & (1u << i)) && trk_note_name(1u << i))
            json_arr_str(&j, trk_note_name(1u << i));
    json_arr_close(&j);
    put_pkt_anomalies(&j, p->anomalies);
    json_end(&j);
}

static void json_segment(struct reporter *r, const struct pkt *p, const struct trk_verdict *v)
{
    char cause[48];
    unsigned i, n;
    if (r->flags & RPT_QUIET)
        return;
    if (r->flags & RPT_ALL)
        put_segment_line(r, p, v);
    if (!v->conn)
        return;
    tcp_flags_words(p->flags, cause);
    n = v->nchanges > TRK_MAX_CHANGES ? TRK_MAX_CHANGES : v->nchanges;
    for (i = 0; i < n; i++)
        put_state_line(r, v->conn, &v->changes[i], p->ts_ns, cause);
}

static void json_undecoded(struct reporter *r, const struct pkt *p, enum decode_status st)
{
    struct json j;
    if (!(r->flags & RPT_ALL) || (r->flags & RPT_QUIET))
        return;
    json_begin(&j, r->out);
    json_str(&j, "type", "undecoded");
    put_ts(&j, "ts", p->ts_ns);
    json_str(&j, "status", decode_status_name(st));
    json_str(&j, "layer", decode_layer_name(p->layer));
    json_u64(&j, "caplen", p->caplen);
    json_u64(&j, "wirelen", p->wirelen);
    put_pkt_anomalies(&j, p->anomalies);
    json_end(&j);
}

static void json_timer_change(struct reporter *r, const struct conn *c,
                              const struct trk_change *ch, uint64_t ts_ns)
{
    if (r->flags & RPT_QUIET)
        return;
    put_state_line(r, c, ch, ts_ns, "timeout");
}

static void put_options(struct json *j, const char *key, const struct endpoint *e)
{
    const struct ep_opts *o = &e->opts;
    if (!report__opts_known(e)) {
        json_null(j, key);
        return;
    }
    json_obj_open(j, key);
    if (o->present & TCPOPT_P_MSS)
        json_u64(j, "mss", o->mss);
    else
        json_null(j, "mss");
    if (o->present & TCPOPT_P_WSCALE)
        json_u64(j, "wscale", o->wscale);
    else
        json_null(j, "wscale");
    json_bool(j, "sack_ok", (o->present & TCPOPT_P_SACK_OK) != 0);
    json_bool(j, "ts", (o->present & TCPOPT_P_TS) != 0);
    json_bool(j, "tfo", (o->present & TCPOPT_P_TFO) != 0);
    json_bool(j, "ecn", o->ecn != 0);
    json_obj_close(j);
}

static void json_conn_end(struct reporter *r, const struct conn *c, enum trk_end why,
                          uint64_t ts_ns)
{
    const struct endpoint *cl = &c->ep[TRK_CLIENT], *sv = &c->ep[TRK_SERVER];
    struct json j;
    uint32_t bit;

    json_begin(&j, r->out);
    json_str(&j, "type", "conn");
    json_u64(&j, "id", c->id);
    json_u64(&j, "generation", c->generation);
    put_endpoint(&j, "client", &cl->addr, cl->port);
    put_endpoint(&j, "server", &sv->addr, sv->port);
    put_ts(&j, "first_ts", c->t_first_ns);
    put_ts(&j, "last_ts", c->t_last_ns);
    put_ts(&j, "end_ts", ts_ns);
    json_str(&j, "outcome", hs_outcome_name((enum hs_outcome)c->outcome));
    json_bool(&j, "simultaneous", c->simultaneous);
    if (c->hs_inferred) /* only then: the final ACK was not captured (issue 15) */
        json_bool(&j, "handshake_inferred", true);
    json_bool(&j, "roles_guessed", c->roles_guessed);
    json_str(&j, "client_state", tcp_state_name((enum tcp_state)cl->state));
    json_str(&j, "server_state", tcp_state_name((enum tcp_state)sv->state));
    json_bool(&j, "client_presumed", cl->presumed);
    json_bool(&j, "server_presumed", sv->presumed);
    json_u64(&j, "syn_retransmits", c->syn_retransmits);
    json_u64(&j, "synack_retransmits", c->synack_retransmits);
    put_rtt(&j, "rtt_syn_synack_us", conn_rtt_syn_synack_us(c));
    put_rtt(&j, "rtt_synack_ack_us", conn_rtt_synack_ack_us(c));
    put_rtt(&j, "rtt_first_syn_synack_us", conn_rtt_first_syn_synack_us(c));
    json_str(&j, "close", close_outcome_name((enum close_outcome)c->close));
    json_str(&j, "ecn", conn_ecn(c));
    json_str(&j, "end_reason", trk_end_name(why));
    json_u64(&j, "packets", c->pkts);
    json_u64(&j, "client_packets", cl->pkts);
    json_u64(&j, "server_packets", sv->pkts);
    json_u64(&j, "client_bytes", cl->bytes);
    json_u64(&j, "server_bytes", sv->bytes);
    if (c->k_seen) { /* only then: watch asked a local listener's kernel (issue 16) */
        const char *reason = kl_reason_name(c->k_reason);
        if (c->outcome == HS_UNANSWERED)
            json_str(&j, "unanswered_reason", reason ? reason : "unknown");
        else
            json_null(&j, "unanswered_reason");
        if (c->k_cookie == KL_COOKIE_UNKNOWN)
            json_null(&j, "syn_cookie");
        else
            json_bool(&j, "syn_cookie", c->k_cookie == KL_COOKIE_YES);
    }
    put_options(&j, "client_options", cl);
    put_options(&j, "server_options", sv);
    json_arr_open(&j, "anomalies");
    for (bit = 1; bit <= 0x80u; bit <<= 1)
        if ((c->anomalies & bit) && report__conn_anom_name(bit))
            json_arr_str(&j, report__conn_anom_name(bit));
    json_arr_close(&j);
    json_end(&j);
}

/* One handshake half: {"count":n,"p50":..,"p90":..,"p99":..,"max":..} in
 * microseconds (null when count is 0; hsstats.h gives the error bound:
 * exact up to 64 samples, then at most 3.125 % high). */
static void put_half(struct json *j, const char *key, const struct hist *h)
{
    static const struct { const char *name; unsigned pm; } pcts[] = {
        { "p50", 500 }, { "p90", 900 }, { "p99", 990 }, { "max", 1000 },
    };
    size_t i;
    json_obj_open(j, key);
    json_u64(j, "count", h->count);
    for (i = 0; i < sizeof(pcts) / sizeof(pcts[0]); i++) {
        if (h->count == 0)
            json_null(j, pcts[i].name);
        else
            json_u64(j, pcts[i].name, hist_percentile(h, pcts[i].pm));
    }
    json_obj_close(j);
}

static void put_handshakes(struct json *j, const struct hs_summary *hs)
{
    struct hs_port_count top[HS_TOP_PORTS];
    size_t i, n = hsstats_top_refused(hs, top, HS_TOP_PORTS);
    json_obj_open(j, "handshake_us");
    put_half(j, "syn_synack", &hs->syn_synack);
    put_half(j, "synack_ack", &hs->synack_ack);
    json_obj_close(j);
    json_u64(j, "syn_retransmits", hs->syn_retransmits);
    json_u64(j, "syn_retransmit_conns", hs->syn_retransmit_conns);
    json_u64(j, "synack_retransmits", hs->synack_retransmits);
    json_u64(j, "synack_retransmit_conns", hs->synack_retransmit_conns);
    json_arr_open(j, "top_refused_ports");
    for (i = 0; i < n; i++) {
        json_obj_open(j, NULL);
        json_u64(j, "port", top[i].port);
        json_u64(j, "count", top[i].count);
        json_obj_close(j);
    }
    json_arr_close(j);
}

static void json_finish(struct reporter *r, const struct run_stats *rs,
                        const struct tracker_stats *ts)
{
    struct json j;
    int k;
    unsigned i;

    json_begin(&j, r->out);
    json_str(&j, "type", "summary");
    json_u64(&j, "schema_version", RPT_SCHEMA_VERSION);
    json_u64(&j, "packets", rs->packets);
    json_u64(&j, "tcp_packets", rs->tcp_packets);
    json_u64(&j, "bytes", rs->bytes);
    if (rs->packets) {
        put_ts(&j, "first_ts", rs->first_ts_ns);
        put_ts(&j, "last_ts", rs->last_ts_ns);
    } else {
        json_null(&j, "first_ts");
        json_null(&j, "last_ts");
    }
    json_u64(&j, "connections", ts->connections);
    json_obj_open(&j, "outcomes");
    for (k = HS_PENDING + 1; k < HS__COUNT; k++)
        json_u64(&j, hs_outcome_name((enum hs_outcome)k), ts->outcomes[k]);
    json_obj_close(&j);
    json_obj_open(&j, "closes");
    for (k = 0; k < CLOSE__COUNT; k++)
        json_u64(&j, close_outcome_name((enum close_outcome)k), ts->closes[k]);
    json_obj_close(&j);
    json_u64(&j, "evicted", ts->evicted);
    json_u64(&j, "timed_out", ts->timed_out);
    json_u64(&j, "retransmits", ts->retransmits);
    json_u64(&j, "strays", ts->strays);
    json_u64(&j, "invalid", ts->invalid);
    json_u64(&j, "untracked", ts->untracked);
    json_u64(&j, "peak_active", ts->peak_active);
    json_u64(&j, "capacity", ts->capacity);
    json_obj_open(&j, "decode");
    for (k = DECODE_OK + 1; k < DECODE__COUNT; k++)
        json_u64(&j, decode_status_name((enum decode_status)k), rs->decode[k]);
    json_obj_close(&j);
    json_obj_open(&j, "anomalies");
    for (i = 0; i < PKT_ANOM__COUNT; i++)
        if (pkt_anomaly_name(1u << i))
            json_u64(&j, pkt_anomaly_name(1u << i), rs->anomalies[i]);
    json_obj_close(&j);
    if (rs->hs)
        put_handshakes(&j, rs->hs);
    if (rs->have_capture_stats) {
        json_obj_open(&j, "capture");
        json_u64(&j, "received", rs->cap_received);
        json_u64(&j, "dropped", rs->cap_dropped);
        json_u64(&j, "ifdropped", rs->cap_ifdropped);
        json_obj_close(&j);
    }
    if (rs->filter_active)
        json_u64(&j, "filter_dropped_lines", rs->filter_dropped_lines);
    if (rs->interrupted) {
        json_bool(&j, "interrupted", true);
        if (rs->input_percent >= 0) {
            char pct[32];
            snprintf(pct, sizeof(pct), "%.1f", rs->input_percent);
            json_number_text(&j, "input_percent", pct);
        }
    }
    if (rs->have_held) {
        json_obj_open(&j, "held_retransmits");
        json_u64(&j, "client", rs->held_retransmits[0]);
        json_u64(&j, "server", rs->held_retransmits[1]);
        json_obj_close(&j);
    }
    /* Only when the memory of forgotten connections mattered (issue 15):
     * otherwise the summary is as before. */
    if (ts->returned || ts->forgotten_early) {
        json_obj_open(&j, "returned");
        json_u64(&j, "connections", ts->returned);
        json_u64(&j, "segments", ts->returned_segments);
        json_u64(&j, "syn_retransmits", ts->returned_syn_retransmits);
        json_obj_close(&j);
        json_obj_open(&j, "memory");
        json_u64(&j, "remembered", ts->remembered);
        json_u64(&j, "forgotten_early", ts->forgotten_early);
        json_u64(&j, "window_ms", ts->memory_window_ns / 1000000u);
        json_u64(&j, "bytes", ts->memory_bytes);
        json_u64(&j, "cap_bytes", ts->memory_cap_bytes);
        json_obj_close(&j);
    }
    if (rs->input_error)
        json_str(&j, "error", rs->input_error);
    json_end(&j);
}

/* --- the demo's records ------------------------------------------------- */

static void json_syscall(struct reporter *r, uint64_t ts_ns, const char *text)
{
    struct json j;
    if (r->flags & RPT_QUIET)
        return;
    json_begin(&j, r->out);
    json_str(&j, "type", "syscall");
    put_ts(&j, "ts", ts_ns);
    json_str(&j, "text", text ? text : "");
    json_end(&j);
}

/* One line per socket of the snapshot. */
static void json_kernel(struct reporter *r, const struct rpt_kernel *k)
{
    size_t i;
    if (r->flags & RPT_QUIET)
        return;
    for (i = 0; i < k->n && i < RPT_KSOCK_MAX; i++) {
        const struct rpt_ksock *s = &k->sock[i];
        struct json j;
        json_begin(&j, r->out);
        json_str(&j, "type", "kernel");
        put_ts(&j, "ts", k->ts_ns);
        json_u64(&j, "step", k->step);
        json_str(&j, "why", k->why ? k->why : "");
        json_str(&j, "socket", s->socket);
        json_bool(&j, "present", s->present);
        if (s->present) {
            json_str(&j, "state", tcp_state_name((enum tcp_state)s->state));
            json_str(&j, "kernel_state", s->kernel_state);
            json_bool(&j, "request", s->request);
            json_str(&j, "source", s->source);
            put_endpoint(&j, "local", &s->laddr, s->lport);
            if (s->raddr.family != 0)
                put_endpoint(&j, "remote", &s->raddr, s->rport);
            else
                json_null(&j, "remote");
            if (s->timer_ms)
                json_u64(&j, "timer_ms", s->timer_ms);
            else
                json_null(&j, "timer_ms");
            if (s->listening) { /* the accept queue (issue 16) */
                json_u64(&j, "accept_queue", s->accept_queue);
                json_u64(&j, "backlog", s->backlog);
            }
        } else {
            json_null(&j, "state");
            json_null(&j, "kernel_state");
            json_bool(&j, "request", false);
            json_null(&j, "source");
            json_null(&j, "local");
            json_null(&j, "remote");
            json_null(&j, "timer_ms");
        }
        json_end(&j);
    }
}

static void json_agree(struct reporter *r, const struct rpt_agree *a)
{
    struct json j;
    if (r->flags & RPT_QUIET)
        return;
    json_begin(&j, r->out);
    json_str(&j, "type", "agree");
    put_ts(&j, "ts", a->ts_ns);
    json_u64(&j, "step", a->step);
    json_bool(&j, "ok", a->ok);
    json_str(&j, "wire_client", tcp_state_name((enum tcp_state)a->wire[TRK_CLIENT]));
    json_str(&j, "kernel_client", tcp_state_name((enum tcp_state)a->kernel[TRK_CLIENT]));
    json_str(&j, "wire_server", tcp_state_name((enum tcp_state)a->wire[TRK_SERVER]));
    json_str(&j, "kernel_server", tcp_state_name((enum tcp_state)a->kernel[TRK_SERVER]));
    json_str(&j, "on_wire", a->on_wire);
    if (a->note) /* only then: ok although the states differ (issue 16) */
        json_str(&j, "note", a->note);
    json_end(&j);
}

static void json_held_copy(struct reporter *r, const struct rpt_held_copy *h)
{
    struct json j;
    if (r->flags & RPT_QUIET)
        return;
    json_begin(&j, r->out);
    json_str(&j, "type", "held_copy");
    put_ts(&j, "ts", h->ts_ns);
    json_str(&j, "side", report__side_name(h->side));
    json_str(&j, "segment", h->segment);
    put_ts(&j, "after", h->after_ns);
    json_u64(&j, "count", h->count);
    json_end(&j);
}

/* What a local listener's kernel did with a SYN (issue 16). */
static void json_listener(struct reporter *r, const struct rpt_listener *k)
{
    struct json j;
    unsigned i;
    if (r->flags & RPT_QUIET)
        return;
    json_begin(&j, r->out);
    json_str(&j, "type", "listener");
    put_ts(&j, "ts", k->ts_ns);
    if (k->conn)
        json_u64(&j, "conn", k->conn);
    else
        json_null(&j, "conn");
    if (k->step)
        json_u64(&j, "step", k->step);
    else
        json_null(&j, "step");
    json_str(&j, "event", kl_event_name(k->event));
    json_str(&j, "reason", kl_reason_name(k->reason));
    put_endpoint(&j, "client", &k->caddr, k->cport);
    put_endpoint(&j, "server", &k->saddr, k->sport);
    if (k->l.found) {
        put_endpoint(&j, "listener", &k->l.addr, k->l.port);
        json_u64(&j, "accept_queue", k->l.queue);
        json_u64(&j, "backlog", k->l.backlog);
    } else {
        json_null(&j, "listener");
        json_null(&j, "accept_queue");
        json_null(&j, "backlog");
    }
    json_obj_open(&j, "counters");
    for (i = 0; i < KL__COUNT; i++)
        if (k->delta.have & (1u << i))
            json_u64(&j, kl_counter_name(i), k->delta.v[i]);
    json_obj_close(&j);
    json_end(&j);
}

static void json_destroy(struct reporter *r)
{
    free(r);
}

static const struct reporter_ops json_ops = {
    .segment = json_segment,
    .undecoded = json_undecoded,
    .timer_change = json_timer_change,
    .conn_end = json_conn_end,
    .finish = json_finish,
    .destroy = json_destroy,
    .syscall = json_syscall,
    .kernel = json_kernel,
    .agree = json_agree,
    .held_copy = json_held_copy,
    .listener = json_listener,
};

void report_json_meta(struct reporter *r, const struct rpt_meta *m)
{
    struct json j;
    size_t i;
    if (!r || r->ops != &json_ops)
        return;
    json_begin(&j, r->out);
    json_str(&j, "type", "meta");
    json_u64(&j, "schema_version", RPT_SCHEMA_VERSION);
    json_str(&j, "tcpshake_version", TCPSHAKE_VERSION);
    json_str(&j, "command", m->command);
    if (m->interface) {
        json_str(&j, "interface", m->interface);
    } else if (m->ninputs) {
        json_arr_open(&j, "input");
        for (i = 0; i < m->ninputs; i++)
            json_arr_str(&j, m->inputs[i]);
        json_arr_close(&j);
    }
    json_obj_open(&j, "options");
    json_str(&j, "filter", m->filter);
    json_bool(&j, "all", (m->flags & RPT_ALL) != 0);
    json_bool(&j, "quiet", (m->flags & RPT_QUIET) != 0);
    json_bool(&j, "absolute_seq", (m->flags & RPT_ABS_SEQ) != 0);
    json_bool(&j, "verbose", (m->flags & RPT_VERBOSE) != 0);
    if (m->max_conns)
        json_u64(&j, "max_conns", m->max_conns);
    if (m->count)
        json_u64(&j, "count", m->count);
    if (m->packets)
        json_u64(&j, "packets", m->packets);
    if (m->outcomes)
        json_str(&j, "outcome", m->outcomes);
    if (m->slower_than_ns >= 0)
        put_ts(&j, "slower_than", (uint64_t)m->slower_than_ns);
    json_obj_close(&j);
    json_end(&j);
}

struct reporter *report_json_new(FILE *out, unsigned flags)
{
    struct json_rep *t = calloc(1, sizeof(*t));
    if (!t)
        return NULL;
    t->base.ops = &json_ops;
    t->base.out = out;
    t->base.flags = flags;
    return &t->base;
}

void report_json_string(FILE *out, const char *s)
{
    json_write_string(out, s);
}
