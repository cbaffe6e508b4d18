/* test_rstguard.c: the crafter's I/O pieces one by one (root, each in a
 * throw-away network namespace): the guard's nft script, install/replace/
 * remove (idempotent), scoping to the 4-tuple, the errors for a missing nft
 * and for missing CAP_NET_ADMIN / CAP_NET_RAW, raw-socket argument checks,
 * single-segment sends, and the safety refusal of non-local addresses. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <fcntl.h>

#include <pcap/pcap.h>

#include "privtest.h"

#include "craft_run.h"
#include "decode.h"
#include "exitcode.h"
#include "rawsock.h"
#include "tcp_wire.h"

#define TIMEOUT_MS 20000

static struct ip_addr addr(const char *s)
{
    struct ip_addr a;
    ipaddr_parse(s, &a);
    return a;
}

/* ---- the script (pure) ---------------------------------------------------- */

static void test_script_client_v4(void **state)
{
    struct rstguard_spec s;
    char out[1024];
    int n;
    (void)state;
    memset(&s, 0, sizeof(s));
    s.role = RSTGUARD_CLIENT;
    s.local = addr("127.0.0.1");
    s.lport = 40000;
    s.remote = addr("127.0.0.2");
    s.rport = 80;
    n = rstguard_script(&s, "tcpshake_42", out, sizeof(out));
    assert_true(n > 0 && (size_t)n < sizeof(out));
    assert_non_null(strstr(out, "add table inet tcpshake_42\ndelete table inet tcpshake_42\n"));
    assert_non_null(strstr(out, "type filter hook input priority raw; policy accept;"));
    assert_non_null(strstr(out, "ip saddr 127.0.0.2 ip daddr 127.0.0.1 tcp sport 80 "
                                "tcp dport 40000 counter drop"));
}

static void test_script_listen_v6(void **state)
{
    struct rstguard_spec s;
    char out[1024];
    (void)state;
    memset(&s, 0, sizeof(s));
    s.role = RSTGUARD_LISTEN;
    s.local = addr("::1");
    s.lport = 8080;
    assert_true(rstguard_script(&s, "tcpshake_1", out, sizeof(out)) > 0);
    assert_non_null(strstr(out, "ip6 daddr ::1 tcp dport 8080 counter drop"));
    assert_null(strstr(out, "saddr"));
    s.remote = addr("::1");
    s.rport = 5555;
    assert_true(rstguard_script(&s, "tcpshake_1", out, sizeof(out)) > 0);
    assert_non_null(strstr(out, "ip6 saddr ::1 ip6 daddr ::1 tcp sport 5555 tcp dport 8080"));
}

static void test_script_bad_spec(void **state)
{
    struct rstguard_spec s;
    char out[1024];
    (void)state;
    memset(&s, 0, sizeof(s));
    s.role = RSTGUARD_CLIENT;
    s.local = addr("127.0.0.1");
    s.lport = 1;
    assert_int_equal(rstguard_script(&s, "t", out, sizeof(out)), RSTGUARD_ERR_SPEC);
    s.remote = addr("::1");
    s.rport = 2;
    assert_int_equal(rstguard_script(&s, "t", out, sizeof(out)), RSTGUARD_ERR_SPEC);
    s.role = RSTGUARD_LISTEN;
    s.remote.family = 0;
    s.lport = 0;
    assert_int_equal(rstguard_script(&s, "t", out, sizeof(out)), RSTGUARD_ERR_SPEC);
}

static void test_nft_not_found(void **state)
{
    struct rstguard g;
    char err[ERRBUF_SIZE];
    (void)state;
    assert_int_equal(rstguard_init(&g, "/nonexistent/nft", err), RSTGUARD_ERR_NONFT);
    assert_non_null(strstr(err, "nft not found"));
    assert_non_null(strstr(err, "install nftables, or use --no-guard"));
    assert_int_equal(rstguard_init(&g, NULL, err), 0);
    assert_non_null(strstr(g.table, "tcpshake_"));
}

static void test_exit_status_map(void **state)
{
    (void)state;
    assert_int_equal(crun_exit_status(CRUN_OK), EXIT_OK);
    assert_int_equal(crun_exit_status(CRUN_PERM), EXIT_PRIV);
    assert_int_equal(crun_exit_status(CRUN_REMOTE), EXIT_USAGE);
    assert_int_equal(crun_exit_status(CRUN_NONFT), EXIT_NETWORK);
    assert_int_equal(crun_exit_status(CRUN_GUARD), EXIT_NETWORK);
    assert_int_equal(crun_exit_status(CRUN_CAPTURE), EXIT_CAPTURE);
    assert_string_equal(crun_status_name(CRUN_NONFT), "nft not found");
}

/* ---- install / remove -------------------------------------------------------- */

static int child_install_remove(void *arg)
{
    struct rstguard g;
    struct rstguard_spec s;
    char err[ERRBUF_SIZE], list[256], want[64];
    (void)arg;
    PT_CHECK(rstguard_init(&g, NULL, err) == 0);
    memset(&s, 0, sizeof(s));
    s.role = RSTGUARD_CLIENT;
    s.local = addr("127.0.0.1");
    s.lport = 40000;
    s.remote = addr("127.0.0.1");
    s.rport = 80;
    PT_CHECK(rstguard_install(&g, &s, err) == 0);
    PT_CHECK(g.installed);
    snprintf(want, sizeof(want), "%s\n", g.table);
    PT_CHECK(rstguard_list(&g, list, sizeof(list), err) == 1 && strcmp(list, want) == 0);
    PT_CHECK(rstguard_dropped(&g) == 0);
    /* Installing again replaces it (one table, not two, no error). */
    s.role = RSTGUARD_LISTEN;
    PT_CHECK(rstguard_install(&g, &s, err) == 0);
    PT_CHECK(rstguard_list(&g, list, sizeof(list), err) == 1);
    /* Stale cleanup keeps our own table. */
    {
        unsigned removed = 99;
        PT_CHECK(rstguard_cleanup_stale(&g, &removed, err) == 0 && removed == 0);
        PT_CHECK(rstguard_list(&g, list, sizeof(list), err) == 1);
    }
    PT_CHECK(rstguard_remove(&g, err) == 0);
    PT_CHECK(!g.installed);
    PT_CHECK(rstguard_list(&g, list, sizeof(list), err) == 0);
    /* Idempotent: again, and even when nft is asked about a gone table. */
    PT_CHECK(rstguard_remove(&g, err) == 0);
    g.installed = true;
    PT_CHECK(rstguard_remove(&g, err) == 0);
    PT_CHECK(rstguard_dropped(&g) == -1);
    return 0;
}

static void test_install_replace_remove(void **state)
{
    (void)state;
    assert_int_equal(pt_in_netns(child_install_remove, NULL, TIMEOUT_MS), 0);
}

static int listener4(uint16_t *port)
{
    struct sockaddr_in a;
    socklen_t len = sizeof(a);
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    memset(&a, 0, sizeof(a));
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof(a)) != 0 || listen(fd, 8) != 0 ||
        getsockname(fd, (struct sockaddr *)&a, &len) != 0)
        return -1;
    *port = ntohs(a.sin_port);
    return fd;
}

/* connect() from a given local port (0 = any) with a time limit. */
static int connect4(uint16_t lport, uint16_t port, int ms)
{
    struct sockaddr_in a;
    struct pollfd w;
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0), err = -1, one = 1;
    socklen_t el = sizeof(err);
    memset(&a, 0, sizeof(a));
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    if (lport) {
        a.sin_port = htons(lport);
        if (bind(fd, (struct sockaddr *)&a, sizeof(a)) != 0) {
            close(fd);
            return -2;
        }
    }
    a.sin_port = htons(port);
    if (connect(fd, (struct sockaddr *)&a, sizeof(a)) != 0 && errno != EINPROGRESS) {
        close(fd);
        return errno;
    }
    w.fd = fd;
    w.events = POLLOUT;
    w.revents = 0;
    if (poll(&w, 1, ms) == 1)
        getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &el);
    else
        err = ETIMEDOUT;
    close(fd);
    return err;
}

/* The guard drops exactly its 4-tuple: a kernel connection from the guarded
 * port to the guarded server times out (its SYN+ACK never arrives), one
 * from another port to the same server completes. */
static int child_scope(void *arg)
{
    struct rstguard g;
    struct rstguard_spec s;
    char err[ERRBUF_SIZE];
    uint16_t port = 0, guarded = 45678;
    int lfd, rc_other, rc_guarded;
    (void)arg;
    lfd = listener4(&port);
    PT_CHECK(lfd >= 0);
    PT_CHECK(rstguard_init(&g, NULL, err) == 0);
    memset(&s, 0, sizeof(s));
    s.role = RSTGUARD_CLIENT;
    s.local = addr("127.0.0.1");
    s.lport = guarded;
    s.remote = addr("127.0.0.1");
    s.rport = port;
    PT_CHECK(rstguard_install(&g, &s, err) == 0);
    rc_other = connect4(0, port, 2000);
    rc_guarded = connect4(guarded, port, 300);
    printf("  guard on 127.0.0.1:%u -> :%u: other port connect %d, guarded port %d (%s); "
           "dropped %lld\n",
           port, guarded, rc_other, rc_guarded, strerror(rc_guarded), rstguard_dropped(&g));
    PT_CHECK(rstguard_dropped(&g) >= 1);
    PT_CHECK(rstguard_remove(&g, err) == 0);
    close(lfd);
    PT_CHECK(rc_other == 0);
    PT_CHECK(rc_guarded == ETIMEDOUT);
    return 0;
}

static void test_guard_scoped_to_tuple(void **state)
{
    (void)state;
    assert_int_equal(pt_in_netns(child_scope, NULL, TIMEOUT_MS), 0);
}

/* ---- privilege errors ------------------------------------------------------ */

static int no_net_admin(void);

/* The capabilities are dropped in a grandchild: the netns child keeps them
 * for its final check that no table was left. */
static int child_no_net_admin(void *arg)
{
    int st = 0;
    pid_t pid;
    (void)arg;
    fflush(stdout);
    pid = fork();
    PT_CHECK(pid >= 0);
    if (pid == 0) {
        int rc = no_net_admin();
        fflush(stdout);
        _exit(rc);
    }
    PT_CHECK(waitpid(pid, &st, 0) == pid);
    return WIFEXITED(st) ? WEXITSTATUS(st) : 1;
}

static int no_net_admin(void)
{
    struct rstguard g;
    struct rstguard_spec s;
    struct craft_run_cfg cfg;
    struct craft_run_result res;
    char err[ERRBUF_SIZE];
    uint16_t port = 0;
    int lfd, rc;
    enum crun_status st;
    lfd = listener4(&port);
    PT_CHECK(lfd >= 0);
    /* Without CAP_NET_ADMIN, for us and for the nft we run (bounding set). */
    PT_CHECK(prctl(PR_CAPBSET_DROP, CAP_NET_ADMIN, 0, 0, 0) == 0);
    PT_CHECK(pt_drop_effective(1ull << CAP_NET_ADMIN) == 0);
    PT_CHECK(rstguard_init(&g, NULL, err) == 0);
    memset(&s, 0, sizeof(s));
    s.role = RSTGUARD_LISTEN;
    s.local = addr("127.0.0.1");
    s.lport = 9;
    rc = rstguard_install(&g, &s, err);
    printf("  without CAP_NET_ADMIN: %s\n", err);
    PT_CHECK(rc == RSTGUARD_ERR_PERM);
    PT_CHECK(strstr(err, "needs root or CAP_NET_ADMIN") != NULL);
    craft_run_cfg_default(&cfg, CRAFT_HANDSHAKE);
    cfg.remote = addr("127.0.0.1");
    cfg.rport = port;
    st = craft_run(&cfg, NULL, &res, err);
    PT_CHECK(st == CRUN_PERM);
    PT_CHECK(strstr(err, "CAP_NET_ADMIN") != NULL);
    /* With --no-guard the run goes on (and meets the kernel's RST). */
    cfg.no_guard = true;
    st = craft_run(&cfg, NULL, &res, err);
    PT_CHECK(st == CRUN_OK && res.kernel_rst);
    close(lfd);
    return 0;
}

static void test_no_net_admin(void **state)
{
    (void)state;
    assert_int_equal(pt_in_netns(child_no_net_admin, NULL, TIMEOUT_MS), 0);
}

static int child_no_net_raw(void *arg)
{
    struct rawsock rs;
    struct craft_run_cfg cfg;
    struct craft_run_result res;
    struct craft_spec sp;
    char err[ERRBUF_SIZE];
    (void)arg;
    PT_CHECK(pt_drop_effective(1ull << CAP_NET_RAW) == 0);
    PT_CHECK(rawsock_open(&rs, IPADDR_V4, err) == RAWSOCK_ERR_PERM);
    printf("  without CAP_NET_RAW: %s\n", err);
    PT_CHECK(strstr(err, "needs root or CAP_NET_RAW") != NULL);
    PT_CHECK(rs.fd == -1);
    PT_CHECK(rawsock_open(&rs, IPADDR_V6, err) == RAWSOCK_ERR_PERM);
    craft_run_cfg_default(&cfg, CRAFT_HANDSHAKE);
    cfg.remote = addr("127.0.0.1");
    cfg.rport = 80;
    PT_CHECK(craft_run(&cfg, NULL, &res, err) == CRUN_PERM);
    memset(&sp, 0, sizeof(sp));
    sp.dst = addr("127.0.0.1");
    sp.dport = 80;
    sp.flags = TH_SYN;
    PT_CHECK(craft_send_one(&sp, false, NULL, err) == CRUN_PERM);
    return 0;
}

static void test_no_net_raw(void **state)
{
    (void)state;
    assert_int_equal(pt_in_netns(child_no_net_raw, NULL, TIMEOUT_MS), 0);
}

static int child_nft_missing_run(void *arg)
{
    struct craft_run_cfg cfg;
    struct craft_run_result res;
    char err[ERRBUF_SIZE];
    (void)arg;
    craft_run_cfg_default(&cfg, CRAFT_HANDSHAKE);
    cfg.remote = addr("127.0.0.1");
    cfg.rport = 9;
    cfg.nft_path = "/nonexistent/nft";
    PT_CHECK(craft_run(&cfg, NULL, &res, err) == CRUN_NONFT);
    PT_CHECK(strstr(err, "or use --no-guard") != NULL);
    return 0;
}

static void test_nft_missing_run(void **state)
{
    (void)state;
    assert_int_equal(pt_in_netns(child_nft_missing_run, NULL, TIMEOUT_MS), 0);
}

/* ---- raw sockets and single segments ---------------------------------------- */

static int child_rawsock_args(void *arg)
{
    struct rawsock rs;
    char err[ERRBUF_SIZE];
    uint8_t v6[40] = { 0x60 }, junk[20] = { 0x10 }, v4[20] = { 0x45 };
    (void)arg;
    PT_CHECK(rawsock_open(&rs, 5, err) == RAWSOCK_ERR_FAMILY);
    PT_CHECK(rawsock_open(&rs, IPADDR_V4, err) == 0);
    PT_CHECK(rawsock_send(&rs, v6, sizeof(v6), err) == RAWSOCK_ERR_FAMILY);
    PT_CHECK(rawsock_send(&rs, junk, sizeof(junk), err) == RAWSOCK_ERR_PACKET);
    PT_CHECK(rawsock_send(&rs, v4, 10, err) == RAWSOCK_ERR_PACKET);
    rawsock_close(&rs);
    rawsock_close(&rs); /* idempotent */
    PT_CHECK(rawsock_send(&rs, v4, sizeof(v4), err) == RAWSOCK_ERR_SOCKET);
    return 0;
}

static void test_rawsock_args(void **state)
{
    (void)state;
    assert_int_equal(pt_in_netns(child_rawsock_args, NULL, TIMEOUT_MS), 0);
}

struct sent_log {
    int n;
    struct pkt p;
};

static void note_sent(void *user, const struct frame *f, enum link_type lt)
{
    struct sent_log *l = user;
    if (decode_frame(lt, f, &l->p) == DECODE_OK)
        l->n++;
}

/* One SYN to a kernel listener: the capture shows S, the listener's SA,
 * and this host's RST (nothing owns our port). */
static int child_send_one(void *arg)
{
    struct craft_spec sp;
    struct craft_run_cb cb;
    struct sent_log log;
    char err[ERRBUF_SIZE], pe[PCAP_ERRBUF_SIZE], filt[64], seen[64] = "";
    struct bpf_program prog;
    pcap_t *pc;
    uint16_t port = 0;
    int lfd;
    uint64_t end;
    (void)arg;
    lfd = listener4(&port);
    PT_CHECK(lfd >= 0);
    pc = pcap_open_live("lo", 65535, 0, 10, pe);
    PT_CHECK(pc != NULL);
    snprintf(filt, sizeof(filt), "tcp port %u", port);
    PT_CHECK(pcap_compile(pc, &prog, filt, 1, PCAP_NETMASK_UNKNOWN) == 0);
    PT_CHECK(pcap_setfilter(pc, &prog) == 0);
    pcap_freecode(&prog);
    PT_CHECK(pcap_setnonblock(pc, 1, pe) == 0);
    memset(&sp, 0, sizeof(sp));
    sp.dst = addr("127.0.0.1");
    sp.dport = port;
    sp.flags = TH_SYN;
    sp.seq = 12345;
    sp.win = 1000;
    sp.opt.present = TCPOPT_P_MSS;
    sp.opt.mss = 1400;
    memset(&cb, 0, sizeof(cb));
    memset(&log, 0, sizeof(log));
    cb.on_sent = note_sent;
    cb.user = &log;
    PT_CHECK(craft_send_one(&sp, false, &cb, err) == CRUN_OK);
    PT_CHECK(log.n == 1 && log.p.flags == TH_SYN && log.p.dport == port &&
             log.p.seq == 12345 && log.p.sport >= 32768);
    end = pt_now_ms() + 1000;
    while (pt_now_ms() < end && strlen(seen) < 20) {
        struct pcap_pkthdr *h;
        const u_char *d;
        int rc = pcap_next_ex(pc, &h, &d);
        if (rc == 1) {
            struct frame f = { d, h->caplen, h->len, 0 };
            struct pkt p;
            char fl[16];
            if (decode_frame(LINK_ETHERNET, &f, &p) == DECODE_OK) {
                size_t n = strlen(seen);
                snprintf(seen + n, sizeof(seen) - n, "%s%s", n ? " " : "",
                         tcp_flags_letters(p.flags, fl));
            }
        } else if (rc == 0) {
            usleep(5000);
        } else {
            break;
        }
    }
    pcap_close(pc);
    close(lfd);
    printf("  single SYN: %s\n", seen);
    PT_CHECK(strcmp(seen, "S S. R") == 0);
    return 0;
}

static void test_send_one(void **state)
{
    (void)state;
    assert_int_equal(pt_in_netns(child_send_one, NULL, TIMEOUT_MS), 0);
}

/* ---- safety and usage ---------------------------------------------------------- */

static int child_refusals(void *arg)
{
    struct craft_run_cfg cfg;
    struct craft_run_result res;
    struct craft_spec sp;
    char err[ERRBUF_SIZE];
    (void)arg;
    craft_run_cfg_default(&cfg, CRAFT_HANDSHAKE);
    cfg.remote = addr("192.0.2.1"); /* TEST-NET-1: not this host */
    cfg.rport = 80;
    PT_CHECK(craft_run(&cfg, NULL, &res, err) == CRUN_REMOTE);
    PT_CHECK(strstr(err, "--allow-remote") != NULL);
    cfg.remote = addr("2001:db8::1");
    PT_CHECK(craft_run(&cfg, NULL, &res, err) == CRUN_REMOTE);
    /* A spoofed source is refused too. */
    cfg.remote = addr("127.0.0.1");
    cfg.local = addr("10.9.9.9");
    PT_CHECK(craft_run(&cfg, NULL, &res, err) == CRUN_REMOTE);
    craft_run_cfg_default(&cfg, CRAFT_LISTEN);
    cfg.local = addr("192.0.2.1");
    cfg.lport = 80;
    PT_CHECK(craft_run(&cfg, NULL, &res, err) == CRUN_REMOTE);
    /* Usage. */
    craft_run_cfg_default(&cfg, CRAFT_HANDSHAKE);
    PT_CHECK(craft_run(&cfg, NULL, &res, err) == CRUN_USAGE);
    cfg.remote = addr("127.0.0.1");
    PT_CHECK(craft_run(&cfg, NULL, &res, err) == CRUN_USAGE); /* no port */
    cfg.rport = 80;
    cfg.local = addr("::1");
    PT_CHECK(craft_run(&cfg, NULL, &res, err) == CRUN_USAGE); /* families */
    craft_run_cfg_default(&cfg, CRAFT_LISTEN);
    PT_CHECK(craft_run(&cfg, NULL, &res, err) == CRUN_USAGE); /* no port */
    /* Single segment. */
    memset(&sp, 0, sizeof(sp));
    sp.dst = addr("192.0.2.1");
    sp.dport = 80;
    PT_CHECK(craft_send_one(&sp, false, NULL, err) == CRUN_REMOTE);
    sp.dst = addr("127.0.0.1");
    sp.src = addr("10.9.9.9");
    PT_CHECK(craft_send_one(&sp, false, NULL, err) == CRUN_REMOTE);
    memset(&sp, 0, sizeof(sp));
    PT_CHECK(craft_send_one(&sp, false, NULL, err) == CRUN_USAGE);
    PT_CHECK(craft_addr_is_local(&(struct ip_addr){ IPADDR_V4, { 127, 0, 0, 9 } }));
    return 0;
}

static void test_refusals(void **state)
{
    (void)state;
    assert_int_equal(pt_in_netns(child_refusals, NULL, TIMEOUT_MS), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_script_client_v4),
        cmocka_unit_test(test_script_listen_v6),
        cmocka_unit_test(test_script_bad_spec),
        cmocka_unit_test(test_nft_not_found),
        cmocka_unit_test(test_exit_status_map),
        cmocka_unit_test(test_install_replace_remove),
        cmocka_unit_test(test_guard_scoped_to_tuple),
        cmocka_unit_test(test_no_net_admin),
        cmocka_unit_test(test_no_net_raw),
        cmocka_unit_test(test_nft_missing_run),
        cmocka_unit_test(test_rawsock_args),
        cmocka_unit_test(test_send_one),
        cmocka_unit_test(test_refusals),
    };
    int gate = pt_priv_gate(true);
    if (gate >= 0)
        return gate;
    return cmocka_run_group_tests(tests, NULL, NULL);
}
