/* wr.h: the bounded write cursor used by the packet builder.
 * Writes past the capacity are dropped and set the sticky `overflow` flag. */
#ifndef TCPSHAKE_WR_H
#define TCPSHAKE_WR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

struct wr {
    uint8_t *buf;
    size_t cap, len;
    bool overflow;
};

static inline struct wr wr_init(uint8_t *buf, size_t cap)
{
    struct wr w = { buf, cap, 0, false };
    return w;
}

static inline bool wr_room(struct wr *w, size_t n)
{
    if (w->overflow || w->cap - w->len < n) {
        w->overflow = true;
        return false;
    }
    return true;
}

static inline void wr_u8(struct wr *w, uint8_t v)
{
    if (wr_room(w, 1))
        w->buf[w->len++] = v;
}

static inline void wr_be16(struct wr *w, uint16_t v)
{
    if (wr_room(w, 2)) {
        w->buf[w->len++] = (uint8_t)(v >> 8);
        w->buf[w->len++] = (uint8_t)v;
    }
}

static inline void wr_le16(struct wr *w, uint16_t v)
{
    if (wr_room(w, 2)) {
        w->buf[w->len++] = (uint8_t)v;
        w->buf[w->len++] = (uint8_t)(v >> 8);
    }
}

static inline void wr_be32(struct wr *w, uint32_t v)
{
    if (wr_room(w, 4)) {
        w->buf[w->len++] = (uint8_t)(v >> 24);
        w->buf[w->len++] = (uint8_t)(v >> 16);
        w->buf[w->len++] = (uint8_t)(v >> 8);
        w->buf[w->len++] = (uint8_t)v;
    }
}

static inline void wr_le32(struct wr *w, uint32_t v)
{
    if (wr_room(w, 4)) {
        w->buf[w->len++] = (uint8_t)v;
        w->buf[w->len++] = (uint8_t)(v >> 8);
        w->buf[w->len++] = (uint8_t)(v >> 16);
        w->buf[w->len++] = (uint8_t)(v >> 24);
    }
}

static inline void wr_bytes(struct wr *w, const void *p, size_t n)
{
    if (n && wr_room(w, n)) {
        memcpy(w->buf + w->len, p, n);
        w->len += n;
    }
}

/* Overwrite a big-endian 16-bit value at an earlier offset (lengths, checksums). */
static inline void wr_put_be16_at(struct wr *w, size_t off, uint16_t v)
{
    if (off + 2 <= w->len) {
        w->buf[off] = (uint8_t)(v >> 8);
        w->buf[off + 1] = (uint8_t)v;
    }
}

#endif
