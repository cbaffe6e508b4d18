/* json.c: streaming JSON writer: escaping, UTF-8 repair, comma placement.
 * Each line is assembled in the caller's struct json and handed to stdio
 * once; integers are formatted here, not by printf (the NDJSON reporter
 * writes millions of them). */
#include "json.h"

#include <string.h>

/* Length of the valid UTF-8 sequence starting at s (RFC 3629 section 4),
 * or 0 if the bytes there are not one (overlong, surrogate, > U+10FFFF, cut). */
static int utf8_seq_len(const unsigned char *s)
{
    unsigned char c = s[0];
    if (c >= 0xc2 && c <= 0xdf)
        return (s[1] & 0xc0) == 0x80 ? 2 : 0;
    if (c >= 0xe0 && c <= 0xef) {
        unsigned char lo = c == 0xe0 ? 0xa0 : 0x80, hi = c == 0xed ? 0x9f : 0xbf;
        if (s[1] < lo || s[1] > hi || (s[2] & 0xc0) != 0x80)
            return 0;
        return 3;
    }
    if (c >= 0xf0 && c <= 0xf4) {
        unsigned char lo = c == 0xf0 ? 0x90 : 0x80, hi = c == 0xf4 ? 0x8f : 0xbf;
        if (s[1] < lo || s[1] > hi || (s[2] & 0xc0) != 0x80 || (s[3] & 0xc0) != 0x80)
            return 0;
        return 4;
    }
    return 0;
}

/* ---- the line buffer ---------------------------------------------------- */

static void spill(struct json *j)
{
    if (j->n) {
        fwrite(j->buf, 1, j->n, j->out);
        j->n = 0;
    }
}

static void put(struct json *j, const void *p, size_t n)
{
    if (n > sizeof(j->buf) - j->n) {
        spill(j);
        if (n > sizeof(j->buf)) {
            fwrite(p, 1, n, j->out);
            return;
        }
    }
    memcpy(j->buf + j->n, p, n);
    j->n += n;
}

static void put1(struct json *j, char c)
{
    if (j->n == sizeof(j->buf))
        spill(j);
    j->buf[j->n++] = c;
}

#define PUTS(j, lit) put((j), (lit), sizeof(lit) - 1)

static void put_u64(struct json *j, uint64_t v)
{
    char d[20];
    size_t i = sizeof(d);
    do {
        d[--i] = (char)('0' + v % 10u);
        v /= 10u;
    } while (v);
    put(j, d + i, sizeof(d) - i);
}

/* Bytes copied as they are: printable ASCII but '"' and '\\' (and DEL). */
static inline bool plain(unsigned char c)
{
    return (unsigned char)(c - 0x20u) < 0x60u && c != '"' && c != '\\';
}

/* Eight bytes at a time: true if none needs escaping (SWAR: a byte below
 * 0x20, at or above 0x80, or equal to '"' or '\\' sets its high bit). */
static inline bool plain8(const unsigned char *p)
{
    const uint64_t ones = 0x0101010101010101ULL, high = 0x8080808080808080ULL;
    uint64_t w, q, b;
    memcpy(&w, p, 8);
    q = w ^ (ones * '"');
    b = w ^ (ones * '\\');
    return (((w - ones * 0x20u) | (q - ones) | (b - ones) | w) & high) == 0;
}

static void put_escaped(struct json *j, const unsigned char *s);

/* The escaped string, quotes included; NULL is null. The common case, a
 * plain ASCII string, is checked a word at a time and copied at once. */
static void put_string(struct json *j, const char *str)
{
    const unsigned char *s = (const unsigned char *)str;
    size_t n, i = 0;
    if (!s) {
        PUTS(j, "null");
        return;
    }
    n = strlen(str);
    for (; i + 8 <= n; i += 8)
        if (!plain8(s + i))
            break;
    for (; i < n; i++)
        if (!plain(s[i]))
            break;
    if (i < n) {
        put_escaped(j, s);
        return;
    }
    if (n + 2 <= sizeof(j->buf) - j->n) {
        char *o = j->buf + j->n;
        o[0] = '"';
        memcpy(o + 1, s, n);
        o[n + 1] = '"';
        j->n += n + 2;
        return;
    }
    put1(j, '"');
    put(j, s, n);
    put1(j, '"');
}

static void put_escaped(struct json *j, const unsigned char *s)
{
    static const char hex[] = "0123456789abcdef";
    put1(j, '"');
    while (*s) {
        unsigned char c = *s;
        size_t run = 0;
        /* Copy a run of plain printable ASCII at once. */
        while (plain(s[run]))
            run++;
        if (run > 0) {
            put(j, s, run);
            s += run;
            continue;
        }
        if (c == '"' || c == '\\') {
            char e[2] = { '\\', (char)c };
            put(j, e, 2);
            s++;
        } else if (c < 0x20) {
            switch (c) {
            case '\b': PUTS(j, "\\b"); break;
            case '\f': PUTS(j, "\\f"); break;
            case '\n': PUTS(j, "\\n"); break;
            case '\r': PUTS(j, "\\r"); break;
            case '\t': PUTS(j, "\\t"); break;
            default: {
                char e[6] = { '\\', 'u', '0', '0', hex[c >> 4], hex[c & 15] };
                put(j, e, sizeof(e));
                break;
            }
            }
            s++;
        } else {
            /* The NUL terminator stops every continuation check in time. */
            int n = utf8_seq_len(s);
            if (n == 0) {
                PUTS(j, "\\ufffd");
                s++;
            } else {
                put(j, s, (size_t)n);
                s += n;
            }
        }
    }
    put1(j, '"');
}

void json_write_string(FILE *out, const char *s)
{
    struct json j;
    j.out = out;
    j.n = 0;
    put_string(&j, s);
    spill(&j);
}

/* ---- structure ------------------------------------------------------------ */

static void sep(struct json *j, const char *key)
{
    if (j->depth > 0) {
        if (j->need_comma[j->depth - 1])
            put1(j, ',');
        j->need_comma[j->depth - 1] = true;
    }
    if (key) {
        put_string(j, key);
        put1(j, ':');
    }
}

static void open_container(struct json *j, const char *key, char c)
{
    sep(j, key);
    put1(j, c);
    if (j->depth < JSON_MAX_DEPTH) {
        j->need_comma[j->depth] = false;
        j->depth++;
    }
}

void json_begin(struct json *j, FILE *out)
{
    j->out = out;
    j->depth = 0;
    j->n = 0;
    open_container(j, NULL, '{');
}

void json_end(struct json *j)
{
    /* Only objects are left open by callers that forget: close as objects. */
    while (j->depth > 0) {
        put1(j, '}');
        j->depth--;
    }
    put1(j, '\n');
    spill(j);
}

void json_str(struct json *j, const char *key, const char *val)
{
    sep(j, key);
    put_string(j, val);
}

void json_u64(struct json *j, const char *key, uint64_t val)
{
    sep(j, key);
    put_u64(j, val);
}

void json_i64(struct json *j, const char *key, int64_t val)
{
    sep(j, key);
    if (val < 0) {
        put1(j, '-');
        put_u64(j, (uint64_t)0 - (uint64_t)val);
    } else {
        put_u64(j, (uint64_t)val);
    }
}

void json_bool(struct json *j, const char *key, bool val)
{
    sep(j, key);
    if (val)
        PUTS(j, "true");
    else
        PUTS(j, "false");
}

void json_null(struct json *j, const char *key)
{
    sep(j, key);
    PUTS(j, "null");
}

void json_number_text(struct json *j, const char *key, const char *text)
{
    sep(j, key);
    put(j, text, strlen(text));
}

void json_obj_open(struct json *j, const char *key)
{
    open_container(j, key, '{');
}

void json_obj_close(struct json *j)
{
    if (j->depth > 0) {
        put1(j, '}');
        j->depth--;
    }
}

void json_arr_open(struct json *j, const char *key)
{
    open_container(j, key, '[');
}

void json_arr_close(struct json *j)
{
    if (j->depth > 0) {
        put1(j, ']');
        j->depth--;
    }
}

void json_arr_str(struct json *j, const char *val)
{
    sep(j, NULL);
    put_string(j, val);
}
