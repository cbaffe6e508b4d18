/* demo.h: the engine behind `tcpshake demo`: one TCP connection made on
 * purpose, with every system call, every segment and the kernel's own view
 * of each socket reported as it happens, in order.
 *
 * Two modes:
 * - LOOPBACK: client and server on 127.0.0.1 (::1), a live libpcap capture
 *   on lo. Fast: the kernel runs the whole handshake inside connect().
 * - WIRE ("slow motion"): client and server live in two network namespaces
 *   the engine creates, joined by two veth pairs whose other ends sit in a
 *   third namespace, where the engine itself moves each frame from one side
 *   to the other with AF_PACKET sockets: the demo is the wire. Each TCP
 *   segment is held (slow_ns, or until the step callback returns), reported,
 *   forwarded, and then both kernels are asked what they think.
 *
 * One thread; every wait is bounded (wait_ms, total_ms; time spent holding
 * a segment does not count). Nothing prints: everything goes through the
 * callbacks, which run on the caller's thread, in order. Needs root (or
 * CAP_NET_RAW+CAP_NET_ADMIN, and CAP_SYS_ADMIN for namespaces in WIRE). See
 * docs/DEMO.md. */
#ifndef TCPSHAKE_DEMO_H
#define TCPSHAKE_DEMO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "frame.h"
#include "klisten.h"
#include "kview.h"
#include "netaddr.h"

#define DEMO_MODE_MAP(X)           \
    X(LOOPBACK, "loopback")        \
    X(WIRE, "wire")

enum demo_mode {
#define X(n, s) DEMO_MODE_##n,
    DEMO_MODE_MAP(X)
#undef X
    DEMO_MODE__COUNT
};

/* GRACEFUL: listen, connect, accept, one message each way, client closes
 *   first, the server reads EOF and closes: FIN_WAIT1 ... TIME_WAIT.
 * REFUSED: the port is bound but nobody listens: SYN, RST+ACK,
 *   connect() fails with ECONNREFUSED.
 * RESET: accepted, then the server aborts (SO_LINGER {1, 0} + close()):
 *   RST, the client's recv() fails with ECONNRESET.
 * BACKLOG_FULL (WIRE only): listen(1) and no accept(): two clients get in
 *   (Linux admits backlog + 1), the third client's SYN is dropped by the
 *   server's kernel; the wire holds the client kernel's retransmission
 *   while the server accept()s, then lets it cross: it gets in.
 * SYN_COOKIES (WIRE only): net.ipv4.tcp_syncookies=2 in the server's
 *   namespace: the SYN+ACK carries a cookie, no request socket exists
 *   until the ACK creates the connection.
 * The wire decides when each segment arrives, which makes the last two
 * deterministic (docs/DEMO.md, "A listener under load"). */
#define DEMO_SCENARIO_MAP(X)       \
    X(GRACEFUL, "graceful")        \
    X(REFUSED, "refused")          \
    X(RESET, "reset")              \
    X(BACKLOG_FULL, "backlog-full") \
    X(SYN_COOKIES, "syn-cookies")

enum demo_scenario {
#define X(n, s) DEMO_SCENARIO_##n,
    DEMO_SCENARIO_MAP(X)
#undef X
    DEMO_SCENARIO__COUNT
};

/* Kinds of failure (demo_result.err); the CLI maps PRIV to EXIT_PRIV,
 * STOPPED to an interrupted run, the rest to EXIT_NETWORK/EXIT_CAPTURE. */
#define DEMO_ERR_MAP(X)                                                      \
    X(NONE, "ok")                                                            \
    X(CONFIG, "bad demo configuration")                                      \
    X(PRIV, "needs root or CAP_NET_RAW+CAP_NET_ADMIN")                       \
    X(SETUP, "namespace or link set-up failed")                              \
    X(CAPTURE, "capture failed")                                             \
    X(SOCKET, "socket call failed")                                          \
    X(KVIEW, "kernel view failed")                                           \
    X(TIMEOUT, "time limit reached")                                         \
    X(UNEXPECTED, "the kernel did not do what the scenario expects")         \
    X(STOPPED, "stopped")

enum demo_err {
#define X(n, s) DEMO_ERR_##n,
    DEMO_ERR_MAP(X)
#undef X
    DEMO_ERR__COUNT
};

/* Step callback (WIRE): called for each TCP segment while it is held on the
 * wire, with a short description ("SYN client -> server"). Block as long as
 * you like (e.g. until Enter); return 0 to let it cross, -1 to stop the
 * demo (result DEMO_ERR_STOPPED). A SIGINT handler that calls demo_stop()
 * should be installed without SA_RESTART so a blocked read() returns. */
typedef int (*demo_step_fn)(void *user, const char *what);

struct demo_cfg {
    enum demo_mode mode;
    enum demo_scenario scenario;
    bool ipv6;             /* ::1, or fd00:7473:686b::1 / ::2 on the wire */
    uint16_t port;         /* server port; 0 = pick a free one (reported) */
    uint64_t slow_ns;      /* WIRE: hold each TCP segment this long (0 = none) */
    demo_step_fn step;     /* WIRE: if set, used instead of slow_ns */
    void *step_user;
    uint32_t wait_ms;      /* limit of each wait (connect, accept, recv,
                              drain); 0 = DEMO_WAIT_MS_DEFAULT */
    uint32_t total_ms;     /* limit of the whole run, holds excluded;
                              0 = DEMO_TOTAL_MS_DEFAULT */
    uint32_t quiet_ms;     /* a drain ends after this long without a frame;
                              0 = DEMO_QUIET_MS_DEFAULT. Longer than Linux's
                              40 ms delayed ACK, so each step's ACKs land in
                              that step. */
    bool keep_tx_offload;  /* WIRE, diagnostics: leave the veths' transmit
                              checksum offload on; frames then leave with a
                              partial checksum, which the wire completes
                              before reporting and forwarding
                              (res.csum_completed) */
    bool pin_netns;        /* WIRE: pin the namespaces as
                              /var/run/netns/tshk<pid>-<n>-{client,server,wire}
                              while running (for `ip netns exec ... ss -tan`);
                              default: anonymous, gone with the process */
    bool held_snapshots;   /* WIRE: also take a snapshot while each TCP
                              segment is held (before it crosses), with
                              demo_kernel_view.held set */
};

#define DEMO_WAIT_MS_DEFAULT 3000u
#define DEMO_TOTAL_MS_DEFAULT 30000u
#define DEMO_QUIET_MS_DEFAULT 60u

/* WIRE addresses: client and server (IPv4 /24, IPv6 ULA /64). */
#define DEMO_WIRE_CLIENT4 "10.200.0.1"
#define DEMO_WIRE_SERVER4 "10.200.0.2"
#define DEMO_WIRE_CLIENT6 "fd00:7473:686b::1"
#define DEMO_WIRE_SERVER6 "fd00:7473:686b::2"

/* One socket in a snapshot. `present` false: the kernel has no such socket
 * (not created yet, or gone: e.g. after LAST_ACK). k.src says whether the
 * state came from TCP_INFO on the engine's fd or from sock_diag (a request
 * socket, or a socket whose fd is closed: FIN_WAIT2, TIME_WAIT...). */
struct demo_ksock {
    bool present;
    struct kview_sock k;
};

#define DEMO_DIAG_MAX 8
#define DEMO_WHY_LEN 64

/* A kernel snapshot; valid only during on_kernel(). */
struct demo_kernel_view {
    char why[DEMO_WHY_LEN];   /* "after listen()", "SYN crossed client -> server", ... */
    uint32_t seq;             /* 1, 2, ... */
    struct demo_ksock client; /* the connecting socket */
    struct demo_ksock server; /* the server end of this connection: request
                                 socket, queued child, accepted socket */
    struct demo_ksock listener;
    size_t ndiag;             /* every socket on the port, from sock_diag
                                 (both namespaces in WIRE), at most DEMO_DIAG_MAX */
    struct kview_sock diag[DEMO_DIAG_MAX];
    bool held;                /* WIRE (cfg.held_snapshots): taken while the last
                                 reported segment is held on the wire: its sender
                                 has sent it, its receiver has not received it */
    bool in_flight;           /* a segment the kernels sent had not been reported
                                 yet when the sockets were read. WIRE: a segment
                                 of the demo waits at the wire besides a held one
                                 (ARP and neighbour discovery waiting there are
                                 forwarded first, which may release a segment a
                                 kernel queued behind them); LOOPBACK: any frame
                                 waits in the capture buffer. Checked after the
                                 sockets were read, so false means every segment
                                 sent up to the snapshot has been reported */
    uint16_t cport;           /* the client the snapshot follows (the newest) */
    bool have_counters;       /* WIRE: delta below is valid */
    struct kl_counters delta; /* the server namespace's TCP counters, risen
                                 since the previous snapshot (klisten.h) */
};

/* WIRE, holding (slow_ns or step): a kernel retransmitted a segment while
 * the wire held it (or held its answer). The copy is kept back: it would
 * only have told the story twice (docs/DEMO.md, "Slow motion"). */
struct demo_held_copy {
    int side;                 /* 0 client, 1 server: whose kernel sent it */
    const char *segment;      /* "SYN", "PSH+ACK 12 bytes", ... */
    uint64_t after_ns;        /* since the first copy reached the wire */
    uint32_t count;           /* copies of this segment kept back so far */
};

struct demo_cb {
    /* A system call made or returned, in words: "listen() on
     * 127.0.0.1:41234", "connect() returned 0", "close() client"... Also a
     * few engine notes (capture opened, wire ready). */
    void (*on_syscall)(void *user, const char *text);
    /* One captured TCP frame; data valid during the call. dlt is libpcap's
     * link type number (DLT_EN10MB in both modes). */
    void (*on_frame)(void *user, const struct frame *f, int dlt);
    /* A kernel snapshot; ts_ns is the time of the last frame (0 before
     * the first). */
    void (*on_kernel)(void *user, uint64_t ts_ns, const struct demo_kernel_view *kv);
    /* A retransmitted copy the wire kept back; ts_ns when it was seen. */
    void (*on_held_copy)(void *user, uint64_t ts_ns, const struct demo_held_copy *h);
    void *user;
};

struct demo_result {
    enum demo_err err;          /* DEMO_ERR_NONE on success */
    int sys_errno;              /* errno of the failing call, or 0 */
    uint16_t port;              /* server port used */
    struct ip_addr client_addr, server_addr;
    uint16_t client_port;       /* 0 until connect() */
    uint32_t frames;            /* TCP frames reported */
    uint32_t other_frames;      /* WIRE: ARP, neighbour discovery... forwarded, not reported */
    uint32_t csum_completed;    /* WIRE: partial checksums completed before forwarding */
    uint32_t snapshots;         /* on_kernel calls */
    uint64_t held_ns;           /* WIRE: time segments spent held */
    uint32_t held_retransmits[2]; /* WIRE: copies kept back (client, server) */
};

/* Run one scenario. 0 on success; -1 with res->err, res->sys_errno and a
 * one-line errbuf (PRIV: "needs root or CAP_NET_RAW+CAP_NET_ADMIN: ...").
 * Everything the engine created (sockets, capture, namespaces, links) is
 * released before it returns, on every path. cb may have NULL members. */
int demo_run(const struct demo_cfg *cfg, const struct demo_cb *cb, struct demo_result *res,
             char errbuf[ERRBUF_SIZE]);

/* Ask a running demo to stop at its next check (at most ~50 ms later, or
 * when the step callback returns): it cleans up and returns
 * DEMO_ERR_STOPPED. Async-signal-safe (sets a flag), process-wide. The
 * flag stays set until demo_stop_clear(). */
void demo_stop(void);
void demo_stop_clear(void);

/* Can this process run `mode`? 0, or -1 with a "needs root ..." errbuf.
 * Leaves nothing behind. */
int demo_probe(enum demo_mode mode, char errbuf[ERRBUF_SIZE]);

const char *demo_mode_name(enum demo_mode m);
const char *demo_scenario_name(enum demo_scenario s);
const char *demo_err_name(enum demo_err e);
/* "graceful" -> DEMO_SCENARIO_GRACEFUL; 0 or -1. */
int demo_scenario_parse(const char *s, enum demo_scenario *out);

#endif
