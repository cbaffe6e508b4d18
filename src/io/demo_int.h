/* demo_int.h: shared inside the demo module only (demo.c, demo_lo.c, demo_wire.c). */
#ifndef TCPSHAKE_DEMO_INT_H
#define TCPSHAKE_DEMO_INT_H

#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#include "demo.h"
#include "klisten.h"

struct demo_lo;
struct demo_wire;
struct klread;

#define DEMO_EXTRA_FDS 8 /* sockets kept open besides cfd, sfd, lfd */

/* TCP header flag bits (byte 13), RFC 9293 3.1. */
#define DEMO_TH_FIN 0x01u
#define DEMO_TH_SYN 0x02u
#define DEMO_TH_RST 0x04u
#define DEMO_TH_PSH 0x08u
#define DEMO_TH_ACK 0x10u

/* The TCP facts of one frame, from Ethernet / IPv4 / IPv6 (no extension
 * headers: our own kernels send none). */
struct demo_seg {
    bool tcp;           /* an unfragmented TCP segment we could parse */
    bool v6;
    uint16_t sport, dport;
    uint32_t seq, ack;  /* sequence and acknowledgment numbers, absolute */
    uint8_t flags;      /* DEMO_TH_* (the header's byte 13) */
    uint32_t payload;   /* payload bytes as the IP length says */
    uint32_t l3off;     /* offset of the IP header */
    uint32_t l4off, l4len; /* offset and length of the TCP header + payload */
};

/* WIRE: a segment the wire took, to recognise a kernel's retransmission of
 * it while slow motion holds it (demo_hold.c). */
struct demo_taken {
    bool valid;
    uint32_t seq, ack, payload;
    uint8_t flags;
    uint64_t first_ts;  /* when the first copy reached the wire */
    uint64_t fwd_ns;    /* when it was forwarded (0: not yet) */
    bool answered;      /* the other side sent a segment after that */
    uint32_t kept;      /* copies kept back */
};
#define DEMO_TAKEN_MAX 16 /* per side; the demo's story has fewer segments */
struct demo_held {
    struct demo_taken taken[2][DEMO_TAKEN_MAX];
    unsigned next[2];
};

struct demo {
    const struct demo_cfg *cfg;
    const struct demo_cb *cb;
    struct demo_result *res;
    char *errbuf;
    int family;                   /* AF_INET or AF_INET6 */
    struct ip_addr cip, sip;      /* client and server addresses */
    uint16_t port, cport;         /* server port; client port once known */
    int lfd;                      /* listener */
    int hfd;                      /* REFUSED: bound, never listening */
    int cfd;                      /* client */
    int sfd;                      /* accepted (server end) */
    uint16_t sfd_peer;            /* its client's port */
    int backlog;                  /* listen()'s; 0 = DEMO_BACKLOG */
    int xfd[DEMO_EXTRA_FDS];      /* earlier clients and accepted sockets, kept open */
    unsigned nxfd;
    int diag[2];                  /* sock_diag sockets: server side (or lo), client side (WIRE) */
    uint32_t wait_ms, total_ms, quiet_ms;
    uint64_t start_ns;            /* CLOCK_MONOTONIC at start */
    uint64_t last_ts;             /* time of the last reported frame */
    uint32_t kv_seq;
    bool holding;                 /* WIRE: a held snapshot is being taken */
    struct demo_lo *lo;           /* LOOPBACK: the capture */
    struct demo_wire *wire;       /* WIRE: namespaces, links, packet sockets */
    struct klread *kl;            /* WIRE: the server namespace's TCP counters */
    struct kl_counters kl_last;   /* at the last snapshot */
    /* WIRE: called for each TCP segment the wire takes, after it is
     * reported and before it is held and forwarded; the scenario acts while
     * it waits on the wire (demo_overload.c). 0, or -1 (recorded). */
    int (*gate)(struct demo *d, int side, const struct demo_seg *s);
    unsigned gate_n;              /* the gate's own count */
};

/* Engine clock: CLOCK_MONOTONIC; "active" time leaves out the time
 * segments were held, so time limits never fire because of slow motion. */
uint64_t demo__active_ms(const struct demo *d);
bool demo__stopping(void);

/* Record a failure (the first one wins) and return -1. */
int demo__fail(struct demo *d, enum demo_err err, int sys_errno, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* Report a system call (on_syscall). */
void demo__say(struct demo *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Take and report a kernel snapshot. 0 or -1. */
int demo__snapshot(struct demo *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Report one frame (on_frame) and learn the client port from it. */
void demo__report_frame(struct demo *d, const struct frame *f, int dlt, const struct demo_seg *s);
/* Parse an Ethernet frame; s->tcp false if it is not a TCP segment. */
void demo__parse(const uint8_t *p, uint32_t len, struct demo_seg *s);
/* Write the full TCP checksum over a parsed frame (s->tcp true), e.g.
 * over the partial one that transmit offload leaves. */
void demo__tcp_csum_complete(uint8_t *f, const struct demo_seg *s);
/* "SYN+ACK", "FIN+ACK", "PSH+ACK 12 bytes"... into out. */
void demo__seg_name(const struct demo_seg *s, char *out, size_t cap);

/* demo.c and demo_sock.c: the steps the scenarios share (each reports and
 * snapshots). */
int demo__wait_for(struct demo *d, int fd, short events, const char *what);
int demo__drain(struct demo *d);
int demo__server_bind(struct demo *d, bool holder);
int demo__client_connect(struct demo *d, bool expect_ok);
int demo__server_accept(struct demo *d);
int demo__finish(struct demo *d);
/* Shared by demo.c and demo_sock.c. */
const char *demo__errno_text(int e, char *buf, size_t cap);
const struct kview_sock *demo__find_row(const struct kview_sock *rows, size_t n,
                                        const struct ip_addr *la, uint16_t lp,
                                        const struct ip_addr *ra, uint16_t rp);
int demo__pump(struct demo *d, int fd, short events, int timeout_ms, bool *ready);
int demo__settle(struct demo *d);
void demo__close_fd(int *fd);
int demo__exchange(struct demo *d, int from, int to, const char *msg, const char *fname,
                   const char *tname);
int demo__close_graceful(struct demo *d);
int demo__close_reset(struct demo *d);

/* demo_overload.c: the scenarios of a listener under load (issue 16). */
int demo__backlog_full(struct demo *d);
int demo__syn_cookies(struct demo *d);

/* demo_hold.c: slow motion. */
void demo__sleep_ns(uint64_t ns); /* returns early once the demo is stopping */
bool demo__holding(const struct demo *d); /* slow_ns or step */
/* Hold a segment: the step callback, or slow_ns. 0, or -1 (stopped). */
int demo__hold(struct demo *d, const char *what);
/* Raise the retry limits of the kernel in ns, so nothing gives up while a
 * person reads; a failure is said, not fatal. */
struct netns;
void demo__be_patient(struct demo *d, const struct netns *ns);
/* Write value to each /proc/sys path inside ns; a failure is said (one
 * line each) and returned: 0, or -1. */
int demo__sysctl(struct demo *d, const struct netns *ns, const char *const *path,
                 const char *const *value, size_t n);
/* The server's namespace (WIRE). */
const struct netns *demo__server_ns(const struct demo *d);
/* The record of segment s taken from `side` (made at its first copy). */
struct demo_taken *demo__taken(struct demo_held *h, int side, const struct demo_seg *s,
                               uint64_t ts);
/* Is s (taken from side at ts) a copy to keep back? Says so and counts it. */
bool demo__keep_back(struct demo *d, struct demo_held *h, int side, const struct demo_seg *s,
                     uint64_t ts);

/* LOOPBACK capture on lo, filter "tcp port <d->port>". */
int demo__lo_open(struct demo *d);
void demo__lo_close(struct demo *d);
/* WIRE: namespaces, veths, packet sockets, diag sockets. */
int demo__wire_open(struct demo *d);
void demo__wire_close(struct demo *d);
/* A socket inside the client (server_side false) or server namespace. */
int demo__wire_socket(struct demo *d, bool server_side, int type);

/* Move frames for up to timeout_ms, reporting them, while watching fd (if
 * >= 0) for `events`. Returns how many frames were handled (>= 0) and sets
 * *ready when fd is ready, or -1 on failure (recorded). */
int demo__lo_pump(struct demo *d, int fd, short events, int timeout_ms, bool *ready);
int demo__wire_pump(struct demo *d, int fd, short events, int timeout_ms, bool *ready);
/* Is a frame waiting, not yet reported, in the capture buffer? Cannot
 * fail: an error reads as "yes". */
bool demo__lo_pending(const struct demo *d);
/* Is a TCP segment of the demo waiting at the wire, not yet reported?
 * Frames that are not (ARP, neighbour discovery) are forwarded first, as
 * they would be at once anyway. Cannot fail: an error reads as "yes". */
bool demo__wire_pending(struct demo *d);

#endif
