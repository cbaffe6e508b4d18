/* tcp_wire.h: TCP header flags and option kinds, with their printable names.
 * RFC 9293 section 3.1 (header), RFC 3168 (ECE, CWR), RFC 9768/AccECN (AE). */
#ifndef TCPSHAKE_TCP_WIRE_H
#define TCPSHAKE_TCP_WIRE_H

#include <stddef.h>
#include <stdint.h>

/* Flags as one 16-bit value: the low 8 bits are byte 13 of the header,
 * bit 8 is the AE (formerly NS) bit from byte 12. */
#define TH_FIN 0x001u
#define TH_SYN 0x002u
#define TH_RST 0x004u
#define TH_PSH 0x008u
#define TH_ACK 0x010u
#define TH_URG 0x020u
#define TH_ECE 0x040u
#define TH_CWR 0x080u
#define TH_AE 0x100u

/* Order and letters follow tcpdump's flag table. */
#define TCP_FLAG_MAP(X)          \
    X(TH_FIN, "F", "FIN")        \
    X(TH_SYN, "S", "SYN")        \
    X(TH_RST, "R", "RST")        \
    X(TH_PSH, "P", "PSH")        \
    X(TH_ACK, ".", "ACK")        \
    X(TH_URG, "U", "URG")        \
    X(TH_ECE, "E", "ECE")        \
    X(TH_CWR, "W", "CWR")        \
    X(TH_AE, "e", "AE")

#define TCP_HDR_MIN 20u
#define TCP_HDR_MAX 60u
#define TCP_OPT_SPACE 40u

/* Option kinds (IANA "TCP Option Kind Numbers"). */
#define TCPOPT_KIND_MAP(X)                          \
    X(EOL, 0, "eol")       /* RFC 9293 3.2 */        \
    X(NOP, 1, "nop")       /* RFC 9293 3.2 */        \
    X(MSS, 2, "mss")       /* RFC 9293 3.7.1 */      \
    X(WSCALE, 3, "wscale") /* RFC 7323 2 */          \
    X(SACK_OK, 4, "sackOK") /* RFC 2018 2 */         \
    X(SACK, 5, "sack")     /* RFC 2018 3 */          \
    X(TS, 8, "TS")         /* RFC 7323 3 */          \
    X(MD5, 19, "md5")      /* RFC 2385 */            \
    X(UTO, 28, "uto")      /* RFC 5482 */            \
    X(AO, 29, "ao")        /* RFC 5925 */            \
    X(MPTCP, 30, "mptcp")  /* RFC 8684 */            \
    X(TFO, 34, "tfo")      /* RFC 7413 4.1.1 */      \
    X(EXP1, 253, "exp1")   /* RFC 6994 */            \
    X(EXP2, 254, "exp2")   /* RFC 6994; TFO before 34 used magic 0xF989 */

enum tcpopt_kind {
#define X(n, v, s) TCPOPT_##n = v,
    TCPOPT_KIND_MAP(X)
#undef X
};

#define TCPOPT_TFO_EXP_MAGIC 0xF989u

/* Write the flags as tcpdump does ("S.", "R.", "F.P" -> "FP."). Returns out. */
char *tcp_flags_letters(uint16_t flags, char out[16]);
/* Write the flags as words joined by '+': "SYN", "SYN+ACK", "RST+ACK", "FIN+ACK".
 * Order: SYN, FIN, RST, PSH, ACK, URG, ECE, CWR, AE. Returns out. */
char *tcp_flags_words(uint16_t flags, char out[48]);

#endif
