/* pktfix.c: fixtures for tracker and reporter tests. */
#include "pktfix.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "tcp_wire.h"

struct pkt pkt_data(uint64_t t_ms, const char *src, uint16_t sport, const char *dst,
                    uint16_t dport, uint16_t flags, uint32_t seq, uint32_t ack,
                    uint32_t payload_len)
{
    struct pkt p;
    memset(&p, 0, sizeof(p));
    p.ts_ns = PKTFIX_EPOCH_NS + t_ms * 1000000ULL;
    ipaddr_parse(src, &p.src);
    ipaddr_parse(dst, &p.dst);
    p.ip_ver = p.src.family;
    p.sport = sport;
    p.dport = dport;
    p.flags = flags;
    p.seq = seq;
    p.ack = ack;
    p.win = 65535;
    p.doff = 20;
    p.ttl = 64;
    p.payload_len = p.payload_caplen = payload_len;
    if ((flags & (TH_SYN | TH_FIN)) == (TH_SYN | TH_FIN) ||
        (flags & (TH_SYN | TH_RST)) == (TH_SYN | TH_RST) ||
        (flags & (TH_SYN | TH_RST | TH_FIN | TH_ACK)) == 0)
        p.anomalies |= PKT_ANOM_FLAGS_INVALID;
    if ((flags & TH_FIN) && !(flags & TH_ACK))
        p.anomalies |= PKT_ANOM_FIN_NO_ACK;
    return p;
}

struct pkt pkt_make(uint64_t t_ms, const char *src, uint16_t sport, const char *dst,
                    uint16_t dport, uint16_t flags, uint32_t seq, uint32_t ack)
{
    return pkt_data(t_ms, src, sport, dst, dport, flags, seq, ack, 0);
}

__attribute__((format(printf, 2, 3))) static void logf_(struct evlog *log, const char *fmt, ...)
{
    va_list ap;
    if (log->n >= EVLOG_MAX)
        return;
    va_start(ap, fmt);
    vsnprintf(log->e[log->n].text, sizeof(log->e[0].text), fmt, ap);
    va_end(ap);
    log->n++;
}

static const char *side_name(int side) { return side == TRK_CLIENT ? "client" : "server"; }

static void on_end(void *user, const struct conn *c, enum trk_end why, uint64_t ts)
{
    (void)ts;
    logf_(user, "c%llu end %s %s %s", (unsigned long long)c->id, trk_end_name(why),
          hs_outcome_name(c->outcome), close_outcome_name(c->close));
}

static void on_timer(void *user, const struct conn *c, const struct trk_change *ch, uint64_t ts)
{
    (void)ts;
    logf_(user, "c%llu timer %s %s>%s", (unsigned long long)c->id, side_name(ch->side),
          tcp_state_name(ch->from), tcp_state_name(ch->to));
}

struct trk_sink evlog_sink(struct evlog *log)
{
    struct trk_sink s = { on_end, on_timer, log };
    return s;
}

uint16_t evlog_feed(struct evlog *log, struct tracker *t, const struct pkt *p)
{
    struct trk_verdict v;
    struct trk_sink sink = evlog_sink(log);
    int i;
    tracker_expire(t, p->ts_ns, &sink);
    tracker_feed(t, p, &v, &sink);
    for (i = 0; i < v.nchanges; i++)
        logf_(log, "c%llu %s %s>%s%s", (unsigned long long)v.conn->id,
              side_name(v.changes[i].side), tcp_state_name(v.changes[i].from),
              tcp_state_name(v.changes[i].to), v.changes[i].presumed ? "?" : "");
    if (v.notes & TRK_NOTE_ENDED) {
        tracker_emit(t, v.conn, p->ts_ns);
        on_end(log, v.conn, TRK_END_FINISHED, p->ts_ns);
    }
    return v.notes;
}

const char *evlog_join(const struct evlog *log)
{
    static char buf[EVLOG_MAX * 98];
    size_t n = 0;
    int i;
    buf[0] = '\0';
    for (i = 0; i < log->n; i++)
        n += (size_t)snprintf(buf + n, sizeof(buf) - n, "%s%s", i ? "; " : "", log->e[i].text);
    return buf;
}

void evlog_clear(struct evlog *log) { log->n = 0; }
