/* klisten.h: the kernel's word on a listener's SYNs (issue 16). The TCP
 * counters of /proc/net/netstat (TcpExt) and /proc/net/snmp (Tcp), parsed
 * from their text and taken as deltas; why a SYN to a local listener got
 * no answer; whether a SYN+ACK carried a SYN cookie; the one-line sentence
 * that says so. Pure: no OS calls. The I/O shell reads the files and the
 * listeners (kview.h) and calls these; docs/NDJSON.md, "listener", has the
 * rules and their limits. */
#ifndef TCPSHAKE_KLISTEN_H
#define TCPSHAKE_KLISTEN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "netaddr.h"

/* The counters read, by the line prefix of their file and their name
 * there (the kernel's include/uapi/linux/snmp.h and net/ipv4/proc.c):
 * - ListenOverflows: a SYN (or the handshake's ACK) found the accept queue
 *   full (sk_acceptq_is_full(): more than backlog connections waiting);
 * - ListenDrops: every drop at a listener, overflows included;
 * - TCPReqQFullDrop: the SYN queue (request sockets) was full, no cookies;
 * - TCPReqQFullDoCookies: ... full, answered with a cookie instead;
 * - SyncookiesSent / SyncookiesRecv / SyncookiesFailed: cookies sent in a
 *   SYN+ACK, valid ones back in an ACK, invalid ones;
 * - TCPBacklogDrop: a segment dropped because the socket's backlog was
 *   full while its owner held the lock;
 * - AttemptFails, EstabResets, OutRsts (RFC 1213 tcp group). */
#define KL_COUNTER_MAP(X)                                   \
    X(LISTEN_OVERFLOWS, "TcpExt", "ListenOverflows")        \
    X(LISTEN_DROPS, "TcpExt", "ListenDrops")                \
    X(REQQ_FULL_DROP, "TcpExt", "TCPReqQFullDrop")          \
    X(REQQ_FULL_COOKIES, "TcpExt", "TCPReqQFullDoCookies")  \
    X(COOKIES_SENT, "TcpExt", "SyncookiesSent")             \
    X(COOKIES_RECV, "TcpExt", "SyncookiesRecv")             \
    X(COOKIES_FAILED, "TcpExt", "SyncookiesFailed")         \
    X(BACKLOG_DROP, "TcpExt", "TCPBacklogDrop")             \
    X(ATTEMPT_FAILS, "Tcp", "AttemptFails")                 \
    X(ESTAB_RESETS, "Tcp", "EstabResets")                   \
    X(OUT_RSTS, "Tcp", "OutRsts")

enum kl_counter {
#define X(n, pre, name) KL_##n,
    KL_COUNTER_MAP(X)
#undef X
    KL__COUNT
};

struct kl_counters {
    uint64_t v[KL__COUNT];
    uint32_t have;         /* bit (1 << enum kl_counter) per counter found */
};

/* Why a SYN to a local listener got no answer (conn.unanswered_reason).
 * NONE: not decided (never printed). */
#define KL_REASON_MAP(X)                                  \
    X(NONE, NULL)                                         \
    X(ACCEPT_QUEUE_FULL, "accept-queue-full")             \
    X(SYN_QUEUE_FULL, "syn-queue-full")                   \
    X(SOCKET_BACKLOG_FULL, "socket-backlog-full")         \
    X(LISTEN_DROP, "listen-drop")                         \
    X(NO_LISTENER, "no-listener")                         \
    X(UNKNOWN, "unknown")

enum kl_reason {
#define X(n, s) KL_REASON_##n,
    KL_REASON_MAP(X)
#undef X
    KL_REASON__COUNT
};

/* What a "listener" record is about. */
#define KL_EVENT_MAP(X)                           \
    X(SYN_RETRANSMITTED, "syn-retransmitted")     \
    X(SYN_UNANSWERED, "syn-unanswered")           \
    X(SYN_DROPPED, "syn-dropped")                 \
    X(SYN_COOKIE, "syn-cookie")

enum kl_event {
#define X(n, s) KL_EVENT_##n,
    KL_EVENT_MAP(X)
#undef X
    KL_EVENT__COUNT
};

/* Did a SYN+ACK carry a SYN cookie (conn.syn_cookie)? */
enum kl_cookie { KL_COOKIE_UNKNOWN = 0, KL_COOKIE_NO = 1, KL_COOKIE_YES = 2 };

/* A listening socket as sock_diag reports it: for LISTEN, idiag_rqueue is
 * the accept queue's length and idiag_wqueue the backlog (ss -lt's Recv-Q
 * and Send-Q). */
struct kl_listener {
    bool found;
    struct ip_addr addr;   /* as bound: 0.0.0.0 or :: for a wildcard */
    uint16_t port;
    uint32_t queue;        /* connections waiting for accept() */
    uint32_t backlog;      /* listen()'s backlog, capped by somaxconn */
};

const char *kl_counter_name(unsigned k);  /* "ListenOverflows"; NULL outside */
const char *kl_reason_name(unsigned r);   /* "accept-queue-full"; NULL for NONE */
const char *kl_event_name(unsigned e);    /* "syn-cookie"; NULL outside */

/* Parse the text of /proc/net/netstat or /proc/net/snmp: pairs of lines,
 * "Prefix: Name1 Name2 ..." then "Prefix: value1 value2 ...". Stores each
 * counter of KL_COUNTER_MAP the text holds into *c (setting its `have`
 * bit) and leaves the others. Reads at most len bytes (no NUL needed).
 * Returns how many counters it stored, or -1 when a value line does not
 * match its name line (another prefix, fewer values, a value that is not
 * a number). A negative value (snmp's MaxConn -1) is not one of ours and
 * is skipped. */
int kl_parse(const char *text, size_t len, struct kl_counters *c);

/* d = now - before for each counter both have; 0 where either lacks it or
 * the counter went back (a namespace's counters never do). d->have is the
 * counters both have. */
void kl_delta(const struct kl_counters *before, const struct kl_counters *now,
              struct kl_counters *d);

/* The listener a SYN to addr:port reaches among rows[0, n): the socket
 * bound to that address, else a wildcard one of the same family, else
 * (IPv4) an IPv6 wildcard (a dual-stack [::]:port). NULL if none. */
const struct kl_listener *kl_find_listener(const struct kl_listener *rows, size_t n,
                                           const struct ip_addr *addr, uint16_t port);

/* Why a SYN to a local listener went unanswered, from the counters' rise
 * over the interval that saw it (d) and its listener now (l):
 *   no listener                          -> no-listener
 *   ListenOverflows rose                 -> accept-queue-full
 *   TCPReqQFullDrop rose                 -> syn-queue-full
 *   TCPBacklogDrop rose                  -> socket-backlog-full
 *   ListenDrops rose                     -> listen-drop
 *   nothing rose, the accept queue full  -> accept-queue-full (any SYN is
 *                                           dropped while it stays full)
 *   otherwise                            -> unknown (dropped before TCP,
 *                                           e.g. by a firewall, or lost)
 * Cannot fail. */
enum kl_reason kl_reason(const struct kl_counters *d, const struct kl_listener *l);

/* SYN cookies: `candidates` SYN+ACKs from local listeners were seen in an
 * interval over which SyncookiesSent rose by `sent`. Each is a cookie
 * (YES) when it is the only one and the counter rose, or when the counter
 * rose by exactly their number; none is (NO) when it did not rise; else it
 * cannot be told (UNKNOWN). A retransmitted SYN+ACK is never a cookie (a
 * cookie keeps no state to retransmit from): the caller says NO for it. */
enum kl_cookie kl_cookie_rule(uint64_t sent, uint32_t candidates);

/* The sentence for one record, without the leading "# ", e.g.
 * "the kernel dropped this SYN: the accept queue of 127.0.0.1:8080 is full
 * (2 waiting, backlog 1; ListenOverflows +1)". Always NUL-terminates;
 * returns the length it wanted (like snprintf). */
size_t kl_describe(enum kl_event ev, enum kl_reason r, const struct kl_listener *l,
                   const struct kl_counters *d, char *out, size_t cap);

#endif
