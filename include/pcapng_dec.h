/* pcapng_dec.h: pure, bounds-checked decoder of pcapng blocks (the IETF
 * pcapng draft, draft-ietf-opsawg-pcapng: SHB 4.1, IDB 4.2, EPB 4.3, SPB
 * 4.4, the obsolete Packet Block, other blocks skipped). Unlike libpcap 1.10
 * it accepts interfaces of different link types and snap lengths in one
 * section and a section without any interface (issue 15): each packet
 * carries its interface's link type. Used by the I/O shell only when
 * libpcap refuses a file (src/io/pcapng_read.c), and by the fuzz harness
 * fuzz_pcapng (docs/HARDENING.md). No OS call; memory only for the table
 * of interfaces. Every length is checked against the block it is in. */
#ifndef TCPSHAKE_PCAPNG_DEC_H
#define TCPSHAKE_PCAPNG_DEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PNG_SHB 0x0A0D0D0Au
#define PNG_IDB 1u
#define PNG_PB 2u  /* obsolete Packet Block (draft appendix) */
#define PNG_SPB 3u
#define PNG_EPB 6u
#define PNG_BOM 0x1A2B3C4Du
#define PNG_MAX_BLOCK (16u * 1024u * 1024u) /* libpcap's largest block */
#define PNG_MAX_IF 65536u                   /* interfaces per section */

struct png_iface {
    uint16_t linktype;  /* LINKTYPE_ number */
    uint32_t snaplen;   /* 0 = none */
    uint8_t tsresol;    /* if_tsresol: 10^-v, or 2^-v with the top bit set */
    int64_t tsoffset;   /* if_tsoffset, seconds */
};

struct png_dec {
    bool in_section;    /* an SHB was seen */
    bool swapped;       /* section is big-endian */
    struct png_iface *ifs;
    uint32_t nif, cap;
    const char *error;  /* why the last call failed */
};

enum png_rc {
    PNG_ERROR = -1,     /* damaged: dec->error says why */
    PNG_SKIP = 0,       /* a block with no packet (SHB, IDB, statistics...) */
    PNG_PACKET = 1,     /* *out is a packet */
};

struct png_pkt {
    uint32_t ifid;
    uint16_t linktype;
    uint64_t ts_ns;         /* with if_tsresol and if_tsoffset applied */
    const uint8_t *data;    /* inside the block */
    uint32_t caplen, wirelen;
};

void png_init(struct png_dec *d);
void png_free(struct png_dec *d);
/* The total length of the block starting at p (n >= 12 bytes of it), read
 * in the section's byte order (an SHB's own from its byte-order magic); 0
 * with d->error if it is not a valid length (< 12, not a multiple of 4,
 * > PNG_MAX_BLOCK) or the first block is not an SHB. */
uint32_t png_block_len(struct png_dec *d, const uint8_t *p, size_t n);
/* The type of the block at p (>= 4 bytes) in the section's byte order (as
 * png_block_len() last set it). */
uint32_t png_block_type(const struct png_dec *d, const uint8_t *p);
/* Decode one whole block of n bytes (n = its total length). A packet's
 * caplen is cut to its interface's snap length as libpcap does; one
 * longer than `max_caplen` is damage. */
enum png_rc png_block(struct png_dec *d, const uint8_t *p, size_t n, uint32_t max_caplen,
                      struct png_pkt *out);
/* Convenience over a buffer: the next packet (1), the end (0), damage or a
 * cut block (-1, d->error). *p and *left move past the blocks read. */
int png_next(struct png_dec *d, const uint8_t **p, size_t *left, uint32_t max_caplen,
             struct png_pkt *out);

#endif
