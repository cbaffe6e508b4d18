/* pcap_lite.c: minimal pure pcap/pcapng reader for the fuzz harnesses
 * (pcap: libpcap's savefile format; pcapng: draft-ietf-opsawg-pcapng,
 * SHB, IDB, EPB and SPB blocks; other blocks are skipped). */
#include "pcap_lite.h"

#include <string.h>

#include "config.h"

#define PCAP_HDR_LEN 24u
#define PCAP_REC_LEN 16u
#define NG_SHB 0x0A0D0D0Au
#define NG_IDB 0x00000001u
#define NG_SPB 0x00000003u
#define NG_EPB 0x00000006u
#define NG_BOM 0x1A2B3C4Du
#define NG_OPT_TSRESOL 9u

static uint32_t get32(const struct pcap_lite *r, const uint8_t *p)
{
    uint32_t v = (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
                 (uint32_t)p[3] << 24;
    if (r->swapped)
        v = (v >> 24) | ((v >> 8) & 0xFF00u) | ((v << 8) & 0xFF0000u) | (v << 24);
    return v;
}

static uint16_t get16(const struct pcap_lite *r, const uint8_t *p)
{
    uint16_t v = (uint16_t)(p[0] | p[1] << 8);
    if (r->swapped)
        v = (uint16_t)(v >> 8 | v << 8);
    return v;
}

static int fail(struct pcap_lite *r, const char *why)
{
    r->error = why;
    r->left = 0;
    return -1;
}

int pcap_lite_open(struct pcap_lite *r, const uint8_t *data, size_t size)
{
    static const uint8_t le_us[4] = { 0xd4, 0xc3, 0xb2, 0xa1 }, be_us[4] = { 0xa1, 0xb2, 0xc3, 0xd4 };
    static const uint8_t le_ns[4] = { 0x4d, 0x3c, 0xb2, 0xa1 }, be_ns[4] = { 0xa1, 0xb2, 0x3c, 0x4d };
    static const uint8_t shb[4] = { 0x0a, 0x0d, 0x0d, 0x0a };

    memset(r, 0, sizeof(*r));
    r->linktype = -1;
    if (size < 4)
        return -1;
    if (memcmp(data, shb, 4) == 0) {
        r->ng = true; /* the SHB is read as the first block */
        r->p = data;
        r->left = size;
        return 0;
    }
    if (memcmp(data, le_us, 4) == 0 || memcmp(data, le_ns, 4) == 0)
        r->swapped = false;
    else if (memcmp(data, be_us, 4) == 0 || memcmp(data, be_ns, 4) == 0)
        r->swapped = true;
    else
        return -1;
    r->nano = memcmp(data, le_ns, 4) == 0 || memcmp(data, be_ns, 4) == 0;
    if (size < PCAP_HDR_LEN)
        return -1; /* libpcap: truncated file header */
    r->linktype = (int)(get32(r, data + 20) & 0x0FFFFFFFu); /* upper bits: FCS info */
    r->p = data + PCAP_HDR_LEN;
    r->left = size - PCAP_HDR_LEN;
    return 0;
}

static int pcap_next(struct pcap_lite *r, struct frame *out)
{
    uint32_t sec, frac, caplen, len;
    if (r->left == 0)
        return 0;
    if (r->left < PCAP_REC_LEN)
        return fail(r, "truncated record header");
    sec = get32(r, r->p);
    frac = get32(r, r->p + 4);
    caplen = get32(r, r->p + 8);
    len = get32(r, r->p + 12);
    if (caplen > CFG_MAX_FRAME)
        return fail(r, "caplen larger than any snap length");
    if (r->left - PCAP_REC_LEN < caplen)
        return fail(r, "truncated record");
    out->data = r->p + PCAP_REC_LEN;
    out->caplen = caplen;
    out->wirelen = len;
    out->ts_ns = (uint64_t)sec * 1000000000u + (r->nano ? frac : (uint64_t)frac * 1000u);
    r->p += PCAP_REC_LEN + caplen;
    r->left -= PCAP_REC_LEN + caplen;
    return 1;
}

/* pcapng time units -> nanoseconds (if_tsresol: 10^-v, or 2^-v with the
 * top bit set; default microseconds). */
static uint64_t ng_ns(uint8_t res, uint64_t ts)
{
    static const uint64_t pow10[] = { 1u, 10u, 100u, 1000u, 10000u, 100000u, 1000000u,
                                      10000000u, 100000000u, 1000000000u };
    unsigned v = res & 0x7Fu;
    if (res & 0x80u)
        return v < 64 ? (ts >> v) * 1000000000u : 0;
    if (v <= 9)
        return ts * pow10[9 - v];
    if (v <= 18)
        return ts / pow10[v - 9];
    return 0;
}

/* The if_tsresol option of an IDB (options start at `o`, `n` bytes). */
static uint8_t ng_tsresol(const struct pcap_lite *r, const uint8_t *o, size_t n)
{
    while (n >= 4) {
        uint16_t code = get16(r, o), olen = get16(r, o + 2);
        size_t padded = ((size_t)olen + 3u) & ~(size_t)3u;
        if (code == 0 || padded > n - 4)
            break;
        if (code == NG_OPT_TSRESOL && olen >= 1)
            return o[4];
        o += 4 + padded;
        n -= 4 + padded;
    }
    return 6;
}

static int ng_next(struct pcap_lite *r, struct frame *out)
{
    for (;;) {
        uint32_t type, total, caplen, len, ifid;
        const uint8_t *b;
        size_t body;

        if (r->left == 0)
            return 0;
        if (r->left < 12)
            return fail(r, "truncated block header");
        if (memcmp(r->p, "\x0a\x0d\x0d\x0a", 4) == 0) {
            /* SHB: its byte-order magic decides how to read everything. */
            if (r->left < 28)
                return fail(r, "truncated section header");
            r->swapped = false;
            if (get32(r, r->p + 8) != NG_BOM) {
                r->swapped = true;
                if (get32(r, r->p + 8) != NG_BOM)
                    return fail(r, "bad byte-order magic");
            }
            r->nif = 0; /* interfaces are per section */
        }
        type = get32(r, r->p);
        total = get32(r, r->p + 4);
        if (total < 12 || total % 4 != 0)
            return fail(r, "bad block length");
        if (total > r->left)
            return fail(r, "truncated block");
        if (get32(r, r->p + total - 4) != total)
            return fail(r, "block lengths disagree");
        b = r->p + 8;
        body = total - 12;
        r->p += total;
        r->left -= total;

        switch (type) {
        case NG_IDB:
            if (body < 8)
                return fail(r, "short interface block");
            if (r->linktype < 0)
                r->linktype = get16(r, b);
            else if (r->linktype != get16(r, b))
                return fail(r, "interfaces with different link types");
            if (r->nif < PCAP_LITE_MAX_IF)
                r->tsresol[r->nif] = ng_tsresol(r, b + 8, body - 8);
            r->nif++;
            break;
        case NG_EPB:
            if (body < 20)
                return fail(r, "short packet block");
            ifid = get32(r, b);
            caplen = get32(r, b + 12);
            len = get32(r, b + 16);
            if (ifid >= r->nif)
                return fail(r, "packet on an unknown interface");
            if (caplen > CFG_MAX_FRAME || caplen > body - 20)
                return fail(r, "packet longer than its block");
            out->data = b + 20;
            out->caplen = caplen;
            out->wirelen = len;
            out->ts_ns = ng_ns(ifid < PCAP_LITE_MAX_IF ? r->tsresol[ifid] : 6,
                               (uint64_t)get32(r, b + 4) << 32 | get32(r, b + 8));
            return 1;
        case NG_SPB:
            if (body < 4)
                return fail(r, "short simple packet block");
            if (r->nif == 0)
                return fail(r, "simple packet without an interface");
            len = get32(r, b);
            caplen = len < body - 4 ? len : (uint32_t)(body - 4);
            if (caplen > CFG_MAX_FRAME)
                return fail(r, "packet longer than any snap length");
            out->data = b + 4;
            out->caplen = caplen;
            out->wirelen = len;
            out->ts_ns = 0;
            return 1;
        default:
            break; /* SHB handled above; statistics, name resolution, ...: skipped */
        }
    }
}

int pcap_lite_next(struct pcap_lite *r, struct frame *out)
{
    return r->ng ? ng_next(r, out) : pcap_next(r, out);
}
