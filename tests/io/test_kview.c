/* test_kview.c: the kernel's view on loopback: TCP_INFO states of our fds;
 * sock_diag sees LISTEN, the ESTABLISHED pair, a request socket (SYN_RECV)
 * while the client is already ESTABLISHED, FIN_WAIT2/CLOSE_WAIT and
 * TIME_WAIT after close; state names and mapping. Runs in a private network
 * namespace when it can (root), else on the host's lo with port 0: neither
 * TCP_INFO nor sock_diag needs privilege, so this test never skips. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "kview.h"
#include "netns.h"

#define ROWS 64

struct pair {
    int lfd, cfd, sfd; /* listener, client, accepted */
    uint16_t port, cport;
};

static void sleep_ms(int ms)
{
    struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

static int listener(int family, uint16_t *port, int defer_s)
{
    struct sockaddr_storage ss;
    socklen_t sl;
    int one = 1;
    int fd = socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    assert_true(fd >= 0);
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    memset(&ss, 0, sizeof(ss));
    if (family == AF_INET) {
        struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
        s4->sin_family = AF_INET;
        s4->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        sl = sizeof(*s4);
    } else {
        struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
        s6->sin6_family = AF_INET6;
        s6->sin6_addr = in6addr_loopback;
        sl = sizeof(*s6);
    }
    if (bind(fd, (struct sockaddr *)&ss, sl) < 0) {
        close(fd);
        return -1;
    }
    if (defer_s)
        assert_int_equal(setsockopt(fd, IPPROTO_TCP, TCP_DEFER_ACCEPT, &defer_s,
                                    sizeof(defer_s)), 0);
    assert_int_equal(listen(fd, 8), 0);
    sl = sizeof(ss);
    assert_int_equal(getsockname(fd, (struct sockaddr *)&ss, &sl), 0);
    *port = ntohs(family == AF_INET ? ((struct sockaddr_in *)&ss)->sin_port
                                    : ((struct sockaddr_in6 *)&ss)->sin6_port);
    return fd;
}

static int connect_to(int family, uint16_t port, uint16_t *cport)
{
    struct sockaddr_storage ss;
    socklen_t sl;
    int fd = socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    assert_true(fd >= 0);
    memset(&ss, 0, sizeof(ss));
    if (family == AF_INET) {
        struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
        s4->sin_family = AF_INET;
        s4->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        s4->sin_port = htons(port);
        sl = sizeof(*s4);
    } else {
        struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
        s6->sin6_family = AF_INET6;
        s6->sin6_addr = in6addr_loopback;
        s6->sin6_port = htons(port);
        sl = sizeof(*s6);
    }
    assert_int_equal(connect(fd, (struct sockaddr *)&ss, sl), 0);
    sl = sizeof(ss);
    assert_int_equal(getsockname(fd, (struct sockaddr *)&ss, &sl), 0);
    *cport = ntohs(family == AF_INET ? ((struct sockaddr_in *)&ss)->sin_port
                                     : ((struct sockaddr_in6 *)&ss)->sin6_port);
    return fd;
}

static int accept_within(int lfd, int ms)
{
    struct pollfd p = {.fd = lfd, .events = POLLIN};
    assert_int_equal(poll(&p, 1, ms), 1);
    return accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
}

static void pair_open(struct pair *p, int family)
{
    p->lfd = listener(family, &p->port, 0);
    assert_true(p->lfd >= 0);
    p->cfd = connect_to(family, p->port, &p->cport);
    p->sfd = accept_within(p->lfd, 2000);
    assert_true(p->sfd >= 0);
}

static void pair_close(struct pair *p)
{
    if (p->cfd >= 0)
        close(p->cfd);
    if (p->sfd >= 0)
        close(p->sfd);
    if (p->lfd >= 0)
        close(p->lfd);
    p->cfd = p->sfd = p->lfd = -1;
}

/* The row with this local and remote port, or NULL. */
static const struct kview_sock *find(const struct kview_sock *rows, int n, uint16_t lport,
                                     uint16_t rport)
{
    int i;
    for (i = 0; i < n && i < ROWS; i++)
        if (rows[i].lport == lport && rows[i].rport == rport)
            return &rows[i];
    return NULL;
}

/* Dump until the (lport, rport) row is in `kstate` (or gone, with kstate 0),
 * bounded: the peer's processing is asynchronous to us. Returns the row
 * (NULL when gone); fails the test on time-out. */
static const struct kview_sock *wait_row(int family, uint16_t port, uint16_t lport,
                                         uint16_t rport, unsigned kstate,
                                         struct kview_sock rows[ROWS])
{
    char err[ERRBUF_SIZE];
    const struct kview_sock *k = NULL;
    int tries;
    for (tries = 0; tries < 200; tries++) {
        int n = kview_dump(family, port, rows, ROWS, err);
        if (n < 0)
            fail_msg("kview_dump: %s", err);
        k = find(rows, n, lport, rport);
        if (kstate == 0 ? k == NULL : (k && k->kstate == kstate))
            return k;
        sleep_ms(10);
    }
    fail_msg("port %u -> %u: wanted %s, have %s", lport, rport,
             kstate ? kview_kstate_name(kstate) : "no socket",
             k ? kview_kstate_name(k->kstate) : "no socket");
    return NULL;
}

static void test_names_and_mapping(void **state)
{
    (void)state;
    assert_string_equal(kview_kstate_name(1), "ESTABLISHED");
    assert_string_equal(kview_kstate_name(4), "FIN_WAIT1");
    assert_string_equal(kview_kstate_name(7), "CLOSE");
    assert_string_equal(kview_kstate_name(12), "NEW_SYN_RECV");
    assert_string_equal(kview_kstate_name(99), "UNKNOWN");
    assert_int_equal(kview_map_state(1), TS_ESTABLISHED);
    assert_int_equal(kview_map_state(2), TS_SYN_SENT);
    assert_int_equal(kview_map_state(3), TS_SYN_RECV);
    assert_int_equal(kview_map_state(4), TS_FIN_WAIT_1);
    assert_int_equal(kview_map_state(5), TS_FIN_WAIT_2);
    assert_int_equal(kview_map_state(6), TS_TIME_WAIT);
    assert_int_equal(kview_map_state(7), TS_CLOSED);
    assert_int_equal(kview_map_state(8), TS_CLOSE_WAIT);
    assert_int_equal(kview_map_state(9), TS_LAST_ACK);
    assert_int_equal(kview_map_state(10), TS_LISTEN);
    assert_int_equal(kview_map_state(11), TS_CLOSING);
    assert_int_equal(kview_map_state(12), TS_SYN_RECV);
    assert_int_equal(kview_map_state(0), TS_CLOSED);
    /* glibc's numbering is the kernel's. */
    assert_int_equal(TCP_ESTABLISHED, KSTATE_ESTABLISHED);
    assert_int_equal(TCP_LISTEN, KSTATE_LISTEN);
    assert_int_equal(TCP_CLOSING, KSTATE_CLOSING);
}

static void test_tcp_info_states(void **state)
{
    struct pair p;
    struct kview_sock k;
    char err[ERRBUF_SIZE];
    (void)state;

    pair_open(&p, AF_INET);
    assert_int_equal(kview_from_fd(p.lfd, &k, err), 0);
    assert_int_equal(k.kstate, KSTATE_LISTEN);
    assert_int_equal(k.state, TS_LISTEN);
    assert_int_equal(k.src, KVIEW_SRC_TCP_INFO);
    assert_int_equal(k.lport, p.port);
    assert_int_equal(k.raddr.family, 0);

    assert_int_equal(kview_from_fd(p.cfd, &k, err), 0);
    assert_int_equal(k.kstate, KSTATE_ESTABLISHED);
    assert_int_equal(k.lport, p.cport);
    assert_int_equal(k.rport, p.port);
    assert_true(ipaddr_is_loopback(&k.raddr));

    assert_int_equal(kview_from_fd(p.sfd, &k, err), 0);
    assert_int_equal(k.kstate, KSTATE_ESTABLISHED);
    assert_int_equal(k.lport, p.port);
    assert_int_equal(k.rport, p.cport);

    /* Half-close from the client: client FIN_WAIT2, server CLOSE_WAIT. */
    assert_int_equal(shutdown(p.cfd, SHUT_WR), 0);
    {
        int tries;
        for (tries = 0; tries < 200; tries++) {
            assert_int_equal(kview_from_fd(p.sfd, &k, err), 0);
            if (k.kstate == KSTATE_CLOSE_WAIT)
                break;
            sleep_ms(10);
        }
    }
    assert_string_equal(kview_kstate_name(k.kstate), "CLOSE_WAIT");
    /* The client leaves FIN_WAIT1 only when the server's ACK of the FIN
     * arrives, and Linux delays that ACK (CLOSE_WAIT enters "pingpong"
     * mode, expecting the application to answer): up to ~40 ms. */
    {
        int tries;
        for (tries = 0; tries < 200; tries++) {
            assert_int_equal(kview_from_fd(p.cfd, &k, err), 0);
            if (k.kstate != KSTATE_FIN_WAIT1)
                break;
            sleep_ms(10);
        }
    }
    assert_string_equal(kview_kstate_name(k.kstate), "FIN_WAIT2");
    assert_int_equal(k.state, TS_FIN_WAIT_2);
    pair_close(&p);
}

static void test_diag_lifecycle(void **state)
{
    struct pair p;
    struct kview_sock rows[ROWS];
    const struct kview_sock *k;
    char err[ERRBUF_SIZE], txt[KVIEW_STRLEN];
    int n;
    (void)state;

    pair_open(&p, AF_INET);
    n = kview_dump(AF_INET, p.port, rows, ROWS, err);
    assert_true(n >= 3);
    k = find(rows, n, p.port, 0);
    assert_non_null(k);
    assert_int_equal(k->kstate, KSTATE_LISTEN);
    assert_int_equal(k->src, KVIEW_SRC_SOCK_DIAG);
    assert_int_equal(k->raddr.family, 0);
    k = find(rows, n, p.cport, p.port);
    assert_non_null(k);
    assert_int_equal(k->kstate, KSTATE_ESTABLISHED);
    assert_true(k->inode != 0);
    k = find(rows, n, p.port, p.cport);
    assert_non_null(k);
    assert_int_equal(k->kstate, KSTATE_ESTABLISHED);
    kview_format(k, txt);
    assert_non_null(strstr(txt, "ESTABLISHED 127.0.0.1:"));

    /* Client closes first: FIN_WAIT2 (an orphan, only sock_diag sees it),
     * server CLOSE_WAIT; then the server closes: client TIME_WAIT, server
     * LAST_ACK then gone. */
    close(p.cfd);
    p.cfd = -1;
    k = wait_row(AF_INET, p.port, p.cport, p.port, KSTATE_FIN_WAIT2, rows);
    assert_non_null(k);
    k = wait_row(AF_INET, p.port, p.port, p.cport, KSTATE_CLOSE_WAIT, rows);
    assert_non_null(k);
    close(p.sfd);
    p.sfd = -1;
    k = wait_row(AF_INET, p.port, p.cport, p.port, KSTATE_TIME_WAIT, rows);
    assert_non_null(k);
    assert_int_equal(k->state, TS_TIME_WAIT);
    assert_int_equal(k->inode, 0);
    assert_true(k->timer_ms > 0);
    assert_false(k->request);
    assert_null(wait_row(AF_INET, p.port, p.port, p.cport, 0, rows));
    pair_close(&p);

    /* The listener is gone too; the TIME_WAIT socket stays. */
    n = kview_dump(AF_INET, p.port, rows, ROWS, err);
    assert_null(find(rows, n, p.port, 0));
    assert_non_null(find(rows, n, p.cport, p.port));
}

/* TCP_DEFER_ACCEPT makes the listener ignore the bare ACK that completes
 * the handshake, so the request socket stays SYN_RECV while the client is
 * ESTABLISHED: the kernel's "client established before server" made
 * durable, without a firewall. */
static void test_diag_request_socket(void **state)
{
    struct kview_sock rows[ROWS], k;
    const struct kview_sock *r;
    char err[ERRBUF_SIZE];
    uint16_t port, cport;
    int lfd, cfd, sfd, n;
    (void)state;

    lfd = listener(AF_INET, &port, 5);
    cfd = connect_to(AF_INET, port, &cport);
    assert_int_equal(kview_from_fd(cfd, &k, err), 0);
    assert_int_equal(k.kstate, KSTATE_ESTABLISHED);

    n = kview_dump(AF_INET, port, rows, ROWS, err);
    assert_true(n >= 2);
    r = find(rows, n, port, cport);
    assert_non_null(r);
    assert_int_equal(r->kstate, KSTATE_SYN_RECV);
    assert_int_equal(r->state, TS_SYN_RECV);
    assert_true(r->request);
    assert_int_equal(r->inode, 0);
    /* Nothing to accept yet. */
    {
        struct pollfd p = {.fd = lfd, .events = POLLIN};
        assert_int_equal(poll(&p, 1, 50), 0);
    }
    /* Data completes it: the child is created ESTABLISHED and queued. */
    assert_int_equal(send(cfd, "x", 1, 0), 1);
    sfd = accept_within(lfd, 2000);
    assert_true(sfd >= 0);
    assert_int_equal(kview_from_fd(sfd, &k, err), 0);
    assert_int_equal(k.kstate, KSTATE_ESTABLISHED);
    n = kview_dump(AF_INET, port, rows, ROWS, err);
    r = find(rows, n, port, cport);
    assert_non_null(r);
    assert_false(r->request);
    close(sfd);
    close(cfd);
    close(lfd);
}

static void test_ipv6(void **state)
{
    struct pair p;
    struct kview_sock rows[ROWS];
    char err[ERRBUF_SIZE];
    const struct kview_sock *k;
    int n, probe;
    (void)state;

    probe = listener(AF_INET6, &p.port, 0);
    if (probe < 0)
        skip(); /* no ::1 here */
    close(probe);
    pair_open(&p, AF_INET6);
    n = kview_dump(AF_INET6, p.port, rows, ROWS, err);
    assert_true(n >= 3);
    k = find(rows, n, p.cport, p.port);
    assert_non_null(k);
    assert_int_equal(k->laddr.family, IPADDR_V6);
    assert_true(ipaddr_is_loopback(&k->laddr));
    /* AF_INET alone does not list them (another IPv4 socket elsewhere on the
     * host may share the port number, so look for this pair); AF_UNSPEC does. */
    n = kview_dump(AF_INET, p.port, rows, ROWS, err);
    assert_true(n >= 0);
    assert_null(find(rows, n, p.cport, p.port));
    n = kview_dump(AF_UNSPEC, p.port, rows, ROWS, err);
    assert_true(n >= 3);
    pair_close(&p);
}

static void test_errors_and_cap(void **state)
{
    struct kview_sock k, rows[1];
    char err[ERRBUF_SIZE];
    struct pair p;
    int udp, n;
    (void)state;

    udp = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    assert_true(udp >= 0);
    err[0] = '\0';
    assert_int_equal(kview_from_fd(udp, &k, err), -1);
    assert_non_null(strstr(err, "TCP_INFO"));
    assert_null(strchr(err, '\n'));
    close(udp);
    assert_int_equal(kview_from_fd(-1, &k, err), -1);
    assert_int_equal(kview_dump(AF_PACKET, 1, rows, 1, err), -1);

    /* More matches than room: the count says so, one row is stored. */
    pair_open(&p, AF_INET);
    n = kview_dump(AF_INET, p.port, rows, 1, err);
    assert_true(n >= 3);
    assert_true(rows[0].lport == p.port || rows[0].rport == p.port);
    pair_close(&p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_names_and_mapping),
        cmocka_unit_test(test_tcp_info_states),
        cmocka_unit_test(test_diag_lifecycle),
        cmocka_unit_test(test_diag_request_socket),
        cmocka_unit_test(test_ipv6),
        cmocka_unit_test(test_errors_and_cap),
    };
    char err[ERRBUF_SIZE];
    struct netns *ns = netns_create(NULL, err);
    int saved = -1, rc;

    /* Isolation when we can have it (ctest -j, TIME_WAIT leftovers stay in
     * the throw-away namespace); the host's lo otherwise. */
    if (ns) {
        saved = netns_enter(ns, err);
        if (saved < 0) {
            fprintf(stderr, "test_kview: %s\n", err);
            netns_destroy(ns);
            return 1;
        }
    } else {
        printf("test_kview: no private namespace (%s); using the host's lo\n", err);
    }
    rc = cmocka_run_group_tests(tests, NULL, NULL);
    if (ns) {
        if (netns_restore(saved, err) < 0)
            fprintf(stderr, "test_kview: %s\n", err);
        netns_destroy(ns);
    }
    return rc;
}
