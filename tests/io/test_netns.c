/* test_netns.c: two namespaces joined by a veth, a TCP connection across
 * them (IPv4 and IPv6, no ping), enter/restore, anonymous namespaces that
 * vanish with their fd, stale clean-up of a dead pid's leftovers, and
 * nothing left in /var/run/netns or the link list afterwards. Needs root
 * (CAP_SYS_ADMIN + CAP_NET_ADMIN): exits 77 without it, or fails if
 * TCPSHAKE_REQUIRE_PRIV=1. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "kview.h"
#include "netns.h"

static void sleep_ms(int ms)
{
    struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* Entries of /var/run/netns and links of the current namespace whose name
 * carries `pid` ("tshk<pid>..."). */
static int leftovers(long pid, char *what, size_t cap)
{
    int n = 0;
    DIR *d = opendir(NETNS_RUN_DIR);
    struct if_nameindex *ifs = if_nameindex(), *i;
    what[0] = '\0';
    if (d) {
        struct dirent *de;
        while ((de = readdir(d)) != NULL)
            if (netns_name_pid(de->d_name) == pid) {
                n++;
                strncat(what, de->d_name, cap - strlen(what) - 2);
                strcat(what, " ");
            }
        closedir(d);
    }
    assert_non_null(ifs);
    for (i = ifs; i->if_index != 0; i++)
        if (netns_name_pid(i->if_name) == pid) {
            n++;
            strncat(what, i->if_name, cap - strlen(what) - 2);
            strcat(what, " ");
        }
    if_freenameindex(ifs);
    return n;
}

static void assert_nothing_left(long pid)
{
    char what[512];
    int n = leftovers(pid, what, sizeof(what));
    if (n)
        fail_msg("left behind: %s", what);
}

static bool pinned_exists(const char *name)
{
    char path[256];
    struct stat st;
    snprintf(path, sizeof(path), "%s/%s", NETNS_RUN_DIR, name);
    return stat(path, &st) == 0;
}

static void make_sa(const struct ip_addr *a, uint16_t port, struct sockaddr_storage *ss,
                    socklen_t *sl)
{
    memset(ss, 0, sizeof(*ss));
    if (a->family == IPADDR_V4) {
        struct sockaddr_in *s4 = (struct sockaddr_in *)ss;
        s4->sin_family = AF_INET;
        memcpy(&s4->sin_addr, a->bytes, 4);
        s4->sin_port = htons(port);
        *sl = sizeof(*s4);
    } else {
        struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;
        s6->sin6_family = AF_INET6;
        memcpy(&s6->sin6_addr, a->bytes, 16);
        s6->sin6_port = htons(port);
        *sl = sizeof(*s6);
    }
}

/* Listener in ns_b on addr_b, client in ns_a, one message each way. */
static void tcp_across(const struct netns *ns_a, const struct netns *ns_b,
                       const struct ip_addr *addr_b)
{
    char err[ERRBUF_SIZE], buf[16];
    int fam = addr_b->family == IPADDR_V6 ? AF_INET6 : AF_INET;
    struct sockaddr_storage ss;
    socklen_t sl;
    struct pollfd p;
    struct kview_sock k;
    uint16_t port;
    int lfd, cfd, sfd, soerr = -1;
    int rcv_nonblock;

    lfd = netns_socket(ns_b, fam, SOCK_STREAM, 0, err);
    assert_true(lfd >= 0);
    make_sa(addr_b, 0, &ss, &sl);
    assert_int_equal(bind(lfd, (struct sockaddr *)&ss, sl), 0);
    assert_int_equal(listen(lfd, 4), 0);
    sl = sizeof(ss);
    assert_int_equal(getsockname(lfd, (struct sockaddr *)&ss, &sl), 0);
    port = ntohs(fam == AF_INET ? ((struct sockaddr_in *)&ss)->sin_port
                                : ((struct sockaddr_in6 *)&ss)->sin6_port);

    cfd = netns_socket(ns_a, fam, SOCK_STREAM | SOCK_NONBLOCK, 0, err);
    assert_true(cfd >= 0);
    make_sa(addr_b, port, &ss, &sl);
    if (connect(cfd, (struct sockaddr *)&ss, sl) < 0)
        assert_int_equal(errno, EINPROGRESS);
    p.fd = cfd;
    p.events = POLLOUT;
    /* Neighbour resolution, then the handshake: well under 3 s. */
    assert_int_equal(poll(&p, 1, 3000), 1);
    sl = sizeof(soerr);
    assert_int_equal(getsockopt(cfd, SOL_SOCKET, SO_ERROR, &soerr, &sl), 0);
    assert_int_equal(soerr, 0);
    p.fd = lfd;
    p.events = POLLIN;
    assert_int_equal(poll(&p, 1, 3000), 1);
    sfd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
    assert_true(sfd >= 0);

    assert_int_equal(kview_from_fd(cfd, &k, err), 0);
    assert_int_equal(k.kstate, KSTATE_ESTABLISHED);
    assert_int_equal(kview_from_fd(sfd, &k, err), 0);
    assert_int_equal(k.kstate, KSTATE_ESTABLISHED);
    assert_true(ipaddr_eq(&k.laddr, addr_b));

    assert_int_equal(send(cfd, "ping", 4, MSG_NOSIGNAL), 4);
    p.fd = sfd;
    assert_int_equal(poll(&p, 1, 3000), 1);
    assert_int_equal(recv(sfd, buf, sizeof(buf), 0), 4);
    assert_memory_equal(buf, "ping", 4);
    assert_int_equal(send(sfd, "pong", 4, MSG_NOSIGNAL), 4);
    p.fd = cfd;
    assert_int_equal(poll(&p, 1, 3000), 1);
    rcv_nonblock = (int)recv(cfd, buf, sizeof(buf), 0);
    assert_int_equal(rcv_nonblock, 4);
    assert_memory_equal(buf, "pong", 4);
    close(cfd);
    close(sfd);
    close(lfd);
}

static void veth_across(int v6)
{
    char err[ERRBUF_SIZE], na[64], nb[64], la[16], lb[16];
    struct netns *a, *b;
    struct ip_addr ia, ib;
    long pid = (long)getpid();

    assert_int_equal(netns_make_name(na, sizeof(na), v6 ? "-t6a" : "-t4a"), 0);
    assert_int_equal(netns_make_name(nb, sizeof(nb), v6 ? "-t6b" : "-t4b"), 0);
    assert_int_equal(netns_make_name(la, sizeof(la), "a"), 0);
    assert_int_equal(netns_make_name(lb, sizeof(lb), "b"), 0);
    a = netns_create(na, err);
    if (!a)
        fail_msg("%s", err);
    b = netns_create(nb, err);
    if (!b)
        fail_msg("%s", err);
    assert_string_equal(netns_name(a), na);
    assert_true(pinned_exists(na));
    assert_true(pinned_exists(nb));

    /* Created here (recognizable names in our link list), then moved. */
    if (netns_veth_add(NULL, la, NULL, lb, err) < 0)
        fail_msg("%s", err);
    assert_true(if_nametoindex(la) > 0);
    assert_true(if_nametoindex(lb) > 0);
    if (netns_link_move(NULL, la, a, err) < 0 || netns_link_move(NULL, lb, b, err) < 0)
        fail_msg("%s", err);
    assert_int_equal(if_nametoindex(la), 0);
    assert_true(netns_ifindex(a, la, err) > 0);

    assert_int_equal(ipaddr_parse(v6 ? "fd00:7473:686b:1::1" : "10.201.0.1", &ia), 0);
    assert_int_equal(ipaddr_parse(v6 ? "fd00:7473:686b:1::2" : "10.201.0.2", &ib), 0);
    if (netns_tx_csum_off(a, la, err) < 0 || netns_tx_csum_off(b, lb, err) < 0)
        fail_msg("%s", err);
    if (netns_addr_add(a, la, &ia, v6 ? 64 : 24, err) < 0 ||
        netns_addr_add(b, lb, &ib, v6 ? 64 : 24, err) < 0)
        fail_msg("%s", err);
    if (netns_link_up(a, la, err) < 0 || netns_link_up(b, lb, err) < 0)
        fail_msg("%s", err);

    tcp_across(a, b, &ib);

    /* Deleting one end takes the peer; synchronous, unlike namespace exit. */
    assert_int_equal(netns_link_del(a, la, err), 0);
    assert_int_equal(netns_ifindex(b, lb, err), -1);
    assert_int_equal(netns_link_del(a, la, err), 1);
    netns_destroy(a);
    netns_destroy(b);
    assert_false(pinned_exists(na));
    assert_false(pinned_exists(nb));
    assert_nothing_left(pid);
}

static void test_veth_tcp_ipv4(void **state)
{
    (void)state;
    veth_across(0);
}

static void test_veth_tcp_ipv6(void **state)
{
    (void)state;
    veth_across(1);
}

static unsigned long netns_inode(void)
{
    struct stat st;
    assert_int_equal(stat("/proc/thread-self/ns/net", &st), 0);
    return (unsigned long)st.st_ino;
}

static void test_enter_restore(void **state)
{
    char err[ERRBUF_SIZE];
    struct netns *ns = netns_create(NULL, err);
    unsigned long before = netns_inode();
    int saved;
    (void)state;

    assert_non_null(ns);
    assert_string_equal(netns_name(ns), "");
    saved = netns_enter(ns, err);
    assert_true(saved >= 0);
    assert_true(netns_inode() != before);
    /* lo is up inside: a loopback listener works. */
    {
        struct sockaddr_in s4;
        int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        memset(&s4, 0, sizeof(s4));
        s4.sin_family = AF_INET;
        s4.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        assert_int_equal(bind(fd, (struct sockaddr *)&s4, sizeof(s4)), 0);
        close(fd);
    }
    assert_int_equal(netns_restore(saved, err), 0);
    assert_int_equal(netns_inode(), before);
    netns_destroy(ns);
}

/* An anonymous namespace dies with its last fd, and takes its end of a
 * veth, hence the peer in our namespace too: what a SIGKILL leaves. */
static void test_anonymous_vanishes(void **state)
{
    char err[ERRBUF_SIZE], name[16];
    struct netns *ns = netns_create(NULL, err);
    int tries;
    (void)state;

    assert_non_null(ns);
    assert_int_equal(netns_make_name(name, sizeof(name), "z"), 0);
    if (netns_veth_add(NULL, name, ns, "inner0", err) < 0)
        fail_msg("%s", err);
    assert_true(if_nametoindex(name) > 0);
    assert_true(netns_ifindex(ns, "inner0", err) > 0);
    netns_destroy(ns);
    /* Namespace teardown runs in a kernel work queue: bounded wait. */
    for (tries = 0; tries < 300 && if_nametoindex(name) > 0; tries++)
        sleep_ms(10);
    assert_int_equal(if_nametoindex(name), 0);
    assert_nothing_left((long)getpid());
}

static void test_cleanup_stale(void **state)
{
    char err[ERRBUF_SIZE], nsname[64], l1[32], l2[32], what[256];
    struct netns *ns;
    pid_t child;
    int status, removed;
    (void)state;

    /* A pid that is certainly dead: a child we reaped. */
    child = fork();
    assert_true(child >= 0);
    if (child == 0)
        _exit(0);
    assert_int_equal(waitpid(child, &status, 0), child);

    snprintf(nsname, sizeof(nsname), "%s%ld-stale", NETNS_PREFIX, (long)child);
    snprintf(l1, sizeof(l1), "%s%ldx", NETNS_PREFIX, (long)child);
    snprintf(l2, sizeof(l2), "%s%ldy", NETNS_PREFIX, (long)child);
    assert_int_equal(netns_name_pid(nsname), (long)child);
    ns = netns_create(nsname, err);
    assert_non_null(ns);
    /* Forget it without unpinning, as a crashed process would. */
    close(netns_fd(ns));
    free(ns);
    if (netns_veth_add(NULL, l1, NULL, l2, err) < 0)
        fail_msg("%s", err);
    assert_int_equal(leftovers((long)child, what, sizeof(what)), 3);

    removed = netns_cleanup_stale(err);
    assert_true(removed >= 2); /* the pin and one veth (its peer goes with it) */
    assert_int_equal(leftovers((long)child, what, sizeof(what)), 0);
    assert_false(pinned_exists(nsname));
    /* Ours are alive: never touched. */
    assert_int_equal(netns_name_pid("tshk"), 0);
    assert_int_equal(netns_name_pid("eth0"), 0);
    assert_int_equal(netns_name_pid("tshk12ab"), 12);
}

static void test_errors(void **state)
{
    char err[ERRBUF_SIZE];
    struct ip_addr a;
    (void)state;

    assert_null(netns_create("../x", err));
    assert_null(netns_create("", err));
    assert_int_equal(netns_veth_add(NULL, "this-name-is-too-long", NULL, "b", err), -1);
    assert_int_equal(errno, EINVAL);
    assert_non_null(strstr(err, "veth names"));
    assert_int_equal(netns_link_del(NULL, "tshk-nonexist", err), 1);
    assert_int_equal(netns_ifindex(NULL, "tshk-nonexist", err), -1);
    assert_non_null(strstr(err, "tshk-nonexist"));
    assert_int_equal(ipaddr_parse("10.1.2.3", &a), 0);
    assert_int_equal(netns_addr_add(NULL, "tshk-nonexist", &a, 33, err), -1);
    assert_int_equal(netns_addr_add(NULL, "tshk-nonexist", &a, 24, err), -1);
    assert_int_equal(netns_link_up(NULL, "tshk-nonexist", err), -1);
    assert_non_null(strstr(err, "tshk-nonexist"));
    assert_int_equal(netns_make_name(err, 5, "x"), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_enter_restore),
        cmocka_unit_test(test_veth_tcp_ipv4),
        cmocka_unit_test(test_veth_tcp_ipv6),
        cmocka_unit_test(test_anonymous_vanishes),
        cmocka_unit_test(test_cleanup_stale),
        cmocka_unit_test(test_errors),
    };
    char err[ERRBUF_SIZE];
    const char *req = getenv("TCPSHAKE_REQUIRE_PRIV");

    /* Decide before cmocka: it exits 0 when every test skips. */
    if (netns_probe(err) < 0) {
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
    return cmocka_run_group_tests(tests, NULL, NULL);
}
