/* report_sdiag.c: the --state-diagram reporter: RFC 9293's state diagram
 * (statediag.c) as a standalone SVG for slides, with the transitions of
 * one connection (--conn ID) drawn on it for both endpoints. Keeps that
 * connection's transitions only (bounded by CFG_SDIAG_MAX_STEPS) and writes
 * the file when the run finishes. Without a connection: the bare figure. */
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "ladder.h"
#include "report.h"
#include "statediag.h"

struct sdiag_rep {
    struct reporter base;
    uint64_t only;
    bool seen;
    char ep[2][ENDPOINT_STRLEN];
    uint8_t first[2];
    bool first_presumed[2];
    bool moved[2];            /* a step of that endpoint is kept */
    struct sd_step steps[CFG_SDIAG_MAX_STEPS];
    size_t n;
    uint64_t dropped;
    const char *outcome;
};

static void add_step(struct sdiag_rep *t, const struct trk_change *ch, bool timeout)
{
    struct sd_step *s;
    if (t->n >= CFG_SDIAG_MAX_STEPS) {
        t->dropped++;
        return;
    }
    s = &t->steps[t->n++];
    if (ch->side < 2)
        t->moved[ch->side] = true;
    s->side = ch->side;
    s->from = ch->from;
    s->to = ch->to;
    s->presumed = ch->presumed;
    s->timeout = timeout;
}

static void begin(struct sdiag_rep *t, const struct conn *c, const uint8_t before[2],
                  const bool before_presumed[2])
{
    int i;
    t->seen = true;
    for (i = 0; i < 2; i++) {
        endpoint_format(&c->ep[i].addr, c->ep[i].port, t->ep[i]);
        t->first[i] = before[i];
        t->first_presumed[i] = before_presumed[i];
    }
}

static void sd_segment(struct reporter *r, const struct pkt *p, const struct trk_verdict *v)
{
    struct sdiag_rep *t = (struct sdiag_rep *)r;
    unsigned i, n = v->nchanges > TRK_MAX_CHANGES ? TRK_MAX_CHANGES : v->nchanges;
    if (!t->only || !v->conn || v->conn->id != t->only)
        return;
    if (!t->seen) {
        struct ladder_row row;
        ladder_row_segment(&row, p, v, r->flags & ~RPT_EXPLAIN);
        begin(t, v->conn, row.before, row.before_presumed);
    }
    for (i = 0; i < n; i++) {
        /* The server's presumed LISTEN at the first SYN is where it was,
         * not a move (as the ladder draws it, ladder.c side_changes). */
        if (v->changes[i].presumed && v->changes[i].from == TS_CLOSED &&
            v->changes[i].side < 2 && !t->moved[v->changes[i].side] &&
            t->first[v->changes[i].side] == v->changes[i].to)
            continue;
        add_step(t, &v->changes[i], false);
    }
}

static void sd_timer(struct reporter *r, const struct conn *c, const struct trk_change *ch,
                     uint64_t ts_ns)
{
    struct sdiag_rep *t = (struct sdiag_rep *)r;
    (void)ts_ns;
    if (!t->only || c->id != t->only)
        return;
    if (!t->seen) {
        uint8_t before[2] = { c->ep[0].state, c->ep[1].state };
        bool pres[2] = { c->ep[0].presumed, c->ep[1].presumed };
        before[ch->side] = ch->from;
        pres[ch->side] = false;
        begin(t, c, before, pres);
    }
    add_step(t, ch, true);
}

static void sd_conn_end(struct reporter *r, const struct conn *c, enum trk_end why,
                        uint64_t ts_ns)
{
    struct sdiag_rep *t = (struct sdiag_rep *)r;
    (void)why;
    (void)ts_ns;
    if (!t->only || c->id != t->only)
        return;
    if (!t->seen) {
        uint8_t st[2] = { c->ep[0].state, c->ep[1].state };
        bool pres[2] = { c->ep[0].presumed, c->ep[1].presumed };
        begin(t, c, st, pres);
    }
    t->outcome = hs_outcome_name((enum hs_outcome)c->outcome);
}

static void sd_finish(struct reporter *r, const struct run_stats *rs,
                      const struct tracker_stats *ts)
{
    struct sdiag_rep *t = (struct sdiag_rep *)r;
    struct sd_path path;
    (void)rs;
    (void)ts;
    if (!t->only || !t->seen) {
        statediag_write(r->out, NULL, true);
        return;
    }
    memset(&path, 0, sizeof(path));
    path.conn_id = t->only;
    path.ep[0] = t->ep[0];
    path.ep[1] = t->ep[1];
    memcpy(path.first, t->first, sizeof(path.first));
    memcpy(path.first_presumed, t->first_presumed, sizeof(path.first_presumed));
    path.steps = t->steps;
    path.nsteps = t->n;
    path.steps_dropped = t->dropped;
    path.outcome = t->outcome;
    statediag_write(r->out, &path, true);
}

static void sd_destroy(struct reporter *r)
{
    free(r);
}

static const struct reporter_ops sdiag_ops = {
    .segment = sd_segment,
    .timer_change = sd_timer,
    .conn_end = sd_conn_end,
    .finish = sd_finish,
    .destroy = sd_destroy,
};

struct reporter *report_sdiag_new(FILE *out, unsigned flags, uint64_t only_conn)
{
    struct sdiag_rep *t = calloc(1, sizeof(*t));
    if (!t)
        return NULL;
    t->base.ops = &sdiag_ops;
    t->base.out = out;
    t->base.flags = flags & (RPT_ABS_SEQ | RPT_ALL);
    t->only = only_conn;
    return &t->base;
}
