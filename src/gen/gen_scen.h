/* gen_scen.h (private): the scenario tables' types, shared by the tables
 * (gen_scenarios.c) and their writer (gen_scenario_write.c). Sequence
 * numbers in a table are relative, as tcpdump shows them: seq to the sender's
 * ISN, ack to the receiver's (GEN_ABS_SEQ: seq as written). */
#ifndef TCPSHAKE_GEN_SCEN_H
#define TCPSHAKE_GEN_SCEN_H

#include <stddef.h>
#include <stdint.h>

#include "gen.h"

#define GEN_ABS_SEQ 1u

struct conn_spec {
    const char *cli, *srv;
    uint16_t cport, sport;
    uint32_t cisn, sisn;
};

struct seg {
    uint32_t t_us;      /* from the start of the part */
    uint8_t dir;        /* C: client -> server, S: server -> client */
    uint8_t abs;        /* GEN_ABS_SEQ */
    uint16_t flags;
    uint32_t seq, ack;  /* relative (see the top of this file) */
    uint8_t opt;        /* enum gen_opt */
    const char *data;
};

struct part {
    const struct conn_spec *conn;
    const struct seg *segs;
    size_t nsegs;
    uint64_t t_off_us;  /* from the start of the capture */
};

struct gen_scen {
    struct gen_scenario_info info;
    enum link_type lt;
    int snaplen;        /* 0 = the maximum */
    const struct part *parts;
    size_t nparts;
};

/* Scenario i of the table, NULL past its end. */
const struct gen_scen *gen__scenario(size_t i);

#endif
