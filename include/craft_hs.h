/* craft_hs.h: the TCP three-way handshake and close, driven by hand, as two
 * pure state machines: a crafted client (`craft handshake`) and a crafted
 * server (`craft listen`). No I/O and no clock: the caller passes captured
 * segments in, passes the time as now_ns, and sends the segments the machine
 * asks for (RFC 9293 3.5 handshake, 3.6 close, 3.10 event processing).
 *
 * The loop around it (craft_run.c, or a test) is:
 *
 *     hs_client_init(&h, &opts, &local, lport, &remote, rport);
 *     act = hs_next(&h, NULL, now, &spec);
 *     for (;;) {
 *         while ((note = hs_take_note(&h)))  explain(note);
 *         if (act == HS_ACT_SEND)   { send(&spec); act = hs_next(&h, NULL, now, &spec); }
 *         else if (act == HS_ACT_WAIT) { wait for a segment or hs_deadline(&h);
 *                                       act = hs_next(&h, seg_or_NULL, now, &spec); }
 *         else break;                   // HS_ACT_DONE or HS_ACT_FAILED: see hs_end()
 *     }
 *
 * Every wait has a time limit and every retransmission a count limit, so a
 * machine always reaches DONE or FAILED. */
#ifndef TCPSHAKE_CRAFT_HS_H
#define TCPSHAKE_CRAFT_HS_H

#include <stdbool.h>
#include <stdint.h>

#include "craft.h"
#include "netaddr.h"
#include "tcpopt.h"

struct pkt;

/* Defaults (hs_opts_default). Linux-like SYN: MSS 1460, SACK_OK, TS,
 * wscale 7, window 64240 (tcp_rmem's first window on Ethernet). */
#define HS_DEFAULT_WIN 64240u
#define HS_DEFAULT_MSS 1460u
#define HS_DEFAULT_WSCALE 7u
#define HS_DEFAULT_RTO_NS 1000000000ull        /* RFC 6298 2.1: initial RTO 1 s */
#define HS_DEFAULT_RETRIES 3u                  /* retransmissions of one segment */
#define HS_DEFAULT_HOLD_NS 3500000000ull       /* Linux resends a SYN+ACK at 1 s, 3 s */
#define HS_DEFAULT_PEER_CLOSE_NS 5000000000ull /* wait for the peer's FIN */
#define HS_DEFAULT_LISTEN_NS 30000000000ull    /* server: wait for a SYN */
#define HS_DEFAULT_IDLE_NS 10000000000ull      /* server: established, nothing happens */
#define HS_DEFAULT_TIME_WAIT_NS 200000000ull   /* answer a re-sent FIN for this long */
#define HS_MAX_DATA 1200u                      /* payload sent in one segment */

/* How we end a connection when we are the one ending it. A peer that closes
 * first always gets ACK, then FIN (RFC 9293 3.6). */
enum hs_close {
    HS_CLOSE_FIN,  /* FIN, answer the peer's FIN with ACK: a clean close */
    HS_CLOSE_RST,  /* RST+ACK (the peer drops the connection at once) */
    HS_CLOSE_NONE, /* stop and leave the connection open on the peer */
};

/* What our segments carry and how the machine behaves. Mirrors the CLI. */
struct hs_opts {
    uint32_t seq;             /* our ISN: the caller picks it (random or --seq) */
    uint16_t win;             /* window field; 0 = HS_DEFAULT_WIN (never scaled by us) */
    uint16_t mss;             /* MSS option value; 0 = no MSS option */
    bool wscale_on;           /* send a window-scale option ... */
    uint8_t wscale;           /* ... with this shift (RFC 7323 2.3: at most 14) */
    bool sackok;              /* SACK-permitted option (RFC 2018 2) */
    bool ts_on;               /* timestamps option (RFC 7323 3) ... */
    uint32_t ts_val, ts_ecr;  /* ... first TSval (then + 1 per ms); TSecr of a client SYN */
    bool tfo_on;              /* TFO option (RFC 7413): client SYN: cookie request
                                 (tfo_len 0) or cookie (+ data in the SYN); server:
                                 answer a cookie request with this cookie */
    uint8_t tfo_len;
    uint8_t tfo_cookie[TCPOPT_MAX_TFO_COOKIE];
    bool ecn;                 /* client SYN: ECE+CWR; server SYN+ACK: ECE if the SYN
                                 asked (RFC 3168 6.1.1) */
    uint8_t ttl;              /* 0 = 64 */
    const uint8_t *data;      /* sent once established; must outlive the machine */
    uint32_t data_len;        /* at most HS_MAX_DATA */

    bool hold;                /* client: never ACK the SYN+ACK. The server stays in
                                 SYN_RECV and re-sends its SYN+ACK; after hold_ns the
                                 machine ends (with a RST if close is HS_CLOSE_RST) */
    enum hs_close close;
    uint64_t rto_ns;          /* first retransmission timeout, doubled each time */
    uint8_t max_retries;      /* retransmissions of one segment before giving up */
    uint64_t hold_ns;
    uint64_t linger_ns;       /* client: stay established this long before closing */
    uint64_t peer_close_ns;   /* our FIN acknowledged: wait this long for the peer's FIN */
    uint64_t listen_ns;       /* server: wait this long for a SYN */
    uint64_t idle_ns;         /* server: established and idle this long: we close */
    uint64_t time_wait_ns;    /* after the last ACK of an active close */
};

/* Linux-like segment options and the HS_DEFAULT_* timers; seq = 0 (the
 * caller sets it), close = HS_CLOSE_FIN, no data. Cannot fail. */
void hs_opts_default(struct hs_opts *o);

enum hs_role { HS_ROLE_CLIENT, HS_ROLE_SERVER };

enum hs_action {
    HS_ACT_SEND,   /* send *out now, then call hs_next(h, NULL, now, out) again */
    HS_ACT_WAIT,   /* wait for a segment or until hs_deadline() */
    HS_ACT_DONE,   /* finished as intended: see hs_end() */
    HS_ACT_FAILED, /* finished otherwise: see hs_end() */
};

/* How the machine ended. hs_end_ok() is true for the first five. */
#define HS_END_MAP(X)                                                                    \
    X(NONE, "running")                                                                   \
    X(CLOSED, "closed")                 /* handshake, then FIN both ways */              \
    X(OPEN, "left-open")                /* handshake, then stopped (HS_CLOSE_NONE) */    \
    X(RESET_SENT, "reset-sent")         /* handshake, then we sent RST (HS_CLOSE_RST) */ \
    X(HELD, "held")                     /* hold: SYN+ACK seen and never ACKed */         \
    X(PEER_OPEN, "peer-did-not-close")  /* our FIN ACKed, no FIN back: we sent RST */    \
    X(REFUSED, "refused")               /* RST+ACK answered the SYN */                   \
    X(UNANSWERED, "unanswered")         /* no answer to any SYN */                       \
    X(RESET, "reset-by-peer")           /* acceptable RST after the SYN+ACK */           \
    X(HALF_OPEN, "half-open")           /* server: SYN+ACK never ACKed */                \
    X(NO_CLIENT, "no-client")           /* server: no SYN arrived */                     \
    X(TIMEOUT, "retransmissions-exhausted") /* data or FIN never ACKed: we sent RST */   \
    X(ABORTED, "aborted")               /* hs_abort() (interrupted) */

enum hs_end {
#define X(n, s) HS_END_##n,
    HS_END_MAP(X)
#undef X
    HS_END__COUNT
};

/* Private state; the struct is public only so callers can own it. */
#define HS_QUEUE 8
#define HS_NOTES 6
#define HS_SENT_LOG 16
struct craft_hs {
    enum hs_role role;
    struct hs_opts o;
    struct ip_addr local, remote;
    uint16_t lport, rport;
    bool peer_known;           /* server: remote/rport set (from hs_server_init or the SYN) */
    uint8_t phase;             /* private enum in craft_hs.c */
    enum hs_end end;
    bool started, established, kernel_rst;
    /* send side (RFC 9293 3.3.1): data byte i has seq data_base + i; the FIN
     * (if any) has seq data_base + data_len */
    uint32_t iss, snd_una, snd_nxt, data_base;
    bool fin_wanted, fin_acked, passive_close, syn_data, close_due;
    /* receive side */
    uint32_t irs, rcv_nxt;
    bool fin_rcvd, need_ack;
    /* negotiated (RFC 7323: both SYNs carried the option) */
    bool ts_ok;
    uint32_t ts_recent;
    struct tcp_opts peer_syn_opt;
    uint16_t peer_syn_flags;
    /* timers (now_ns clock); UINT64_MAX = not armed */
    uint64_t t0, rtx_at, phase_at;
    uint64_t rto;
    uint8_t rtx_count;
    uint32_t syn_tx;           /* SYN or SYN+ACK transmissions */
    /* output queue and notes */
    struct craft_spec q[HS_QUEUE];
    uint8_t qhead, qlen;
    const char *notes[HS_NOTES];
    uint8_t nhead, nlen;
    /* what we sent (to recognise our own segments in the capture) */
    struct { uint32_t seq, ack; uint16_t flags; } sent[HS_SENT_LOG];
    uint32_t nsent;
};

/* Client: SYN to remote:rport from local:lport (same family). Copies *o
 * (o->data is referenced, not copied). Nothing is sent before the first
 * hs_next(). Cannot fail: bad values are clamped (data_len to HS_MAX_DATA,
 * wscale to 14, zero timers to defaults). */
void hs_client_init(struct craft_hs *h, const struct hs_opts *o, const struct ip_addr *local,
                    uint16_t lport, const struct ip_addr *remote, uint16_t rport);
/* Server: wait for a SYN to local:lport, from `peer` (NULL = any address)
 * and `peer_port` (0 = any port). */
void hs_server_init(struct craft_hs *h, const struct hs_opts *o, const struct ip_addr *local,
                    uint16_t lport, const struct ip_addr *peer, uint16_t peer_port);

/* One step. `in` is a decoded segment (decode status OK) or NULL (a timer
 * tick or "call again"); now_ns is any monotonic clock in nanoseconds
 * (packet timestamps are not used). Segments of other connections are
 * ignored; segments from our own side (the capture sees what we send) are
 * recognised, and a RST we did not send is flagged (hs_kernel_rst()). On
 * HS_ACT_SEND, *out holds the segment to send (its payload points into
 * o->data); otherwise *out is zeroed. After DONE/FAILED every call returns
 * the same action. */
enum hs_action hs_client_next(struct craft_hs *h, const struct pkt *in, uint64_t now_ns,
                              struct craft_spec *out);
enum hs_action hs_server_next(struct craft_hs *h, const struct pkt *in, uint64_t now_ns,
                              struct craft_spec *out);
/* Either of the above, by h->role. */
enum hs_action hs_next(struct craft_hs *h, const struct pkt *in, uint64_t now_ns,
                       struct craft_spec *out);

/* Stop now (interrupted, or the run's time limit). If the peer holds state
 * for this connection, returns HS_ACT_SEND with a RST to send (then call
 * hs_next() as usual, which returns HS_ACT_FAILED); otherwise FAILED.
 * hs_end() is HS_END_ABORTED unless the machine had already ended. */
enum hs_action hs_abort(struct craft_hs *h, uint64_t now_ns, struct craft_spec *out);

/* Absolute time (now_ns clock) of the next timer, or UINT64_MAX. */
uint64_t hs_deadline(const struct craft_hs *h);
/* Next explanation of what just happened (a static string), or NULL. */
const char *hs_take_note(struct craft_hs *h);

enum hs_end hs_end(const struct craft_hs *h);
bool hs_end_ok(enum hs_end e);
const char *hs_end_name(enum hs_end e);
/* The RFC 9293 state of our side, as the tracker spells it ("SYN_SENT", ...). */
const char *hs_state_name(const struct craft_hs *h);
bool hs_established(const struct craft_hs *h);
/* A RST left our side that the machine did not send: the kernel's answer to
 * a segment for a 4-tuple it has no socket for (RFC 9293 3.10.7.1). */
bool hs_kernel_rst(const struct craft_hs *h);
/* The peer's address and port (server: known once a SYN arrived). */
bool hs_peer(const struct craft_hs *h, struct ip_addr *addr, uint16_t *port);

#endif
