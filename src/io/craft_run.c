/* craft_run.c: the bounded loop of `tcpshake craft`: guard, capture, raw
 * sends and the handshake state machine, with the guard removed on every
 * exit path (ARCHITECTURE.md 4, docs/SEMANTICS.md 6).
 *
 * It receives through libpcap, not a raw IP socket: AF_PACKET sees a frame
 * before the netfilter input hook where the guard drops it, a raw IP socket
 * only after. libpcap is used directly (not capture.h) because the loop
 * waits on the capture's selectable fd and the state machine's deadline at
 * once. */
#include "craft_run.h"
#include "ioclock.h"
#include "craft_addr.h"

#include <errno.h>
#include <linux/capability.h>
#include <fcntl.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <pcap/pcap.h>

#include "capture.h"
#include "decode.h"
#include "exitcode.h"
#include "privs.h"
#include "rawsock.h"
#include "tcp_wire.h"

#define POLL_SLICE_MS 50       /* the stop flag is checked at least this often */
#define DRAIN_BATCH 64         /* frames read per wake-up before timers run */
#define CAPTURE_BUFFER (4 << 20)
#define PORT_LO 32768u         /* Linux ip_local_port_range defaults */
#define PORT_HI 60999u
#define PORT_TRIES 32

static volatile sig_atomic_t crun_stop_flag;

void craft_run_stop(void) { crun_stop_flag = 1; }

static bool shed_privs; /* craft_run_shed_privileges() was called */
void craft_run_shed_privileges(void) { shed_privs = true; }

static const char *const crun_names[] = {
#define X(n, s) s,
    CRUN_STATUS_MAP(X)
#undef X
};

const char *crun_status_name(enum crun_status s)
{
    return (unsigned)s < CRUN__COUNT ? crun_names[s] : "?";
}

int crun_exit_status(enum crun_status s)
{
    switch (s) {
    case CRUN_OK: return EXIT_OK;
    case CRUN_USAGE:
    case CRUN_REMOTE: return EXIT_USAGE;
    case CRUN_PERM: return EXIT_PRIV;
    case CRUN_CAPTURE: return EXIT_CAPTURE;
    case CRUN_INTERNAL: return EXIT_INTERNAL;
    default: return EXIT_NETWORK;
    }
}

void craft_run_cfg_default(struct craft_run_cfg *cfg, enum craft_mode mode)
{
    memset(cfg, 0, sizeof(*cfg));
    cfg->mode = mode;
    hs_opts_default(&cfg->hs);
}

__attribute__((format(printf, 3, 4))) static enum crun_status
crun_fail(char *errbuf, enum crun_status st, const char *fmt, ...)
{
    va_list ap;
    if (errbuf) {
        va_start(ap, fmt);
        vsnprintf(errbuf, ERRBUF_SIZE, fmt, ap);
        va_end(ap);
    }
    return st;
}

uint32_t craft_random_u32(void)
{
    uint32_t v;
    if (getrandom(&v, sizeof(v), GRND_NONBLOCK) == (ssize_t)sizeof(v))
        return v;
    /* No entropy yet (early boot): mix the clocks; an ISN need not be secret here. */
    v = (uint32_t)(io_mono_ns() ^ io_real_ns() >> 7 ^ (uint64_t)getpid() << 16);
    return v * 2654435761u;
}

/* ---- the run ------------------------------------------------------------ */

struct crun {
    const struct craft_run_cfg *cfg;
    const struct craft_run_cb *cb;
    struct craft_run_result *res;
    struct craft_hs hs;
    struct rawsock rs;
    struct rstguard guard;
    struct addr_list locals;
    pcap_t *pc;
    int pcfd;
    int reserve_fd;
    enum link_type lt;
    bool nano;
    char device[IF_NAMESIZE + 8];
    struct ip_addr local, remote;
    uint16_t lport, rport;
    unsigned max_sends;
    bool send_limit_hit;
    bool said_dropped;
    uint8_t buf[2048];
};

__attribute__((format(printf, 2, 3))) static void info(struct crun *r, const char *fmt, ...)
{
    char text[512];
    va_list ap;
    if (!r->cb || !r->cb->on_info)
        return;
    va_start(ap, fmt);
    vsnprintf(text, sizeof(text), fmt, ap);
    va_end(ap);
    r->cb->on_info(r->cb->user, text);
}

static void forward_notes(struct crun *r)
{
    const char *n;
    while ((n = hs_take_note(&r->hs)))
        info(r, "%s", n);
}

static enum crun_status send_spec(struct crun *r, const struct craft_spec *spec, char *errbuf)
{
    size_t len = 0;
    int rc = craft_frame(LINK_RAW, spec, r->buf, sizeof(r->buf), &len);
    if (rc != 0)
        return crun_fail(errbuf, CRUN_BUILD, "building a segment: %s", craft_strerror(rc));
    rc = rawsock_send(&r->rs, r->buf, len, errbuf);
    if (rc != 0)
        return CRUN_SEND;
    r->res->sent++;
    if (r->cb && r->cb->on_sent) {
        struct frame f;
        f.data = r->buf;
        f.caplen = f.wirelen = (uint32_t)len;
        f.ts_ns = io_real_ns();
        r->cb->on_sent(r->cb->user, &f, LINK_RAW);
    }
    return CRUN_OK;
}

/* Send everything the machine asks for; returns the next non-SEND action in
 * *act. Bounded by max_sends. */
static enum crun_status pump(struct crun *r, enum hs_action *act, struct craft_spec *spec,
                             char *errbuf)
{
    forward_notes(r);
    while (*act == HS_ACT_SEND) {
        enum crun_status st;
        if (r->res->sent >= r->max_sends) {
            if (!r->send_limit_hit)
                info(r, "send limit (%u segments) reached: stopping", r->max_sends);
            r->send_limit_hit = true;
            /* Abort without sending more; drop what is queued. */
            *act = hs_abort(&r->hs, io_mono_ns(), spec);
            while (*act == HS_ACT_SEND)
                *act = hs_next(&r->hs, NULL, io_mono_ns(), spec);
            forward_notes(r);
            return CRUN_OK;
        }
        st = send_spec(r, spec, errbuf);
        if (st != CRUN_OK)
            return st;
        *act = hs_next(&r->hs, NULL, io_mono_ns(), spec);
        forward_notes(r);
    }
    return CRUN_OK;
}

static enum crun_status open_capture(struct crun *r, char *errbuf)
{
    char pe[PCAP_ERRBUF_SIZE], filt[512], l[IPADDR_STRLEN], rem[IPADDR_STRLEN];
    struct bpf_program prog;
    int rc;
    pe[0] = '\0';
    r->pc = pcap_create(r->device, pe);
    if (!r->pc)
        return crun_fail(errbuf, CRUN_CAPTURE, "%s: %s", r->device, pe);
    pcap_set_snaplen(r->pc, CFG_LIVE_SNAPLEN);
    pcap_set_immediate_mode(r->pc, 1); /* every frame at once, not per buffer */
    pcap_set_buffer_size(r->pc, CAPTURE_BUFFER);
    pcap_set_timeout(r->pc, 10);
    (void)pcap_set_tstamp_precision(r->pc, PCAP_TSTAMP_PRECISION_NANO);
    rc = pcap_activate(r->pc);
    if (rc < 0) {
        const char *why = pcap_geterr(r->pc);
        enum crun_status st = (rc == PCAP_ERROR_PERM_DENIED) ? CRUN_PERM : CRUN_CAPTURE;
        crun_fail(errbuf, st, "%s%s: %s",
                  st == CRUN_PERM ? "needs root or CAP_NET_RAW+CAP_NET_ADMIN: " : "", r->device,
                  why && *why ? why : pcap_statustostr(rc));
        return st;
    }
    r->nano = pcap_get_tstamp_precision(r->pc) == PCAP_TSTAMP_PRECISION_NANO;
    r->lt = capture_map_dlt(pcap_datalink(r->pc));
    if (r->lt == LINK_UNKNOWN)
        return crun_fail(errbuf, CRUN_CAPTURE, "%s: unsupported link type %d", r->device,
                         pcap_datalink(r->pc));
    ipaddr_format(&r->local, l);
    ipaddr_format(&r->remote, rem);
    if (r->cfg->mode == CRAFT_HANDSHAKE)
        snprintf(filt, sizeof(filt),
                 "tcp and ((src host %s and src port %u and dst host %s and dst port %u) or "
                 "(src host %s and src port %u and dst host %s and dst port %u))",
                 l, r->lport, rem, r->rport, rem, r->rport, l, r->lport);
    else
        snprintf(filt, sizeof(filt),
                 "tcp and ((dst host %s and dst port %u) or (src host %s and src port %u))", l,
                 r->lport, l, r->lport);
    if (pcap_compile(r->pc, &prog, filt, 1, PCAP_NETMASK_UNKNOWN) != 0)
        return crun_fail(errbuf, CRUN_CAPTURE, "filter '%s': %s", filt, pcap_geterr(r->pc));
    rc = pcap_setfilter(r->pc, &prog);
    pcap_freecode(&prog);
    if (rc != 0)
        return crun_fail(errbuf, CRUN_CAPTURE, "setfilter: %s", pcap_geterr(r->pc));
    if (pcap_setnonblock(r->pc, 1, pe) != 0)
        return crun_fail(errbuf, CRUN_CAPTURE, "%s: %s", r->device, pe);
    r->pcfd = pcap_get_selectable_fd(r->pc);
    if (r->pcfd < 0)
        return crun_fail(errbuf, CRUN_CAPTURE, "%s: no selectable fd", r->device);
    (void)fcntl(r->pcfd, F_SETFD, FD_CLOEXEC); /* not for the nft we spawn */
    return CRUN_OK;
}

/* Resolve addresses and ports, check the safety rules, pick the device. */
static enum crun_status resolve(struct crun *r, char *errbuf)
{
    const struct craft_run_cfg *c = r->cfg;
    char txt[ENDPOINT_STRLEN];
    int idx;
    craft_local_addrs(&r->locals);
    r->local = c->local;
    r->remote = c->remote;
    r->lport = c->lport;
    r->rport = c->rport;
    if (c->mode == CRAFT_HANDSHAKE) {
        if (r->remote.family != IPADDR_V4 && r->remote.family != IPADDR_V6)
            return crun_fail(errbuf, CRUN_USAGE, "craft handshake: no destination address");
        if (!r->rport)
            return crun_fail(errbuf, CRUN_USAGE, "craft handshake: no destination port");
        if (!c->allow_remote && !craft_is_local_in(&r->locals, &r->remote)) {
            endpoint_format(&r->remote, r->rport, txt);
            return crun_fail(errbuf, CRUN_REMOTE,
                             "refusing to craft segments to %s: not an address of this host "
                             "(use --allow-remote for a network you are allowed to test)",
                             txt);
        }
        if (!r->local.family && !craft_route_source(&r->remote, r->rport, &r->local)) {
            endpoint_format(&r->remote, r->rport, txt);
            return crun_fail(errbuf, CRUN_SOCKET, "no route to %s: %s", txt, strerror(errno));
        }
    } else {
        if (!r->local.family)
            ipaddr_parse("127.0.0.1", &r->local);
        if (!r->lport)
            return crun_fail(errbuf, CRUN_USAGE, "craft listen: no port");
    }
    if (r->local.family != IPADDR_V4 && r->local.family != IPADDR_V6)
        return crun_fail(errbuf, CRUN_USAGE, "craft: bad local address");
    if (r->remote.family && r->remote.family != r->local.family)
        return crun_fail(errbuf, CRUN_USAGE, "craft: source and destination families differ");
    if (!c->allow_remote && !craft_is_local_in(&r->locals, &r->local)) {
        ipaddr_format(&r->local, txt);
        return crun_fail(errbuf, CRUN_REMOTE,
                         "refusing to use %s as our address: not an address of this host", txt);
    }
    /* Traffic between two addresses of this host goes over lo on Linux. */
    if (c->device)
        snprintf(r->device, sizeof(r->device), "%s", c->device);
    else if (craft_is_local_in(&r->locals, &r->local) &&
             (!r->remote.family || craft_is_local_in(&r->locals, &r->remote)))
        snprintf(r->device, sizeof(r->device), "lo");
    else if ((idx = craft_addr_index(&r->locals, &r->local)) >= 0 && r->locals.ifname[idx][0])
        snprintf(r->device, sizeof(r->device), "%s", r->locals.ifname[idx]);
    else
        snprintf(r->device, sizeof(r->device), "any");
    return CRUN_OK;
}

static enum crun_status pick_port(struct crun *r, char *errbuf)
{
    char txt[ENDPOINT_STRLEN];
    int i;
    if (r->lport) {
        r->reserve_fd = craft_reserve_port(&r->local, r->lport);
        if (r->reserve_fd < 0 && errno == EADDRINUSE) {
            endpoint_format(&r->local, r->lport, txt);
            info(r, "%s is also used by a kernel socket: its segments may mix with ours", txt);
        }
        return CRUN_OK;
    }
    for (i = 0; i < PORT_TRIES; i++) {
        uint16_t p = (uint16_t)(PORT_LO + craft_random_u32() % (PORT_HI - PORT_LO + 1u));
        r->reserve_fd = craft_reserve_port(&r->local, p);
        if (r->reserve_fd >= 0) {
            r->lport = p;
            return CRUN_OK;
        }
        if (errno != EADDRINUSE)
            break;
    }
    return crun_fail(errbuf, CRUN_SOCKET, "no free local port: %s", strerror(errno));
}

static enum crun_status guard_setup(struct crun *r, char *errbuf)
{
    const struct craft_run_cfg *c = r->cfg;
    struct rstguard_spec gs;
    char l[ENDPOINT_STRLEN], rem[ENDPOINT_STRLEN];
    unsigned removed = 0;
    int rc = rstguard_init(&r->guard, c->nft_path, c->no_guard ? NULL : errbuf);
    if (rc != 0) {
        if (c->no_guard)
            return CRUN_OK; /* nothing to clean up without nft either */
        return CRUN_NONFT;
    }
    /* A crafter killed by SIGKILL leaves its table behind: delete tables
     * whose process is gone, before adding ours. */
    rc = rstguard_cleanup_stale(&r->guard, &removed, c->no_guard ? NULL : errbuf);
    if (rc != 0 && !c->no_guard)
        return rc == RSTGUARD_ERR_PERM ? CRUN_PERM
                                       : rc == RSTGUARD_ERR_NONFT ? CRUN_NONFT : CRUN_GUARD;
    r->res->stale_removed = removed;
    if (removed)
        info(r, "removed %u leftover guard table(s) of crafters that are gone", removed);
    endpoint_format(&r->local, r->lport, l);
    endpoint_format(&r->remote, r->rport, rem);
    if (c->no_guard) {
        if (c->mode == CRAFT_HANDSHAKE)
            info(r, "no guard: this host's kernel will answer the SYN+ACK with a RST (no socket "
                    "owns %s, RFC 9293 3.10.7.1); expect S, SA, R and the server back in LISTEN",
                 l);
        else
            info(r, "no guard: this host's kernel will answer a client's SYN to %s with RST+ACK "
                    "(no socket there, RFC 9293 3.10.7.1), so its connect() is refused",
                 l);
        return CRUN_OK;
    }
    memset(&gs, 0, sizeof(gs));
    gs.role = c->mode == CRAFT_HANDSHAKE ? RSTGUARD_CLIENT : RSTGUARD_LISTEN;
    gs.local = r->local;
    gs.lport = r->lport;
    gs.remote = r->remote;
    gs.rport = r->rport;
    rc = rstguard_install(&r->guard, &gs, errbuf);
    if (rc != 0)
        return rc == RSTGUARD_ERR_PERM ? CRUN_PERM
                                       : rc == RSTGUARD_ERR_NONFT ? CRUN_NONFT : CRUN_GUARD;
    snprintf(r->res->guard_table, sizeof(r->res->guard_table), "%s", r->guard.table);
    if (c->mode == CRAFT_HANDSHAKE)
        info(r, "the kernel on this side never sent that SYN, so it would answer the SYN+ACK with "
                "a RST (RFC 9293 3.10.7.1); the guard (nft table inet %s) drops segments from %s "
                "to %s at the input hook (priority raw), while the capture still sees them",
             r->guard.table, rem, l);
    else
        info(r, "the kernel has no socket on %s, so it would answer a client's SYN with RST+ACK "
                "(RFC 9293 3.10.7.1); the guard (nft table inet %s) drops segments to %s at the "
                "input hook (priority raw), while the capture still sees them",
             l, r->guard.table, l);
    return CRUN_OK;
}

/* One captured frame: report it, decode it, feed the machine. */
static enum crun_status on_captured(struct crun *r, const struct pcap_pkthdr *h,
                                    const u_char *data, enum hs_action *act,
                                    struct craft_spec *spec, char *errbuf)
{
    struct frame f;
    struct pkt p;
    f.data = data;
    f.caplen = h->caplen;
    f.wirelen = h->len;
    f.ts_ns = (uint64_t)h->ts.tv_sec * 1000000000u +
              (uint64_t)h->ts.tv_usec * (r->nano ? 1u : 1000u);
    r->res->captured++;
    if (r->cb && r->cb->on_frame)
        r->cb->on_frame(r->cb->user, &f, r->lt);
    if (decode_frame(r->lt, &f, &p) != DECODE_OK)
        return CRUN_OK;
    /* docs/SEMANTICS.md 6: say once that the capture saw what TCP will not. */
    if (r->guard.installed && !r->said_dropped && p.dport == r->lport &&
        ipaddr_eq(&p.dst, &r->local) && !(p.flags & TH_RST)) {
        r->said_dropped = true;
        if (r->cfg->mode == CRAFT_HANDSHAKE)
            info(r, "the capture saw this segment, this host's TCP will not: the guard drops it "
                    "at the input hook, so the kernel sends no RST");
        else
            info(r, "the capture saw this SYN, this host's TCP will not: the guard drops it at "
                    "the input hook, so the kernel sends no RST+ACK; the crafted server answers");
    }
    if (*act != HS_ACT_WAIT)
        return CRUN_OK; /* ended: the tail is only reported */
    /* Listen: answer only clients of this host unless allowed. */
    if (r->cfg->mode == CRAFT_LISTEN && !r->cfg->allow_remote &&
        !hs_peer(&r->hs, NULL, NULL) && !craft_is_local_in(&r->locals, &p.src)) {
        char txt[ENDPOINT_STRLEN];
        endpoint_format(&p.src, p.sport, txt);
        info(r, "ignoring %s: not an address of this host (use --allow-remote)", txt);
        return CRUN_OK;
    }
    *act = hs_next(&r->hs, &p, io_mono_ns(), spec);
    return pump(r, act, spec, errbuf);
}

/* Read what the capture holds (bounded); feed it. */
static enum crun_status drain(struct crun *r, enum hs_action *act, struct craft_spec *spec,
                              char *errbuf)
{
    int i;
    for (i = 0; i < DRAIN_BATCH; i++) {
        struct pcap_pkthdr *h;
        const u_char *data;
        int rc = pcap_next_ex(r->pc, &h, &data);
        if (rc == 0)
            return CRUN_OK;
        if (rc < 0)
            return crun_fail(errbuf, CRUN_CAPTURE, "%s: %s", r->device, pcap_geterr(r->pc));
        enum crun_status st = on_captured(r, h, data, act, spec, errbuf);
        if (st != CRUN_OK)
            return st;
    }
    return CRUN_OK;
}

static void wait_capture(struct crun *r, uint64_t until)
{
    uint64_t now = io_mono_ns();
    struct pollfd pfd;
    int ms;
    if (until <= now)
        return;
    ms = (int)((until - now + 999999u) / 1000000u);
    if (ms > POLL_SLICE_MS)
        ms = POLL_SLICE_MS;
    pfd.fd = r->pcfd;
    pfd.events = POLLIN;
    pfd.revents = 0;
    (void)poll(&pfd, 1, ms); /* EINTR: the caller loops and checks the stop flag */
}

static enum crun_status run_loop(struct crun *r, char *errbuf)
{
    const struct craft_run_cfg *c = r->cfg;
    uint64_t start = io_mono_ns();
    uint64_t end_at = start + (c->max_run_ns ? c->max_run_ns : CRAFT_MAX_RUN_NS);
    uint64_t tail = c->tail_ns ? c->tail_ns : CRAFT_TAIL_NS;
    struct craft_spec spec;
    enum hs_action act;
    enum crun_status st;

    if (c->mode == CRAFT_HANDSHAKE)
        hs_client_init(&r->hs, &c->hs, &r->local, r->lport, &r->remote, r->rport);
    else
        hs_server_init(&r->hs, &c->hs, &r->local, r->lport,
                       r->remote.family ? &r->remote : NULL, r->rport);
    act = hs_next(&r->hs, NULL, io_mono_ns(), &spec);
    st = pump(r, &act, &spec, errbuf);
    while (st == CRUN_OK && act == HS_ACT_WAIT) {
        uint64_t now = io_mono_ns(), dl;
        if (crun_stop_flag) {
            r->res->stopped = true;
            info(r, "interrupted");
            act = hs_abort(&r->hs, now, &spec);
            st = pump(r, &act, &spec, errbuf);
            break;
        }
        if (now >= end_at) {
            r->res->timed_out = true;
            info(r, "time limit reached");
            act = hs_abort(&r->hs, now, &spec);
            st = pump(r, &act, &spec, errbuf);
            break;
        }
        dl = hs_deadline(&r->hs);
        wait_capture(r, dl < end_at ? dl : end_at);
        st = drain(r, &act, &spec, errbuf);
        if (st != CRUN_OK || act != HS_ACT_WAIT)
            break;
        act = hs_next(&r->hs, NULL, io_mono_ns(), &spec); /* timers */
        st = pump(r, &act, &spec, errbuf);
    }
    if (st != CRUN_OK) {
        /* A failed send or capture: try to leave no state on the peer. */
        char ignore[ERRBUF_SIZE];
        act = hs_abort(&r->hs, io_mono_ns(), &spec);
        if (act == HS_ACT_SEND)
            (void)send_spec(r, &spec, ignore);
        forward_notes(r);
        return st;
    }
    /* The tail: our last segments and the peer's answers reach the capture
     * a little after they were sent. Report them; the machine is done. Short
     * (tail_ns), so it runs even after a stop. */
    {
        uint64_t tail_end = io_mono_ns() + tail;
        while (io_mono_ns() < tail_end) {
            wait_capture(r, tail_end);
            if (drain(r, &act, &spec, errbuf) != CRUN_OK)
                break;
        }
    }
    return CRUN_OK;
}

/* Socket, capture and guard are open: give up every capability but the one
 * that removes the guard at the end (nft needs CAP_NET_ADMIN; no_new_privs
 * keeps nft from getting more). Issue 20; docs/HARDENING.md. */
static enum crun_status shed_privileges(struct crun *r, char *errbuf)
{
    static const int guard_caps[] = { CAP_NET_ADMIN };
    char e[ERRBUF_SIZE];
    if (!shed_privs)
        return CRUN_OK;
    if (privs_keep_only(guard_caps, r->guard.installed ? 1 : 0, e) != 0)
        return crun_fail(errbuf, CRUN_PERM, "%s", e);
    return CRUN_OK;
}

static void run_cleanup(struct crun *r, enum crun_status *st, char *errbuf)
{
    if (r->guard.installed) {
        char e[ERRBUF_SIZE];
        r->res->guard_dropped = rstguard_dropped(&r->guard);
        if (rstguard_remove(&r->guard, e) != 0) {
            if (*st == CRUN_OK)
                *st = crun_fail(errbuf, CRUN_GUARD,
                                "could not remove the RST guard (delete it with: nft delete "
                                "table inet %s): %s",
                                r->guard.table, e);
        } else if (r->res->guard_dropped >= 0) {
            info(r, "guard %s removed; it dropped %lld segment(s) before this host's TCP saw "
                    "them",
                 r->guard.table, r->res->guard_dropped);
        }
    }
    if (r->pc)
        pcap_close(r->pc);
    r->pc = NULL;
    rawsock_close(&r->rs);
    if (r->reserve_fd >= 0)
        close(r->reserve_fd);
    r->reserve_fd = -1;
}

enum crun_status craft_run(const struct craft_run_cfg *cfg, const struct craft_run_cb *cb,
                           struct craft_run_result *res, char errbuf[ERRBUF_SIZE])
{
    struct crun r;
    enum crun_status st;
    int rc;
    crun_stop_flag = 0;
    memset(res, 0, sizeof(*res));
    res->guard_dropped = -1;
    memset(&r, 0, sizeof(r));
    r.cfg = cfg;
    r.cb = cb;
    r.res = res;
    r.rs.fd = -1;
    r.reserve_fd = -1;
    r.pcfd = -1;
    r.max_sends = cfg->max_sends ? cfg->max_sends : CRAFT_MAX_SENDS;
    if (errbuf)
        errbuf[0] = '\0';

    st = resolve(&r, errbuf);
    if (st == CRUN_OK)
        st = pick_port(&r, errbuf); /* handshake: pick one; listen: reserve lport */
    if (st == CRUN_OK) {
        rc = rawsock_open(&r.rs, r.local.family, errbuf);
        if (rc != 0)
            st = rc == RAWSOCK_ERR_PERM ? CRUN_PERM : CRUN_SOCKET;
    }
    res->local = r.local;
    res->lport = r.lport;
    res->remote = r.remote;
    res->rport = r.rport;
    /* Capture before the guard: both are needed before the first segment,
     * and a capture failure then leaves nothing to undo in the firewall. */
    if (st == CRUN_OK)
        st = open_capture(&r, errbuf);
    if (st == CRUN_OK)
        st = guard_setup(&r, errbuf);
    if (st == CRUN_OK)
        st = shed_privileges(&r, errbuf);
    if (st == CRUN_OK && cb && cb->on_ready) {
        struct craft_run_info ri;
        memset(&ri, 0, sizeof(ri));
        ri.local = r.local;
        ri.remote = r.remote;
        ri.lport = r.lport;
        ri.rport = r.rport;
        ri.device = r.device;
        ri.link = r.lt;
        ri.guard_table = r.guard.installed ? r.guard.table : NULL;
        cb->on_ready(cb->user, &ri);
    }
    if (st == CRUN_OK)
        st = run_loop(&r, errbuf);
    if (r.hs.started) {
        res->end = hs_end(&r.hs);
        res->ok = hs_end_ok(res->end);
        res->established = hs_established(&r.hs);
        res->kernel_rst = hs_kernel_rst(&r.hs);
        hs_peer(&r.hs, &res->remote, &res->rport);
    }
    run_cleanup(&r, &st, errbuf);
    return st;
}

/* ---- single segment ----------------------------------------------------- */

enum crun_status craft_send_one(const struct craft_spec *s, bool allow_remote,
                                const struct craft_run_cb *cb, char errbuf[ERRBUF_SIZE])
{
    struct craft_spec spec = *s;
    struct addr_list locals;
    struct rawsock rs;
    uint8_t buf[2048];
    size_t len = 0;
    char txt[ENDPOINT_STRLEN];
    int rc;
    if (errbuf)
        errbuf[0] = '\0';
    if (spec.dst.family != IPADDR_V4 && spec.dst.family != IPADDR_V6)
        return crun_fail(errbuf, CRUN_USAGE, "craft: no destination address");
    craft_local_addrs(&locals);
    if (!allow_remote && !craft_is_local_in(&locals, &spec.dst)) {
        endpoint_format(&spec.dst, spec.dport, txt);
        return crun_fail(errbuf, CRUN_REMOTE,
                         "refusing to craft segments to %s: not an address of this host "
                         "(use --allow-remote for a network you are allowed to test)",
                         txt);
    }
    if (!spec.src.family && !craft_route_source(&spec.dst, spec.dport, &spec.src)) {
        endpoint_format(&spec.dst, spec.dport, txt);
        return crun_fail(errbuf, CRUN_SOCKET, "no route to %s: %s", txt, strerror(errno));
    }
    if (spec.src.family != spec.dst.family)
        return crun_fail(errbuf, CRUN_USAGE, "craft: source and destination families differ");
    if (!spec.sport)
        spec.sport = (uint16_t)(PORT_LO + craft_random_u32() % (PORT_HI - PORT_LO + 1u));
    if (!allow_remote && !craft_is_local_in(&locals, &spec.src)) {
        ipaddr_format(&spec.src, txt);
        return crun_fail(errbuf, CRUN_REMOTE,
                         "refusing to send from %s: not an address of this host", txt);
    }
    rc = craft_frame(LINK_RAW, &spec, buf, sizeof(buf), &len);
    if (rc != 0)
        return crun_fail(errbuf, CRUN_BUILD, "building the segment: %s", craft_strerror(rc));
    rc = rawsock_open(&rs, spec.src.family, errbuf);
    if (rc != 0)
        return rc == RAWSOCK_ERR_PERM ? CRUN_PERM : CRUN_SOCKET;
    if (shed_privs && privs_drop_all(errbuf) != 0) { /* the socket is open: nothing else needs one */
        rawsock_close(&rs);
        return CRUN_PERM;
    }
    rc = rawsock_send(&rs, buf, len, errbuf);
    rawsock_close(&rs);
    if (rc != 0)
        return CRUN_SEND;
    if (cb && cb->on_sent) {
        struct frame f;
        f.data = buf;
        f.caplen = f.wirelen = (uint32_t)len;
        f.ts_ns = io_real_ns();
        cb->on_sent(cb->user, &f, LINK_RAW);
    }
    return CRUN_OK;
}
