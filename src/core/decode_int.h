/* decode_int.h: private interface between the decoder's layers
 * (decode_link.c -> decode_ip.c -> decode_tcp.c) and the option parser.
 * Not part of the public API; nothing outside src/core/decode_*.c and
 * src/core/tcpopt.c includes it. */
#ifndef TCPSHAKE_DECODE_INT_H
#define TCPSHAKE_DECODE_INT_H

#include <stddef.h>

#include "decode.h"
#include "rd.h"

/* State carried from layer to layer while one frame is decoded. */
struct decode__ctx {
    struct pkt *out;
    /* Bytes the wire frame held beyond what the cursor can still reach
     * (wirelen - caplen at the start). A layer that narrows the cursor to
     * its own length field keeps it consistent with decode__limit(). Lets
     * IPv4/IPv6 tell "cut by the snap length" from "the length field lies". */
    size_t wire_extra;
};

/* What the link layer found in front of the network header. */
enum decode__net {
    DECODE__NET_IPV4,
    DECODE__NET_IPV6,
};

/* Narrow r to n bytes (rd_limit) and keep c->wire_extra consistent.
 * Returns true if captured bytes were cut off (link-layer padding). */
bool decode__limit(struct decode__ctx *c, struct rd *r, size_t n);

/* Link layer: walk lt's header(s) up to the network header.
 * On DECODE_OK, *net says which IP version follows and r sits on it. */
enum decode_status decode__link(enum link_type lt, struct rd *r, struct decode__ctx *c,
                                enum decode__net *net);

/* Inner Ethernet of a tunnel (MACs skipped, the outer VLAN fields kept),
 * and a tunnel's EtherType protocol field; like decode__link. */
enum decode_status decode__ether_inner(struct rd *r, struct decode__ctx *c,
                                       enum decode__net *net);
enum decode_status decode__ethertype(uint16_t type, struct rd *r, struct decode__ctx *c,
                                     enum decode__net *net);

/* Network layer: IPv4 or IPv6 header (and IPv6 extension headers), then TCP. */
enum decode_status decode__ipv4(struct rd *r, struct decode__ctx *c);
enum decode_status decode__ipv6(struct rd *r, struct decode__ctx *c);

/* Encapsulations (decode_tunnel.c): is `proto` one that may carry IP
 * (IP-in-IP, GRE, UDP to a tunnel port)? Then decode it: r sits on the IP
 * payload, claim is its claimed length, frag says the outer datagram is a
 * first fragment (the inner one is then incomplete). NOT_TCP for UDP that
 * is no tunnel. */
bool decode__is_tunnel(uint8_t proto);
enum decode_status decode__tunnel(struct rd *r, struct decode__ctx *c, unsigned outer_ver,
                                  uint8_t proto, size_t claim, bool frag);

/* Transport layer: r sits on the TCP header; ip_claim is the IP payload
 * length the IP header(s) claim (the cursor may hold less: snap length). */
enum decode_status decode__tcp(struct rd *r, struct decode__ctx *c, size_t ip_claim);

/* tcpopt_parse with the claimed options-area length known: r holds the
 * captured part (<= claimed). An option running past `claimed` is
 * TCPOPT_A_PAST_END; one running past the captured bytes but not past
 * `claimed` is TCPOPT_A_TRUNCATED. */
void decode__tcpopt_parse(struct rd *r, size_t claimed, struct tcp_opts *out);

#endif
