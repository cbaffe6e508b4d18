/* privtest.h: helpers for the privileged crafter tests: the privilege check
 * that decides SKIPPED (77) before cmocka runs, throw-away network
 * namespaces (a forked child, unshare(CLONE_NEWNET), lo up) so nothing
 * touches the host, capability dropping, and sock_diag counting. */
#ifndef TCPSHAKE_PRIVTEST_H
#define TCPSHAKE_PRIVTEST_H

#include <errno.h>
#include <linux/capability.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "rstguard.h"

#define PT_UNUSED __attribute__((unused))

/* Checks inside a forked child (cmocka's asserts would longjmp into a copy
 * of the runner): print and return 1. */
#define PT_CHECK(c)                                                                  \
    do {                                                                             \
        if (!(c)) {                                                                  \
            fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #c);   \
            fflush(stderr);                                                          \
            return 1;                                                                \
        }                                                                            \
    } while (0)

PT_UNUSED static uint64_t pt_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

PT_UNUSED static bool pt_has_caps(unsigned long long need, char *why, size_t cap)
{
    struct __user_cap_header_struct hdr = { _LINUX_CAPABILITY_VERSION_3, 0 };
    struct __user_cap_data_struct d[2];
    unsigned long long eff;
    memset(d, 0, sizeof(d));
    if (syscall(SYS_capget, &hdr, d) != 0) {
        snprintf(why, cap, "capget: %s", strerror(errno));
        return false;
    }
    eff = (unsigned long long)d[1].effective << 32 | d[0].effective;
    if ((eff & need) != need) {
        snprintf(why, cap, "missing CAP_NET_RAW or CAP_NET_ADMIN");
        return false;
    }
    return true;
}

/* Drop capabilities from the effective set (this process only). */
PT_UNUSED static int pt_drop_effective(unsigned long long caps)
{
    struct __user_cap_header_struct hdr = { _LINUX_CAPABILITY_VERSION_3, 0 };
    struct __user_cap_data_struct d[2];
    memset(d, 0, sizeof(d));
    if (syscall(SYS_capget, &hdr, d) != 0)
        return -1;
    d[0].effective &= ~(uint32_t)caps;
    d[1].effective &= ~(uint32_t)(caps >> 32);
    return (int)syscall(SYS_capset, &hdr, d);
}

PT_UNUSED static int pt_lo_up(void)
{
    struct ifreq ifr;
    int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), rc;
    if (fd < 0)
        return -1;
    memset(&ifr, 0, sizeof(ifr));
    snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "lo");
    rc = ioctl(fd, SIOCGIFFLAGS, &ifr);
    if (rc == 0) {
        ifr.ifr_flags |= IFF_UP;
        rc = ioctl(fd, SIOCSIFFLAGS, &ifr);
    }
    close(fd);
    return rc;
}

/* ::1 appears on lo a moment after it goes up (addrconf); wait for it. */
PT_UNUSED static bool pt_wait_v6_loopback(void)
{
    int i;
    for (i = 0; i < 100; i++) {
        struct sockaddr_in6 a;
        int fd = socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        int rc;
        if (fd < 0)
            return false;
        memset(&a, 0, sizeof(a));
        a.sin6_family = AF_INET6;
        a.sin6_addr = in6addr_loopback;
        rc = bind(fd, (struct sockaddr *)&a, sizeof(a));
        close(fd);
        if (rc == 0)
            return true;
        usleep(10000);
    }
    return false;
}

/* Can this process create a network namespace? (Containers may forbid it.) */
PT_UNUSED static bool pt_can_unshare(char *why, size_t cap)
{
    int st = 0;
    pid_t pid = fork();
    if (pid < 0) {
        snprintf(why, cap, "fork: %s", strerror(errno));
        return false;
    }
    if (pid == 0)
        _exit(unshare(CLONE_NEWNET) == 0 && pt_lo_up() == 0 ? 0 : 1);
    while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
        ;
    if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
        snprintf(why, cap, "cannot create a network namespace");
        return false;
    }
    return true;
}

/* Decide before cmocka: SKIPPED (exit 77) without privilege, unless
 * TCPSHAKE_REQUIRE_PRIV=1 (CI as root), where it is a failure. Returns -1 to
 * go on, or the exit status. */
PT_UNUSED static int pt_priv_gate(bool need_nft)
{
    char why[ERRBUF_SIZE + 64] = "";
    const char *req = getenv("TCPSHAKE_REQUIRE_PRIV");
    bool require = req && strcmp(req, "1") == 0;
    bool ok = pt_has_caps(1ull << CAP_NET_RAW | 1ull << CAP_NET_ADMIN, why, sizeof(why)) &&
              pt_can_unshare(why, sizeof(why));
    if (ok && need_nft) {
        struct rstguard g;
        char e[ERRBUF_SIZE];
        if (rstguard_init(&g, NULL, e) != 0) {
            snprintf(why, sizeof(why), "%.300s", e);
            ok = false;
        }
    }
    if (ok)
        return -1;
    if (require) {
        fprintf(stderr, "FAILED: TCPSHAKE_REQUIRE_PRIV=1 but %s\n", why);
        return 1;
    }
    printf("SKIPPED: needs root or CAP_NET_RAW+CAP_NET_ADMIN (%s)\n", why);
    return 77;
}

/* Run fn(arg) in a forked child inside a fresh network namespace with lo
 * up; afterwards the child checks that no tcpshake_ table is left in it.
 * Returns the child's exit status (0 = passed), or -1; the child is killed
 * after timeout_ms. */
PT_UNUSED static int pt_in_netns(int (*fn)(void *), void *arg, int timeout_ms)
{
    uint64_t end = pt_now_ms() + (uint64_t)timeout_ms;
    int st = 0;
    pid_t pid;
    fflush(stdout);
    fflush(stderr);
    pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        struct rstguard g;
        char e[ERRBUF_SIZE], list[1024];
        int rc;
        if (unshare(CLONE_NEWNET) != 0 || pt_lo_up() != 0) {
            fprintf(stderr, "netns: %s\n", strerror(errno));
            _exit(3);
        }
        rc = fn(arg);
        fflush(stdout);
        if (rc == 0 && rstguard_init(&g, NULL, e) == 0) {
            int n = rstguard_list(&g, list, sizeof(list), e);
            if (n != 0) {
                fprintf(stderr, "tcpshake_ tables left behind (%d): %s %s\n", n, list,
                        n < 0 ? e : "");
                rc = 4;
            }
        }
        fflush(stderr);
        _exit(rc);
    }
    for (;;) {
        pid_t w = waitpid(pid, &st, WNOHANG);
        if (w == pid)
            break;
        if (w < 0 && errno != EINTR)
            return -1;
        if (pt_now_ms() > end) {
            fprintf(stderr, "netns child timed out after %d ms: killed\n", timeout_ms);
            kill(pid, SIGKILL); /* our own child */
            waitpid(pid, &st, 0);
            return -1;
        }
        usleep(5000);
    }
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* Sockets in SYN_RECV (request sockets included) with local port `port`,
 * through NETLINK_SOCK_DIAG (what `ss -tn state syn-recv` shows). -1 on error. */
PT_UNUSED static int pt_count_syn_recv(int family, uint16_t port)
{
    struct {
        struct nlmsghdr nlh;
        struct inet_diag_req_v2 req;
    } msg;
    char buf[16384];
    int fd = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG), count = 0;
    bool done = false;
    if (fd < 0)
        return -1;
    memset(&msg, 0, sizeof(msg));
    msg.nlh.nlmsg_len = sizeof(msg);
    msg.nlh.nlmsg_type = SOCK_DIAG_BY_FAMILY;
    msg.nlh.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
    msg.req.sdiag_family = (uint8_t)family;
    msg.req.sdiag_protocol = IPPROTO_TCP;
    /* TCP_SYN_RECV (3) and TCP_NEW_SYN_RECV (12): request sockets. */
    msg.req.idiag_states = 1u << 3 | 1u << 12;
    if (send(fd, &msg, sizeof(msg), 0) < 0) {
        close(fd);
        return -1;
    }
    while (!done) {
        ssize_t n = recv(fd, buf, sizeof(buf), 0);
        struct nlmsghdr *h;
        if (n <= 0)
            break;
        for (h = (struct nlmsghdr *)buf; NLMSG_OK(h, (unsigned)n); h = NLMSG_NEXT(h, n)) {
            struct inet_diag_msg *m;
            if (h->nlmsg_type == NLMSG_DONE || h->nlmsg_type == NLMSG_ERROR) {
                done = true;
                break;
            }
            m = NLMSG_DATA(h);
            if (ntohs(m->id.idiag_sport) == port)
                count++;
        }
    }
    close(fd);
    return count;
}

#endif
