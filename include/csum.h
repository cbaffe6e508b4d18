/* csum.h: the Internet checksum (RFC 1071) and the TCP pseudo-header sums
 * (RFC 9293 3.1 for IPv4, RFC 8200 8.1 for IPv6). Pure. */
#ifndef TCPSHAKE_CSUM_H
#define TCPSHAKE_CSUM_H

#include <stddef.h>
#include <stdint.h>

#include "netaddr.h"

/* Add bytes to a running 32-bit one's-complement sum (big-endian words).
 * An odd final byte is padded with zero (RFC 1071), so when summing in
 * pieces only the last piece may have an odd length. Cannot fail. */
uint32_t csum_add(uint32_t sum, const uint8_t *p, size_t len);
/* Fold and complement: the value to store in a checksum field. */
uint16_t csum_fold(uint32_t sum);
/* Checksum of an IPv4 header (its checksum field must be zero, or the
 * result is 0 when verifying a correct header). */
uint16_t csum_ipv4_header(const uint8_t *hdr, size_t len);
/* TCP checksum over pseudo-header + segment (header + payload). */
uint16_t csum_tcp(const struct ip_addr *src, const struct ip_addr *dst, const uint8_t *seg,
                  size_t seg_len);

#endif
