/* test_craft_run.c: `craft handshake` and `craft listen` for real, against
 * the kernel's TCP, each test in a throw-away network namespace (root):
 * (a) a crafted handshake to a kernel listener, whose accept() returns, over
 *     IPv4 and IPv6; (b) hold: the listener keeps a SYN_RECV entry and
 *     re-sends its SYN+ACK; (c) no guard: S, SA, then this host's RST, and
 *     the handshake is reset; (d) listen: a kernel client's connect()
 *     completes (and is refused without the guard); (e) no tcpshake_ table
 *     is left after any test, and a crafter killed with SIGKILL leaves one
 *     that the next run's stale cleanup removes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <fcntl.h>
#include <pthread.h>

#include "privtest.h"

#include "craft_run.h"
#include "decode.h"
#include "tcp_wire.h"

#define RUN_TIMEOUT_MS 30000

/* ---- what the run reports ----------------------------------------------- */

struct seg {
    bool ours;      /* from the crafted endpoint's address and port */
    uint16_t flags;
    uint32_t seq, ack, len;
};

struct obs {
    struct seg s[128];
    int n;
    struct ip_addr local;
    uint16_t lport;
    bool ready;
    int synacks;        /* SYN+ACKs from the peer */
    int diag_family;    /* hold: count SYN_RECV entries when a SYN+ACK is seen */
    uint16_t diag_port;
    int syn_recv_max;
    int ready_fd;       /* written once on_ready (listen: the client may go) */
    int sent_fd;        /* written once on the first send (kill test) */
    int sent;
    char info[8192];
};

static void obs_frame(void *user, const struct frame *f, enum link_type lt)
{
    struct obs *o = user;
    struct pkt p;
    struct seg *s;
    if (decode_frame(lt, f, &p) != DECODE_OK || o->n >= 128)
        return;
    s = &o->s[o->n++];
    s->ours = o->ready && ipaddr_eq(&p.src, &o->local) && p.sport == o->lport;
    s->flags = p.flags;
    s->seq = p.seq;
    s->ack = p.ack;
    s->len = p.payload_len;
    if (!s->ours && (p.flags & (TH_SYN | TH_ACK)) == (TH_SYN | TH_ACK)) {
        o->synacks++;
        if (o->diag_port) {
            int c = pt_count_syn_recv(o->diag_family, o->diag_port);
            if (c > o->syn_recv_max)
                o->syn_recv_max = c;
        }
    }
}

static void obs_sent(void *user, const struct frame *f, enum link_type lt)
{
    struct obs *o = user;
    (void)f;
    (void)lt;
    if (o->sent++ == 0 && o->sent_fd >= 0)
        (void)!write(o->sent_fd, "s", 1);
}

static void obs_info(void *user, const char *text)
{
    struct obs *o = user;
    size_t n = strlen(o->info);
    snprintf(o->info + n, sizeof(o->info) - n, "  | %s\n", text);
}

static void obs_ready(void *user, const struct craft_run_info *ri)
{
    struct obs *o = user;
    o->local = ri->local;
    o->lport = ri->lport;
    o->ready = true;
    if (o->ready_fd >= 0)
        (void)!write(o->ready_fd, "r", 1);
}

static void obs_init(struct obs *o, struct craft_run_cb *cb)
{
    memset(o, 0, sizeof(*o));
    o->ready_fd = o->sent_fd = -1;
    cb->on_frame = obs_frame;
    cb->on_sent = obs_sent;
    cb->on_info = obs_info;
    cb->on_ready = obs_ready;
    cb->user = o;
}

/* "> S  < S.  > .  ..." ('>' = from the crafted side). */
static void obs_print(const struct obs *o, const char *title)
{
    char fl[16];
    int i;
    printf("  %s:", title);
    for (i = 0; i < o->n; i++)
        printf(" %s%s%s", o->s[i].ours ? ">" : "<", tcp_flags_letters(o->s[i].flags, fl),
               o->s[i].len ? "+data" : "");
    printf("\n");
    fflush(stdout);
}

/* Index of the first segment at or after `from` with these exact flags and
 * direction, or -1. */
static int obs_find(const struct obs *o, int from, bool ours, uint16_t flags)
{
    int i;
    for (i = from < 0 ? 0 : from; i < o->n; i++)
        if (o->s[i].ours == ours && o->s[i].flags == flags)
            return i;
    return -1;
}

/* ---- kernel peers ------------------------------------------------------- */

static int loopback(int family, struct ip_addr *a)
{
    return ipaddr_parse(family == AF_INET ? "127.0.0.1" : "::1", a);
}

static int listener(int family, uint16_t *port)
{
    struct sockaddr_storage ss;
    socklen_t len;
    int fd = socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0), one = 1;
    memset(&ss, 0, sizeof(ss));
    if (family == AF_INET) {
        struct sockaddr_in *s = (struct sockaddr_in *)&ss;
        s->sin_family = AF_INET;
        s->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        len = sizeof(*s);
    } else {
        struct sockaddr_in6 *s = (struct sockaddr_in6 *)&ss;
        s->sin6_family = AF_INET6;
        s->sin6_addr = in6addr_loopback;
        len = sizeof(*s);
    }
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    if (fd < 0 || bind(fd, (struct sockaddr *)&ss, len) != 0 || listen(fd, 8) != 0 ||
        getsockname(fd, (struct sockaddr *)&ss, &len) != 0)
        return -1;
    *port = ntohs(family == AF_INET ? ((struct sockaddr_in *)&ss)->sin_port
                                     : ((struct sockaddr_in6 *)&ss)->sin6_port);
    return fd;
}

/* A kernel server: accept() within a time limit, read to EOF, close. */
struct server {
    int lfd;
    int accept_ms;
    bool accepted, eof;
    char data[64];
    int nread;
};

static void *server_main(void *arg)
{
    struct server *s = arg;
    struct pollfd p = { s->lfd, POLLIN, 0 };
    int fd;
    if (poll(&p, 1, s->accept_ms) != 1)
        return NULL;
    fd = accept4(s->lfd, NULL, NULL, SOCK_CLOEXEC);
    if (fd < 0)
        return NULL;
    s->accepted = true;
    for (;;) {
        struct pollfd q = { fd, POLLIN, 0 };
        ssize_t n;
        if (poll(&q, 1, 5000) != 1)
            break;
        n = read(fd, s->data + s->nread, sizeof(s->data) - 1 - (size_t)s->nread);
        if (n <= 0) {
            s->eof = n == 0;
            break;
        }
        s->nread += (int)n;
    }
    close(fd);
    return NULL;
}

/* A kernel client: wait for "ready", non-blocking connect(), SO_ERROR. */
struct client {
    int family;
    uint16_t port;
    int ready_fd;
    int so_error;
    bool connected, finished;
};

static void *client_main(void *arg)
{
    struct client *c = arg;
    struct pollfd r = { c->ready_fd, POLLIN, 0 };
    struct sockaddr_storage ss;
    socklen_t len;
    struct ip_addr a;
    int fd, err = 0;
    socklen_t el = sizeof(err);
    char b;
    if (poll(&r, 1, 5000) != 1 || read(c->ready_fd, &b, 1) != 1)
        return NULL;
    loopback(c->family, &a);
    memset(&ss, 0, sizeof(ss));
    if (c->family == AF_INET) {
        struct sockaddr_in *s = (struct sockaddr_in *)&ss;
        s->sin_family = AF_INET;
        s->sin_port = htons(c->port);
        memcpy(&s->sin_addr, a.bytes, 4);
        len = sizeof(*s);
    } else {
        struct sockaddr_in6 *s = (struct sockaddr_in6 *)&ss;
        s->sin6_family = AF_INET6;
        s->sin6_port = htons(c->port);
        memcpy(&s->sin6_addr, a.bytes, 16);
        len = sizeof(*s);
    }
    fd = socket(c->family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return NULL;
    if (connect(fd, (struct sockaddr *)&ss, len) != 0 && errno != EINPROGRESS) {
        c->so_error = errno;
    } else {
        struct pollfd w = { fd, POLLOUT, 0 };
        if (poll(&w, 1, 5000) == 1 &&
            getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &el) == 0) {
            c->so_error = err;
            c->connected = err == 0;
        } else {
            c->so_error = ETIMEDOUT;
        }
    }
    if (c->connected)
        (void)!write(fd, "ping", 4);
    close(fd); /* FIN (after the data) */
    c->finished = true;
    return NULL;
}

static void cfg_handshake(struct craft_run_cfg *cfg, int family, uint16_t port)
{
    craft_run_cfg_default(cfg, CRAFT_HANDSHAKE);
    loopback(family, &cfg->remote);
    cfg->rport = port;
    cfg->hs.seq = craft_random_u32();
    cfg->max_run_ns = 15000000000ull;
}

/* ---- (a) handshake to a kernel listener ---------------------------------- */

static int child_handshake(void *arg)
{
    int family = *(int *)arg;
    struct craft_run_cfg cfg;
    struct craft_run_cb cb;
    struct craft_run_result res;
    struct server srv;
    struct obs o;
    pthread_t th;
    char err[ERRBUF_SIZE];
    uint16_t port = 0;
    enum crun_status st;
    int i;
    if (family == AF_INET6)
        PT_CHECK(pt_wait_v6_loopback());
    memset(&srv, 0, sizeof(srv));
    srv.lfd = listener(family, &port);
    srv.accept_ms = 5000;
    PT_CHECK(srv.lfd >= 0);
    PT_CHECK(pthread_create(&th, NULL, server_main, &srv) == 0);
    cfg_handshake(&cfg, family, port);
    cfg.hs.data = (const uint8_t *)"hello";
    cfg.hs.data_len = 5;
    obs_init(&o, &cb);
    st = craft_run(&cfg, &cb, &res, err);
    pthread_join(th, NULL);
    close(srv.lfd);
    obs_print(&o, family == AF_INET ? "(a) IPv4 handshake" : "(a) IPv6 handshake");
    if (st != CRUN_OK || res.end != HS_END_CLOSED)
        fprintf(stderr, "craft_run: %s (%s), end %s\n%s", crun_status_name(st), err,
                hs_end_name(res.end), o.info);
    PT_CHECK(st == CRUN_OK);
    PT_CHECK(res.established);
    PT_CHECK(res.end == HS_END_CLOSED);
    PT_CHECK(res.ok);
    PT_CHECK(!res.kernel_rst);
    PT_CHECK(res.guard_table[0] != '\0');
    /* The guard kept SYN+ACK, ACKs and FIN away from this host's TCP. */
    PT_CHECK(res.guard_dropped >= 3);
    printf("  accept() returned: %s; read \"%.*s\"; guard %s dropped %lld\n",
           srv.accepted ? "yes" : "no", srv.nread, srv.data, res.guard_table,
           res.guard_dropped);
    PT_CHECK(srv.accepted);
    PT_CHECK(srv.nread == 5 && memcmp(srv.data, "hello", 5) == 0);
    PT_CHECK(srv.eof);
    /* The wire: > S, < S., > . first; then data, both FINs. */
    PT_CHECK(o.n >= 3);
    PT_CHECK(o.s[0].ours && o.s[0].flags == TH_SYN);
    PT_CHECK(!o.s[1].ours && o.s[1].flags == (TH_SYN | TH_ACK));
    PT_CHECK(o.s[1].ack == cfg.hs.seq + 1u);
    PT_CHECK(o.s[2].ours && o.s[2].flags == TH_ACK);
    PT_CHECK(obs_find(&o, 0, true, TH_FIN | TH_ACK) > 0);
    PT_CHECK(obs_find(&o, 0, false, TH_FIN | TH_ACK) > 0);
    for (i = 0; i < o.n; i++)
        PT_CHECK(!(o.s[i].flags & TH_RST)); /* no RST anywhere */
    return 0;
}

static void test_a_handshake_ipv4(void **state)
{
    int family = AF_INET;
    (void)state;
    assert_int_equal(pt_in_netns(child_handshake, &family, RUN_TIMEOUT_MS), 0);
}

static void test_a_handshake_ipv6(void **state)
{
    int family = AF_INET6;
    (void)state;
    assert_int_equal(pt_in_netns(child_handshake, &family, RUN_TIMEOUT_MS), 0);
}

/* ---- (b) hold: the server stays in SYN_RECV ------------------------------ */

static int child_hold(void *arg)
{
    struct craft_run_cfg cfg;
    struct craft_run_cb cb;
    struct craft_run_result res;
    struct obs o;
    char err[ERRBUF_SIZE];
    uint16_t port = 0;
    int lfd, after;
    enum crun_status st;
    (void)arg;
    lfd = listener(AF_INET, &port);
    PT_CHECK(lfd >= 0);
    cfg_handshake(&cfg, AF_INET, port);
    cfg.hs.hold = true;
    cfg.hs.hold_ns = 1600000000ull; /* the kernel re-sends its SYN+ACK at 1 s */
    cfg.hs.close = HS_CLOSE_RST;    /* clean up at the end */
    obs_init(&o, &cb);
    o.diag_family = AF_INET;
    o.diag_port = port;
    st = craft_run(&cfg, &cb, &res, err);
    after = pt_count_syn_recv(AF_INET, port);
    close(lfd);
    obs_print(&o, "(b) hold");
    printf("  SYN_RECV entries while held: %d, after the RST: %d; SYN+ACKs seen: %d\n",
           o.syn_recv_max, after, o.synacks);
    if (st != CRUN_OK)
        fprintf(stderr, "craft_run: %s\n%s", err, o.info);
    PT_CHECK(st == CRUN_OK);
    PT_CHECK(res.end == HS_END_HELD);
    PT_CHECK(!res.established);
    PT_CHECK(o.syn_recv_max >= 1);
    PT_CHECK(o.synacks >= 2); /* the original and at least one retransmission */
    PT_CHECK(obs_find(&o, 0, true, TH_ACK) < 0); /* never ACKed */
    PT_CHECK(obs_find(&o, 0, true, TH_RST) > 0);
    PT_CHECK(after == 0);
    return 0;
}

static void test_b_hold_syn_recv(void **state)
{
    (void)state;
    assert_int_equal(pt_in_netns(child_hold, NULL, RUN_TIMEOUT_MS), 0);
}

/* ---- (c) no guard: the kernel's RST --------------------------------------- */

static int child_no_guard(void *arg)
{
    struct craft_run_cfg cfg;
    struct craft_run_cb cb;
    struct craft_run_result res;
    struct server srv;
    struct obs o;
    pthread_t th;
    char err[ERRBUF_SIZE];
    uint16_t port = 0;
    enum crun_status st;
    int syn, sa, krst;
    (void)arg;
    memset(&srv, 0, sizeof(srv));
    srv.lfd = listener(AF_INET, &port);
    srv.accept_ms = 1000;
    PT_CHECK(srv.lfd >= 0);
    PT_CHECK(pthread_create(&th, NULL, server_main, &srv) == 0);
    cfg_handshake(&cfg, AF_INET, port);
    cfg.no_guard = true;
    obs_init(&o, &cb);
    st = craft_run(&cfg, &cb, &res, err);
    pthread_join(th, NULL);
    close(srv.lfd);
    obs_print(&o, "(c) no guard");
    printf("  kernel RST seen: %s; end: %s; accept() returned: %s\n",
           res.kernel_rst ? "yes" : "no", hs_end_name(res.end), srv.accepted ? "yes" : "no");
    if (st != CRUN_OK)
        fprintf(stderr, "craft_run: %s\n%s", err, o.info);
    PT_CHECK(st == CRUN_OK);
    PT_CHECK(res.guard_table[0] == '\0');
    PT_CHECK(res.kernel_rst);
    PT_CHECK(!res.ok);
    PT_CHECK(res.end == HS_END_RESET);
    syn = obs_find(&o, 0, true, TH_SYN);
    sa = obs_find(&o, syn, false, TH_SYN | TH_ACK);
    krst = obs_find(&o, sa, true, TH_RST);
    PT_CHECK(syn == 0 && sa == 1 && krst == 2); /* S, SA, R */
    PT_CHECK(o.s[krst].seq == cfg.hs.seq + 1u); /* <SEQ=SEG.ACK><CTL=RST> */
    PT_CHECK(obs_find(&o, krst, false, TH_RST) > krst); /* the listener's RST */
    PT_CHECK(!srv.accepted);
    return 0;
}

static void test_c_no_guard_kernel_rst(void **state)
{
    (void)state;
    assert_int_equal(pt_in_netns(child_no_guard, NULL, RUN_TIMEOUT_MS), 0);
}

/* ---- (d) listen: a kernel client connects --------------------------------- */

static int child_listen(void *arg)
{
    bool guard = *(bool *)arg;
    struct craft_run_cfg cfg;
    struct craft_run_cb cb;
    struct craft_run_result res;
    struct client cl;
    struct obs o;
    pthread_t th;
    char err[ERRBUF_SIZE];
    int pfd[2], tmp;
    uint16_t port = 0;
    enum crun_status st;
    tmp = listener(AF_INET, &port); /* a free port; closed again at once */
    PT_CHECK(tmp >= 0);
    close(tmp);
    PT_CHECK(pipe2(pfd, O_CLOEXEC) == 0);
    memset(&cl, 0, sizeof(cl));
    cl.family = AF_INET;
    cl.port = port;
    cl.ready_fd = pfd[0];
    PT_CHECK(pthread_create(&th, NULL, client_main, &cl) == 0);
    craft_run_cfg_default(&cfg, CRAFT_LISTEN);
    loopback(AF_INET, &cfg.local);
    cfg.lport = port;
    cfg.hs.seq = craft_random_u32();
    cfg.hs.listen_ns = 5000000000ull;
    cfg.hs.idle_ns = 3000000000ull;
    cfg.hs.max_retries = 1;
    cfg.no_guard = !guard;
    cfg.max_run_ns = 15000000000ull;
    obs_init(&o, &cb);
    o.ready_fd = pfd[1];
    st = craft_run(&cfg, &cb, &res, err);
    pthread_join(th, NULL);
    close(pfd[0]);
    close(pfd[1]);
    obs_print(&o, guard ? "(d) listen" : "(d) listen, no guard");
    printf("  client connect(): SO_ERROR %d (%s); end: %s\n", cl.so_error,
           strerror(cl.so_error), hs_end_name(res.end));
    if (st != CRUN_OK)
        fprintf(stderr, "craft_run: %s\n%s", err, o.info);
    PT_CHECK(st == CRUN_OK);
    PT_CHECK(cl.finished);
    if (guard) {
        PT_CHECK(cl.connected && cl.so_error == 0);
        PT_CHECK(res.established);
        PT_CHECK(res.end == HS_END_CLOSED);
        PT_CHECK(!res.kernel_rst);
        PT_CHECK(res.guard_dropped >= 3);
        PT_CHECK(obs_find(&o, 0, false, TH_SYN) == 0);
        PT_CHECK(obs_find(&o, 0, true, TH_SYN | TH_ACK) == 1);
        PT_CHECK(obs_find(&o, 0, false, TH_ACK) == 2);
    } else {
        /* This host's kernel answered the SYN with RST+ACK first. */
        PT_CHECK(!cl.connected && cl.so_error == ECONNREFUSED);
        PT_CHECK(res.kernel_rst);
        PT_CHECK(!res.established);
    }
    return 0;
}

static void test_d_listen(void **state)
{
    bool guard = true;
    (void)state;
    assert_int_equal(pt_in_netns(child_listen, &guard, RUN_TIMEOUT_MS), 0);
}

static void test_d_listen_no_guard_refused(void **state)
{
    bool guard = false;
    (void)state;
    assert_int_equal(pt_in_netns(child_listen, &guard, RUN_TIMEOUT_MS), 0);
}

/* ---- (e) SIGKILL mid-run: the next run removes the leftover table ---------- */

static int child_kill9(void *arg)
{
    struct craft_run_cfg cfg;
    struct craft_run_cb cb;
    struct craft_run_result res;
    struct server srv;
    struct rstguard g;
    struct obs o;
    pthread_t th;
    char err[ERRBUF_SIZE], list[1024], want[64], b;
    int pfd[2], st_child, n;
    uint16_t port = 0;
    pid_t pid;
    enum crun_status st;
    (void)arg;
    memset(&srv, 0, sizeof(srv));
    srv.lfd = listener(AF_INET, &port);
    srv.accept_ms = 10000;
    PT_CHECK(srv.lfd >= 0);
    PT_CHECK(pipe2(pfd, O_CLOEXEC) == 0);
    PT_CHECK(rstguard_init(&g, NULL, err) == 0);
    fflush(stdout);
    pid = fork();
    PT_CHECK(pid >= 0);
    if (pid == 0) {
        /* The victim: holds for long, guard installed. */
        cfg_handshake(&cfg, AF_INET, port);
        cfg.hs.hold = true;
        cfg.hs.hold_ns = 20000000000ull;
        cfg.max_run_ns = 25000000000ull;
        obs_init(&o, &cb);
        o.sent_fd = pfd[1];
        craft_run(&cfg, &cb, &res, err);
        _exit(0);
    }
    {
        struct pollfd p = { pfd[0], POLLIN, 0 };
        int ok = poll(&p, 1, 5000) == 1 && read(pfd[0], &b, 1) == 1;
        if (!ok)
            kill(pid, SIGKILL);
        PT_CHECK(ok);
    }
    snprintf(want, sizeof(want), "tcpshake_%ld\n", (long)pid);
    n = rstguard_list(&g, list, sizeof(list), err);
    PT_CHECK(n == 1 && strcmp(list, want) == 0);
    PT_CHECK(kill(pid, SIGKILL) == 0);
    PT_CHECK(waitpid(pid, &st_child, 0) == pid);
    n = rstguard_list(&g, list, sizeof(list), err);
    printf("  (e) after kill -9 of pid %ld: %s", (long)pid, n == 1 ? list : "(none)\n");
    PT_CHECK(n == 1 && strcmp(list, want) == 0); /* left behind */
    close(pfd[0]);
    close(pfd[1]);
    /* A new run cleans it up first, then works normally. */
    PT_CHECK(pthread_create(&th, NULL, server_main, &srv) == 0);
    cfg_handshake(&cfg, AF_INET, port);
    obs_init(&o, &cb);
    st = craft_run(&cfg, &cb, &res, err);
    pthread_join(th, NULL);
    close(srv.lfd);
    printf("  next run removed %u stale table(s); end: %s\n", res.stale_removed,
           hs_end_name(res.end));
    if (st != CRUN_OK)
        fprintf(stderr, "craft_run: %s\n%s", err, o.info);
    PT_CHECK(st == CRUN_OK);
    PT_CHECK(res.stale_removed == 1);
    PT_CHECK(strstr(o.info, "leftover") != NULL);
    PT_CHECK(res.end == HS_END_CLOSED);
    PT_CHECK(rstguard_list(&g, list, sizeof(list), err) == 0);
    return 0;
}

static void test_e_kill9_stale_cleanup(void **state)
{
    (void)state;
    assert_int_equal(pt_in_netns(child_kill9, NULL, RUN_TIMEOUT_MS), 0);
}

/* ---- stop flag: an interrupted run still removes its guard ---------------- */

static struct obs *stop_obs;
static void stop_on_synack(void *user, const struct frame *f, enum link_type lt)
{
    obs_frame(user, f, lt);
    if (stop_obs->synacks == 1)
        craft_run_stop(); /* what a SIGINT handler would do */
}

static int child_stop(void *arg)
{
    struct craft_run_cfg cfg;
    struct craft_run_cb cb;
    struct craft_run_result res;
    struct obs o;
    char err[ERRBUF_SIZE];
    uint16_t port = 0;
    int lfd;
    enum crun_status st;
    (void)arg;
    lfd = listener(AF_INET, &port);
    PT_CHECK(lfd >= 0);
    cfg_handshake(&cfg, AF_INET, port);
    cfg.hs.hold = true;
    cfg.hs.hold_ns = 10000000000ull;
    obs_init(&o, &cb);
    stop_obs = &o;
    cb.on_frame = stop_on_synack;
    st = craft_run(&cfg, &cb, &res, err);
    close(lfd);
    obs_print(&o, "interrupted hold");
    PT_CHECK(st == CRUN_OK);
    PT_CHECK(res.stopped);
    PT_CHECK(res.end == HS_END_ABORTED);
    PT_CHECK(obs_find(&o, 0, true, TH_RST) > 0); /* the half-open entry is reset */
    PT_CHECK(pt_count_syn_recv(AF_INET, port) == 0);
    return 0; /* pt_in_netns checks that the table is gone */
}

static void test_stop_removes_guard(void **state)
{
    (void)state;
    assert_int_equal(pt_in_netns(child_stop, NULL, RUN_TIMEOUT_MS), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_a_handshake_ipv4),
        cmocka_unit_test(test_a_handshake_ipv6),
        cmocka_unit_test(test_b_hold_syn_recv),
        cmocka_unit_test(test_c_no_guard_kernel_rst),
        cmocka_unit_test(test_d_listen),
        cmocka_unit_test(test_d_listen_no_guard_refused),
        cmocka_unit_test(test_e_kill9_stale_cleanup),
        cmocka_unit_test(test_stop_removes_guard),
    };
    int gate = pt_priv_gate(true);
    if (gate >= 0)
        return gate;
    return cmocka_run_group_tests(tests, NULL, NULL);
}
