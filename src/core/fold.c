/* fold.c: fold text lines to a width (issue 14). The views keep their full
 * lines; the CLI runs each through fold_line() when stdout is a terminal or
 * --width is given (src/cli/fold_out.c), so pipes keep today's lines. */
#include "fold.h"

#include <stdbool.h>
#include <string.h>

/* Length of an SGR sequence at s (ESC [ digits/; m), or 0. */
static size_t sgr_len(const char *s, size_t n)
{
    size_t i;
    if (n < 3 || s[0] != '\033' || s[1] != '[')
        return 0;
    for (i = 2; i < n; i++) {
        if (s[i] == 'm')
            return i + 1;
        if (!((s[i] >= '0' && s[i] <= '9') || s[i] == ';'))
            return 0;
    }
    return 0;
}

size_t fold_width(const char *s, size_t n)
{
    size_t i = 0, w = 0;
    while (i < n) {
        size_t k = sgr_len(s + i, n - i);
        if (k) {
            i += k;
            continue;
        }
        if (((unsigned char)s[i] & 0xC0) != 0x80) /* not a UTF-8 continuation byte */
            w++;
        i++;
    }
    return w;
}

/* The indent of continuation lines: where the first field after the line's
 * prefix starts (visible column). */
static size_t cont_indent(const char *s, size_t n, size_t width)
{
    size_t i = 0, lead, col, k;
    /* A coloured line starts with its colour: look past it. */
    while ((k = sgr_len(s, n)) > 0) {
        s += k;
        n -= k;
    }
    while (i < n && s[i] == ' ')
        i++;
    lead = i;
    /* "  TIME #N    " or "  TIME tag    ": skip the time and the next
     * token, then the spaces after them. A time of 100 s or more fills its
     * column and starts the line ("150.000000 #2"). */
    if (lead < n && ((s[lead] >= '0' && s[lead] <= '9') ||
                     (s[lead] == '-' && lead + 1 < n && s[lead + 1] >= '0' && s[lead + 1] <= '9') ||
                     (s[lead] == '-' && lead > 0))) {
        col = lead;
        while (col < n && s[col] != ' ')
            col++; /* the time (may hold one space: "2024-01-01 00:00:00") */
        if (col + 1 < n && s[col + 1] >= '0' && s[col + 1] <= '9' && s[col + 3] == ':')
            for (col++; col < n && s[col] != ' '; col++)
                ;
        while (col < n && s[col] == ' ')
            col++;
        {
            /* Under the column after "#N" (6 wide) or the tag (7 wide),
             * whatever padding the first field had. */
            size_t tok = col, end;
            while (col < n && s[col] != ' ')
                col++;
            end = tok + (s[tok] == '#' ? 6 : 7);
            col = fold_width(s, col + 1 > end ? col + 1 : end);
        }
        return col < width / 2 ? col : 4;
    }
    /* A summary line, "label        value": under the value. */
    if (lead == 0) {
        for (col = 0; col < n && s[col] != ' '; col++)
            ;
        while (col < n && s[col] == ' ')
            col++;
        return col <= 16 && col < width / 2 ? col : 4;
    }
    return lead < width / 2 ? lead : 4; /* an explanation: its own indent */
}

struct fout {
    char *p;
    size_t cap, n;
};

static void put(struct fout *o, const char *s, size_t k)
{
    if (o->n + k >= o->cap)
        k = o->n + 1 < o->cap ? o->cap - 1 - o->n : 0;
    memcpy(o->p + o->n, s, k);
    o->n += k;
}

size_t fold_line(const char *s, size_t n, size_t width, char *out, size_t cap)
{
    struct fout o = { out, cap, 0 };
    size_t indent, i = 0;
    char sgr[32] = "";
    bool first = true;

    if (cap == 0)
        return 0;
    if (width < 20 || fold_width(s, n) <= width) {
        put(&o, s, n);
        out[o.n] = '\0';
        return o.n;
    }
    indent = cont_indent(s, n, width);
    while (i < n) {
        size_t avail = first ? width : width - indent, col = 0, j = i, brk_field = 0,
               brk_word = 0, end, next;
        /* Walk as far as fits, noting the last boundaries. */
        while (j < n) {
            size_t k = sgr_len(s + j, n - j);
            if (k) {
                j += k;
                continue;
            }
            if (s[j] == ' ' && j > i) {
                if (j + 1 < n && s[j + 1] == ' ')
                    brk_field = j;
                else
                    brk_word = j;
            } else if (s[j] == ',' && j > i && col + 1 <= avail) {
                brk_word = j + 1;
            }
            if (((unsigned char)s[j] & 0xC0) != 0x80) {
                if (col == avail)
                    break;
                col++;
            }
            j++;
        }
        if (j >= n) {
            end = n;
        } else if (brk_field > i && brk_field - i > avail / 3) {
            end = brk_field;
        } else if (brk_word > i) {
            end = brk_word;
        } else if (brk_field > i) {
            end = brk_field;
        } else {
            end = j; /* no boundary: cut */
        }
        if (!first) {
            put(&o, "\n", 1);
            for (next = 0; next < indent; next++)
                put(&o, " ", 1);
            if (sgr[0])
                put(&o, sgr, strlen(sgr));
        }
        /* Copy, remembering the colour in force at the break. */
        for (next = i; next < end;) {
            size_t k = sgr_len(s + next, end - next);
            if (k) {
                if (k < sizeof(sgr) && !(k == 4 && s[next + 2] == '0'))
                    memcpy(sgr, s + next, k), sgr[k] = '\0';
                else
                    sgr[0] = '\0';
                put(&o, s + next, k);
                next += k;
                continue;
            }
            put(&o, s + next, 1);
            next++;
        }
        /* Trailing spaces of this piece go; a colour is closed here. */
        while (o.n > 0 && out[o.n - 1] == ' ')
            o.n--;
        if (sgr[0] && end < n)
            put(&o, "\033[0m", 4);
        while (end < n && s[end] == ' ')
            end++;
        i = end;
        first = false;
    }
    out[o.n] = '\0';
    return o.n;
}
