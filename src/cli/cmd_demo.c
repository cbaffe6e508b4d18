/* cmd_demo.c: `tcpshake demo`: one TCP connection made on purpose, shown
 * three ways in the order things happen: each system call, each segment
 * through the read pipeline (the tracker's states), and the kernel's own
 * state of each socket; wherever both views are stable, whether they agree.
 *
 * The engine (demo.h) makes the connection and calls back; this file feeds
 * its frames to pipeline_feed(), turns its snapshots into reporter records
 * and decides when the wire-inferred and the kernel's states are
 * comparable (docs/DEMO.md, "Wire and kernel: when they are compared").
 * Its options and --help are in demo_args.c. */
#include <errno.h>
#include <linux/capability.h>
#include <signal.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "capture.h"
#include "ioclock.h"
#include "cli.h"
#include "privs.h"
#include "config.h"
#include "outfile.h"
#include "demo.h"
#include "kview.h"
#include "pipeline.h"
#include "report.h"
#include "tcp_wire.h"

#include "demo_cli.h"

/* --- the run -------------------------------------------------------------- */

/* The wire side of a demo connection: the tracker's states after its
 * last segment, and before it (what the receiver still has while that
 * segment is held on the wire). */
struct wire_view {
    bool have;              /* a segment of this connection was tracked */
    uint64_t conn_id;
    uint16_t cport;         /* its client's port: the snapshots name it */
    uint8_t now[2], before[2]; /* enum tcp_state by enum trk_side */
    bool last_from_client;
    char last_flags[48];    /* "SYN+ACK" */
    bool cookie;            /* the server's kernel sent a SYN cookie for it */
};

/* One connection for most scenarios; --backlog-full makes three. */
#define DEMO_VIEWS_MAX 4

struct demo_cli {
    struct reporter *rep;   /* text or NDJSON */
    struct reporter tee;    /* what the pipeline reports to: rep, plus wire_view */
    struct pipeline *pl;
    struct tracker_cfg tcfg;
    bool oom;
    struct wire_view w[DEMO_VIEWS_MAX];
    uint64_t last_conn_id;  /* the connection of the last segment */
    uint32_t snapshots, compared, agreed;
};

static volatile sig_atomic_t g_stop;

static void on_signal(int sig)
{
    (void)sig;
    g_stop = 1;
    demo_stop();
}

static struct demo_cli *tee_owner(struct reporter *r)
{
    return (struct demo_cli *)((char *)r - offsetof(struct demo_cli, tee));
}

/* The view of connection `id`, made when `create` and a slot is free. */
static struct wire_view *view_of(struct demo_cli *c, uint64_t id, bool create)
{
    size_t i;
    for (i = 0; i < DEMO_VIEWS_MAX; i++)
        if (c->w[i].have && c->w[i].conn_id == id)
            return &c->w[i];
    for (i = 0; create && i < DEMO_VIEWS_MAX; i++)
        if (!c->w[i].have) {
            c->w[i].have = true;
            c->w[i].conn_id = id;
            c->w[i].now[TRK_CLIENT] = c->w[i].now[TRK_SERVER] = TS_CLOSED; /* none yet */
            return &c->w[i];
        }
    return NULL;
}

/* The pipeline's segments: remember each demo connection's states, then
 * report as usual. The demo's connections are the only ones on a fresh
 * port, so every connection tracked is one of them. */
static void tee_segment(struct reporter *r, const struct pkt *p, const struct trk_verdict *v)
{
    struct demo_cli *c = tee_owner(r);
    const struct conn *cn = v->conn;
    struct wire_view *w = cn ? view_of(c, cn->id, true) : NULL;
    if (w) {
        c->last_conn_id = cn->id;
        w->cport = cn->ep[TRK_CLIENT].port;
        w->before[TRK_CLIENT] = w->now[TRK_CLIENT];
        w->before[TRK_SERVER] = w->now[TRK_SERVER];
        w->now[TRK_CLIENT] = cn->ep[TRK_CLIENT].state;
        w->now[TRK_SERVER] = cn->ep[TRK_SERVER].state;
        w->last_from_client = v->from_client;
        tcp_flags_words(p->flags, w->last_flags);
    }
    if (c->rep->ops->segment)
        c->rep->ops->segment(c->rep, p, v);
}

static void tee_undecoded(struct reporter *r, const struct pkt *p, enum decode_status st)
{
    struct demo_cli *c = tee_owner(r);
    if (c->rep->ops->undecoded)
        c->rep->ops->undecoded(c->rep, p, st);
}

static void tee_timer_change(struct reporter *r, const struct conn *cn,
                             const struct trk_change *ch, uint64_t ts_ns)
{
    struct demo_cli *c = tee_owner(r);
    struct wire_view *w = view_of(c, cn->id, false);
    if (w && ch->side < 2)
        w->now[ch->side] = ch->to;
    if (c->rep->ops->timer_change)
        c->rep->ops->timer_change(c->rep, cn, ch, ts_ns);
}

static void tee_conn_end(struct reporter *r, const struct conn *cn, enum trk_end why,
                         uint64_t ts_ns)
{
    struct demo_cli *c = tee_owner(r);
    if (c->rep->ops->conn_end)
        c->rep->ops->conn_end(c->rep, cn, why, ts_ns);
}

static void tee_finish(struct reporter *r, const struct run_stats *rs,
                       const struct tracker_stats *ts)
{
    struct demo_cli *c = tee_owner(r);
    if (c->rep->ops->finish)
        c->rep->ops->finish(c->rep, rs, ts);
}

static const struct reporter_ops tee_ops = {
    .segment = tee_segment,
    .undecoded = tee_undecoded,
    .timer_change = tee_timer_change,
    .conn_end = tee_conn_end,
    .finish = tee_finish,
    .destroy = NULL, /* embedded in struct demo_cli */
};

/* Live output: each record as it happens, and stop if nobody reads it. */
static void flush_out(void)
{
    fflush(stdout);
    if (cli_output_failed())
        demo_stop();
}

static void on_syscall(void *user, const char *text)
{
    struct demo_cli *c = user;
    reporter_syscall(c->rep, io_real_ns(), text);
    flush_out();
}

static void on_held_copy(void *user, uint64_t ts_ns, const struct demo_held_copy *h)
{
    struct demo_cli *c = user;
    struct rpt_held_copy r;
    memset(&r, 0, sizeof(r));
    r.ts_ns = ts_ns;
    r.side = h->side == 0 ? TRK_CLIENT : TRK_SERVER;
    r.segment = h->segment;
    r.after_ns = h->after_ns;
    r.count = h->count;
    reporter_held_copy(c->rep, &r);
    flush_out();
}

static void on_frame(void *user, const struct frame *f, int dlt)
{
    struct demo_cli *c = user;
    /* The link type is known with the first frame (Ethernet in both modes). */
    if (!c->pl && !c->oom) {
        c->pl = pipeline_new(capture_map_dlt(dlt), &c->tcfg, &c->tee);
        if (!c->pl) {
            c->oom = true;
            demo_stop();
        }
    }
    if (c->pl)
        pipeline_feed(c->pl, f);
    flush_out();
}

static void put_ksock(struct rpt_ksock *o, const char *name, const struct demo_ksock *s)
{
    memset(o, 0, sizeof(*o));
    o->socket = name;
    o->present = s->present;
    if (!s->present)
        return;
    o->state = s->k.state;
    o->kernel_state = kview_kstate_name(s->k.kstate);
    o->request = s->k.request;
    o->source = s->k.src == KVIEW_SRC_TCP_INFO ? "tcp_info" : "sock_diag";
    o->laddr = s->k.laddr;
    o->raddr = s->k.raddr;
    o->lport = s->k.lport;
    o->rport = s->k.rport;
    o->timer_ms = s->k.timer_ms;
    if (s->k.kstate == KSTATE_LISTEN) {
        o->listening = true;
        o->accept_queue = s->k.rqueue;
        o->backlog = s->k.wqueue;
    }
}

/* A socket the kernel does not have is CLOSED (RFC 9293 3.3.2: "no
 * connection state at all"): not created yet, or gone after LAST_ACK or
 * an abort. Before its SYN+ACK the wire can only presume a server in
 * LISTEN: that is the listening socket, not a connection's socket. */
static uint8_t kernel_side(const struct demo_kernel_view *kv, int side, uint8_t wire)
{
    const struct demo_ksock *s = side == TRK_CLIENT ? &kv->client : &kv->server;
    if (s->present)
        return s->k.state;
    if (side == TRK_SERVER && wire == TS_LISTEN && kv->listener.present)
        return kv->listener.k.state;
    return TS_CLOSED;
}

/* Compare where both views are stable:
 * - the wire has tracked the demo connection;
 * - nothing the kernels sent is still unreported (kv->in_flight): the
 *   kernel would be ahead of the wire (a FIN sent, not yet seen);
 * - a segment held on the wire (kv->held) has been sent but not received:
 *   its sender is compared with the state after it, its receiver with the
 *   state before it. Otherwise the tracker's states after the last segment
 *   stand, every segment so far having been delivered. */
/* The snapshot's connection: the view of its client's port (a refused
 * demo learns it from the SYN), else the first one. */
static struct wire_view *view_for(struct demo_cli *c, const struct demo_kernel_view *kv)
{
    size_t i;
    for (i = 0; i < DEMO_VIEWS_MAX; i++)
        if (c->w[i].have && kv->cport && c->w[i].cport == kv->cport)
            return &c->w[i];
    return c->w[0].have && !kv->cport ? &c->w[0] : NULL;
}

/* SYN cookies (issue 16): the server's kernel answered with a cookie and
 * keeps nothing, so sock_diag has no SYN_RECV request socket where the
 * wire, having seen the SYN+ACK, has the server in SYN_RECV. That
 * difference is the lesson, not a disagreement. */
static const char COOKIE_NOTE[] =
    "expected with a SYN cookie: the server's kernel keeps no request socket (no SYN_RECV in "
    "sock_diag); the cookie in the SYN+ACK carries the state until the ACK creates the "
    "connection";

static bool cookie_difference(const struct wire_view *w, const struct demo_kernel_view *kv,
                              const struct rpt_agree *a)
{
    return w->cookie && a->wire[TRK_CLIENT] == a->kernel[TRK_CLIENT] &&
           a->wire[TRK_SERVER] == TS_SYN_RECV && a->kernel[TRK_SERVER] == TS_CLOSED &&
           !kv->server.present && kv->listener.present;
}

static void compare(struct demo_cli *c, const struct demo_kernel_view *kv, uint64_t ts)
{
    const struct wire_view *w = view_for(c, kv);
    struct rpt_agree a;
    char on_wire[96];
    bool held;
    int side;

    if (!w || kv->in_flight)
        return;
    /* A held segment is the last one reported: it counts for its own
     * connection only. */
    held = kv->held && w->conn_id == c->last_conn_id;
    memset(&a, 0, sizeof(a));
    a.ts_ns = ts;
    a.step = kv->seq;
    for (side = 0; side < 2; side++) {
        bool sender = (side == TRK_CLIENT) == w->last_from_client;
        a.wire[side] = held && !sender ? w->before[side] : w->now[side];
        a.kernel[side] = kernel_side(kv, side, a.wire[side]);
    }
    if (held) {
        snprintf(on_wire, sizeof(on_wire), "%s %s -> %s", w->last_flags,
                 w->last_from_client ? "client" : "server",
                 w->last_from_client ? "server" : "client");
        a.on_wire = on_wire;
    }
    a.ok = a.wire[0] == a.kernel[0] && a.wire[1] == a.kernel[1];
    if (!a.ok && cookie_difference(w, kv, &a)) {
        a.ok = true;
        a.note = COOKIE_NOTE;
    }
    c->compared++;
    if (a.ok)
        c->agreed++;
    reporter_agree(c->rep, &a);
}

/* The server's kernel dropped a SYN, or answered one with a cookie: its
 * counters rose since the previous snapshot (WIRE: the server has a
 * namespace of its own, so they are the demo's). Said beside the snapshot
 * as a "listener" record (issue 16; klisten.h). */
static void listener_news(struct demo_cli *c, const struct demo_kernel_view *kv, uint64_t ts)
{
    const struct kl_counters *d = &kv->delta;
    struct wire_view *w = view_for(c, kv);
    struct rpt_listener r;
    bool dropped, cookie;

    if (!kv->have_counters)
        return;
    dropped = d->v[KL_LISTEN_OVERFLOWS] || d->v[KL_LISTEN_DROPS] || d->v[KL_REQQ_FULL_DROP] ||
              d->v[KL_BACKLOG_DROP];
    cookie = d->v[KL_COOKIES_SENT] != 0;
    if (!dropped && !cookie)
        return;
    memset(&r, 0, sizeof(r));
    r.ts_ns = ts;
    r.conn = w ? w->conn_id : 0;
    r.step = kv->seq;
    if (kv->client.present) {
        r.caddr = kv->client.k.laddr;
        r.cport = kv->client.k.lport;
        r.saddr = kv->client.k.raddr;
        r.sport = kv->client.k.rport;
    }
    if (!r.saddr.family && kv->listener.present) { /* SYN_SENT: no peer name yet */
        r.saddr = kv->listener.k.laddr;
        r.sport = kv->listener.k.lport;
    }
    if (kv->listener.present) {
        r.l.found = true;
        r.l.addr = kv->listener.k.laddr;
        r.l.port = kv->listener.k.lport;
        r.l.queue = kv->listener.k.rqueue;
        r.l.backlog = kv->listener.k.wqueue;
    }
    r.delta = *d;
    if (cookie) {
        if (w) {
            w->cookie = true;
            if (c->pl && kv->client.present) /* the conn record says it too */
                pipeline_kernel_note(c->pl, &r.caddr, r.cport, &r.saddr, r.sport, w->conn_id, 0,
                                     KL_COOKIE_YES);
        }
        r.event = KL_EVENT_SYN_COOKIE;
        r.reason = KL_REASON_NONE;
    } else {
        r.event = KL_EVENT_SYN_DROPPED;
        r.reason = (uint8_t)kl_reason(d, kv->listener.present ? &r.l : NULL);
    }
    reporter_listener(c->rep, &r);
}

static void on_kernel(void *user, uint64_t ts_ns, const struct demo_kernel_view *kv)
{
    struct demo_cli *c = user;
    struct rpt_kernel k;
    /* The time of the snapshot itself (ts_ns is the last frame's). */
    uint64_t now = io_real_ns();
    (void)ts_ns;
    memset(&k, 0, sizeof(k));
    k.ts_ns = now;
    k.step = kv->seq;
    k.why = kv->why;
    k.n = 3;
    put_ksock(&k.sock[0], "client", &kv->client);
    put_ksock(&k.sock[1], "server", &kv->server);
    put_ksock(&k.sock[2], "listener", &kv->listener);
    c->snapshots++;
    reporter_kernel(c->rep, &k);
    listener_news(c, kv, now);
    compare(c, kv, now);
    flush_out();
}

/* --step: the segment waits until Enter; 'q' or end of input stops. On a
 * terminal each key counts at once (no line editing: 'q' needs no Enter);
 * the terminal's settings come back before the next line is printed. A
 * signal interrupts read() (no SA_RESTART) and stops too. */
static int on_step(void *user, const char *what)
{
    char buf[128];
    bool first = true, raw;
    struct termios saved, keys;
    int r = -1;
    (void)user;
    flush_out();
    fprintf(stderr, "  -- %s is on the wire (Enter: cross, q: stop) ", what);
    fflush(stderr);
    raw = isatty(STDIN_FILENO) && tcgetattr(STDIN_FILENO, &saved) == 0;
    if (raw) {
        keys = saved;
        keys.c_lflag &= (tcflag_t) ~(ICANON | ECHO);
        keys.c_cc[VMIN] = 1;
        keys.c_cc[VTIME] = 0;
        raw = tcsetattr(STDIN_FILENO, TCSANOW, &keys) == 0;
    }
    for (;;) {
        ssize_t n = read(STDIN_FILENO, buf, sizeof(buf));
        if (n < 0 && errno == EINTR && !g_stop)
            continue;
        if (n <= 0)
            break;
        if (first && (buf[0] == 'q' || buf[0] == 'Q'))
            break;
        first = false;
        if (memchr(buf, '\n', (size_t)n) || memchr(buf, '\r', (size_t)n)) {
            r = 0;
            break;
        }
    }
    if (raw) {
        tcsetattr(STDIN_FILENO, TCSANOW, &saved);
        fputc('\n', stderr); /* the key was not echoed: end the prompt's line */
    }
    return r;
}

static int exit_for_demo(enum demo_err e)
{
    switch (e) {
    case DEMO_ERR_NONE: return EXIT_OK;
    case DEMO_ERR_CONFIG: return EXIT_USAGE;
    case DEMO_ERR_PRIV: return EXIT_PRIV;
    case DEMO_ERR_CAPTURE: return EXIT_CAPTURE;
    case DEMO_ERR_STOPPED: return EXIT_OK; /* q; Ctrl-C is EXIT_INTERRUPTED (below) */
    case DEMO_ERR_SETUP:
    case DEMO_ERR_SOCKET:
    case DEMO_ERR_KVIEW:
    case DEMO_ERR_TIMEOUT:
    case DEMO_ERR_UNEXPECTED:
    case DEMO_ERR__COUNT: break;
    }
    return EXIT_NETWORK;
}

static void priv_error(enum demo_mode mode, const char *errbuf)
{
    if (mode == DEMO_MODE_WIRE)
        cli_error("%s (slow motion creates network namespaces: run it as root)", errbuf);
    else
        cli_error("%s (grant it with: sudo setcap cap_net_raw,cap_net_admin=eip %s)", errbuf,
                  "$(command -v " CLI_PROG ")");
}

int cmd_demo(int argc, char **argv)
{
    struct demo_args a;
    struct demo_cli c;
    struct demo_cb cb;
    struct demo_result res;
    struct sigaction sa;
    char errbuf[ERRBUF_SIZE];
    FILE *html = NULL; /* --html */
    int status = demo_parse_args(argc, argv, &a), rc;

    if (status >= 0)
        return status;
    if (demo_probe(a.cfg.mode, errbuf) != 0) {
        priv_error(a.cfg.mode, errbuf);
        return EXIT_PRIV;
    }
    if (a.html_path && !(html = outfile_fopen(a.html_path, errbuf))) {
        cli_error("%s", errbuf);
        return EXIT_OUTPUT;
    }

    memset(&c, 0, sizeof(c));
    /* One connection: the smallest table, which is also quick to make
     * (the default one takes a good part of a second's tenth). */
    c.tcfg.max_conns = CFG_MAX_CONNS_MIN;
    cli_output_init();
    /* On a terminal the lines fit it (issue 14); NDJSON never folds. */
    if (!a.json && cli_output_fold(cli_term_width(a.width)) != 0) {
        cli_error("out of memory");
        return EXIT_INTERNAL;
    }
    c.rep = a.json ? report_json_new(stdout, a.flags) : report_text_new(stdout, a.flags);
    {
        struct rpt_meta meta;
        memset(&meta, 0, sizeof(meta));
        meta.command = "demo";
        meta.flags = a.flags;
        meta.slower_than_ns = -1;
        if (c.rep && a.json)
            report_json_meta(c.rep, &meta);
        if (c.rep && html) /* --html: the page beside the terminal's lines */
            c.rep = report_tee_new(c.rep, report_html_new(html, a.flags, 0, &meta));
    }
    if (!c.rep) {
        cli_error("out of memory");
        return EXIT_INTERNAL;
    }
    c.tee.ops = &tee_ops;
    c.tee.out = stdout;
    c.tee.flags = a.flags;
    if (a.step)
        a.cfg.step = on_step;

    memset(&cb, 0, sizeof(cb));
    cb.on_syscall = on_syscall;
    cb.on_frame = on_frame;
    cb.on_kernel = on_kernel;
    cb.on_held_copy = on_held_copy;
    cb.user = &c;

    /* No SA_RESTART: a step waiting in read() must return (demo.h). */
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    demo_stop_clear();

    /* The demo makes namespaces (CAP_SYS_ADMIN), links and a capture
     * (CAP_NET_ADMIN, CAP_NET_RAW) while it runs and removes them at the
     * end: it keeps those three, gives up every other capability, and all
     * once it is done (issue 20; docs/HARDENING.md). */
    {
        static const int demo_caps[] = { CAP_NET_ADMIN, CAP_NET_RAW, CAP_SYS_ADMIN };
        if (privs_keep_only(demo_caps, sizeof(demo_caps) / sizeof(demo_caps[0]), errbuf) != 0) {
            cli_error("demo: %s", errbuf);
            reporter_destroy(c.rep);
            return EXIT_PRIV;
        }
    }
    errbuf[0] = '\0';
    rc = demo_run(&a.cfg, &cb, &res, errbuf);
    {
        char ignore[ERRBUF_SIZE]; /* torn down: nothing needs a capability now */
        (void)privs_drop_all(ignore);
    }

    signal(SIGINT, SIG_DFL);
    signal(SIGTERM, SIG_DFL);
    demo_stop_clear();

    /* Whatever happened, finish what was seen: the connection record and
     * the summary (NDJSON: always the last line). */
    if (!c.pl && !c.oom)
        c.pl = pipeline_new(LINK_ETHERNET, &c.tcfg, &c.tee);
    if (!c.pl) {
        reporter_destroy(c.rep);
        cli_error("out of memory");
        return EXIT_INTERNAL;
    }
    if (g_stop) {
        pipeline_run_stats(c.pl)->interrupted = true;
        pipeline_run_stats(c.pl)->input_percent = -1;
    }
    if (a.cfg.mode == DEMO_MODE_WIRE && (a.cfg.slow_ns || a.cfg.step)) {
        struct run_stats *rs = pipeline_run_stats(c.pl);
        rs->have_held = true;
        rs->held_retransmits[0] = res.held_retransmits[0];
        rs->held_retransmits[1] = res.held_retransmits[1];
    }
    if (!cli_output_failed()) {
        pipeline_finish(c.pl);
        char story[64];
        if (res.err == DEMO_ERR_STOPPED) /* not the scenario's name: it did not end so */
            snprintf(story, sizeof(story), "%s after %u segment%s",
                     g_stop ? "interrupted" : "stopped", res.frames, res.frames == 1 ? "" : "s");
        else
            snprintf(story, sizeof(story), "%s", demo_scenario_name(a.cfg.scenario));
        if (!a.json)
            printf("demo         %s, %s%s: %u kernel snapshots; wire and kernel compared at "
                   "%u, agreed at %u\n",
                   story,
                   a.cfg.mode == DEMO_MODE_WIRE ? "slow motion" : "loopback",
                   a.cfg.ipv6 ? ", IPv6" : "", c.snapshots, c.compared, c.agreed);
    }
    pipeline_free(c.pl);
    reporter_destroy(c.rep);

    status = cli_output_finish(rc == 0 ? EXIT_OK : exit_for_demo(res.err));
    if (html && (ferror(html) | fclose(html)) != 0) {
        cli_error("writing %s failed", a.html_path);
        if (status == EXIT_OK)
            status = EXIT_OUTPUT;
    }
    /* Ctrl-C interrupts the demo before its end: what was seen is reported
     * and the summary says so; exit 130 as read and craft (issue 12). */
    if (g_stop && status == EXIT_OK)
        status = EXIT_INTERRUPTED;
    if (c.oom) {
        cli_error("out of memory");
        return EXIT_INTERNAL;
    }
    if (rc != 0 && !(res.err == DEMO_ERR_STOPPED && cli_output_failed())) {
        if (res.err == DEMO_ERR_PRIV)
            priv_error(a.cfg.mode, errbuf);
        else if (res.err == DEMO_ERR_STOPPED)
            cli_error("demo stopped before the end%s", g_stop ? " (signal)" : "");
        else
            cli_error("%s", errbuf[0] ? errbuf : demo_err_name(res.err));
    }
    return status;
}
