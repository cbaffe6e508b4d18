/* gen_scenario_write.c: writes one scenario of the table (gen_scenarios.c)
 * as a capture: every part's segments merged in time order, sequence numbers
 * made absolute, each segment built by gen_emit(). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gen.h"
#include "gen_scen.h"

/* One segment to write: where it comes from and when. */
struct sched {
    uint64_t t_us;
    uint16_t part, seg;
};

static int sched_cmp(const void *a, const void *b)
{
    const struct sched *x = a, *y = b;
    if (x->t_us != y->t_us)
        return x->t_us < y->t_us ? -1 : 1;
    if (x->part != y->part)
        return x->part < y->part ? -1 : 1;
    return x->seg < y->seg ? -1 : x->seg > y->seg;
}

#define MAX_SEGS 128
#define MAX_CONNS 16

static int conn_setup(const struct conn_spec *cs, struct gen_conn *c, char errbuf[ERRBUF_SIZE])
{
    memset(c, 0, sizeof(*c));
    if (ipaddr_parse(cs->cli, &c->addr[GEN_C2S]) != 0 ||
        ipaddr_parse(cs->srv, &c->addr[GEN_S2C]) != 0) {
        snprintf(errbuf, ERRBUF_SIZE, "bad address in scenario table: %s / %s", cs->cli, cs->srv);
        return -1;
    }
    c->port[GEN_C2S] = cs->cport;
    c->port[GEN_S2C] = cs->sport;
    c->isn[GEN_C2S] = cs->cisn;
    c->isn[GEN_S2C] = cs->sisn;
    gen_conn_init(c);
    return 0;
}

static int write_scenario(const struct gen_scen *sc, const char *path, char errbuf[ERRBUF_SIZE])
{
    struct sched sched[MAX_SEGS];
    const struct conn_spec *specs[MAX_CONNS];
    struct gen_conn conns[MAX_CONNS];
    size_t nsched = 0, nconns = 0, i, k;
    struct gen_out *out;
    int rc = 0;

    for (i = 0; i < sc->nparts; i++) {
        const struct part *p = &sc->parts[i];
        for (k = 0; k < nconns && specs[k] != p->conn; k++)
            ;
        if (k == nconns) {
            if (nconns == MAX_CONNS || conn_setup(p->conn, &conns[nconns], errbuf) != 0)
                return -1;
            specs[nconns++] = p->conn;
        }
        for (k = 0; k < p->nsegs; k++) {
            if (nsched == MAX_SEGS) {
                snprintf(errbuf, ERRBUF_SIZE, "scenario %s: more than %d segments",
                         sc->info.name, MAX_SEGS);
                return -1;
            }
            sched[nsched].t_us = p->t_off_us + p->segs[k].t_us;
            sched[nsched].part = (uint16_t)i;
            sched[nsched].seg = (uint16_t)k;
            nsched++;
        }
    }
    qsort(sched, nsched, sizeof(sched[0]), sched_cmp);

    out = gen_out_open(path, sc->lt, sc->snaplen, errbuf);
    if (!out)
        return -1;
    for (i = 0; i < nsched && rc == 0; i++) {
        const struct part *p = &sc->parts[sched[i].part];
        const struct seg *s = &p->segs[sched[i].seg];
        struct gen_conn *c;
        enum gen_dir d = (enum gen_dir)s->dir;
        uint32_t seq, ack, len = s->data ? (uint32_t)strlen(s->data) : 0;
        for (k = 0; specs[k] != p->conn; k++)
            ;
        c = &conns[k];
        seq = (s->abs & GEN_ABS_SEQ) ? s->seq : c->isn[d] + s->seq;
        ack = c->isn[1 - d] + s->ack;
        rc = gen_emit(out, c, d, GEN_T0_NS + sched[i].t_us * GEN_NS_PER_US, s->flags, seq, ack,
                      (enum gen_opt)s->opt, (const uint8_t *)s->data, len, errbuf);
    }
    if (rc != 0) {
        gen_out_close(out, NULL);
        return -1;
    }
    return gen_out_close(out, errbuf);
}

int gen_scenario_write(const char *name, const char *path, char errbuf[ERRBUF_SIZE])
{
    size_t i, n = strlen(name);
    const struct gen_scen *sc;
    /* "refused" and "refused.pcap" both name the scenario. */
    if (n > 5 && strcmp(name + n - 5, ".pcap") == 0)
        n -= 5;
    for (i = 0; (sc = gen__scenario(i)) != NULL; i++)
        if (strlen(sc->info.name) == n && strncmp(sc->info.name, name, n) == 0)
            return write_scenario(sc, path, errbuf);
    return 1;
}
