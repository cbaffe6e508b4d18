/* duration.c: --slower-than's durations (issue 12). Digits, at most one
 * '.', at most nine decimals, then a unit; parsed exactly, no floating
 * point, so 0.1s is 100000000 ns. */
#include "duration.h"

#include <string.h>

#define DURATION_MAX_NS 3600000000000LL /* an hour: longer is a typo */

int duration_parse_ns(const char *s, int64_t *ns)
{
    static const struct {
        const char *unit;
        int64_t ns;
    } units[] = { { "ns", 1 }, { "us", 1000 }, { "ms", 1000000 }, { "s", 1000000000 }, { "", 1000000000 } };
    int64_t whole = 0, frac = 0, frac_scale = 1;
    int digits = 0, decimals = 0;
    size_t i;
    if (!s)
        return -1;
    for (; *s >= '0' && *s <= '9'; s++, digits++) {
        if (whole > DURATION_MAX_NS)
            return -1;
        whole = whole * 10 + (*s - '0');
    }
    if (*s == '.') {
        for (s++; *s >= '0' && *s <= '9'; s++, decimals++) {
            if (decimals >= 9)
                return -1;
            frac = frac * 10 + (*s - '0');
            frac_scale *= 10;
        }
        if (decimals == 0)
            return -1;
    }
    if (digits == 0) /* ".5" too: a digit first */
        return -1;
    for (i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
        if (strcmp(s, units[i].unit) == 0) {
            int64_t v;
            if (whole > DURATION_MAX_NS / units[i].ns)
                return -1;
            v = whole * units[i].ns + frac * units[i].ns / frac_scale;
            if (v > DURATION_MAX_NS)
                return -1;
            *ns = v;
            return 0;
        }
    }
    return -1;
}
