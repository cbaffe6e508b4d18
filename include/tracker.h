/* tracker.h: follows every TCP connection from captured segments alone and
 * infers each endpoint's RFC 9293 state as a passive observer; pure (no I/O,
 * no clock: packet time is the only clock). The inference rules are written
 * down in docs/STATES.md with their RFC sections.
 *
 * Shape: a fixed-capacity table allocated once in tracker_new(); an
 * open-addressing index keyed by the canonical (direction-free) 4-tuple; LRU
 * lists for eviction (ended entries first, then unfinished handshakes and
 * entries only one endpoint has sent on, then established ones); every
 * eviction is counted. */
#ifndef TCPSHAKE_TRACKER_H
#define TCPSHAKE_TRACKER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "netaddr.h"

struct pkt;

/* RFC 9293 section 3.3.2 states, spelled as printed (text and JSON). */
#define TCP_STATE_MAP(X)            \
    X(CLOSED, "CLOSED")             \
    X(LISTEN, "LISTEN")             \
    X(SYN_SENT, "SYN_SENT")         \
    X(SYN_RECV, "SYN_RECV")         \
    X(ESTABLISHED, "ESTABLISHED")   \
    X(FIN_WAIT_1, "FIN_WAIT_1")     \
    X(FIN_WAIT_2, "FIN_WAIT_2")     \
    X(CLOSING, "CLOSING")           \
    X(TIME_WAIT, "TIME_WAIT")       \
    X(CLOSE_WAIT, "CLOSE_WAIT")     \
    X(LAST_ACK, "LAST_ACK")

enum tcp_state {
#define X(n, s) TS_##n,
    TCP_STATE_MAP(X)
#undef X
    TS__COUNT
};

/* Handshake outcome of a connection (docs/SEMANTICS.md 2.5). PENDING never
 * appears in output: tracker_finish() and timeouts decide it. */
#define HS_OUTCOME_MAP(X)             \
    X(PENDING, "pending")             \
    X(COMPLETE, "complete")           \
    X(REFUSED, "refused")             \
    X(UNANSWERED, "unanswered")       \
    X(HALF_OPEN, "half-open")         \
    X(ABORTED, "aborted")             \
    X(MIDSTREAM, "mid-stream")

enum hs_outcome {
#define X(n, s) HS_##n,
    HS_OUTCOME_MAP(X)
#undef X
    HS__COUNT
};

/* How a connection ended (the JSON "close" field). */
#define CLOSE_OUTCOME_MAP(X)                 \
    X(OPEN_AT_END, "open_at_end")            \
    X(CLOSED, "closed")                      \
    X(RESET_BY_CLIENT, "reset_by_client")    \
    X(RESET_BY_SERVER, "reset_by_server")    \
    X(TIMEOUT, "timeout")                    \
    X(EVICTED, "evicted")                    \
    X(NEVER_OPENED, "never_opened")

enum close_outcome {
#define X(n, s) CLOSE_##n,
    CLOSE_OUTCOME_MAP(X)
#undef X
    CLOSE__COUNT
};

/* Why a connection record is emitted. */
#define TRK_END_MAP(X)                  \
    X(FINISHED, "finished")             \
    X(TIMEOUT, "timeout")               \
    X(EVICTED, "evicted")               \
    X(REPLACED, "replaced")             \
    X(END_OF_INPUT, "end_of_input")

enum trk_end {
#define X(n, s) TRK_END_##n,
    TRK_END_MAP(X)
#undef X
    TRK_END__COUNT
};

/* What one segment did (bits of trk_verdict.notes). */
#define TRK_NOTE_MAP(X)                                                        \
    X(NEW, 0x0001u, "new")                 /* first segment of a connection */ \
    X(RETRANSMIT, 0x0002u, "retransmit")   /* SYN or SYN+ACK again, same ISN */ \
    X(STRAY, 0x0004u, "stray")             /* does not fit (wrong ack, unacceptable RST) */ \
    X(REUSE, 0x0008u, "reuse")             /* new ISN on a live tuple: new connection */ \
    X(HANDSHAKE_ACK, 0x0010u, "handshake-ack") /* the ACK that completes a handshake */ \
    X(INVALID, 0x0020u, "invalid")         /* flags conntrack calls INVALID; state unchanged */ \
    X(ENDED, 0x0040u, "ended")             /* this segment ended the connection */ \
    X(OUTCOME, 0x0080u, "outcome")         /* this segment decided the outcome */ \
    X(SYN_DATA, 0x0100u, "syn-data")       /* SYN carrying data (TFO) */        \
    X(DUPLICATE, 0x0200u, "duplicate")     /* an exact repeat (same seq, ack, flags, len) */ \
    X(AFTER_END, 0x0400u, "after-end")     /* straggler after the connection ended */ \
    X(SYN_DATA_IGNORED, 0x0800u, "syn-data-ignored") /* SYN+ACK acks the SYN, not its data (RFC 7413 3) */ \
    X(NOT_LISTENING, 0x1000u, "not-listening") /* a RST refused the SYN: the server presumed in \
                                                  LISTEN was CLOSED all along (RFC 9293 3.10.7.1) */ \
    X(HANDSHAKE_INFERRED, 0x2000u, "handshake-inferred") /* acks what the peer sent after its \
                                                  SYN: the unseen final ACK must have come */ \
    X(IGNORED_RST, 0x4000u, "ignored-rst") /* the connection goes on after a RST its receiver \
                                              had reason to drop: the RST is revised away \
                                              (issue 21; docs/STATES.md) */

enum trk_note {
#define X(n, v, s) TRK_NOTE_##n = v,
    TRK_NOTE_MAP(X)
#undef X
};

/* Connection anomalies (conn.anomalies). */
#define CONN_ANOM_WRONG_ACK 0x01u      /* SYN+ACK whose ack is not ISN+1 */
#define CONN_ANOM_STRAY_RST 0x02u      /* RST without an acceptable ack/seq */
#define CONN_ANOM_ISN_CHANGE 0x04u     /* SYN with a new ISN while live */
#define CONN_ANOM_SELF_CONNECT 0x08u   /* both ends are the same address and port */
#define CONN_ANOM_INVALID_FLAGS 0x10u  /* segments with invalid flag combinations */
#define CONN_ANOM_IGNORED_RST 0x20u    /* a RST the receiver dropped: the connection went on */

enum trk_side { TRK_CLIENT = 0, TRK_SERVER = 1 };

/* Options an endpoint offered on its SYN or SYN+ACK (compact copy). */
struct ep_opts {
    uint16_t present;  /* TCPOPT_P_* */
    uint16_t mss;
    uint8_t wscale;
    uint8_t tfo_len;   /* TFO cookie length; 0 with TCPOPT_P_TFO = cookie request */
    uint8_t ecn;       /* SYN: ECE+CWR set; SYN+ACK: ECE set (RFC 3168 6.1.1) */
};

/* Layouts are packed for the table's footprint (at most 256 bytes per tracked
 * connection with its index share: docs/PERFORMANCE.md): small fields first,
 * one-bit flags, no holes. */
struct endpoint {
    struct ip_addr addr;
    uint8_t state;       /* enum tcp_state */
    uint16_t port;
    uint16_t syn_tx;     /* SYN or SYN+ACK transmissions with the current ISN */
    struct ep_opts opts;
    bool presumed : 1; /* no segment from this endpoint has shown the state yet */
    bool isn_known : 1;
    bool fin_sent : 1;
    bool sent_any : 1;
    bool sent_syn : 1; /* sent a bare SYN */
    bool sent_synack : 1; /* sent a SYN+ACK */
    bool seq_base : 1; /* isn holds a base for relative numbers */
    bool ao : 1; /* offered TCP-AO (RFC 5925, kind 29) on its SYN or SYN+ACK */
    uint32_t isn;        /* ISN if isn_known; else, when seq_base, the base for
                            relative numbers (first seq seen - 1, or the first
                            ack it received - 1) */
    uint32_t snd_nxt;    /* highest seq + len (+1 per SYN/FIN) sent */
    uint32_t fin_seq;    /* sequence number of its FIN */
    uint32_t pkts;
    uint64_t bytes;      /* payload bytes as the IP length claims */
};

struct conn {
    uint64_t id;            /* 1, 2, ... in order of first segment; stable in output */
    uint32_t generation;    /* 0 for the first connection on this 4-tuple, then 1, 2, ... */
    uint32_t pkts;
    struct endpoint ep[2];  /* [TRK_CLIENT], [TRK_SERVER] (docs/SEMANTICS.md 2.4) */
    uint8_t outcome;        /* enum hs_outcome */
    uint8_t close;          /* enum close_outcome */
    bool simultaneous : 1;  /* both endpoints sent a bare SYN */
    bool roles_guessed : 1; /* first segment was not a SYN: client is a guess */
    bool client_syn_seen : 1; /* the client's bare SYN was captured */
    bool synack_seen : 1;   /* a SYN+ACK was captured */
    bool hs_inferred : 1;   /* complete by inference: the final ACK was not captured */
    bool ended : 1;         /* the connection reached its end (record due or emitted) */
    bool emitted : 1;       /* the record has been emitted */
    bool returned : 1;      /* brought back from the memory of forgotten connections
                               for a straggler (its record was emitted before) */
    uint8_t anomalies;      /* CONN_ANOM_* */
    uint8_t lru_list;       /* table links (private to the tracker) */
    uint8_t pending;        /* TRK_P_*: verdicts later segments may revise (private) */
    /* The kernel's word (watch on a local listener, issue 16; klisten.h),
     * set through tracker_kernel_note(); all 0 when it never looked. */
    uint8_t k_reason : 4;   /* enum kl_reason: why its SYN went unanswered */
    uint8_t k_cookie : 2;   /* enum kl_cookie: did its SYN+ACK carry a cookie */
    uint8_t k_seen : 1;     /* the kernel view looked: a SYN to a local address */
    uint16_t syn_retransmits, synack_retransmits;
    uint32_t hash;
    uint32_t lru_prev, lru_next;
    uint8_t rst_prev[4];    /* held RST: each endpoint's state (| 0x80 presumed) and the
                               outcome before it; the outcome it decides if it stands
                               (private; tracker_revise.c) */
    uint64_t t_first_ns, t_last_ns;
    uint64_t t_syn_ns;      /* first SYN */
    uint64_t t_syn_last_ns; /* latest SYN sent before the first SYN+ACK */
    uint64_t t_synack_ns;   /* first SYN+ACK */
    uint64_t t_synack_last_ns; /* latest SYN+ACK before the handshake ACK */
    uint64_t t_ack_ns;      /* handshake-completing ACK */
    uint64_t t_end_ns;      /* when the record was emitted */
    uint64_t lru_stamp;     /* table: when last seen, in touches (private) */
    uint32_t syn_tsval_first, syn_tsval_last; /* TSvals of the client's SYNs (RFC 7323) */
};

/* One endpoint's state change. */
struct trk_change {
    uint8_t side;          /* enum trk_side */
    uint8_t from, to;      /* enum tcp_state */
    bool presumed;         /* the new state is presumed, not shown */
};

#define TRK_MAX_CHANGES 6

/* What one segment did; filled by tracker_feed(). `conn` stays valid until
 * the next tracker call. Changes are ordered sender first, then receiver. */
struct trk_verdict {
    const struct conn *conn; /* NULL when the segment was not tracked */
    bool from_client;
    uint16_t notes;          /* TRK_NOTE_* */
    uint8_t nchanges;
    struct trk_change changes[TRK_MAX_CHANGES];
};

/* Callbacks for what is not tied to one segment: a connection record to
 * emit (evicted, replaced, timed out, finished at end of input) and state
 * changes caused by packet time passing (cause "timeout"). */
struct trk_sink {
    void (*conn_end)(void *user, const struct conn *c, enum trk_end why, uint64_t ts_ns);
    void (*timer_change)(void *user, const struct conn *c, const struct trk_change *ch,
                         uint64_t ts_ns);
    void *user;
};

struct tracker_cfg {
    size_t max_conns;             /* table capacity; 0 = CFG_MAX_CONNS_DEFAULT */
    uint64_t to_syn_sent_ns;      /* 0 = defaults from config.h */
    uint64_t to_syn_recv_ns;
    uint64_t to_established_ns;
    uint64_t to_fin_wait_ns;
    uint64_t to_close_wait_ns;
    uint64_t to_last_ack_ns;
    uint64_t to_time_wait_ns;
    uint64_t to_close_ns;
    /* The memory of forgotten connections (docs/STATES.md "Connections the
     * table forgot"): arena size, 0 = CFG_MEMORY_MB_DEFAULT MiB; how long a
     * generation lasts at the rate seen, 0 = CFG_MEMORY_SPAN_MS. */
    size_t memory_bytes;
    uint64_t memory_span_ns;
    bool memory_off;              /* no memory: every forgotten tuple starts anew */
};

struct tracker_stats {
    uint64_t connections;          /* connection records created */
    uint64_t outcomes[HS__COUNT];  /* by outcome, counted when a record is emitted */
    uint64_t closes[CLOSE__COUNT];
    uint64_t evicted;
    uint64_t timed_out;
    uint64_t retransmits;          /* SYN and SYN+ACK retransmissions */
    uint64_t strays;
    uint64_t invalid;
    uint64_t untracked;            /* segments that created no entry (e.g. invalid flags) */
    /* The memory of forgotten connections (docs/STATES.md). */
    uint64_t returned;             /* forgotten connections a later segment brought back */
    uint64_t returned_segments;    /* segments attributed to them (after-end) */
    uint64_t returned_syn_retransmits; /* of which SYN retransmissions of a handshake the
                                      table gave up on (evicted or timed out) */
    uint64_t remembered;           /* fingerprints stored */
    uint64_t forgotten_early;      /* fingerprints dropped before the window passed */
    size_t memory_bytes;           /* memory arena bytes used so far */
    size_t memory_cap_bytes;       /* its cap (0: no memory) */
    uint64_t memory_window_ns;     /* time it covers at least, at the rate seen */
    size_t active;                 /* entries in the table now */
    size_t peak_active;
    size_t capacity;
};

struct tracker;

/* Allocate the whole table once. NULL on out-of-memory. No allocation later. */
struct tracker *tracker_new(const struct tracker_cfg *cfg);
void tracker_free(struct tracker *t);

/* Track one decoded segment (decode status OK). Fills `v`. May call
 * sink->conn_end for entries evicted or replaced to make room (before this
 * segment's own effects). If v->notes has TRK_NOTE_ENDED, the caller emits
 * the record with tracker_emit() after reporting the segment. */
void tracker_feed(struct tracker *t, const struct pkt *p, struct trk_verdict *v,
                  const struct trk_sink *sink);

/* Mark an ended connection as emitted and count its outcome; the entry
 * lingers (CFG_TO_CLOSE_S) to absorb stragglers. */
void tracker_emit(struct tracker *t, const struct conn *c, uint64_t ts_ns);

/* The kernel's word on connection `id`, found by its 4-tuple (either
 * direction) and still holding that id: sets k_seen, and k_reason and
 * k_cookie when not 0 (klisten.h). For the I/O shell, which reads the
 * kernel (watch, issue 16). Returns false when the connection is gone. */
bool tracker_kernel_note(struct tracker *t, const struct ip_addr *a, uint16_t ap,
                         const struct ip_addr *b, uint16_t bp, uint64_t id, unsigned reason,
                         unsigned cookie);

/* Expire entries whose state timeout has passed at packet time now_ns:
 * decides outcomes (unanswered, half-open), emits records, frees lingering
 * entries. Returns the number of records emitted. Cheap when called often:
 * it sweeps at most once per CFG_EXPIRE_SWEEP_S of packet time. */
size_t tracker_expire(struct tracker *t, uint64_t now_ns, const struct trk_sink *sink);

/* End of input: decide every pending outcome and emit every live record,
 * in id order. */
void tracker_finish(struct tracker *t, uint64_t now_ns, const struct trk_sink *sink);

const struct tracker_stats *tracker_stats(const struct tracker *t);

const char *tcp_state_name(enum tcp_state s);
const char *hs_outcome_name(enum hs_outcome o);
const char *close_outcome_name(enum close_outcome c);
const char *trk_end_name(enum trk_end e);
const char *trk_note_name(uint32_t bit);

/* ECN (RFC 3168 6.1.1): "negotiated" (ECN-setup SYN answered by an
 * ECN-setup SYN+ACK), "declined" (asked, not granted), "off" (not asked). */
const char *conn_ecn(const struct conn *c);

/* Microseconds from the last SYN to the first SYN+ACK, and from the last
 * SYN+ACK to the handshake ACK; -1 when unknown. */
int64_t conn_rtt_syn_synack_us(const struct conn *c);
int64_t conn_rtt_synack_ack_us(const struct conn *c);
/* Microseconds from the FIRST SYN to the first SYN+ACK: what the
 * connecting application waited, retransmission timeouts included; equal
 * to conn_rtt_syn_synack_us() when the SYN was not retransmitted. -1 when
 * unknown. */
int64_t conn_rtt_first_syn_synack_us(const struct conn *c);

#endif
