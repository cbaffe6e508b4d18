/* csum.c: the Internet checksum (RFC 1071) and the TCP pseudo-header sums
 * (RFC 9293 section 3.1 for IPv4, RFC 8200 section 8.1 for IPv6). Pure. */
#include "csum.h"

#define IPPROTO_TCP_NUM 6u

/* RFC 1071 section 4.1: add 16-bit big-endian words into a 32-bit
 * accumulator; an odd trailing byte is padded with a zero byte on the right.
 * Carries are folded back every so often so the accumulator cannot wrap even
 * for CFG_MAX_FRAME-sized inputs. */
uint32_t csum_add(uint32_t sum, const uint8_t *p, size_t len)
{
    size_t i = 0;
    while (len - i >= 2) {
        sum += (uint32_t)p[i] << 8 | (uint32_t)p[i + 1];
        if (sum & 0x80000000u)
            sum = (sum & 0xffffu) + (sum >> 16);
        i += 2;
    }
    if (i < len)
        sum += (uint32_t)p[i] << 8;
    return sum;
}

uint16_t csum_fold(uint32_t sum)
{
    while (sum >> 16)
        sum = (sum & 0xffffu) + (sum >> 16);
    return (uint16_t)~sum;
}

uint16_t csum_ipv4_header(const uint8_t *hdr, size_t len)
{
    return csum_fold(csum_add(0, hdr, len));
}

/* Pseudo-headers, summed as 16-bit words:
 *
 * IPv4 (RFC 9293 3.1)              IPv6 (RFC 8200 8.1)
 * +--------+--------+--------+      +-----------------------------------+
 * |      Source Address      |      |      Source Address (16 bytes)    |
 * +--------+--------+--------+      +-----------------------------------+
 * |    Destination Address   |      |   Destination Address (16 bytes)  |
 * +--------+--------+--------+      +-----------------------------------+
 * |  zero  |  PTCL  | TCP len|      |   Upper-Layer Packet Length (32)  |
 * +--------+--------+--------+      +--------------------------+--------+
 *                                   |        zero (24)         |  NH=6  |
 *                                   +--------------------------+--------+
 */
uint16_t csum_tcp(const struct ip_addr *src, const struct ip_addr *dst, const uint8_t *seg,
                  size_t seg_len)
{
    uint32_t sum = 0;
    uint64_t len = (uint64_t)seg_len;
    if (src->family == IPADDR_V6) {
        sum = csum_add(sum, src->bytes, 16);
        sum = csum_add(sum, dst->bytes, 16);
        sum += (uint32_t)(len >> 16) & 0xffffu; /* 32-bit length, high word */
    } else {
        sum = csum_add(sum, src->bytes, 4);
        sum = csum_add(sum, dst->bytes, 4);
    }
    sum += (uint32_t)len & 0xffffu;
    sum += IPPROTO_TCP_NUM;
    sum = csum_add(sum, seg, seg_len);
    return csum_fold(sum);
}
