/* duration.h: "100ms", "1.5s", "250us", "2" (seconds) as nanoseconds, for
 * --slower-than. Pure. */
#ifndef TCPSHAKE_DURATION_H
#define TCPSHAKE_DURATION_H

#include <stdint.h>

/* 0 and *ns, or -1: not a non-negative decimal number with an optional unit
 * (ns, us, ms, s; none = seconds), or more than an hour. */
int duration_parse_ns(const char *s, int64_t *ns);

#endif
