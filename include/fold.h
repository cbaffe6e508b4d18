/* fold.h: fit a line of tcpshake's text output to a terminal's width
 * (issue 14: "nothing fits 80 columns"). Pure. */
#ifndef TCPSHAKE_FOLD_H
#define TCPSHAKE_FOLD_H

#include <stddef.h>

/* Visible columns of `s[0..n)`: ANSI SGR sequences (ESC [ ... m) take none,
 * a UTF-8 character takes one. */
size_t fold_width(const char *s, size_t n);

/* Fold one line (no '\n') to at most `width` visible columns into `out`
 * (lines separated by '\n', no final '\n'). Breaks go at a field boundary
 * (two or more spaces) when one fits, else at a word boundary (a space or
 * after a comma), else anywhere. Continuation lines are indented under the
 * line's first field after its prefix: the time and "#N" or tag columns of
 * a record, an explanation's own indent, the summary's label column. A line
 * that fits is copied unchanged. Returns the bytes written (at most cap - 1,
 * NUL-terminated); a colour that spans a break is closed at the break and
 * reopened on the next line. */
size_t fold_line(const char *s, size_t n, size_t width, char *out, size_t cap);

#endif
