/* craft.h: builds IPv4/IPv6 + TCP (+ options, payload) segments into a
 * caller's buffer, with correct IP and TCP checksums, optionally behind a
 * link-layer header so that captures can be written without root. Pure. */
#ifndef TCPSHAKE_CRAFT_H
#define TCPSHAKE_CRAFT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "linktype.h"
#include "netaddr.h"
#include "tcpopt.h"

struct craft_spec {
    struct ip_addr src, dst;  /* same family */
    uint16_t sport, dport;
    uint16_t flags;           /* TH_* */
    uint32_t seq, ack;
    uint16_t win;
    uint16_t urp;
    uint8_t ttl;              /* 0 = 64 */
    uint8_t tos;              /* IPv4 TOS / IPv6 traffic class (ECN bits) */
    uint16_t ip_id;
    bool dont_fragment;       /* IPv4 DF */
    struct tcp_opts opt;      /* only opt.present and the values are used */
    const uint8_t *payload;
    uint32_t payload_len;
    bool bad_tcp_csum;        /* tests: store checksum ^ 0xffff */
    /* Cooked (LINUX_SLL, LINUX_SLL2) headers only: */
    uint8_t pkttype;          /* PACKET_HOST 0 (what `-i any` keeps on lo), OUTGOING 4 */
    uint32_t ifindex;         /* SLL2 interface index; 0 = 1 (lo) for loopback, else 2 */
};

#define CRAFT_ERR_FAMILY (-1)   /* src/dst families differ or unknown */
#define CRAFT_ERR_SPACE (-2)    /* buffer too small */
#define CRAFT_ERR_OPTIONS (-3)  /* options do not fit in 40 bytes */
#define CRAFT_ERR_LINK (-4)     /* link type not supported for building */
#define CRAFT_ERR_LENGTH (-5)   /* IP length field cannot hold the segment */

/* Build one frame for link type `lt` (LINK_RAW: bare IP packet, what a raw
 * socket sends; LINK_ETHERNET, LINK_LINUX_SLL, LINK_LINUX_SLL2, LINK_NULL_BSD,
 * LINK_LOOP, LINK_IPV4, LINK_IPV6 also supported). Writes *len. Returns 0 or
 * a CRAFT_ERR_*. Never writes past cap.
 *
 * On CRAFT_ERR_SPACE nothing is written and *len is the size needed (as
 * snprintf does); on every other error *len is 0. LINK_IPV4 with IPv6
 * addresses (and LINK_IPV6 with IPv4) is CRAFT_ERR_LINK. A NULL payload with
 * payload_len > 0 is written as zero bytes (benchmarks, floods). Link
 * headers, being synthetic, use fixed values: see craft.c. */
int craft_frame(enum link_type lt, const struct craft_spec *s, uint8_t *buf, size_t cap,
                size_t *len);
const char *craft_strerror(int err);

#endif
