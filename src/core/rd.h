/* rd.h: the bounded read cursor. Every packet byte is read through it.
 *
 * A cursor is (pointer, bytes left). Reads past the end never touch memory:
 * they set the sticky `trunc` flag, leave the cursor empty and return 0.
 * Lengths are compared, no pointer is ever formed past the end
 * (tcpdump ND_TTEST habit; CERT VU#162289). */
#ifndef TCPSHAKE_RD_H
#define TCPSHAKE_RD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

struct rd {
    const uint8_t *cur;
    size_t left;
    bool trunc;
};

static inline struct rd rd_init(const uint8_t *p, size_t len)
{
    struct rd r = { p, len, false };
    return r;
}

static inline size_t rd_left(const struct rd *r) { return r->left; }

/* True if n more bytes are available; otherwise marks truncation. */
static inline bool rd_need(struct rd *r, size_t n)
{
    if (r->trunc || r->left < n) {
        r->trunc = true;
        r->left = 0;
        return false;
    }
    return true;
}

static inline void rd__adv(struct rd *r, size_t n)
{
    r->cur += n;
    r->left -= n;
}

static inline uint8_t rd_u8(struct rd *r)
{
    uint8_t v;
    if (!rd_need(r, 1))
        return 0;
    v = r->cur[0];
    rd__adv(r, 1);
    return v;
}

static inline uint16_t rd_be16(struct rd *r)
{
    uint16_t v;
    if (!rd_need(r, 2))
        return 0;
    v = (uint16_t)((uint16_t)r->cur[0] << 8 | (uint16_t)r->cur[1]);
    rd__adv(r, 2);
    return v;
}

static inline uint16_t rd_le16(struct rd *r)
{
    uint16_t v;
    if (!rd_need(r, 2))
        return 0;
    v = (uint16_t)((uint16_t)r->cur[1] << 8 | (uint16_t)r->cur[0]);
    rd__adv(r, 2);
    return v;
}

static inline uint32_t rd_be32(struct rd *r)
{
    uint32_t v;
    if (!rd_need(r, 4))
        return 0;
    v = (uint32_t)r->cur[0] << 24 | (uint32_t)r->cur[1] << 16 |
        (uint32_t)r->cur[2] << 8 | (uint32_t)r->cur[3];
    rd__adv(r, 4);
    return v;
}

static inline uint32_t rd_le32(struct rd *r)
{
    uint32_t v;
    if (!rd_need(r, 4))
        return 0;
    v = (uint32_t)r->cur[3] << 24 | (uint32_t)r->cur[2] << 16 |
        (uint32_t)r->cur[1] << 8 | (uint32_t)r->cur[0];
    rd__adv(r, 4);
    return v;
}

/* Peek one byte at offset off without consuming; 0 and trunc if absent. */
static inline uint8_t rd_peek8(struct rd *r, size_t off)
{
    if (r->trunc || r->left <= off) {
        r->trunc = true;
        r->left = 0;
        return 0;
    }
    return r->cur[off];
}

static inline bool rd_skip(struct rd *r, size_t n)
{
    if (!rd_need(r, n))
        return false;
    rd__adv(r, n);
    return true;
}

static inline bool rd_copy(struct rd *r, void *dst, size_t n)
{
    if (!rd_need(r, n))
        return false;
    memcpy(dst, r->cur, n);
    rd__adv(r, n);
    return true;
}

/* Child cursor over the next n bytes (or fewer if fewer are left: the child
 * is then short and the parent is marked truncated); the parent skips them. */
static inline struct rd rd_sub(struct rd *r, size_t n)
{
    struct rd c;
    size_t take = n <= r->left ? n : r->left;
    c.cur = r->cur;
    c.left = take;
    c.trunc = false;
    if (take < n)
        r->trunc = true;
    r->cur += take;
    r->left -= take;
    return c;
}

/* Narrow the cursor to at most n bytes (IP total length < caplen trims
 * link-layer padding). Never widens. */
static inline void rd_limit(struct rd *r, size_t n)
{
    if (n < r->left)
        r->left = n;
}

#endif
