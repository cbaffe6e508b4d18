/* pcapng_dec.c: pure decoder of pcapng blocks (include/pcapng_dec.h). Block
 * layouts and option codes are the IETF pcapng draft's
 * (draft-ietf-opsawg-pcapng, sections 3.1, 3.5, 4.1-4.4); the checks follow
 * libpcap's sf-pcapng.c where it is right to refuse (bad lengths, a packet
 * on an unknown interface, a record longer than any snap length), and go
 * beyond it where it refuses valid files: interfaces of different link
 * types or snap lengths, a section without interfaces (issue 15). */
#include "pcapng_dec.h"

#include <stdlib.h>
#include <string.h>

#define OPT_ENDOFOPT 0u
#define IF_TSRESOL 9u
#define IF_TSOFFSET 14u

static uint32_t rd32(const struct png_dec *d, const uint8_t *p)
{
    return d->swapped ? (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3]
                      : (uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 | (uint32_t)p[1] << 8 | p[0];
}

static uint16_t rd16(const struct png_dec *d, const uint8_t *p)
{
    return (uint16_t)(d->swapped ? (unsigned)p[0] << 8 | p[1] : (unsigned)p[1] << 8 | p[0]);
}

static uint64_t rd64(const struct png_dec *d, const uint8_t *p)
{
    return (uint64_t)rd32(d, d->swapped ? p : p + 4) << 32 | rd32(d, d->swapped ? p + 4 : p);
}

/* The byte order of a section, from the byte-order magic of its SHB
 * (draft 4.1): false if the magic is neither. */
static bool shb_order(struct png_dec *d, const uint8_t *p)
{
    static const uint8_t le[4] = { 0x4D, 0x3C, 0x2B, 0x1A }, be[4] = { 0x1A, 0x2B, 0x3C, 0x4D };
    if (memcmp(p + 8, le, 4) == 0)
        d->swapped = false;
    else if (memcmp(p + 8, be, 4) == 0)
        d->swapped = true;
    else
        return false;
    return true;
}

static int fail(struct png_dec *d, const char *why)
{
    d->error = why;
    return PNG_ERROR;
}

void png_init(struct png_dec *d)
{
    memset(d, 0, sizeof(*d));
}

void png_free(struct png_dec *d)
{
    free(d->ifs);
    png_init(d);
}

uint32_t png_block_type(const struct png_dec *d, const uint8_t *p)
{
    return rd32(d, p);
}

uint32_t png_block_len(struct png_dec *d, const uint8_t *p, size_t n)
{
    uint32_t total;
    if (n < 12) {
        d->error = "block header cut short";
        return 0;
    }
    if (memcmp(p, "\x0a\x0d\x0d\x0a", 4) == 0) {
        if (!shb_order(d, p)) {
            d->error = "Section Header Block with a bad byte-order magic";
            return 0;
        }
    } else if (!d->in_section) {
        d->error = "the first block is not a Section Header Block";
        return 0;
    }
    total = rd32(d, p + 4);
    if (total < 12 || total % 4 != 0) {
        d->error = "block length below 12 or not a multiple of 4";
        return 0;
    }
    if (total > PNG_MAX_BLOCK) {
        d->error = "block longer than 16 MiB";
        return 0;
    }
    return total;
}

/* Options (draft 3.5): code, length, value padded to 4 bytes, up to
 * opt_endofopt or the end of the block. Only an IDB's time options matter. */
static int idb_options(struct png_dec *d, const uint8_t *o, size_t n, struct png_iface *ifc)
{
    bool seen_resol = false, seen_offset = false;
    while (n >= 4) {
        uint16_t code = rd16(d, o), len = rd16(d, o + 2);
        size_t padded = ((size_t)len + 3u) & ~(size_t)3u;
        if (code == OPT_ENDOFOPT)
            return 0;
        if (padded > n - 4)
            return fail(d, "option runs past the end of its block");
        if (code == IF_TSRESOL) {
            unsigned v;
            if (len != 1 || seen_resol)
                return fail(d, "bad if_tsresol option");
            v = o[4] & 0x7Fu;
            if ((o[4] & 0x80u) ? v > 63 : v > 19)
                return fail(d, "if_tsresol finer than 64 bits can count");
            ifc->tsresol = o[4];
            seen_resol = true;
        } else if (code == IF_TSOFFSET) {
            if (len != 8 || seen_offset)
                return fail(d, "bad if_tsoffset option");
            ifc->tsoffset = (int64_t)rd64(d, o + 4);
            seen_offset = true;
        }
        o += 4 + padded;
        n -= 4 + padded;
    }
    return 0;
}

static int add_iface(struct png_dec *d, const uint8_t *b, size_t body)
{
    struct png_iface ifc;
    if (body < 8)
        return fail(d, "Interface Description Block too short");
    if (d->nif >= PNG_MAX_IF)
        return fail(d, "more than 65536 interfaces in a section");
    memset(&ifc, 0, sizeof(ifc));
    ifc.linktype = rd16(d, b);
    ifc.snaplen = rd32(d, b + 4);
    ifc.tsresol = 6; /* default: microseconds (draft 4.2, if_tsresol) */
    if (idb_options(d, b + 8, body - 8, &ifc) != 0)
        return PNG_ERROR;
    if (d->nif == d->cap) {
        uint32_t ncap = d->cap ? d->cap * 2 : 4;
        struct png_iface *n = realloc(d->ifs, (size_t)ncap * sizeof(*n));
        if (!n)
            return fail(d, "out of memory for interfaces");
        d->ifs = n;
        d->cap = ncap;
    }
    d->ifs[d->nif++] = ifc;
    return PNG_SKIP;
}

/* Timestamp units -> nanoseconds since the epoch. Unsigned arithmetic: a
 * hostile value wraps, it never overflows. */
static uint64_t ts_ns(const struct png_iface *ifc, uint64_t ts)
{
    static const uint64_t pow10[] = { 1u, 10u, 100u, 1000u, 10000u, 100000u, 1000000u,
                                      10000000u, 100000000u, 1000000000u, 10000000000u,
                                      100000000000u, 1000000000000u, 10000000000000u,
                                      100000000000000u, 1000000000000000u,
                                      10000000000000000u, 100000000000000000u,
                                      1000000000000000000u, 10000000000000000000u };
    unsigned v = ifc->tsresol & 0x7Fu;
    uint64_t sec, frac, ns;
    if (ifc->tsresol & 0x80u) { /* 2^-v, v <= 63 */
        sec = ts >> v;
        frac = v ? ts & ((UINT64_C(1) << v) - 1u) : 0;
        ns = v <= 34 ? (frac * 1000000000u) >> v : ((frac >> (v - 34)) * 1000000000u) >> 34;
    } else { /* 10^-v, v <= 19 */
        sec = ts / pow10[v];
        frac = ts % pow10[v];
        ns = v <= 9 ? frac * pow10[9 - v] : frac / pow10[v - 9];
    }
    return (sec + (uint64_t)ifc->tsoffset) * 1000000000u + ns;
}

static const struct png_iface *iface(struct png_dec *d, uint32_t ifid)
{
    if (ifid >= d->nif) {
        d->error = "a packet on an interface no Interface Description Block described";
        return NULL;
    }
    return &d->ifs[ifid];
}

/* Fill *out from a packet whose caplen bytes start at data; room is what
 * the block holds from there. */
static int packet(struct png_dec *d, const struct png_iface *ifc, uint32_t ifid, uint64_t ts,
                  const uint8_t *data, size_t room, uint32_t caplen, uint32_t wirelen,
                  uint32_t max_caplen, struct png_pkt *out)
{
    if (caplen > room)
        return fail(d, "packet longer than its block");
    if (caplen > max_caplen)
        return fail(d, "packet longer than any snap length");
    if (ifc->snaplen && caplen > ifc->snaplen)
        caplen = ifc->snaplen; /* as libpcap: never more than the snap length */
    out->ifid = ifid;
    out->linktype = ifc->linktype;
    out->ts_ns = ts_ns(ifc, ts);
    out->data = data;
    out->caplen = caplen;
    out->wirelen = wirelen;
    return PNG_PACKET;
}

enum png_rc png_block(struct png_dec *d, const uint8_t *p, size_t n, uint32_t max_caplen,
                      struct png_pkt *out)
{
    uint32_t type, total;
    const uint8_t *b = p + 8;
    const struct png_iface *ifc;
    size_t body;
    d->error = NULL;
    total = png_block_len(d, p, n);
    if (total == 0)
        return PNG_ERROR;
    if (total != n)
        return fail(d, "block length differs from the bytes given");
    if (rd32(d, p + n - 4) != total)
        return fail(d, "block lengths in header and trailer differ");
    type = rd32(d, p);
    body = n - 12;
    switch (type) {
    case PNG_SHB:
        if (body < 16)
            return fail(d, "Section Header Block too short");
        if (rd16(d, b + 4) != 1)
            return fail(d, "unsupported pcapng major version");
        d->in_section = true;
        d->nif = 0; /* interfaces belong to their section (draft 4.1) */
        return PNG_SKIP;
    case PNG_IDB:
        return (enum png_rc)add_iface(d, b, body);
    case PNG_EPB:
        if (body < 20)
            return fail(d, "Enhanced Packet Block too short");
        if (!(ifc = iface(d, rd32(d, b))))
            return PNG_ERROR;
        return (enum png_rc)packet(d, ifc, rd32(d, b), (uint64_t)rd32(d, b + 4) << 32 | rd32(d, b + 8),
                                   b + 20, body - 20, rd32(d, b + 12), rd32(d, b + 16),
                                   max_caplen, out);
    case PNG_SPB: {
        uint32_t len, caplen;
        if (body < 4)
            return fail(d, "Simple Packet Block too short");
        if (!(ifc = iface(d, 0)))
            return PNG_ERROR;
        /* No captured length (draft 4.4): the block, the original length
         * and the snap length bound it; no timestamp either. */
        len = rd32(d, b);
        caplen = len < body - 4 ? len : (uint32_t)(body - 4);
        if (ifc->snaplen && caplen > ifc->snaplen)
            caplen = ifc->snaplen;
        return (enum png_rc)packet(d, ifc, 0, 0, b + 4, body - 4, caplen, len, max_caplen, out);
    }
    case PNG_PB:
        if (body < 20)
            return fail(d, "Packet Block too short");
        if (!(ifc = iface(d, rd16(d, b))))
            return PNG_ERROR;
        return (enum png_rc)packet(d, ifc, rd16(d, b), (uint64_t)rd32(d, b + 4) << 32 | rd32(d, b + 8),
                                   b + 20, body - 20, rd32(d, b + 12), rd32(d, b + 16),
                                   max_caplen, out);
    default:
        return PNG_SKIP; /* statistics, name resolution, custom...: not ours */
    }
}

int png_next(struct png_dec *d, const uint8_t **p, size_t *left, uint32_t max_caplen,
             struct png_pkt *out)
{
    while (*left > 0) {
        uint32_t total = png_block_len(d, *p, *left);
        enum png_rc rc;
        if (total == 0)
            return -1;
        if (total > *left) {
            d->error = "block cut short by the end of the input";
            return -1;
        }
        rc = png_block(d, *p, total, max_caplen, out);
        *p += total;
        *left -= total;
        if (rc == PNG_ERROR)
            return -1;
        if (rc == PNG_PACKET)
            return 1;
    }
    return 0;
}
