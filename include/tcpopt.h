/* tcpopt.h: TCP option parsing and writing, shared by decoder and crafter, so
 * that a craft -> decode round trip tests both. */
#ifndef TCPSHAKE_TCPOPT_H
#define TCPSHAKE_TCPOPT_H

#include <stdbool.h>
#include <stdint.h>

struct rd;
struct wr;

/* Which options were present (bits of tcp_opts.present). */
#define TCPOPT_P_MSS 0x0001u
#define TCPOPT_P_WSCALE 0x0002u
#define TCPOPT_P_SACK_OK 0x0004u
#define TCPOPT_P_SACK 0x0008u
#define TCPOPT_P_TS 0x0010u
#define TCPOPT_P_TFO 0x0020u     /* kind 34 or kind 254 with magic 0xF989 */
#define TCPOPT_P_MD5 0x0040u
#define TCPOPT_P_MPTCP 0x0080u
#define TCPOPT_P_UNKNOWN 0x0100u /* any kind not listed above (kept in layout) */

/* Anomalies found while parsing (bits of tcp_opts.anomalies). Oddities are
 * data, not failures (p0f quirks): the segment is still tracked. */
#define TCPOPT_A_BAD_LEN 0x01u    /* length < 2, or wrong for the kind */
#define TCPOPT_A_PAST_END 0x02u   /* length runs past the data offset */
#define TCPOPT_A_TRUNCATED 0x04u  /* options cut by the capture length */
#define TCPOPT_A_DUPLICATE 0x08u  /* the same kind twice */
#define TCPOPT_A_AFTER_EOL 0x10u  /* non-zero bytes after EOL */
#define TCPOPT_A_WSCALE_BIG 0x20u /* shift > 14 (RFC 7323 2.3) */

#define TCPOPT_MAX_SACK 4
#define TCPOPT_MAX_TFO_COOKIE 16 /* RFC 7413 4.1.1: 4..16 bytes */
#define TCPOPT_MAX_LAYOUT 40

struct sack_block {
    uint32_t left, right;
};

struct tcp_opts {
    uint16_t present;    /* TCPOPT_P_* */
    uint8_t anomalies;   /* TCPOPT_A_* */
    uint8_t nlayout;     /* option kinds in wire order (p0f opt_layout) */
    uint8_t layout[TCPOPT_MAX_LAYOUT];
    uint16_t mss;
    uint8_t wscale;
    uint8_t nsack;
    struct sack_block sack[TCPOPT_MAX_SACK];
    uint32_t ts_val, ts_ecr;
    uint8_t tfo_len;     /* 0 with TFO present = cookie request (RFC 7413 4.1.1) */
    uint8_t tfo_cookie[TCPOPT_MAX_TFO_COOKIE];
    /* Added for tcpopt_format ("opt-NN:len") and exact round trips: */
    uint8_t layout_len[TCPOPT_MAX_LAYOUT]; /* length byte of each layout entry
                                              (1 for EOL/NOP, 0 if it was missing) */
    bool tfo_exp;        /* TFO came (or is to be written) as kind 254 + 0xF989 */
};

/* The layout records every option kind in wire order, including a last one
 * with a bad length (TCPOPT_A_BAD_LEN / TCPOPT_A_PAST_END: parsing stops
 * there); an option cut by the capture is not recorded. For a kind seen twice
 * (TCPOPT_A_DUPLICATE) the values are the last one's, as Linux keeps them. */

/* Parse the options area. `r` must be narrowed to the options area as the
 * data offset claims it; if the capture holds less, the caller passes the
 * captured part and `cut` = true, and TCPOPT_A_TRUNCATED is set when a parse
 * needs the missing bytes. Never reads outside `r`. Cannot fail: problems
 * become anomaly bits. (With `cut`, the area's true end is unknown here, so
 * an option running past the captured bytes is TCPOPT_A_TRUNCATED, never
 * TCPOPT_A_PAST_END; decode_frame() knows the data offset and tells them
 * apart. The zero padding after EOL counts as needed: it is checked for
 * TCPOPT_A_AFTER_EOL.) */
void tcpopt_parse(struct rd *r, bool cut, struct tcp_opts *out);

/* Write options from `o` (only the TCPOPT_P_* bits set in o->present; order:
 * MSS, SACK_OK, TS, NOP, WSCALE, TFO, SACK as Linux does, NOP-padded to a
 * multiple of 4). Returns bytes written (0..40), or -1 if they do not fit
 * in 40 bytes or in `w`. TFO is kind 34, or kind 254 + 0xF989 if o->tfo_exp.
 * MD5, MPTCP and unknown options carry no value here and are not written;
 * -1 also for an invalid nsack (SACK present: 1..4) or tfo_len (0 or 4..16).
 * On -1 nothing is written. */
int tcpopt_write(struct wr *w, const struct tcp_opts *o);

/* Format the options as tcpdump does: "mss 1460,sackOK,TS val 1 ecr 0,nop,wscale 7".
 * Returns the number of characters written (truncated at cap). Entries follow
 * the layout: "eol", "nop", "mss N", "wscale N", "sackOK", "sack N {l:r}...",
 * "TS val N ecr N", "md5", "mptcp", "tfo cookiereq", "tfo cookie HEX",
 * "exp-tfo ..." (kind 254), "opt-KIND:LEN" (others); the option parsing
 * stopped at prints "[bad opt]", and a cut area ends in "[|tcp]". With an
 * empty layout but values set (hand-built), prints what tcpopt_write would
 * send. out is always NUL-terminated when cap > 0. */
int tcpopt_format(const struct tcp_opts *o, char *out, int cap);

#endif
