/* pcapng_enc.h: pure encoder for the pcapng blocks tcpshake writes (the
 * IETF pcapng draft, draft-ietf-opsawg-pcapng): a Section Header Block, one
 * Interface Description Block, Enhanced Packet Blocks with an optional
 * comment. Little-endian, nanosecond timestamps (if_tsresol 9). libpcap
 * 1.10 reads pcapng but cannot write it. */
#ifndef TCPSHAKE_PCAPNG_ENC_H
#define TCPSHAKE_PCAPNG_ENC_H

#include <stddef.h>
#include <stdint.h>

/* Each returns the block's length in bytes, or 0 if it does not fit in cap. */
size_t pcapng_enc_shb(uint8_t *buf, size_t cap, const char *user_appl);
size_t pcapng_enc_idb(uint8_t *buf, size_t cap, uint16_t linktype, uint32_t snaplen,
                      const char *if_name);
/* comment may be NULL. */
size_t pcapng_enc_epb(uint8_t *buf, size_t cap, uint32_t if_id, uint64_t ts_ns,
                      const uint8_t *data, uint32_t caplen, uint32_t origlen,
                      const char *comment);
/* Bytes an EPB needs at most for caplen bytes and a comment of clen bytes. */
size_t pcapng_enc_epb_size(uint32_t caplen, size_t clen);

#endif
