/* test_demo.c: the demo engine end to end: loopback and wire ("slow
 * motion", 0.2 s per segment) for graceful, refused and reset, IPv4 and
 * IPv6. Asserts the segment sequence, the kernel snapshots (on the wire:
 * client SYN_SENT with server SYN_RECV, then client ESTABLISHED with server
 * still SYN_RECV, then both ESTABLISHED; the close states one segment at a
 * time), the step callback, demo_stop(), and that nothing is left behind
 * (fds, /var/run/netns, links). Needs root: exits 77 without it, or fails
 * if TCPSHAKE_REQUIRE_PRIV=1. TCPSHAKE_TEST_VERBOSE=1 prints each run. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "demo.h"
#include "netns.h"

#define MAX_EV 512
#define SLOW_NS 200000000ull /* 0.2 s per segment */

/* TCP flag bits as in the header's byte 13. */
#define F_FIN 0x01
#define F_SYN 0x02
#define F_RST 0x04
#define F_PSH 0x08
#define F_ACK 0x10

enum ev_kind { EV_SYSCALL, EV_FRAME, EV_KERNEL };

struct ev {
    enum ev_kind kind;
    char text[160];
    uint8_t flags;        /* EV_FRAME */
    uint16_t sport;       /* EV_FRAME */
    bool cp, sp, lp;      /* EV_KERNEL: present */
    uint8_t cs, ss, ls;   /* EV_KERNEL: kernel state numbers */
    bool sreq;            /* server end is a request socket */
    uint8_t csrc, ssrc;   /* kview_src */
    bool held, in_flight; /* EV_KERNEL: demo_kernel_view.held, .in_flight */
};

struct log {
    struct ev ev[MAX_EV];
    int n;
    int bad_csum;         /* frames whose TCP checksum does not verify */
    bool check_csum;      /* verify checksums (not on lo: offload leaves them partial) */
    int steps;            /* step callback calls */
    int stop_after_steps; /* >0: the step callback stops the demo then */
    int stop_after_frames;/* >0: on_frame calls demo_stop() then */
    int frames;
    bool saw_pinned;      /* a tshk<pid> entry in /var/run/netns during the run */
    bool verbose;
};

static struct ev *add(struct log *l, enum ev_kind k)
{
    struct ev *e;
    if (l->n >= MAX_EV)
        fail_msg("event log full");
    e = &l->ev[l->n++];
    memset(e, 0, sizeof(*e));
    e->kind = k;
    return e;
}

static uint16_t be16(const uint8_t *p)
{
    return (uint16_t)((uint16_t)p[0] << 8 | p[1]);
}

static void on_syscall(void *user, const char *text)
{
    struct log *l = user;
    struct ev *e = add(l, EV_SYSCALL);
    snprintf(e->text, sizeof(e->text), "%s", text);
    if (l->verbose)
        printf("  syscall  %s\n", text);
}

/* RFC 9293 3.1: the one's complement sum over the pseudo-header and the
 * whole segment, checksum included, is 0xffff. Written here independently
 * of the engine's own checksum code. */
static bool tcp_csum_ok(const uint8_t *p, uint32_t len)
{
    uint32_t acc = 0, i, l3 = 14, l4, tlen;
    const uint8_t *src;
    uint32_t alen;
    if (be16(p + 12) == 0x0800) {
        uint32_t ihl = (uint32_t)(p[l3] & 0x0f) * 4u;
        l4 = l3 + ihl;
        tlen = be16(p + l3 + 2) - ihl;
        src = p + l3 + 12;
        alen = 8;
    } else {
        l4 = l3 + 40;
        tlen = be16(p + l3 + 4);
        src = p + l3 + 8;
        alen = 32;
    }
    if (l4 + tlen > len)
        return false;
    for (i = 0; i < alen; i += 2)
        acc += be16(src + i);
    acc += 6 + tlen;
    for (i = 0; i + 1 < tlen; i += 2)
        acc += be16(p + l4 + i);
    if (tlen & 1)
        acc += (uint32_t)p[l4 + tlen - 1] << 8;
    while (acc >> 16)
        acc = (acc & 0xffff) + (acc >> 16);
    return acc == 0xffff;
}

static void on_frame(void *user, const struct frame *f, int dlt)
{
    struct log *l = user;
    struct ev *e = add(l, EV_FRAME);
    uint32_t off = 14, l4;
    assert_int_equal(dlt, 1); /* DLT_EN10MB, lo and veth alike */
    assert_true(f->caplen >= 14 && f->caplen <= f->wirelen);
    assert_true(f->ts_ns > 0);
    if (be16(f->data + 12) == 0x0800)
        l4 = off + (uint32_t)(f->data[off] & 0x0f) * 4u;
    else
        l4 = off + 40;
    assert_true(f->caplen >= l4 + 20);
    e->flags = f->data[l4 + 13];
    e->sport = be16(f->data + l4);
    snprintf(e->text, sizeof(e->text), "%u -> %u flags 0x%02x", e->sport,
             be16(f->data + l4 + 2), e->flags);
    if (l->check_csum && !tcp_csum_ok(f->data, f->caplen))
        l->bad_csum++;
    if (l->verbose)
        printf("  frame    %s\n", e->text);
    l->frames++;
    if (l->stop_after_frames && l->frames == l->stop_after_frames)
        demo_stop();
}

static bool pinned_now(void)
{
    DIR *d = opendir(NETNS_RUN_DIR);
    struct dirent *de;
    bool found = false;
    if (!d)
        return false;
    while ((de = readdir(d)) != NULL)
        if (netns_name_pid(de->d_name) == (long)getpid())
            found = true;
    closedir(d);
    return found;
}

static const char *st(bool present, uint8_t k)
{
    return present ? kview_kstate_name(k) : "-";
}

static void on_kernel(void *user, uint64_t ts_ns, const struct demo_kernel_view *kv)
{
    struct log *l = user;
    struct ev *e = add(l, EV_KERNEL);
    (void)ts_ns;
    e->cp = kv->client.present;
    e->sp = kv->server.present;
    e->lp = kv->listener.present;
    e->cs = kv->client.k.kstate;
    e->ss = kv->server.k.kstate;
    e->ls = kv->listener.k.kstate;
    e->sreq = kv->server.k.request;
    e->csrc = kv->client.k.src;
    e->ssrc = kv->server.k.src;
    e->held = kv->held;
    e->in_flight = kv->in_flight;
    assert_true(kv->ndiag <= DEMO_DIAG_MAX);
    snprintf(e->text, sizeof(e->text), "%s", kv->why);
    if (pinned_now())
        l->saw_pinned = true;
    if (l->verbose)
        printf("  kernel   #%u %-36s client %-11s server %-11s%s listener %s\n", kv->seq,
               kv->why, st(e->cp, e->cs), st(e->sp, e->ss), e->sreq ? "(req)" : "     ",
               st(e->lp, e->ls));
}

static int on_step(void *user, const char *what)
{
    struct log *l = user;
    assert_non_null(what);
    l->steps++;
    if (l->stop_after_steps && l->steps >= l->stop_after_steps)
        return -1;
    return 0;
}

static int count_fds(void)
{
    DIR *d = opendir("/proc/self/fd");
    struct dirent *de;
    int n = 0;
    assert_non_null(d);
    while ((de = readdir(d)) != NULL)
        if (de->d_name[0] != '.')
            n++;
    closedir(d);
    return n;
}

static void assert_nothing_left(void)
{
    DIR *d = opendir(NETNS_RUN_DIR);
    struct if_nameindex *ifs = if_nameindex(), *i;
    long pid = (long)getpid();
    if (d) {
        struct dirent *de;
        while ((de = readdir(d)) != NULL)
            if (netns_name_pid(de->d_name) == pid)
                fail_msg("left behind: %s/%s", NETNS_RUN_DIR, de->d_name);
        closedir(d);
    }
    assert_non_null(ifs);
    for (i = ifs; i->if_index != 0; i++)
        if (netns_name_pid(i->if_name) == pid)
            fail_msg("left behind: link %s", i->if_name);
    if_freenameindex(ifs);
}

static struct log *run_cfg(const struct demo_cfg *cfg, struct demo_result *res, int expect_rc);

static struct log *run(enum demo_mode mode, enum demo_scenario sc, bool v6, uint64_t slow_ns,
                       struct demo_result *res, int expect_rc)
{
    struct demo_cfg cfg;
    memset(&cfg, 0, sizeof(cfg));
    cfg.mode = mode;
    cfg.scenario = sc;
    cfg.ipv6 = v6;
    cfg.slow_ns = slow_ns;
    return run_cfg(&cfg, res, expect_rc);
}

static struct log *run_cfg(const struct demo_cfg *cfg, struct demo_result *res, int expect_rc)
{
    static struct log l;
    struct demo_cb cb = {.on_syscall = on_syscall, .on_frame = on_frame,
                         .on_kernel = on_kernel, .user = &l};
    char err[ERRBUF_SIZE];
    int fds = count_fds(), rc;
    const char *v = getenv("TCPSHAKE_TEST_VERBOSE");

    memset(&l, 0, sizeof(l));
    l.verbose = v && strcmp(v, "1") == 0;
    l.check_csum = cfg->mode == DEMO_MODE_WIRE;
    if (l.verbose)
        printf("demo %s %s %s slow %llu ms\n", demo_mode_name(cfg->mode),
               demo_scenario_name(cfg->scenario), cfg->ipv6 ? "ipv6" : "ipv4",
               (unsigned long long)(cfg->slow_ns / 1000000u));
    err[0] = '\0';
    rc = demo_run(cfg, &cb, res, err);
    if (rc != expect_rc)
        fail_msg("demo_run returned %d (%s: %s)", rc, demo_err_name(res->err), err);
    assert_int_equal(count_fds(), fds);
    assert_nothing_left();
    /* On the wire every segment a kernel accepted must verify. */
    assert_int_equal(l.bad_csum, 0);
    return &l;
}

/* Is `want` a subsequence of the frames' flags? */
static bool frames_contain(const struct log *l, const uint8_t *want, int nwant)
{
    int i, j = 0;
    for (i = 0; i < l->n && j < nwant; i++)
        if (l->ev[i].kind == EV_FRAME && l->ev[i].flags == want[j])
            j++;
    return j == nwant;
}

/* Kernel snapshot matching (client, server) states; 0 = "absent". Search
 * from index *from; returns the index found, or -1. */
static int find_kernel(const struct log *l, int from, unsigned cs, unsigned ss)
{
    int i;
    for (i = from; i < l->n; i++) {
        const struct ev *e = &l->ev[i];
        if (e->kind != EV_KERNEL)
            continue;
        if ((cs ? (e->cp && e->cs == cs) : !e->cp) && (ss ? (e->sp && e->ss == ss) : !e->sp))
            return i;
    }
    return -1;
}

static void assert_kernel_seq(const struct log *l, const unsigned (*pairs)[2], int n)
{
    int i, at = 0;
    for (i = 0; i < n; i++) {
        int f = find_kernel(l, at, pairs[i][0], pairs[i][1]);
        if (f < 0)
            fail_msg("no snapshot with client %s and server %s after event %d",
                     pairs[i][0] ? kview_kstate_name(pairs[i][0]) : "absent",
                     pairs[i][1] ? kview_kstate_name(pairs[i][1]) : "absent", at);
        at = f + 1;
    }
}

static const struct ev *last_kernel(const struct log *l)
{
    int i;
    for (i = l->n - 1; i >= 0; i--)
        if (l->ev[i].kind == EV_KERNEL)
            return &l->ev[i];
    fail_msg("no kernel snapshot");
    return NULL;
}

static bool said(const struct log *l, const char *needle)
{
    int i;
    for (i = 0; i < l->n; i++)
        if (l->ev[i].kind == EV_SYSCALL && strstr(l->ev[i].text, needle))
            return true;
    return false;
}

static const uint8_t HS[] = {F_SYN, F_SYN | F_ACK, F_ACK};

/* --- loopback --------------------------------------------------------- */

static void loopback_graceful(bool v6)
{
    struct demo_result res;
    struct log *l = run(DEMO_MODE_LOOPBACK, DEMO_SCENARIO_GRACEFUL, v6, 0, &res, 0);
    static const uint8_t close_seq[] = {F_FIN | F_ACK, F_ACK, F_FIN | F_ACK, F_ACK};
    static const unsigned ks[][2] = {
        {KSTATE_ESTABLISHED, KSTATE_ESTABLISHED}, /* after connect(), before accept() */
        {KSTATE_TIME_WAIT, 0},                    /* end */
    };
    const struct ev *e;

    assert_int_equal(res.err, DEMO_ERR_NONE);
    assert_true(res.port != 0);
    assert_true(res.client_port != 0);
    assert_true(frames_contain(l, HS, 3));
    assert_true(frames_contain(l, close_seq, 4));
    assert_int_equal(l->ev[l->n - 1].kind, EV_KERNEL);
    assert_true(said(l, "listen() on"));
    assert_true(said(l, "connect() returned 0"));
    assert_true(said(l, "accept() returned fd"));
    assert_true(said(l, "send() 12 bytes on client"));
    assert_true(said(l, "close() client"));
    assert_kernel_seq(l, ks, 2);
    /* The first frame follows "connect() called" and precedes its return. */
    {
        int i, called = -1, first = -1, ret = -1;
        for (i = 0; i < l->n; i++) {
            if (l->ev[i].kind == EV_SYSCALL && strstr(l->ev[i].text, "connect() to") && called < 0)
                called = i;
            if (l->ev[i].kind == EV_FRAME && first < 0)
                first = i;
            if (l->ev[i].kind == EV_SYSCALL && strstr(l->ev[i].text, "connect() returned"))
                ret = i;
        }
        assert_true(called < first && first < ret);
    }
    e = last_kernel(l);
    assert_string_equal(e->text, "end");
    assert_false(e->lp);
    assert_int_equal(e->csrc, KVIEW_SRC_SOCK_DIAG);
    assert_int_equal(res.other_frames, 0);
}

static void test_loopback_graceful_v4(void **state)
{
    (void)state;
    loopback_graceful(false);
}

static void test_loopback_graceful_v6(void **state)
{
    (void)state;
    loopback_graceful(true);
}

static void test_loopback_refused(void **state)
{
    struct demo_result res;
    struct log *l = run(DEMO_MODE_LOOPBACK, DEMO_SCENARIO_REFUSED, false, 0, &res, 0);
    static const uint8_t seq[] = {F_SYN, F_RST | F_ACK};
    (void)state;
    assert_true(frames_contain(l, seq, 2));
    assert_int_equal(res.frames, 2);
    assert_true(said(l, "ECONNREFUSED"));
    assert_true(res.client_port != 0); /* learned from the SYN */
    assert_true(find_kernel(l, 0, KSTATE_CLOSE, 0) >= 0);
}

static void test_loopback_reset(void **state)
{
    struct demo_result res;
    struct log *l = run(DEMO_MODE_LOOPBACK, DEMO_SCENARIO_RESET, false, 0, &res, 0);
    static const uint8_t seq[] = {F_SYN, F_SYN | F_ACK, F_ACK, F_RST | F_ACK};
    (void)state;
    assert_true(frames_contain(l, seq, 4));
    assert_true(said(l, "ECONNRESET"));
    /* After the RST: the client's socket is CLOSE, the server's is gone. */
    assert_true(find_kernel(l, 0, KSTATE_CLOSE, 0) >= 0);
    assert_int_equal(last_kernel(l)->cp, false);
}

/* --- wire (slow motion) --------------------------------------------------- */

static void wire_graceful(bool v6)
{
    struct demo_result res;
    struct log *l = run(DEMO_MODE_WIRE, DEMO_SCENARIO_GRACEFUL, v6, SLOW_NS, &res, 0);
    /* docs/SEMANTICS.md 2.3, one segment at a time. */
    static const unsigned open_ks[][2] = {
        {KSTATE_SYN_SENT, 0},                      /* after connect(): SYN held */
        {KSTATE_SYN_SENT, KSTATE_SYN_RECV},        /* SYN crossed: request socket */
        {KSTATE_ESTABLISHED, KSTATE_SYN_RECV},     /* SYN+ACK crossed: client first */
        {KSTATE_ESTABLISHED, KSTATE_ESTABLISHED},  /* ACK crossed */
    };
    static const unsigned close_ks[][2] = {
        {KSTATE_FIN_WAIT1, KSTATE_ESTABLISHED},    /* close() client: FIN held */
        {KSTATE_FIN_WAIT1, KSTATE_CLOSE_WAIT},     /* FIN crossed */
        {KSTATE_FIN_WAIT2, KSTATE_CLOSE_WAIT},     /* its ACK crossed */
        {KSTATE_FIN_WAIT2, KSTATE_LAST_ACK},       /* close() server: FIN held */
        {KSTATE_TIME_WAIT, KSTATE_LAST_ACK},       /* FIN crossed */
        {KSTATE_TIME_WAIT, 0},                     /* last ACK crossed: server gone */
    };
    static const uint8_t close_seq[] = {F_FIN | F_ACK, F_ACK, F_FIN | F_ACK, F_ACK};
    int i, syn_recv = -1;

    assert_int_equal(res.err, DEMO_ERR_NONE);
    assert_true(frames_contain(l, HS, 3));
    assert_true(frames_contain(l, close_seq, 4));
    assert_kernel_seq(l, open_ks, 4);
    assert_kernel_seq(l, close_ks, 6);
    /* The server's SYN_RECV is a request socket, seen only through sock_diag. */
    syn_recv = find_kernel(l, 0, KSTATE_SYN_SENT, KSTATE_SYN_RECV);
    assert_true(syn_recv >= 0);
    assert_true(l->ev[syn_recv].sreq);
    assert_int_equal(l->ev[syn_recv].ssrc, KVIEW_SRC_SOCK_DIAG);
    assert_int_equal(l->ev[syn_recv].csrc, KVIEW_SRC_TCP_INFO);
    assert_true(said(l, "(non-blocking)"));
    assert_true(said(l, "EINPROGRESS"));
    assert_true(said(l, "wire ready"));
    /* Every segment was held: 0.2 s each. */
    assert_true(res.held_ns >= (uint64_t)res.frames * SLOW_NS - 1000000u);
    assert_true(res.frames >= 10);
    assert_int_equal(res.csum_completed, 0); /* tx offload was turned off */
    if (!v6)
        assert_true(res.other_frames >= 2); /* ARP request and reply crossed */
    /* Each frame is followed by its "crossed" snapshot. */
    for (i = 0; i + 1 < l->n; i++)
        if (l->ev[i].kind == EV_FRAME) {
            assert_int_equal(l->ev[i + 1].kind, EV_KERNEL);
            assert_non_null(strstr(l->ev[i + 1].text, "crossed"));
        }
}

static void test_wire_graceful_v4(void **state)
{
    (void)state;
    wire_graceful(false);
}

static void test_wire_graceful_v6(void **state)
{
    (void)state;
    wire_graceful(true);
}

static void test_wire_refused(void **state)
{
    struct demo_result res;
    struct log *l = run(DEMO_MODE_WIRE, DEMO_SCENARIO_REFUSED, false, SLOW_NS, &res, 0);
    static const uint8_t seq[] = {F_SYN, F_RST | F_ACK};
    static const unsigned ks[][2] = {{KSTATE_SYN_SENT, 0}, {KSTATE_CLOSE, 0}};
    (void)state;
    assert_true(frames_contain(l, seq, 2));
    assert_int_equal(res.frames, 2);
    assert_kernel_seq(l, ks, 2);
    assert_true(said(l, "SO_ERROR ECONNREFUSED"));
}

static void test_wire_reset(void **state)
{
    struct demo_result res;
    struct log *l = run(DEMO_MODE_WIRE, DEMO_SCENARIO_RESET, false, SLOW_NS, &res, 0);
    static const uint8_t seq[] = {F_SYN, F_SYN | F_ACK, F_ACK, F_RST | F_ACK};
    static const unsigned ks[][2] = {
        {KSTATE_ESTABLISHED, KSTATE_ESTABLISHED},
        {KSTATE_ESTABLISHED, 0}, /* server aborted; RST still on the wire */
        {KSTATE_CLOSE, 0},       /* RST crossed */
    };
    (void)state;
    assert_true(frames_contain(l, seq, 4));
    assert_kernel_seq(l, ks, 3);
    assert_true(said(l, "ECONNRESET"));
}

static void test_wire_ipv6_reset_fast(void **state)
{
    struct demo_result res;
    struct log *l = run(DEMO_MODE_WIRE, DEMO_SCENARIO_RESET, true, 0, &res, 0);
    static const uint8_t seq[] = {F_SYN, F_SYN | F_ACK, F_ACK, F_RST | F_ACK};
    (void)state;
    assert_true(frames_contain(l, seq, 4));
    assert_int_equal(res.held_ns < 100000000u, true);
}

/* held_snapshots: a snapshot while each segment is held (sender moved,
 * receiver not yet), then the usual one after it crossed; in_flight says
 * when a segment a kernel sent was still waiting at the wire. */
static void test_wire_held_snapshots(void **state)
{
    struct demo_cfg cfg;
    struct demo_result res;
    struct log *l;
    int i, frames = 0, held = 0, v6;
    (void)state;

    for (v6 = 0; v6 < 2; v6++) {
        memset(&cfg, 0, sizeof(cfg));
        cfg.mode = DEMO_MODE_WIRE;
        cfg.scenario = DEMO_SCENARIO_GRACEFUL;
        cfg.ipv6 = v6 != 0;
        cfg.held_snapshots = true;
        l = run_cfg(&cfg, &res, 0);
        frames = held = 0;
        for (i = 0; i < l->n; i++) {
            const struct ev *e = &l->ev[i];
            if (e->kind == EV_FRAME) {
                frames++;
                /* Right after the frame: held; then, after it, "crossed". */
                assert_true(i + 2 < l->n);
                assert_int_equal(l->ev[i + 1].kind, EV_KERNEL);
                assert_true(l->ev[i + 1].held);
                assert_non_null(strstr(l->ev[i + 1].text, "on the wire"));
                assert_int_equal(l->ev[i + 2].kind, EV_KERNEL);
                assert_false(l->ev[i + 2].held);
                assert_non_null(strstr(l->ev[i + 2].text, "crossed"));
            }
            if (e->kind == EV_KERNEL && e->held)
                held++;
        }
        assert_int_equal(held, frames);
        assert_int_equal((uint32_t)frames, res.frames);
        /* The SYN+ACK held: client still SYN_SENT, server SYN_RECV, nothing
         * else waiting. The SYN crossed: the SYN+ACK is waiting already. */
        i = find_kernel(l, 0, KSTATE_SYN_SENT, KSTATE_SYN_RECV);
        assert_true(i >= 0);
        assert_false(l->ev[i].held);
        assert_true(l->ev[i].in_flight);
        assert_true(l->ev[i + 2].held);
        assert_int_equal(l->ev[i + 2].cs, KSTATE_SYN_SENT);
        assert_false(l->ev[i + 2].in_flight);
        /* After close() client: its FIN (or a delayed ACK) is waiting. */
        for (i = 0; i < l->n; i++)
            if (l->ev[i].kind == EV_KERNEL && strcmp(l->ev[i].text, "after close() client") == 0)
                break;
        assert_true(i < l->n);
        assert_true(l->ev[i].in_flight);
        assert_false(last_kernel(l)->in_flight);
    }
}

/* Transmit offload left on: frames reach the wire with partial checksums
 * (the pseudo-header sum only), which the receiving veth would treat as
 * corrupt. The wire completes them; the handshake still works, and what
 * on_frame reports verifies. */
static void test_wire_partial_checksums(void **state)
{
    struct demo_cfg cfg;
    struct demo_result res;
    struct log *l;
    int v6;
    (void)state;

    for (v6 = 0; v6 < 2; v6++) {
        memset(&cfg, 0, sizeof(cfg));
        cfg.mode = DEMO_MODE_WIRE;
        cfg.scenario = DEMO_SCENARIO_GRACEFUL;
        cfg.ipv6 = v6 != 0;
        cfg.keep_tx_offload = true;
        l = run_cfg(&cfg, &res, 0);
        assert_true(frames_contain(l, HS, 3));
        /* Most, not all: what is sent on behalf of a TIME_WAIT socket (the
         * last ACK) goes through the per-namespace control socket, which
         * checksums in software. */
        assert_true(res.csum_completed >= res.frames / 2);
        assert_true(res.csum_completed <= res.frames);
    }
}

/* --- step, stop, pinning, configuration ----------------------------------- */

static void test_wire_step_and_pin(void **state)
{
    static struct log l;
    struct demo_cfg cfg;
    struct demo_cb cb = {.on_syscall = on_syscall, .on_frame = on_frame,
                         .on_kernel = on_kernel, .user = &l};
    struct demo_result res;
    char err[ERRBUF_SIZE];
    int fds = count_fds();
    (void)state;

    memset(&l, 0, sizeof(l));
    memset(&cfg, 0, sizeof(cfg));
    cfg.mode = DEMO_MODE_WIRE;
    cfg.scenario = DEMO_SCENARIO_REFUSED;
    cfg.step = on_step;
    cfg.step_user = &l;
    cfg.pin_netns = true;
    assert_int_equal(demo_run(&cfg, &cb, &res, err), 0);
    assert_int_equal(l.steps, 2); /* SYN, RST+ACK */
    assert_true(l.saw_pinned);
    assert_true(said(&l, "(netns tshk"));
    assert_int_equal(count_fds(), fds);
    assert_nothing_left();

    /* The step callback says stop: STOPPED, everything released. */
    memset(&l, 0, sizeof(l));
    l.stop_after_steps = 2;
    cfg.scenario = DEMO_SCENARIO_GRACEFUL;
    assert_int_equal(demo_run(&cfg, &cb, &res, err), -1);
    assert_int_equal(res.err, DEMO_ERR_STOPPED);
    assert_int_equal(l.steps, 2);
    assert_int_equal(count_fds(), fds);
    assert_nothing_left();
}

static void test_demo_stop(void **state)
{
    static struct log l;
    struct demo_cfg cfg;
    struct demo_cb cb = {.on_frame = on_frame, .user = &l};
    struct demo_result res;
    char err[ERRBUF_SIZE];
    int fds = count_fds();
    (void)state;

    /* As a signal handler would: demo_stop() mid-run (here after the
     * first segment), during a hold. */
    memset(&l, 0, sizeof(l));
    l.stop_after_frames = 1;
    memset(&cfg, 0, sizeof(cfg));
    cfg.mode = DEMO_MODE_WIRE;
    cfg.scenario = DEMO_SCENARIO_GRACEFUL;
    cfg.slow_ns = 5000000000ull; /* 5 s: stop must not wait it out */
    cfg.pin_netns = true;
    {
        uint64_t t0 = (uint64_t)time(NULL);
        assert_int_equal(demo_run(&cfg, &cb, &res, err), -1);
        assert_true((uint64_t)time(NULL) - t0 < 3);
    }
    assert_int_equal(res.err, DEMO_ERR_STOPPED);
    assert_non_null(strstr(err, "stopped"));
    assert_int_equal(count_fds(), fds);
    assert_nothing_left();
    /* Still set: the next run stops at once, until cleared. */
    assert_int_equal(demo_run(&cfg, &cb, &res, err), -1);
    assert_int_equal(res.err, DEMO_ERR_STOPPED);
    demo_stop_clear();
    assert_nothing_left();
}

static void test_config_errors(void **state)
{
    struct demo_cfg cfg;
    struct demo_result res;
    char err[ERRBUF_SIZE];
    enum demo_scenario sc;
    (void)state;

    memset(&cfg, 0, sizeof(cfg));
    cfg.mode = DEMO_MODE_LOOPBACK;
    cfg.slow_ns = 1;
    assert_int_equal(demo_run(&cfg, NULL, &res, err), -1);
    assert_int_equal(res.err, DEMO_ERR_CONFIG);
    assert_non_null(strstr(err, "wire"));
    cfg.slow_ns = 0;
    cfg.mode = (enum demo_mode)7;
    assert_int_equal(demo_run(&cfg, NULL, &res, err), -1);
    assert_int_equal(res.err, DEMO_ERR_CONFIG);
    /* NULL callbacks are fine. */
    cfg.mode = DEMO_MODE_LOOPBACK;
    cfg.scenario = DEMO_SCENARIO_REFUSED;
    assert_int_equal(demo_run(&cfg, NULL, &res, err), 0);
    assert_int_equal(res.frames, 2);

    assert_int_equal(demo_scenario_parse("reset", &sc), 0);
    assert_int_equal(sc, DEMO_SCENARIO_RESET);
    assert_int_equal(demo_scenario_parse("bogus", &sc), -1);
    assert_string_equal(demo_scenario_name(DEMO_SCENARIO_REFUSED), "refused");
    assert_string_equal(demo_mode_name(DEMO_MODE_WIRE), "wire");
    assert_string_equal(demo_err_name(DEMO_ERR_PRIV), "needs root or CAP_NET_RAW+CAP_NET_ADMIN");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_config_errors),
        cmocka_unit_test(test_loopback_graceful_v4),
        cmocka_unit_test(test_loopback_graceful_v6),
        cmocka_unit_test(test_loopback_refused),
        cmocka_unit_test(test_loopback_reset),
        cmocka_unit_test(test_wire_graceful_v4),
        cmocka_unit_test(test_wire_graceful_v6),
        cmocka_unit_test(test_wire_refused),
        cmocka_unit_test(test_wire_reset),
        cmocka_unit_test(test_wire_ipv6_reset_fast),
        cmocka_unit_test(test_wire_partial_checksums),
        cmocka_unit_test(test_wire_held_snapshots),
        cmocka_unit_test(test_wire_step_and_pin),
        cmocka_unit_test(test_demo_stop),
    };
    char err[ERRBUF_SIZE];
    const char *req = getenv("TCPSHAKE_REQUIRE_PRIV");
    struct netns *ns;
    int saved, rc;

    /* Decide before cmocka: it exits 0 when every test skips. */
    if (demo_probe(DEMO_MODE_WIRE, err) < 0) {
        /* The reason without its own "needs root ...: " prefix. */
        const char *why = strncmp(err, "needs root", 10) == 0 && strstr(err, ": ")
                              ? strstr(err, ": ") + 2
                              : err;
        if (req && strcmp(req, "1") == 0) {
            printf("FAILED: TCPSHAKE_REQUIRE_PRIV=1 but: %s\n", err);
            return 1;
        }
        printf("SKIPPED: needs root or CAP_NET_ADMIN (%s)\n", why);
        return 77;
    }
    /* The loopback runs use this process's lo: make it a private one, so
     * the host's lo never sees our traffic and ctest -j is safe. */
    ns = netns_create(NULL, err);
    if (!ns || (saved = netns_enter(ns, err)) < 0) {
        printf("FAILED: private namespace: %s\n", err);
        netns_destroy(ns);
        return 1;
    }
    rc = cmocka_run_group_tests(tests, NULL, NULL);
    if (netns_restore(saved, err) < 0)
        printf("FAILED: %s\n", err);
    netns_destroy(ns);
    return rc;
}
