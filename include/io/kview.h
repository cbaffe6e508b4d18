/* kview.h: the kernel's own view of TCP sockets (Linux): TCP_INFO on a socket
 * we hold, NETLINK_SOCK_DIAG for every socket on a port, including the
 * request sockets and TIME_WAIT sockets that no fd can reach
 * (docs/SEMANTICS.md 2.3). No root needed; each call sees the network namespace
 * its socket was created in. */
#ifndef TCPSHAKE_KVIEW_H
#define TCPSHAKE_KVIEW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "netaddr.h"
#include "tracker.h"

/* The kernel's TCP states (include/net/tcp_states.h): number, the kernel's
 * own spelling, and our RFC 9293 state. NEW_SYN_RECV is the request socket
 * a SYN creates on a listener; sock_diag reports it as SYN_RECV (3).
 * BOUND_INACTIVE (Linux 6.8+) is a bound socket that neither listens nor
 * connects: a port that answers SYNs with RST. */
#define KVIEW_KSTATE_MAP(X)                              \
    X(1, ESTABLISHED, "ESTABLISHED", TS_ESTABLISHED)     \
    X(2, SYN_SENT, "SYN_SENT", TS_SYN_SENT)              \
    X(3, SYN_RECV, "SYN_RECV", TS_SYN_RECV)              \
    X(4, FIN_WAIT1, "FIN_WAIT1", TS_FIN_WAIT_1)          \
    X(5, FIN_WAIT2, "FIN_WAIT2", TS_FIN_WAIT_2)          \
    X(6, TIME_WAIT, "TIME_WAIT", TS_TIME_WAIT)           \
    X(7, CLOSE, "CLOSE", TS_CLOSED)                      \
    X(8, CLOSE_WAIT, "CLOSE_WAIT", TS_CLOSE_WAIT)        \
    X(9, LAST_ACK, "LAST_ACK", TS_LAST_ACK)              \
    X(10, LISTEN, "LISTEN", TS_LISTEN)                   \
    X(11, CLOSING, "CLOSING", TS_CLOSING)                \
    X(12, NEW_SYN_RECV, "NEW_SYN_RECV", TS_SYN_RECV)     \
    X(13, BOUND_INACTIVE, "BOUND_INACTIVE", TS_CLOSED)

enum kview_kstate {
    KSTATE_UNKNOWN = 0,
#define X(num, name, text, ts) KSTATE_##name = num,
    KVIEW_KSTATE_MAP(X)
#undef X
};

/* Where a kview_sock came from. */
enum kview_src { KVIEW_SRC_TCP_INFO = 1, KVIEW_SRC_SOCK_DIAG = 2 };

/* One socket as the kernel sees it. Plain values; no pointers. */
struct kview_sock {
    struct ip_addr laddr, raddr;  /* raddr is zero (family 0) if unconnected */
    uint16_t lport, rport;        /* host order; 0 = none */
    uint8_t kstate;               /* enum kview_kstate, the kernel's number */
    uint8_t state;                /* enum tcp_state (kview_map_state) */
    uint8_t src;                  /* enum kview_src */
    bool request;                 /* a request socket: SYN received, SYN+ACK sent,
                                     no full socket yet (TCP_NEW_SYN_RECV inside) */
    uint8_t retrans;              /* SYN+ACK retransmits (request), or unrecovered RTO count */
    uint32_t inode;               /* 0 for request and TIME_WAIT sockets */
    uint32_t timer_ms;            /* sock_diag: time left on the pending timer
                                     (TIME_WAIT, SYN+ACK retransmit); 0 = none */
    uint32_t rtt_us;              /* TCP_INFO: smoothed RTT; 0 if unknown */
    uint32_t rqueue, wqueue;      /* LISTEN: connections waiting for accept() and
                                     the backlog (idiag_rqueue/idiag_wqueue, or
                                     TCP_INFO's tcpi_unacked/tcpi_sacked: what
                                     ss -lt shows as Recv-Q/Send-Q); else the
                                     sock_diag queues in bytes, 0 from TCP_INFO */
};

/* Kernel spelling of a state number ("FIN_WAIT1", "CLOSE", ...);
 * "UNKNOWN" outside the table. Cannot fail. */
const char *kview_kstate_name(unsigned kstate);
/* The kernel's state as our enum tcp_state; TS_CLOSED outside the table.
 * Cannot fail. */
enum tcp_state kview_map_state(unsigned kstate);

/* State of one TCP socket we hold, from getsockopt(TCP_INFO) (tcpi_state),
 * with its addresses from getsockname()/getpeername(). 0, or -1 with a
 * one-line errbuf (e.g. fd is not a TCP socket). */
int kview_from_fd(int fd, struct kview_sock *out, char errbuf[ERRBUF_SIZE]);

/* Open a NETLINK_SOCK_DIAG socket. It stays in the network namespace of the
 * calling thread at the time of the call, so open it inside a namespace to
 * look into that namespace later. Returns the fd (caller closes) or -1. */
int kview_diag_open(char errbuf[ERRBUF_SIZE]);

/* Every TCP socket whose local or remote port is `port` (0 = every socket),
 * in any state: LISTEN, request sockets (SYN_RECV), established, closing,
 * TIME_WAIT, bound-inactive. family: AF_INET, AF_INET6 or AF_UNSPEC (both).
 * Stores at most `cap` rows in out[], in the kernel's dump order. Returns the
 * number of matching sockets (may exceed cap, like snprintf), or -1 with
 * errbuf. The dump is bounded in time (5 s in all). */
int kview_dump_fd(int diag_fd, int family, uint16_t port, struct kview_sock *out,
                  size_t cap, char errbuf[ERRBUF_SIZE]);
/* Every listening socket (IPv4 and IPv6, any port), with rqueue/wqueue:
 * the accept queue and backlog. Count as kview_dump_fd(), or -1. */
int kview_listeners_fd(int diag_fd, struct kview_sock *out, size_t cap,
                       char errbuf[ERRBUF_SIZE]);
/* Same as kview_dump_fd, with a diag socket opened and closed in the
 * calling thread's current network namespace. */
int kview_dump(int family, uint16_t port, struct kview_sock *out, size_t cap,
               char errbuf[ERRBUF_SIZE]);

/* "ESTABLISHED 127.0.0.1:41234 -> 127.0.0.1:50000" (kernel spelling, plus
 * " (request)"), for logs and test messages. Cannot fail; truncates. */
#define KVIEW_STRLEN 160
void kview_format(const struct kview_sock *k, char out[KVIEW_STRLEN]);

#endif
