/* rawsock.h: send hand-built IPv4/IPv6 packets through raw sockets
 * (IP_HDRINCL / IPV6_HDRINCL): the I/O shell under `tcpshake craft`. */
#ifndef TCPSHAKE_RAWSOCK_H
#define TCPSHAKE_RAWSOCK_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"

/* Negative returns; errbuf says more. */
#define RAWSOCK_ERR_PERM (-1)   /* EPERM/EACCES: "needs root or CAP_NET_RAW: ..." */
#define RAWSOCK_ERR_SOCKET (-2) /* socket() or setsockopt() failed otherwise */
#define RAWSOCK_ERR_SEND (-3)   /* sendto() failed (an output firewall rule, no route, ...) */
#define RAWSOCK_ERR_PACKET (-4) /* not an IPv4/IPv6 packet, or shorter than its header */
#define RAWSOCK_ERR_FAMILY (-5) /* the socket is for the other family */

struct rawsock {
    int fd;     /* -1 when closed */
    int family; /* IPADDR_V4 or IPADDR_V6 */
};

/* Open a raw socket for family IPADDR_V4 (AF_INET, IPPROTO_RAW, IP_HDRINCL)
 * or IPADDR_V6 (AF_INET6, IPPROTO_RAW, which implies IPV6_HDRINCL; the option
 * itself exists since Linux 4.5). Returns 0 or RAWSOCK_ERR_*; on failure
 * rs->fd is -1. */
int rawsock_open(struct rawsock *rs, int family, char errbuf[ERRBUF_SIZE]);

/* Send one bare IP packet (header included, checksums filled in by the
 * builder) to the destination address in its header. Returns 0 or
 * RAWSOCK_ERR_*. The kernel fills in the IPv4 total length, header checksum
 * and (if zero) the IP ID; it never changes the TCP segment. */
int rawsock_send(struct rawsock *rs, const uint8_t *pkt, size_t len, char errbuf[ERRBUF_SIZE]);

/* Close; idempotent. Cannot fail. */
void rawsock_close(struct rawsock *rs);

#endif
