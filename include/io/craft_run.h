/* craft_run.h: the bounded I/O loop behind `tcpshake craft handshake`,
 * `craft listen` and single-segment `craft syn|synack|ack|rst|fin`: stale
 * guard cleanup, RST guard, live capture, raw-socket sends, the handshake
 * state machine (craft_hs.h), and removal of the guard on every exit path.
 *
 * Glue for the CLI:
 *
 *     struct craft_run_cfg cfg;  craft_run_cfg_default(&cfg, CRAFT_HANDSHAKE);
 *     endpoint_parse("127.0.0.1:8080", &cfg.remote, &cfg.rport);
 *     cfg.hs.seq = have_seq ? seq : craft_random_u32();  ... other options ...
 *     signal handlers call craft_run_stop();
 *     rc = craft_run(&cfg, &cb, &res, errbuf);     // cb.on_frame feeds pipeline_feed()
 *     if (rc != CRUN_OK) { print errbuf; return crun_exit_status(rc); }
 *     return res.ok ? EXIT_OK : EXIT_NETWORK;
 */
#ifndef TCPSHAKE_CRAFT_RUN_H
#define TCPSHAKE_CRAFT_RUN_H

#include <stdbool.h>
#include <stdint.h>

#include "config.h"
#include "craft.h"
#include "craft_hs.h"
#include "frame.h"
#include "linktype.h"
#include "netaddr.h"
#include "rstguard.h"

/* What craft_run() / craft_send_one() return. */
#define CRUN_STATUS_MAP(X)                                                             \
    X(OK, "ok")                                                                        \
    X(USAGE, "bad configuration")           /* missing address or port, families */  \
    X(REMOTE, "destination not local")      /* safety: needs allow_remote */          \
    X(PERM, "permission denied")            /* raw socket, capture or nft */          \
    X(NONFT, "nft not found")               /* install nftables or no_guard */        \
    X(GUARD, "RST guard failed")            /* nft refused the table */               \
    X(CAPTURE, "capture failed")            /* libpcap open, filter, read */          \
    X(SOCKET, "socket failed")              /* raw socket, route lookup, port */      \
    X(SEND, "send failed")                  /* sendto() */                            \
    X(BUILD, "packet build failed")         /* craft_frame() */                       \
    X(INTERNAL, "internal error")

enum crun_status {
#define X(n, s) CRUN_##n,
    CRUN_STATUS_MAP(X)
#undef X
    CRUN__COUNT
};

const char *crun_status_name(enum crun_status s);
/* The process exit status for a failure (exitcode.h): PERM -> EXIT_PRIV,
 * USAGE/REMOTE -> EXIT_USAGE, CAPTURE -> EXIT_CAPTURE, INTERNAL ->
 * EXIT_INTERNAL, the rest -> EXIT_NETWORK; OK -> EXIT_OK. */
int crun_exit_status(enum crun_status s);

enum craft_mode {
    CRAFT_HANDSHAKE, /* we are the client: SYN to remote:rport */
    CRAFT_LISTEN,    /* we are a server on local:lport; a kernel client connects */
};

struct craft_run_cfg {
    enum craft_mode mode;
    /* handshake: remote = the server (required); local = our source (family
     * 0: the route's source address); lport 0 = a free ephemeral port.
     * listen: local:lport = where we listen (required; local family 0 =
     * 127.0.0.1); remote/rport = accept only this peer (0 = any). */
    struct ip_addr local, remote;
    uint16_t lport, rport;
    struct hs_opts hs;        /* segment options and behaviour (craft_hs.h) */
    const char *device;       /* capture interface; NULL = "lo" for local peers */
    bool no_guard;            /* do not install the nft guard (expect the kernel's RST) */
    bool allow_remote;        /* allow a destination that is not this host */
    const char *nft_path;     /* NULL = /usr/sbin, /sbin, /usr/local/sbin */
    uint64_t max_run_ns;      /* hard limit on the whole run; 0 = CRAFT_MAX_RUN_NS */
    uint64_t tail_ns;         /* keep capturing after the end; 0 = CRAFT_TAIL_NS */
    unsigned max_sends;       /* segments sent at most; 0 = CRAFT_MAX_SENDS */
};

#define CRAFT_MAX_RUN_NS 60000000000ull /* 60 s */
#define CRAFT_TAIL_NS 150000000ull      /* stragglers after the end (the last ACK) */
#define CRAFT_MAX_SENDS 64u

/* mode, hs_opts_default(), everything else zero/default. Cannot fail. */
void craft_run_cfg_default(struct craft_run_cfg *cfg, enum craft_mode mode);

/* What the run decided, for printing and for tests. */
struct craft_run_info {
    struct ip_addr local, remote; /* remote: family 0 until known (listen) */
    uint16_t lport, rport;
    const char *device;           /* capture interface */
    enum link_type link;          /* of captured frames */
    const char *guard_table;      /* "tcpshake_<pid>", or NULL with no_guard */
};

struct craft_run_cb {
    /* Every captured frame of the 4-tuple, in capture order: our own
     * segments as they appear on the wire, the peer's, and the kernel's
     * (a RST it sends, or one the guard keeps away from it). Feed these to
     * the pipeline/tracker. f->data is valid only during the call. */
    void (*on_frame)(void *user, const struct frame *f, enum link_type lt);
    /* Every segment we sent, as a bare IP packet (LINK_RAW), when sent. For
     * printing intent only: it also arrives through on_frame once captured,
     * so do not feed both to the tracker. May be NULL. */
    void (*on_sent)(void *user, const struct frame *f, enum link_type lt);
    /* One line of explanation (the guard, the kernel's RST, each step of
     * the state machine). Valid during the call. May be NULL. */
    void (*on_info)(void *user, const char *text);
    /* Guard and capture are in place; the first segment is next (listen:
     * a client may connect now). May be NULL. */
    void (*on_ready)(void *user, const struct craft_run_info *info);
    void *user;
};

struct craft_run_result {
    enum hs_end end;          /* how the state machine ended */
    bool ok;                  /* hs_end_ok(end) */
    bool established;         /* the handshake completed (our view) */
    bool kernel_rst;          /* a RST left our side that we did not send */
    bool stopped;             /* craft_run_stop() was called */
    bool timed_out;           /* max_run_ns reached */
    struct ip_addr local, remote;
    uint16_t lport, rport;
    char guard_table[RSTGUARD_TABLE_LEN]; /* "" with no_guard */
    long long guard_dropped;  /* segments the guard dropped; -1 unknown */
    unsigned stale_removed;   /* leftover tables of dead crafters deleted */
    uint32_t sent, captured;  /* segments sent; frames captured */
};

/* Run one crafted handshake (or listen) to its end, within max_run_ns.
 * Returns CRUN_OK when the run happened (res says how the handshake went),
 * or a failure with a one-line errbuf; the guard is removed in every case.
 * Prints nothing. Clears the stop flag when it starts. */
enum crun_status craft_run(const struct craft_run_cfg *cfg, const struct craft_run_cb *cb,
                           struct craft_run_result *res, char errbuf[ERRBUF_SIZE]);

/* Ask a running craft_run() to stop: it sends a RST if the peer holds state,
 * removes the guard and returns (res->stopped). Async-signal-safe: only sets
 * a flag (call it from a SIGINT/SIGTERM handler). */
void craft_run_stop(void);
/* From now on craft_run() and craft_send_one() give up their capabilities
 * once socket, capture and guard are open (all but CAP_NET_ADMIN while a
 * guard must be removed): issue 20. Irreversible for the process, so the
 * command line turns it on, not a test that runs several crafts. */
void craft_run_shed_privileges(void);

/* Single-segment mode: send *s once through a raw socket (LINK_RAW). A
 * source of family 0 becomes the route's source address; sport 0 a random
 * ephemeral port. Refuses a destination or source that is not this host
 * unless allow_remote. No guard, no capture. cb may be NULL (on_sent is
 * called with the frame). */
enum crun_status craft_send_one(const struct craft_spec *s, bool allow_remote,
                                const struct craft_run_cb *cb, char errbuf[ERRBUF_SIZE]);

/* A random 32-bit value (getrandom), for ISNs and ports. Cannot fail. */
uint32_t craft_random_u32(void);

/* True if `a` is loopback or an address of one of this host's interfaces
 * (getifaddrs). */
bool craft_addr_is_local(const struct ip_addr *a);

#endif
