/* demo_wire.c: slow motion: client and server in their own namespaces, and the demo itself is the wire between them. */
/*
 *   client netns              wire netns (ours)                 server netns
 *   10.200.0.1                                                  10.200.0.2
 *   eth0 <--veth--> to-client [AF_PACKET]  ->hold->  [AF_PACKET] to-server <--veth--> eth0
 *
 * Every frame that leaves one eth0 arrives at our end of its veth; we read
 * it with a packet socket, and only when we write it to the other veth does
 * the other kernel see it. ARP and neighbour discovery cross at once; each
 * TCP segment is reported, held (slow_ns or the step callback), forwarded,
 * and followed by a snapshot of both kernels. The wire namespace is a third
 * one, so the host's own namespace gets no links, no addresses, no noise.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <linux/netlink.h>

#include <pcap/dlt.h>

#include "demo_int.h"
#include "ioclock.h"
#include "klread.h"
#include "netns.h"

enum { NS_CLIENT = 0, NS_SERVER = 1, NS_WIRE = 2 };

#define WIRE_END_CLIENT "to-client"
#define WIRE_END_SERVER "to-server"
#define INNER_DEV "eth0"
/* veth MTU is 1500 and TSO goes with checksum offload: no frame is longer
 * than this; a longer one is reported as truncated and still forwarded. */
#define WIRE_FRAME_MAX 65536
/* After forwarding, settle_after_forward() waits for the receiving kernel
 * to answer (bounded by WIRE_SETTLE_MAX_MS), then a few ms more cover a
 * deferral to ksoftirqd before the snapshot. */
#define WIRE_SETTLE_MS 5
#define WIRE_SETTLE_MAX_MS 150 /* bound on waiting for the receiver's answer */

struct demo_wire {
    struct netns *ns[3];
    struct demo_held held;        /* segments taken, to know a copy (demo_hold.c) */
    int pk[2]; /* packet sockets on to-client (side 0) and to-server (side 1) */
    unsigned next_side;
    uint8_t frame[WIRE_FRAME_MAX];
    uint8_t aux[WIRE_FRAME_MAX]; /* frames moved while frame[] is held */
};

static const char *const side_name[2] = {"client", "server"};

static int wire_fail_errno(struct demo *d, const char *err)
{
    int e = errno;
    /* netns messages start "needs root or ..." on EPERM/EACCES: say it in
     * the demo's words, keep the detail. */
    if (e == EPERM || e == EACCES) {
        const char *p = strncmp(err, "needs root", 10) == 0 ? strstr(err, ": ") : NULL;
        return demo__fail(d, DEMO_ERR_PRIV, e, "needs root or CAP_NET_RAW+CAP_NET_ADMIN: %s",
                          p ? p + 2 : err);
    }
    return demo__fail(d, DEMO_ERR_SETUP, e, "wire set-up: %s", err);
}

static int packet_socket(struct demo *d, const char *ifname)
{
    struct demo_wire *w = d->wire;
    struct sockaddr_ll sll;
    char err[ERRBUF_SIZE];
    int fd, idx, one = 1;

    idx = netns_ifindex(w->ns[NS_WIRE], ifname, err);
    if (idx < 0)
        return wire_fail_errno(d, err);
    fd = netns_socket(w->ns[NS_WIRE], AF_PACKET, SOCK_RAW | SOCK_NONBLOCK, htons(ETH_P_ALL), err);
    if (fd < 0)
        return wire_fail_errno(d, err);
    memset(&sll, 0, sizeof(sll));
    sll.sll_family = AF_PACKET;
    sll.sll_protocol = htons(ETH_P_ALL);
    sll.sll_ifindex = idx;
    if (bind(fd, (struct sockaddr *)&sll, sizeof(sll)) < 0) {
        int e = errno;
        close(fd);
        return demo__fail(d, DEMO_ERR_SETUP, e, "wire: bind packet socket to %s: %s", ifname,
                          strerror(e));
    }
    /* Our own forwarded frames would come back as PACKET_OUTGOING copies;
     * the kernel can drop them for us (4.20+), and we check too. */
    setsockopt(fd, SOL_PACKET, PACKET_IGNORE_OUTGOING, &one, sizeof(one));
    /* Auxdata says whether a frame still has a partial checksum. */
    setsockopt(fd, SOL_PACKET, PACKET_AUXDATA, &one, sizeof(one));
    setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPNS, &one, sizeof(one));
    return fd;
}

int demo__wire_open(struct demo *d)
{
    static unsigned instance;
    static const char *const role[3] = {"client", "server", "wire"};
    struct demo_wire *w;
    char err[ERRBUF_SIZE], name[64], ca[IPADDR_STRLEN], sa[IPADDR_STRLEN];
    const char *end[2] = {WIRE_END_CLIENT, WIRE_END_SERVER};
    unsigned n = __atomic_fetch_add(&instance, 1, __ATOMIC_RELAXED);
    unsigned plen = d->cfg->ipv6 ? 64 : 24;
    int i, r;

    /* Pinned namespaces of a demo that was killed: remove them first. */
    netns_cleanup_stale(NULL);

    w = calloc(1, sizeof(*w));
    if (!w)
        return demo__fail(d, DEMO_ERR_SETUP, ENOMEM, "out of memory");
    w->pk[0] = w->pk[1] = -1;
    d->wire = w;

    for (i = 0; i < 3; i++) {
        char tag[40];
        snprintf(tag, sizeof(tag), "-%u-%s", n, role[i]);
        if (d->cfg->pin_netns && netns_make_name(name, sizeof(name), tag) < 0)
            return demo__fail(d, DEMO_ERR_SETUP, EINVAL, "namespace name too long");
        w->ns[i] = netns_create(d->cfg->pin_netns ? name : NULL, err);
        if (!w->ns[i])
            return wire_fail_errno(d, err);
    }
    /* Inner ends are eth0 in the client and server namespaces; ours are
     * named for the side they lead to. */
    for (i = 0; i < 2; i++)
        if (netns_veth_add(w->ns[i], INNER_DEV, w->ns[NS_WIRE], end[i], err) < 0)
            return wire_fail_errno(d, err);
    /* No IPv6 link-local on our ends (they send nothing of their own); in
     * IPv4 mode none on the inner ends either, so DAD, router solicitations
     * and MLD do not clutter the wire. Best effort: the kernel may lack
     * IPv6, and such frames would be forwarded anyway. */
    for (i = 0; i < 2; i++) {
        netns_no_ipv6_ll(w->ns[NS_WIRE], end[i], NULL);
        if (!d->cfg->ipv6)
            netns_no_ipv6_ll(w->ns[i], INNER_DEV, NULL);
    }
    /* The kernels write complete checksums only if tx offload is off;
     * otherwise frames reach us with a partial one, which the other veth
     * would deliver as corrupt. We complete those ourselves if this fails. */
    for (i = 0; i < 2 && !d->cfg->keep_tx_offload; i++) {
        if (netns_tx_csum_off(w->ns[i], INNER_DEV, err) < 0)
            demo__say(d, "note: %s (the wire completes checksums itself)", err);
        netns_tx_csum_off(w->ns[NS_WIRE], end[i], NULL);
    }
    if (d->cfg->step || d->cfg->slow_ns)
        for (i = 0; i < 2; i++)
            demo__be_patient(d, w->ns[i]);
    if (netns_addr_add(w->ns[NS_CLIENT], INNER_DEV, &d->cip, plen, err) < 0 ||
        netns_addr_add(w->ns[NS_SERVER], INNER_DEV, &d->sip, plen, err) < 0)
        return wire_fail_errno(d, err);
    for (i = 0; i < 2; i++)
        if (netns_link_up(w->ns[NS_WIRE], end[i], err) < 0 ||
            netns_link_up(w->ns[i], INNER_DEV, err) < 0)
            return wire_fail_errno(d, err);
    /* Bound after "up": binding to a down link leaves a pending ENETDOWN
     * that the first recvmsg() would return. */
    for (i = 0; i < 2; i++) {
        w->pk[i] = packet_socket(d, end[i]);
        if (w->pk[i] < 0)
            return -1;
    }
    /* sock_diag in each namespace: the server's request sockets, and the
     * client's TIME_WAIT after close(). */
    r = netns_socket(w->ns[NS_SERVER], AF_NETLINK, SOCK_RAW, NETLINK_SOCK_DIAG, err);
    if (r < 0)
        return wire_fail_errno(d, err);
    d->diag[0] = r;
    r = netns_socket(w->ns[NS_CLIENT], AF_NETLINK, SOCK_RAW, NETLINK_SOCK_DIAG, err);
    if (r < 0)
        return wire_fail_errno(d, err);
    d->diag[1] = r;
    /* The server namespace's TCP counters (issue 16): opened inside it,
     * read from here. Without them the demo goes on, and says so. */
    {
        int saved = netns_enter(w->ns[NS_SERVER], err);
        if (saved >= 0) {
            d->kl = klread_open(err);
            if (netns_restore(saved, err) < 0)
                return wire_fail_errno(d, err);
        }
        if (!d->kl)
            demo__say(d, "note: no TCP counters of the server's namespace: %s", err);
        else if (klread_counters(d->kl, &d->kl_last, err) < 0)
            memset(&d->kl_last, 0, sizeof(d->kl_last));
    }

    ipaddr_format(&d->cip, ca);
    ipaddr_format(&d->sip, sa);
    if (d->cfg->pin_netns)
        demo__say(d, "wire ready: client %s (netns %s) <-> the demo (netns %s) <-> server %s "
                     "(netns %s)",
                  ca, netns_name(w->ns[NS_CLIENT]), netns_name(w->ns[NS_WIRE]), sa,
                  netns_name(w->ns[NS_SERVER]));
    else
        demo__say(d, "wire ready: client %s <-> the demo <-> server %s, each in its own "
                     "network namespace",
                  ca, sa);
    return 0;
}

void demo__wire_close(struct demo *d)
{
    struct demo_wire *w = d->wire;
    int i;
    if (!w)
        return;
    klread_close(d->kl);
    d->kl = NULL;
    for (i = 0; i < 2; i++)
        if (w->pk[i] >= 0)
            close(w->pk[i]);
    /* Deleting our ends takes the inner ends with them, synchronously;
     * namespace teardown would do it too, but later, in a work queue. */
    if (w->ns[NS_WIRE]) {
        netns_link_del(w->ns[NS_WIRE], WIRE_END_CLIENT, NULL);
        netns_link_del(w->ns[NS_WIRE], WIRE_END_SERVER, NULL);
    }
    for (i = 0; i < 3; i++)
        netns_destroy(w->ns[i]);
    free(w);
    d->wire = NULL;
}

const struct netns *demo__server_ns(const struct demo *d)
{
    return d->wire ? d->wire->ns[NS_SERVER] : NULL;
}

int demo__wire_socket(struct demo *d, bool server_side, int type)
{
    char err[ERRBUF_SIZE];
    int fd = netns_socket(d->wire->ns[server_side ? NS_SERVER : NS_CLIENT], d->family, type, 0,
                          err);
    if (fd < 0)
        return demo__fail(d, DEMO_ERR_SOCKET, errno, "%s", err);
    return fd;
}

/* --- checksums ---------------------------------------------------------- */

static uint32_t sum16(uint32_t acc, const uint8_t *p, size_t n)
{
    size_t i;
    for (i = 0; i + 1 < n; i += 2)
        acc += (uint32_t)p[i] << 8 | p[i + 1];
    if (n & 1)
        acc += (uint32_t)p[n - 1] << 8;
    return acc;
}

/* Replace a partial TCP checksum (pseudo-header sum only, left by tx
 * offload) with the full one (RFC 9293 3.1; RFC 8200 8.1 for IPv6). */
void demo__tcp_csum_complete(uint8_t *f, const struct demo_seg *s)
{
    uint8_t *ip = f + s->l3off, *t = f + s->l4off;
    uint32_t acc = 0;
    uint16_t c;

    t[16] = t[17] = 0;
    if (s->v6) {
        acc = sum16(acc, ip + 8, 32); /* source, destination */
        acc += (s->l4len >> 16) + (s->l4len & 0xffff);
        acc += 6;
    } else {
        acc = sum16(acc, ip + 12, 8);
        acc += 6 + s->l4len;
    }
    acc = sum16(acc, t, s->l4len);
    while (acc >> 16)
        acc = (acc & 0xffff) + (acc >> 16);
    c = (uint16_t)~acc;
    t[16] = (uint8_t)(c >> 8);
    t[17] = (uint8_t)c;
}

/* --- moving frames ------------------------------------------------------ */

static int forward(struct demo *d, int to_side, const uint8_t *f, size_t len)
{
    if (send(d->wire->pk[to_side], f, len, 0) < 0)
        return demo__fail(d, DEMO_ERR_SOCKET, errno, "wire: forward to the %s: %s",
                          side_name[to_side], strerror(errno));
    return 0;
}

/* Read and handle one frame from `side`. 1 if a frame was handled, 0 if
 * there was none, -1 on failure. */

/* Wait until the receiving kernel has processed a forwarded segment before
 * reading its state. Its answer appearing on its side of the wire proves it
 * (SYN -> SYN+ACK, SYN+ACK -> ACK, FIN -> ACK); a segment that draws no
 * answer (the final ACK) gets the bounded wait. A fixed short sleep was not
 * enough on a loaded machine. The answer itself stays queued for the relay. */
static void settle_after_forward(struct demo_wire *w, int receiver)
{
    struct pollfd q;
    q.fd = w->pk[receiver];
    q.events = POLLIN;
    q.revents = 0;
    (void)poll(&q, 1, WIRE_SETTLE_MAX_MS);
    demo__sleep_ns((uint64_t)WIRE_SETTLE_MS * 1000000u);
}

static int wire_one(struct demo *d, int side)
{
    struct demo_wire *w = d->wire;
    union {
        struct cmsghdr align;
        uint8_t buf[CMSG_SPACE(sizeof(struct tpacket_auxdata)) +
                    CMSG_SPACE(sizeof(struct timespec))];
    } ctl;
    struct sockaddr_ll from;
    struct iovec iov = {.iov_base = w->frame, .iov_len = sizeof(w->frame)};
    struct msghdr mh;
    struct cmsghdr *c;
    struct frame f;
    struct demo_seg s;
    bool partial = false;
    uint64_t ts = 0;
    ssize_t n;
    int other = 1 - side;

    memset(&mh, 0, sizeof(mh));
    mh.msg_name = &from;
    mh.msg_namelen = sizeof(from);
    mh.msg_iov = &iov;
    mh.msg_iovlen = 1;
    mh.msg_control = ctl.buf;
    mh.msg_controllen = sizeof(ctl.buf);
    n = recvmsg(w->pk[side], &mh, MSG_DONTWAIT | MSG_TRUNC);
    if (n < 0) {
        if (errno == EAGAIN || errno == EINTR)
            return 0;
        return demo__fail(d, DEMO_ERR_SOCKET, errno, "wire: read from the %s side: %s",
                          side_name[side], strerror(errno));
    }
    if (from.sll_pkttype == PACKET_OUTGOING)
        return 0; /* our own forward, seen again (kernels before 4.20) */
    for (c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c)) {
        if (c->cmsg_level == SOL_PACKET && c->cmsg_type == PACKET_AUXDATA) {
            struct tpacket_auxdata aux;
            memcpy(&aux, CMSG_DATA(c), sizeof(aux));
            partial = (aux.tp_status & TP_STATUS_CSUMNOTREADY) != 0;
        } else if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SO_TIMESTAMPNS) {
            struct timespec t;
            memcpy(&t, CMSG_DATA(c), sizeof(t));
            ts = (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
        }
    }
    if (!ts)
        ts = io_real_ns();
    f.data = w->frame;
    f.wirelen = (uint32_t)n;
    f.caplen = (uint32_t)((size_t)n < sizeof(w->frame) ? (size_t)n : sizeof(w->frame));
    /* A segment's time is when the wire takes it: lines then come out in
     * time order beside the calls and snapshots, which are stamped as they
     * happen (a frame that waited behind a held one arrived earlier). */
    f.ts_ns = demo__holding(d) ? io_real_ns() : ts;
    demo__parse(w->frame, f.caplen, &s);

    if (!s.tcp || (s.sport != d->port && s.dport != d->port)) {
        /* ARP, neighbour discovery, MLD...: they cross at once, unreported. */
        d->res->other_frames++;
        if (f.caplen < f.wirelen)
            return 1; /* cannot forward what we did not read whole */
        return forward(d, other, w->frame, f.caplen) < 0 ? -1 : 1;
    }
    if (demo__keep_back(d, &w->held, side, &s, ts))
        return 1;
    if (partial) {
        demo__tcp_csum_complete(w->frame, &s);
        d->res->csum_completed++;
    }
    {
        struct demo_taken *t = demo__taken(&w->held, side, &s, ts);
        char seg[48], what[96];
        demo__seg_name(&s, seg, sizeof(seg));
        snprintf(what, sizeof(what), "%s %s -> %s", seg, side_name[side], side_name[other]);
        demo__report_frame(d, &f, DLT_EN10MB, &s);
        if (d->gate && d->gate(d, side, &s) < 0)
            return -1;
        if (d->cfg->held_snapshots) {
            /* The sender has sent it, the receiver has not got it: the
             * moment slow motion exists to show. */
            int r;
            d->holding = true;
            r = demo__snapshot(d, "%s on the wire %s -> %s", seg, side_name[side],
                               side_name[other]);
            d->holding = false;
            if (r < 0)
                return -1;
        }
        if (demo__hold(d, what) < 0)
            return -1;
        if (f.caplen == f.wirelen && forward(d, other, w->frame, f.caplen) < 0)
            return -1;
        t->fwd_ns = io_real_ns();
        t->answered = false;
        settle_after_forward(w, other);
        if (demo__snapshot(d, "%s crossed %s -> %s", seg, side_name[side], side_name[other]) < 0)
            return -1;
    }
    return 1;
}

/* Is the frame at the head of a queue a TCP segment to or from the demo's
 * port? Header fields only: a peek holds the first bytes. */
static bool head_is_demo_tcp(const struct demo *d, const uint8_t *p, size_t n)
{
    size_t off = 14, l4;
    uint16_t et;
    if (n < 14)
        return false;
    et = (uint16_t)((uint16_t)p[12] << 8 | p[13]);
    if (et == 0x8100 && n >= 18) {
        et = (uint16_t)((uint16_t)p[16] << 8 | p[17]);
        off = 18;
    }
    if (et == 0x0800 && n >= off + 20 && p[off + 9] == 6)
        l4 = off + (size_t)(p[off] & 0x0f) * 4u;
    else if (et == 0x86dd && n >= off + 40 && p[off + 6] == 6)
        l4 = off + 40;
    else
        return false;
    if (n < l4 + 4)
        return false;
    return (uint16_t)((uint16_t)p[l4] << 8 | p[l4 + 1]) == d->port ||
           (uint16_t)((uint16_t)p[l4 + 2] << 8 | p[l4 + 3]) == d->port;
}

/* Before saying whether a segment is in flight, let what is not one cross
 * (ARP, neighbour discovery, MLD: they cross at once anyway, unreported):
 * a kernel may be holding a segment it has already sent, as far as TCP is
 * concerned, until its neighbour is resolved. Forwarding the answer
 * releases it onto the wire (in the sender's softirq, before send()
 * returns), where the next peek finds it. Bounded; an error says "yes". */
#define WIRE_PENDING_ROUNDS 16

bool demo__wire_pending(struct demo *d)
{
    struct demo_wire *w = d->wire;
    int round, side;

    for (round = 0; round < WIRE_PENDING_ROUNDS; round++) {
        bool moved = false;
        for (side = 0; side < 2; side++) {
            uint8_t head[128];
            struct sockaddr_ll from;
            socklen_t fl = sizeof(from);
            ssize_t n = recv(w->pk[side], head, sizeof(head), MSG_PEEK | MSG_DONTWAIT | MSG_TRUNC);
            if (n < 0) {
                if (errno == EAGAIN || errno == EWOULDBLOCK)
                    continue;
                return true;
            }
            if (head_is_demo_tcp(d, head, (size_t)n < sizeof(head) ? (size_t)n : sizeof(head)))
                return true;
            n = recvfrom(w->pk[side], w->aux, sizeof(w->aux), MSG_DONTWAIT | MSG_TRUNC,
                         (struct sockaddr *)&from, &fl);
            if (n < 0)
                return true;
            moved = true;
            if (from.sll_pkttype == PACKET_OUTGOING)
                continue; /* our own forward, seen again (kernels before 4.20) */
            d->res->other_frames++;
            if ((size_t)n <= sizeof(w->aux) && send(w->pk[1 - side], w->aux, (size_t)n, 0) < 0)
                return true;
        }
        if (!moved)
            return false;
    }
    return true;
}

int demo__wire_pump(struct demo *d, int fd, short events, int timeout_ms, bool *ready)
{
    struct demo_wire *w = d->wire;
    struct pollfd p[3];
    int n = 0, pr, i, got = 0;

    *ready = false;
    /* The application first: a socket made ready by the last delivery is
     * served before the next frame moves, as a woken process would be. */
    if (fd >= 0) {
        struct pollfd q = {.fd = fd, .events = events};
        if (poll(&q, 1, 0) > 0 && (q.revents & (events | POLLERR | POLLHUP))) {
            *ready = true;
            return 0;
        }
    }
    for (i = 0; i < 2; i++) {
        p[n].fd = w->pk[i];
        p[n].events = POLLIN;
        p[n++].revents = 0;
    }
    if (fd >= 0) {
        p[n].fd = fd;
        p[n].events = events;
        p[n++].revents = 0;
    }
    pr = poll(p, (nfds_t)n, timeout_ms);
    if (pr < 0) {
        if (errno == EINTR)
            return 0;
        return demo__fail(d, DEMO_ERR_SOCKET, errno, "wire: poll: %s", strerror(errno));
    }
    /* One frame per call, alternating sides, so both directions move and
     * the caller re-checks its socket between frames. */
    for (i = 0; i < 2 && got == 0; i++) {
        int side = (int)((w->next_side + (unsigned)i) & 1u);
        int r;
        if (!(p[side].revents & POLLIN))
            continue;
        r = wire_one(d, side);
        if (r < 0)
            return -1;
        got += r;
        if (r > 0)
            w->next_side = (unsigned)side ^ 1u;
    }
    if (fd >= 0) {
        struct pollfd q = {.fd = fd, .events = events};
        *ready = poll(&q, 1, 0) > 0 && (q.revents & (events | POLLERR | POLLHUP));
    }
    return got;
}
