/* svg.h: text escaping for the SVG ladder (report_svg.c). Pure. */
#ifndef TCPSHAKE_SVG_H
#define TCPSHAKE_SVG_H

#include <stddef.h>

/* Escape `in` for XML character data and attribute values: & < > " ' become
 * entities; control characters XML 1.0 forbids (below 0x20 except tab,
 * newline and CR; and 0x7F) are dropped; a byte that does not start a
 * well-formed UTF-8 sequence becomes '?'. Writes at most cap - 1 bytes and
 * a terminator (cap > 0), never cutting an entity or a UTF-8 sequence.
 * Returns the bytes written. */
size_t svg_escape(const char *in, char *out, size_t cap);

#endif
