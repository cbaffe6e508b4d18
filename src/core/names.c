/* names.c: printable names generated from the X-macro tables (flags, option
 * kinds, link types, decode statuses and layers, anomalies). */
#include <stdio.h>
#include <string.h>

/* The pure core is built as C11 plus POSIX.1-2008 and nothing else
 * (CMakeLists.txt, "Feature macros per layer"): a GNU or BSD extension used
 * here would tie the core to the system. core.purity checks the symbols; this
 * checks the build. */
#if defined(_GNU_SOURCE) || defined(_DEFAULT_SOURCE) || defined(_BSD_SOURCE)
#error "src/core is built without _GNU_SOURCE, _DEFAULT_SOURCE or _BSD_SOURCE"
#endif

#include "decode.h"
#include "linktype.h"
#include "tcp_wire.h"

char *tcp_flags_letters(uint16_t flags, char out[16])
{
    /* tcpdump prints the ACK dot last: "S.", "F.", "FP.", "R." */
    static const struct { uint16_t bit; char letter; } order[] = {
        { TH_FIN, 'F' }, { TH_SYN, 'S' }, { TH_RST, 'R' }, { TH_PSH, 'P' },
        { TH_URG, 'U' }, { TH_ECE, 'E' }, { TH_CWR, 'W' }, { TH_AE, 'e' },
    };
    size_t i, n = 0;
    for (i = 0; i < sizeof(order) / sizeof(order[0]); i++)
        if (flags & order[i].bit)
            out[n++] = order[i].letter;
    if (flags & TH_ACK)
        out[n++] = '.';
    if (n == 0)
        out[n++] = '-'; /* no flag set */
    out[n] = '\0';
    return out;
}

char *tcp_flags_words(uint16_t flags, char out[48])
{
    static const struct { uint16_t bit; const char *word; } order[] = {
        { TH_SYN, "SYN" }, { TH_FIN, "FIN" }, { TH_RST, "RST" }, { TH_PSH, "PSH" },
        { TH_ACK, "ACK" }, { TH_URG, "URG" }, { TH_ECE, "ECE" }, { TH_CWR, "CWR" },
        { TH_AE, "AE" },
    };
    size_t i, n = 0;
    /* Every word at most 3 letters, 9 of them: at most 35 bytes, no printf. */
    for (i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
        size_t k;
        if (!(flags & order[i].bit))
            continue;
        if (n)
            out[n++] = '+';
        for (k = 0; order[i].word[k]; k++)
            out[n++] = order[i].word[k];
    }
    if (n == 0) {
        memcpy(out, "NONE", 5);
        return out;
    }
    out[n] = '\0';
    return out;
}

const char *link_type_name(enum link_type lt)
{
    static const char *const names[] = {
#define X(n, s) s,
        LINK_TYPE_MAP(X)
#undef X
    };
    return (unsigned)lt < LINK__COUNT ? names[lt] : "unknown";
}

const char *decode_status_name(enum decode_status s)
{
    static const char *const names[] = {
#define X(n, str) str,
        DECODE_STATUS_MAP(X)
#undef X
    };
    return (unsigned)s < DECODE__COUNT ? names[s] : "?";
}

const char *decode_layer_name(enum decode_layer l)
{
    static const char *const names[] = {
#define X(n, str) str,
        DECODE_LAYER_MAP(X)
#undef X
    };
    return (unsigned)l < DECODE_L__COUNT ? names[l] : "?";
}

const char *pkt_tunnel_name(unsigned kind)
{
    static const char *const names[] = {
#define X(n, str) str,
        PKT_TUNNEL_MAP(X)
#undef X
    };
    return kind < PKT_TUN__COUNT ? names[kind] : "?";
}

const char *pkt_anomaly_name(uint32_t bit)
{
    switch (bit) {
#define X(n, v, s) case v: return s;
        PKT_ANOMALY_MAP(X)
#undef X
    default:
        return NULL;
    }
}
