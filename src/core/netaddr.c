/* netaddr.c: format, parse and compare IPv4/IPv6 addresses (pure; no resolver). */
#include "netaddr.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Small formatters instead of snprintf: endpoints are formatted for every
 * record and printed line. Each returns the end of what it wrote. */
static char *put_dec(char *o, unsigned v)
{
    char d[10];
    int i = 0;
    do {
        d[i++] = (char)('0' + v % 10u);
        v /= 10u;
    } while (v);
    while (i > 0)
        *o++ = d[--i];
    return o;
}

static char *put_hex16(char *o, unsigned v)
{
    static const char hex[] = "0123456789abcdef";
    int sh = 12;
    while (sh > 0 && ((v >> sh) & 15u) == 0)
        sh -= 4; /* no leading zeros (RFC 5952 section 4.1) */
    for (; sh >= 0; sh -= 4)
        *o++ = hex[(v >> sh) & 15u];
    return o;
}

static char *put_v4(char *o, const uint8_t b[4])
{
    int i;
    for (i = 0; i < 4; i++) {
        if (i)
            *o++ = '.';
        o = put_dec(o, b[i]);
    }
    return o;
}

static char *format_v6(const uint8_t b[16], char *o)
{
    /* RFC 5952 section 4: lowercase hex, no leading zeros, the longest run
     * (first if tied) of two or more zero groups becomes "::". */
    uint16_t g[8];
    int best = -1, best_len = 0, i;
    for (i = 0; i < 8; i++)
        g[i] = (uint16_t)((uint16_t)b[2 * i] << 8 | b[2 * i + 1]);
    for (i = 0; i < 8;) {
        int j = i;
        while (j < 8 && g[j] == 0)
            j++;
        if (j - i > best_len && j - i >= 2) {
            best = i;
            best_len = j - i;
        }
        i = (j == i) ? i + 1 : j;
    }
    /* IPv4-mapped ::ffff:a.b.c.d (RFC 5952 section 5). */
    if (best == 0 && best_len == 5 && g[5] == 0xffff) {
        memcpy(o, "::ffff:", 7);
        return put_v4(o + 7, b + 12);
    }
    for (i = 0; i < 8; i++) {
        if (i == best) {
            *o++ = ':';
            *o++ = ':';
            i += best_len - 1;
            continue;
        }
        if (i > 0 && i != best + best_len)
            *o++ = ':';
        o = put_hex16(o, g[i]);
    }
    return o;
}

/* At most 45 characters ("ffff:...:ffff" is 39, "::ffff:255.255.255.255" 22). */
static char *format_addr(const struct ip_addr *a, char *o)
{
    if (a->family == IPADDR_V4)
        return put_v4(o, a->bytes);
    if (a->family == IPADDR_V6)
        return format_v6(a->bytes, o);
    *o++ = '?';
    return o;
}

void ipaddr_format(const struct ip_addr *a, char out[IPADDR_STRLEN])
{
    *format_addr(a, out) = '\0';
}

void endpoint_format(const struct ip_addr *a, uint16_t port, char out[ENDPOINT_STRLEN])
{
    char *o = out;
    bool v6 = a->family == IPADDR_V6;
    if (v6)
        *o++ = '[';
    o = format_addr(a, o);
    if (v6)
        *o++ = ']';
    *o++ = ':';
    o = put_dec(o, port);
    *o = '\0';
}

static int parse_v4(const char *s, uint8_t out[4])
{
    int i;
    for (i = 0; i < 4; i++) {
        char *end;
        unsigned long v;
        if (*s < '0' || *s > '9')
            return -1;
        v = strtoul(s, &end, 10);
        if (v > 255 || end - s > 3)
            return -1;
        out[i] = (uint8_t)v;
        s = end;
        if (i < 3) {
            if (*s != '.')
                return -1;
            s++;
        }
    }
    return *s == '\0' ? 0 : -1;
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

static int parse_v6(const char *s, uint8_t out[16])
{
    uint16_t head[8], tail[8];
    int nh = 0, nt = 0, gap = 0, i;
    const char *p = s;
    if (p[0] == ':' && p[1] == ':') {
        gap = 1;
        p += 2;
    }
    while (*p) {
        int digits = 0;
        unsigned v = 0;
        const char *start = p;
        if (nh + nt >= 8)
            return -1;
        while (hexval(*p) >= 0 && digits < 5) {
            v = v << 4 | (unsigned)hexval(*p);
            p++;
            digits++;
        }
        if (*p == '.' ) { /* trailing dotted IPv4 */
            uint8_t v4[4];
            if (parse_v4(start, v4) != 0 || nh + nt > 6)
                return -1;
            if (gap) {
                tail[nt++] = (uint16_t)(v4[0] << 8 | v4[1]);
                tail[nt++] = (uint16_t)(v4[2] << 8 | v4[3]);
            } else {
                head[nh++] = (uint16_t)(v4[0] << 8 | v4[1]);
                head[nh++] = (uint16_t)(v4[2] << 8 | v4[3]);
            }
            p = start + strlen(start);
            break;
        }
        if (digits == 0 || digits > 4)
            return -1;
        if (gap)
            tail[nt++] = (uint16_t)v;
        else
            head[nh++] = (uint16_t)v;
        if (*p == ':') {
            p++;
            if (*p == ':') {
                if (gap)
                    return -1;
                gap = 1;
                p++;
            } else if (*p == '\0') {
                return -1;
            }
        } else if (*p != '\0') {
            return -1;
        }
    }
    if (!gap && nh != 8)
        return -1;
    if (gap && nh + nt > 7)
        return -1;
    memset(out, 0, 16);
    for (i = 0; i < nh; i++) {
        out[2 * i] = (uint8_t)(head[i] >> 8);
        out[2 * i + 1] = (uint8_t)head[i];
    }
    for (i = 0; i < nt; i++) {
        int g = 8 - nt + i;
        out[2 * g] = (uint8_t)(tail[i] >> 8);
        out[2 * g + 1] = (uint8_t)tail[i];
    }
    return 0;
}

int ipaddr_parse(const char *s, struct ip_addr *a)
{
    memset(a, 0, sizeof(*a));
    if (!s || !*s)
        return -1;
    if (strchr(s, ':')) {
        a->family = IPADDR_V6;
        return parse_v6(s, a->bytes);
    }
    a->family = IPADDR_V4;
    return parse_v4(s, a->bytes);
}

int endpoint_parse(const char *s, struct ip_addr *a, uint16_t *port)
{
    char host[IPADDR_STRLEN];
    const char *colon;
    size_t hl;
    char *end;
    unsigned long p;
    if (!s)
        return -1;
    if (s[0] == '[') {
        const char *rb = strchr(s, ']');
        if (!rb || rb[1] != ':')
            return -1;
        hl = (size_t)(rb - s - 1);
        if (hl == 0 || hl >= sizeof(host))
            return -1;
        memcpy(host, s + 1, hl);
        host[hl] = '\0';
        colon = rb + 1;
        if (ipaddr_parse(host, a) != 0 || a->family != IPADDR_V6)
            return -1;
    } else {
        colon = strrchr(s, ':');
        if (!colon)
            return -1;
        hl = (size_t)(colon - s);
        if (hl == 0 || hl >= sizeof(host))
            return -1;
        memcpy(host, s, hl);
        host[hl] = '\0';
        if (ipaddr_parse(host, a) != 0 || a->family != IPADDR_V4)
            return -1;
    }
    if (colon[1] < '0' || colon[1] > '9')
        return -1;
    p = strtoul(colon + 1, &end, 10);
    if (*end != '\0' || p > 65535)
        return -1;
    *port = (uint16_t)p;
    return 0;
}

int ipaddr_cmp(const struct ip_addr *a, const struct ip_addr *b)
{
    if (a->family != b->family)
        return a->family < b->family ? -1 : 1;
    return memcmp(a->bytes, b->bytes, 16);
}

bool ipaddr_eq(const struct ip_addr *a, const struct ip_addr *b)
{
    return a->family == b->family && memcmp(a->bytes, b->bytes, 16) == 0;
}

bool ipaddr_is_loopback(const struct ip_addr *a)
{
    static const uint8_t v6_loop[16] = { [15] = 1 };
    static const uint8_t v4_mapped[12] = { [10] = 0xff, [11] = 0xff };
    if (a->family == IPADDR_V4)
        return a->bytes[0] == 127;
    if (a->family == IPADDR_V6)
        return memcmp(a->bytes, v6_loop, 16) == 0 ||
               (memcmp(a->bytes, v4_mapped, 12) == 0 && a->bytes[12] == 127);
    return false;
}
