/* craft_explain.h: the sentence that ends a crafted handshake or listen run
 * (craft_explain.c). Pure. */
#ifndef TCPSHAKE_CRAFT_EXPLAIN_H
#define TCPSHAKE_CRAFT_EXPLAIN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "craft_hs.h"
#include "netaddr.h"

/* What the sentence needs to know of a run (craft_run_result and the
 * crafter's own counts). */
struct craft_end_facts {
    enum hs_end end;
    bool client;            /* craft handshake (we played the client); false: listen */
    bool kernel_rst;        /* a RST left our side that we did not send */
    bool stopped, timed_out;
    enum hs_close close;    /* --close */
    struct ip_addr remote;  /* the peer */
    uint16_t rport, lport;
    unsigned peer_synacks;  /* SYN+ACKs the peer sent (--hold) */
};

/* The sentence, cut to cap bytes (NUL-terminated). */
void craft_explain_end(const struct craft_end_facts *f, char *buf, size_t cap);

#endif
