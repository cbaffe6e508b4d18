/* pcapng_enc.c: pcapng block encoder (draft-ietf-opsawg-pcapng sections 4.1
 * SHB, 4.2 IDB, 4.3 EPB; options section 3.5). Every block is
 *   block type (4) | total length (4) | body | total length (4)
 * and the body is padded to 32 bits. Written through the bounded cursor. */
#include "pcapng_enc.h"

#include <string.h>

#include "wr.h"

#define BT_SHB 0x0A0D0D0Au
#define BT_IDB 0x00000001u
#define BT_EPB 0x00000006u
#define BYTE_ORDER_MAGIC 0x1A2B3C4Du
#define OPT_ENDOFOPT 0
#define OPT_COMMENT 1
#define SHB_USERAPPL 4
#define IF_NAME 2
#define IF_TSRESOL 9

static size_t pad4(size_t n) { return (n + 3u) & ~(size_t)3u; }

static void put_opt(struct wr *w, uint16_t code, const void *val, size_t len)
{
    static const uint8_t zeros[4];
    wr_le16(w, code);
    wr_le16(w, (uint16_t)len);
    wr_bytes(w, val, len);
    wr_bytes(w, zeros, pad4(len) - len);
}

/* Close a block: opt_endofopt if options were written, the trailing length,
 * and the length back-patched at offset 4. */
static size_t finish(struct wr *w, int had_options)
{
    uint32_t total;
    if (had_options)
        put_opt(w, OPT_ENDOFOPT, NULL, 0);
    total = (uint32_t)(w->len + 4);
    wr_le32(w, total);
    if (w->overflow)
        return 0;
    w->buf[4] = (uint8_t)total;
    w->buf[5] = (uint8_t)(total >> 8);
    w->buf[6] = (uint8_t)(total >> 16);
    w->buf[7] = (uint8_t)(total >> 24);
    return w->len;
}

size_t pcapng_enc_shb(uint8_t *buf, size_t cap, const char *user_appl)
{
    struct wr w = wr_init(buf, cap);
    wr_le32(&w, BT_SHB);
    wr_le32(&w, 0); /* patched */
    wr_le32(&w, BYTE_ORDER_MAGIC);
    wr_le16(&w, 1); /* major */
    wr_le16(&w, 0); /* minor */
    wr_le32(&w, 0xffffffffu); /* section length: unspecified (-1) */
    wr_le32(&w, 0xffffffffu);
    if (user_appl)
        put_opt(&w, SHB_USERAPPL, user_appl, strlen(user_appl));
    return finish(&w, user_appl != NULL);
}

size_t pcapng_enc_idb(uint8_t *buf, size_t cap, uint16_t linktype, uint32_t snaplen,
                      const char *if_name)
{
    struct wr w = wr_init(buf, cap);
    uint8_t tsresol = 9; /* 10^-9 s */
    wr_le32(&w, BT_IDB);
    wr_le32(&w, 0);
    wr_le16(&w, linktype);
    wr_le16(&w, 0); /* reserved */
    wr_le32(&w, snaplen);
    if (if_name)
        put_opt(&w, IF_NAME, if_name, strlen(if_name));
    put_opt(&w, IF_TSRESOL, &tsresol, 1);
    return finish(&w, 1);
}

size_t pcapng_enc_epb_size(uint32_t caplen, size_t clen)
{
    return 28 + pad4(caplen) + (clen ? 4 + pad4(clen) + 4 : 0) + 4;
}

size_t pcapng_enc_epb(uint8_t *buf, size_t cap, uint32_t if_id, uint64_t ts_ns,
                      const uint8_t *data, uint32_t caplen, uint32_t origlen,
                      const char *comment)
{
    static const uint8_t zeros[4];
    struct wr w = wr_init(buf, cap);
    size_t clen = comment ? strlen(comment) : 0;
    if (clen > 0xffffu - 4)
        clen = 0xffffu - 4;
    wr_le32(&w, BT_EPB);
    wr_le32(&w, 0);
    wr_le32(&w, if_id);
    wr_le32(&w, (uint32_t)(ts_ns >> 32)); /* timestamp, high word first */
    wr_le32(&w, (uint32_t)ts_ns);
    wr_le32(&w, caplen);
    wr_le32(&w, origlen);
    wr_bytes(&w, data, caplen);
    wr_bytes(&w, zeros, pad4(caplen) - caplen);
    if (clen)
        put_opt(&w, OPT_COMMENT, comment, clen);
    return finish(&w, clen != 0);
}
