/* linktype.h: the link types the decoder understands. The capture layer maps
 * libpcap's DLT/LINKTYPE numbers onto these once (DLT_RAW is 12 on Linux,
 * LINKTYPE_RAW 101 in files). */
#ifndef TCPSHAKE_LINKTYPE_H
#define TCPSHAKE_LINKTYPE_H

#define LINK_TYPE_MAP(X)                                                 \
    X(UNKNOWN, "unknown")                                                \
    X(ETHERNET, "ethernet")      /* DLT_EN10MB, with 802.1Q/802.1ad */   \
    X(LINUX_SLL, "linux-sll")    /* DLT_LINUX_SLL, 16-byte cooked */     \
    X(LINUX_SLL2, "linux-sll2")  /* DLT_LINUX_SLL2, 20-byte cooked */    \
    X(NULL_BSD, "null")          /* DLT_NULL, AF in either byte order */ \
    X(LOOP, "loop")              /* DLT_LOOP, AF in network order */     \
    X(RAW, "raw")                /* DLT_RAW / LINKTYPE_RAW: IP version nibble */ \
    X(IPV4, "ipv4")              /* LINKTYPE_IPV4 228 */                 \
    X(IPV6, "ipv6")              /* LINKTYPE_IPV6 229 */

enum link_type {
#define X(n, s) LINK_##n,
    LINK_TYPE_MAP(X)
#undef X
    LINK__COUNT
};

const char *link_type_name(enum link_type lt);

#endif
