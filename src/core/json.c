/* json.c: streaming JSON writer: escaping, UTF-8 repair, comma placement. */
#include "json.h"

#include <inttypes.h>

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

void json_write_string(FILE *out, const char *str)
{
    const unsigned char *s = (const unsigned char *)str;
    if (!s) {
        fputs("null", out);
        return;
    }
    putc('"', out);
    while (*s) {
        unsigned char c = *s;
        size_t run = 0;
        /* Copy a run of plain printable ASCII in one call. */
        while (s[run] >= 0x20 && s[run] < 0x80 && s[run] != '"' && s[run] != '\\')
            run++;
        if (run > 0) {
            fwrite(s, 1, run, out);
            s += run;
            continue;
        }
        if (c == '"' || c == '\\') {
            putc('\\', out);
            putc(c, out);
            s++;
        } else if (c < 0x20) {
            switch (c) {
            case '\b': fputs("\\b", out); break;
            case '\f': fputs("\\f", out); break;
            case '\n': fputs("\\n", out); break;
            case '\r': fputs("\\r", out); break;
            case '\t': fputs("\\t", out); break;
            default: fprintf(out, "\\u%04x", c); break;
            }
            s++;
        } else {
            /* The NUL terminator stops every continuation check in time. */
            int n = utf8_seq_len(s);
            if (n == 0) {
                fputs("\\ufffd", out);
                s++;
            } else {
                fwrite(s, 1, (size_t)n, out);
                s += n;
            }
        }
    }
    putc('"', out);
}

static void sep(struct json *j, const char *key)
{
    if (j->depth > 0) {
        if (j->need_comma[j->depth - 1])
            putc(',', j->out);
        j->need_comma[j->depth - 1] = true;
    }
    if (key) {
        json_write_string(j->out, key);
        putc(':', j->out);
    }
}

static void open_container(struct json *j, const char *key, char c)
{
    sep(j, key);
    putc(c, j->out);
    if (j->depth < JSON_MAX_DEPTH) {
        j->need_comma[j->depth] = false;
        j->depth++;
    }
}

void json_begin(struct json *j, FILE *out)
{
    j->out = out;
    j->depth = 0;
    open_container(j, NULL, '{');
}

void json_end(struct json *j)
{
    /* Only objects are left open by callers that forget: close as objects. */
    while (j->depth > 0) {
        putc('}', j->out);
        j->depth--;
    }
    putc('\n', j->out);
}

void json_str(struct json *j, const char *key, const char *val)
{
    sep(j, key);
    json_write_string(j->out, val);
}

void json_u64(struct json *j, const char *key, uint64_t val)
{
    sep(j, key);
    fprintf(j->out, "%" PRIu64, val);
}

void json_i64(struct json *j, const char *key, int64_t val)
{
    sep(j, key);
    fprintf(j->out, "%" PRId64, val);
}

void json_bool(struct json *j, const char *key, bool val)
{
    sep(j, key);
    fputs(val ? "true" : "false", j->out);
}

void json_null(struct json *j, const char *key)
{
    sep(j, key);
    fputs("null", j->out);
}

void json_number_text(struct json *j, const char *key, const char *text)
{
    sep(j, key);
    fputs(text, j->out);
}

void json_obj_open(struct json *j, const char *key)
{
    open_container(j, key, '{');
}

void json_obj_close(struct json *j)
{
    if (j->depth > 0) {
        putc('}', j->out);
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
        putc(']', j->out);
        j->depth--;
    }
}

void json_arr_str(struct json *j, const char *val)
{
    sep(j, NULL);
    json_write_string(j->out, val);
}
