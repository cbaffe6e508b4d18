/* tcpopt.c: TCP options: parse (layout, values, anomalies), write (Linux's
 * SYN layout) and format (tcpdump's wording). Shared by the decoder and the
 * packet builder. Every option byte is read through the bounded cursor.
 *
 * Options (RFC 9293 section 3.1) are either one byte (EOL 0, NOP 1) or
 * kind-length-value, the length counting kind and length bytes:
 *
 * +--------+--------+---------...
 * |  Kind  | Length |  Length - 2 bytes of data
 * +--------+--------+---------...
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "decode_int.h"
#include "rd.h"
#include "tcp_wire.h"
#include "tcpopt.h"
#include "wr.h"

/* Lengths (kind and length bytes included) per option. */
#define TCPOLEN_MSS 4u             /* RFC 9293 section 3.2 */
#define TCPOLEN_WSCALE 3u          /* RFC 7323 section 2.2 */
#define TCPOLEN_SACK_OK 2u         /* RFC 2018 section 2 */
#define TCPOLEN_SACK_BASE 2u       /* RFC 2018 section 3: + 8 per block */
#define TCPOLEN_SACK_BLOCK 8u
#define TCPOLEN_TS 10u             /* RFC 7323 section 3.2 */
#define TCPOLEN_MD5 18u            /* RFC 2385 section 3.0 */
#define TCPOLEN_MPTCP_MIN 3u       /* RFC 8684 section 3: kind, length, subtype */
#define TCPOLEN_TFO_BASE 2u        /* RFC 7413 section 4.1.1 */
#define TCPOLEN_EXP_TFO_BASE 4u    /* RFC 6994 section 3: kind, length, ExID */
#define TCPOPT_TFO_COOKIE_MIN 4u   /* RFC 7413 section 4.1.1 */
#define TCPOPT_WSCALE_MAX 14u      /* RFC 7323 section 2.3 */

static void layout_add(struct tcp_opts *o, uint8_t kind, uint8_t len)
{
    if (o->nlayout < TCPOPT_MAX_LAYOUT) {
        o->layout[o->nlayout] = kind;
        o->layout_len[o->nlayout] = len;
        o->nlayout++;
    }
}

/* A TFO cookie length is valid when it is a request (0) or 4..16 bytes. */
static bool tfo_cookie_len_ok(size_t n)
{
    return n == 0 || (n >= TCPOPT_TFO_COOKIE_MIN && n <= TCPOPT_MAX_TFO_COOKIE);
}

/* Is `len` acceptable for `kind` (known kinds only; kind 254 is judged once
 * its ExID is read)? */
static bool len_ok(uint8_t kind, uint8_t len)
{
    switch (kind) {
    case TCPOPT_MSS:
        return len == TCPOLEN_MSS;
    case TCPOPT_WSCALE:
        return len == TCPOLEN_WSCALE;
    case TCPOPT_SACK_OK:
        return len == TCPOLEN_SACK_OK;
    case TCPOPT_SACK:
        return len > TCPOLEN_SACK_BASE && (len - TCPOLEN_SACK_BASE) % TCPOLEN_SACK_BLOCK == 0 &&
               (len - TCPOLEN_SACK_BASE) / TCPOLEN_SACK_BLOCK <= TCPOPT_MAX_SACK;
    case TCPOPT_TS:
        return len == TCPOLEN_TS;
    case TCPOPT_MD5:
        return len == TCPOLEN_MD5;
    case TCPOPT_MPTCP:
        return len >= TCPOLEN_MPTCP_MIN;
    case TCPOPT_TFO:
        return tfo_cookie_len_ok((size_t)len - TCPOLEN_TFO_BASE);
    default:
        return true;
    }
}

/* Sets TCPOPT_A_DUPLICATE if the option was seen before. */
static void note_known(struct tcp_opts *o, uint16_t bit)
{
    if (o->present & bit)
        o->anomalies |= TCPOPT_A_DUPLICATE;
    o->present |= bit;
}

static void note_unknown(struct tcp_opts *o, uint8_t kind, uint8_t seen[32])
{
    /* Experimental kinds (RFC 6994) are shared by experiments told apart by
     * their ExID, so two of them are not a duplicate. */
    bool experimental = kind == TCPOPT_EXP1 || kind == TCPOPT_EXP2;
    uint8_t mask = (uint8_t)(1u << (kind & 7u));

    if (!experimental && (seen[kind >> 3] & mask))
        o->anomalies |= TCPOPT_A_DUPLICATE;
    seen[kind >> 3] |= mask;
    o->present |= TCPOPT_P_UNKNOWN;
}

/* Copy a TFO cookie of n bytes (checked: 0 or 4..16) from b. */
static void take_tfo(struct tcp_opts *o, struct rd *b, size_t n, bool exp)
{
    note_known(o, TCPOPT_P_TFO);
    o->tfo_len = (uint8_t)n;
    o->tfo_exp = exp;
    memset(o->tfo_cookie, 0, sizeof(o->tfo_cookie));
    (void)rd_copy(b, o->tfo_cookie, n);
}

/* The value of one option whose `len - 2` data bytes are all in `b`.
 * Returns false if the length is wrong for the kind (kind 254 with the TFO
 * magic is only known here). The option bodies:
 *
 *   MSS (RFC 9293 3.2)      | 2 | 4 | MSS (16)        |
 *   WSCALE (RFC 7323 2.2)   | 3 | 3 | shift.cnt (8)   |
 *   SACK_OK (RFC 2018 2)    | 4 | 2 |
 *   SACK (RFC 2018 3)       | 5 | 2+8n | n x { left edge (32), right edge (32) }
 *   TS (RFC 7323 3.2)       | 8 | 10 | TSval (32) | TSecr (32) |
 *   MD5 (RFC 2385 3.0)      | 19 | 18 | MD5 digest (16 bytes) |
 *   MPTCP (RFC 8684 3)      | 30 | len | subtype (4) | ... |
 *   TFO (RFC 7413 4.1.1)    | 34 | 2+n | cookie (n = 0 or 4..16) |
 *   Experimental (RFC 6994) | 254 | len | ExID (16) | ... |, TFO's ExID 0xF989
 */
static bool take_value(struct tcp_opts *o, uint8_t kind, struct rd *b, uint8_t seen[32])
{
    size_t n = rd_left(b);
    unsigned i;

    switch (kind) {
    case TCPOPT_MSS:
        note_known(o, TCPOPT_P_MSS);
        o->mss = rd_be16(b);
        return true;
    case TCPOPT_WSCALE:
        note_known(o, TCPOPT_P_WSCALE);
        o->wscale = rd_u8(b);
        if (o->wscale > TCPOPT_WSCALE_MAX)
            o->anomalies |= TCPOPT_A_WSCALE_BIG; /* kept; receivers use 14 */
        return true;
    case TCPOPT_SACK_OK:
        note_known(o, TCPOPT_P_SACK_OK);
        return true;
    case TCPOPT_SACK:
        note_known(o, TCPOPT_P_SACK);
        o->nsack = (uint8_t)(n / TCPOLEN_SACK_BLOCK);
        for (i = 0; i < o->nsack; i++) {
            o->sack[i].left = rd_be32(b);
            o->sack[i].right = rd_be32(b);
        }
        return true;
    case TCPOPT_TS:
        note_known(o, TCPOPT_P_TS);
        o->ts_val = rd_be32(b);
        o->ts_ecr = rd_be32(b);
        return true;
    case TCPOPT_MD5:
        note_known(o, TCPOPT_P_MD5);
        return true;
    case TCPOPT_MPTCP:
        note_known(o, TCPOPT_P_MPTCP);
        return true;
    case TCPOPT_TFO:
        take_tfo(o, b, n, false);
        return true;
    case TCPOPT_EXP2:
        if (n >= 2 && rd_peek8(b, 0) == (TCPOPT_TFO_EXP_MAGIC >> 8) &&
            rd_peek8(b, 1) == (TCPOPT_TFO_EXP_MAGIC & 0xFFu)) {
            if (!tfo_cookie_len_ok(n - 2))
                return false;
            (void)rd_skip(b, 2);
            take_tfo(o, b, n - 2, true);
            return true;
        }
        note_unknown(o, kind, seen);
        return true;
    default:
        note_unknown(o, kind, seen);
        return true;
    }
}

/* RFC 9293 section 3.2: EOL ends the list; what follows up to the data
 * offset should be zero padding. Bytes the capture lacks are not checked,
 * which is reported as truncation. */
static void after_eol(struct rd *r, size_t claim, struct tcp_opts *o)
{
    size_t n = rd_left(r), i;

    for (i = 0; i < n; i++)
        if (rd_u8(r) != 0) {
            o->anomalies |= TCPOPT_A_AFTER_EOL;
            break;
        }
    if (claim > n)
        o->anomalies |= TCPOPT_A_TRUNCATED;
}

void decode__tcpopt_parse(struct rd *r, size_t claimed, struct tcp_opts *o)
{
    uint8_t seen[32]; /* unknown kinds seen, one bit each */
    size_t claim = claimed; /* bytes of the area the data offset still claims */

    memset(o, 0, sizeof(*o));
    memset(seen, 0, sizeof(seen));
    rd_limit(r, claimed);
    for (;;) {
        uint8_t kind, len;
        struct rd body;

        if (claim == 0)
            return; /* the whole area is parsed */
        if (rd_left(r) == 0) {
            o->anomalies |= TCPOPT_A_TRUNCATED; /* the capture stops first */
            return;
        }
        kind = rd_u8(r);
        claim--;
        if (kind == TCPOPT_EOL) {
            layout_add(o, kind, 1);
            after_eol(r, claim, o);
            return;
        }
        if (kind == TCPOPT_NOP) {
            layout_add(o, kind, 1);
            continue;
        }
        if (claim == 0) { /* no room for the length byte */
            layout_add(o, kind, 0);
            o->anomalies |= TCPOPT_A_PAST_END;
            return;
        }
        if (rd_left(r) == 0) {
            o->anomalies |= TCPOPT_A_TRUNCATED;
            return;
        }
        len = rd_u8(r);
        claim--;
        if (len < 2) {
            layout_add(o, kind, len);
            o->anomalies |= TCPOPT_A_BAD_LEN;
            return;
        }
        if ((size_t)len - 2 > claim) {
            layout_add(o, kind, len);
            o->anomalies |= TCPOPT_A_PAST_END;
            return;
        }
        if (!len_ok(kind, len)) {
            layout_add(o, kind, len);
            o->anomalies |= TCPOPT_A_BAD_LEN;
            return;
        }
        if (rd_left(r) < (size_t)len - 2) {
            o->anomalies |= TCPOPT_A_TRUNCATED;
            return;
        }
        body = rd_sub(r, (size_t)len - 2);
        claim -= (size_t)len - 2;
        layout_add(o, kind, len);
        if (!take_value(o, kind, &body, seen)) {
            o->anomalies |= TCPOPT_A_BAD_LEN;
            return;
        }
    }
}

void tcpopt_parse(struct rd *r, bool cut, struct tcp_opts *out)
{
    /* Without the claimed length, a cut area is "longer than anything". */
    decode__tcpopt_parse(r, cut ? (size_t)-1 : rd_left(r), out);
}

/* Linux tcp_options_write() layouts, each a multiple of 4 bytes:
 *
 *   MSS          | 2 | 4 | mss      |
 *   SACK_OK+TS   | 4 | 2 | 8 | 10 | TSval | TSecr |   (both offered)
 *   TS alone     | 1 | 1 | 8 | 10 | TSval | TSecr |
 *   SACK_OK alone| 1 | 1 | 4 | 2 |
 *   WSCALE       | 1 | 3 | 3 | shift |
 *   TFO          | 34 | 2+n | cookie | NOP padding to 4 |
 *   TFO (exp.)   | 254 | 4+n | F9 | 89 | cookie | NOP padding |
 *   SACK         | 1 | 1 | 5 | 2+8n | blocks |
 */
int tcpopt_write(struct wr *w, const struct tcp_opts *o)
{
    uint8_t buf[TCP_OPT_SPACE];
    struct wr b = wr_init(buf, sizeof(buf));
    unsigned i;

    if ((o->present & TCPOPT_P_SACK) && (o->nsack == 0 || o->nsack > TCPOPT_MAX_SACK))
        return -1;
    if ((o->present & TCPOPT_P_TFO) && !tfo_cookie_len_ok(o->tfo_len))
        return -1;

    if (o->present & TCPOPT_P_MSS) {
        wr_u8(&b, TCPOPT_MSS);
        wr_u8(&b, TCPOLEN_MSS);
        wr_be16(&b, o->mss);
    }
    if (o->present & TCPOPT_P_TS) {
        if (o->present & TCPOPT_P_SACK_OK) {
            wr_u8(&b, TCPOPT_SACK_OK);
            wr_u8(&b, TCPOLEN_SACK_OK);
        } else {
            wr_u8(&b, TCPOPT_NOP);
            wr_u8(&b, TCPOPT_NOP);
        }
        wr_u8(&b, TCPOPT_TS);
        wr_u8(&b, TCPOLEN_TS);
        wr_be32(&b, o->ts_val);
        wr_be32(&b, o->ts_ecr);
    } else if (o->present & TCPOPT_P_SACK_OK) {
        wr_u8(&b, TCPOPT_NOP);
        wr_u8(&b, TCPOPT_NOP);
        wr_u8(&b, TCPOPT_SACK_OK);
        wr_u8(&b, TCPOLEN_SACK_OK);
    }
    if (o->present & TCPOPT_P_WSCALE) {
        wr_u8(&b, TCPOPT_NOP);
        wr_u8(&b, TCPOPT_WSCALE);
        wr_u8(&b, TCPOLEN_WSCALE);
        wr_u8(&b, o->wscale);
    }
    if (o->present & TCPOPT_P_TFO) {
        if (o->tfo_exp) {
            wr_u8(&b, TCPOPT_EXP2);
            wr_u8(&b, (uint8_t)(TCPOLEN_EXP_TFO_BASE + o->tfo_len));
            wr_be16(&b, TCPOPT_TFO_EXP_MAGIC);
        } else {
            wr_u8(&b, TCPOPT_TFO);
            wr_u8(&b, (uint8_t)(TCPOLEN_TFO_BASE + o->tfo_len));
        }
        wr_bytes(&b, o->tfo_cookie, o->tfo_len);
        while (!b.overflow && b.len % 4 != 0)
            wr_u8(&b, TCPOPT_NOP);
    }
    if (o->present & TCPOPT_P_SACK) {
        wr_u8(&b, TCPOPT_NOP);
        wr_u8(&b, TCPOPT_NOP);
        wr_u8(&b, TCPOPT_SACK);
        wr_u8(&b, (uint8_t)(TCPOLEN_SACK_BASE + TCPOLEN_SACK_BLOCK * o->nsack));
        for (i = 0; i < o->nsack; i++) {
            wr_be32(&b, o->sack[i].left);
            wr_be32(&b, o->sack[i].right);
        }
    }
    /* Every piece above is a multiple of 4 already; keep the promise even
     * if one is added that is not. */
    while (!b.overflow && b.len % 4 != 0)
        wr_u8(&b, TCPOPT_NOP);
    if (b.overflow)
        return -1; /* more than 40 bytes */
    if (!wr_room(w, b.len))
        return -1;
    wr_bytes(w, buf, b.len);
    return (int)b.len;
}

/* Bounded appender for tcpopt_format: never writes past cap, always
 * NUL-terminates (cap > 0), counts what it kept. */
struct fmtbuf {
    char *out;
    size_t cap, len;
};

#if defined(__GNUC__) || defined(__clang__)
__attribute__((format(printf, 2, 3)))
#endif
static void put(struct fmtbuf *f, const char *fmt, ...)
{
    va_list ap;
    int n;

    if (f->cap == 0 || f->len + 1 >= f->cap)
        return;
    va_start(ap, fmt);
    n = vsnprintf(f->out + f->len, f->cap - f->len, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    if ((size_t)n >= f->cap - f->len)
        f->len = f->cap - 1; /* truncated: vsnprintf kept what fits */
    else
        f->len += (size_t)n;
}

/* printf-free appends for the common options (same text as put()). */
static void put_lit(struct fmtbuf *f, const char *s)
{
    while (*s && f->cap > 0 && f->len + 1 < f->cap)
        f->out[f->len++] = *s++;
    if (f->cap > 0)
        f->out[f->len] = '\0';
}

static void put_num(struct fmtbuf *f, uint32_t v)
{
    char d[11];
    int i = 10;
    d[10] = '\0';
    do {
        d[--i] = (char)('0' + v % 10u);
        v /= 10u;
    } while (v);
    put_lit(f, d + i);
}

static void put_tfo(struct fmtbuf *f, const struct tcp_opts *o, const char *name)
{
    unsigned i;

    if (o->tfo_len == 0) {
        put(f, "%s cookiereq", name);
        return;
    }
    put(f, "%s cookie ", name);
    for (i = 0; i < o->tfo_len && i < TCPOPT_MAX_TFO_COOKIE; i++)
        put(f, "%02x", o->tfo_cookie[i]);
}

/* One layout entry in tcpdump's words (print-tcp.c). */
static void put_entry(struct fmtbuf *f, const struct tcp_opts *o, uint8_t kind, uint8_t len)
{
    unsigned i;

    switch (kind) {
    case TCPOPT_EOL:
        put_lit(f, "eol");
        return;
    case TCPOPT_NOP:
        put_lit(f, "nop");
        return;
    case TCPOPT_MSS:
        put_lit(f, "mss ");
        put_num(f, o->mss);
        return;
    case TCPOPT_WSCALE:
        put_lit(f, "wscale ");
        put_num(f, o->wscale);
        return;
    case TCPOPT_SACK_OK:
        put_lit(f, "sackOK");
        return;
    case TCPOPT_SACK:
        put(f, "sack %u ", (unsigned)o->nsack);
        for (i = 0; i < o->nsack && i < TCPOPT_MAX_SACK; i++)
            put(f, "{%" PRIu32 ":%" PRIu32 "}", o->sack[i].left, o->sack[i].right);
        return;
    case TCPOPT_TS:
        put_lit(f, "TS val ");
        put_num(f, o->ts_val);
        put_lit(f, " ecr ");
        put_num(f, o->ts_ecr);
        return;
    case TCPOPT_MD5:
        put(f, "md5");
        return;
    case TCPOPT_MPTCP:
        put(f, "mptcp");
        return;
    case TCPOPT_TFO:
        put_tfo(f, o, "tfo");
        return;
    case TCPOPT_EXP2:
        if ((o->present & TCPOPT_P_TFO) && o->tfo_exp &&
            len == TCPOLEN_EXP_TFO_BASE + o->tfo_len) {
            put_tfo(f, o, "exp-tfo");
            return;
        }
        break;
    default:
        break;
    }
    put(f, "opt-%u:%u", (unsigned)kind, (unsigned)len);
}

int tcpopt_format(const struct tcp_opts *o, char *out, int cap)
{
    struct fmtbuf f;
    unsigned i;
    bool bad = (o->anomalies & (TCPOPT_A_BAD_LEN | TCPOPT_A_PAST_END)) != 0;

    if (cap <= 0 || out == NULL)
        return 0;
    f.out = out;
    f.cap = (size_t)cap;
    f.len = 0;
    out[0] = '\0';

    if (o->nlayout == 0 && (o->present & ~TCPOPT_P_UNKNOWN) != 0) {
        /* Built by hand (the crafter): show what tcpopt_write would send. */
        uint8_t buf[TCP_OPT_SPACE];
        struct wr w = wr_init(buf, sizeof(buf));
        struct tcp_opts wire;
        struct rd r;
        int n = tcpopt_write(&w, o);
        if (n > 0) {
            r = rd_init(buf, (size_t)n);
            tcpopt_parse(&r, false, &wire);
            if (wire.nlayout > 0)
                return tcpopt_format(&wire, out, cap);
        }
    }

    for (i = 0; i < o->nlayout && i < TCPOPT_MAX_LAYOUT; i++) {
        if (i > 0)
            put_lit(&f, ",");
        if (bad && i + 1 == o->nlayout)
            put(&f, "[bad opt]"); /* parsing stopped at this one */
        else
            put_entry(&f, o, o->layout[i], o->layout_len[i]);
    }
    if (o->anomalies & TCPOPT_A_TRUNCATED)
        put(&f, "%s[|tcp]", o->nlayout > 0 ? "," : "");
    return (int)f.len;
}
