/* rtnl.c: one rtnetlink request and its acknowledgement through libmnl
 * (rtnl.h). The library builds and checks the messages (attribute bounds,
 * message walking, NLMSG_ERROR to errno); this file adds the deadline, so a
 * kernel that never answers cannot hang a demo. */
#include "rtnl.h"
#include "ioclock.h"

#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <linux/netlink.h>

void *rtnl_begin(struct rtnl_req *r, uint16_t type, uint16_t flags, size_t fixed)
{
    memset(r, 0, sizeof(*r));
    r->nlh = mnl_nlmsg_put_header(r->buf);
    r->nlh->nlmsg_type = type;
    r->nlh->nlmsg_flags = (uint16_t)(NLM_F_REQUEST | NLM_F_ACK | flags);
    return mnl_nlmsg_put_extra_header(r->nlh, fixed); /* zeroed by the library */
}

void rtnl_put(struct rtnl_req *r, uint16_t type, const void *data, size_t len)
{
    if (!mnl_attr_put_check(r->nlh, sizeof(r->buf), type, len, data))
        r->overflow = true;
}

struct nlattr *rtnl_nest(struct rtnl_req *r, uint16_t type)
{
    struct nlattr *n = mnl_attr_nest_start_check(r->nlh, sizeof(r->buf), type);
    if (!n)
        r->overflow = true;
    return n;
}

void rtnl_nest_end(struct rtnl_req *r, struct nlattr *nest)
{
    if (nest && !r->overflow)
        mnl_attr_nest_end(r->nlh, nest);
}

void *rtnl_put_header(struct rtnl_req *r, size_t len)
{
    if (r->overflow || r->nlh->nlmsg_len + MNL_ALIGN(len) > sizeof(r->buf)) {
        r->overflow = true;
        return NULL;
    }
    return mnl_nlmsg_put_extra_header(r->nlh, len);
}

__attribute__((format(printf, 3, 4))) static void say(char *errbuf, size_t cap, const char *fmt,
                                                      ...)
{
    va_list ap;
    int saved = errno; /* callers read errno after we fail */
    if (errbuf && cap) {
        va_start(ap, fmt);
        vsnprintf(errbuf, cap, fmt, ap);
        va_end(ap);
    }
    errno = saved;
}

int rtnl_talk(int fd, struct rtnl_req *r, int timeout_ms, char *errbuf, size_t errcap,
              const char *what)
{
    static uint32_t seq_counter;
    struct sockaddr_nl sa;
    uint64_t deadline = io_mono_ms() + (uint64_t)timeout_ms;
    uint32_t seq;
    _Alignas(struct nlmsghdr) char rbuf[MNL_SOCKET_BUFFER_SIZE];

    if (r->overflow) {
        errno = EMSGSIZE;
        say(errbuf, errcap, "%s: netlink request too large", what);
        return -1;
    }
    seq = __atomic_add_fetch(&seq_counter, 1, __ATOMIC_RELAXED) ^ (uint32_t)getpid();
    r->nlh->nlmsg_seq = seq;
    memset(&sa, 0, sizeof(sa));
    sa.nl_family = AF_NETLINK;
    if (sendto(fd, r->nlh, r->nlh->nlmsg_len, 0, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
        say(errbuf, errcap, "%s: netlink send: %s", what, strerror(errno));
        return -1;
    }
    for (;;) {
        struct pollfd p = { .fd = fd, .events = POLLIN };
        uint64_t t = io_mono_ms();
        ssize_t got;
        int pr, rc;

        if (t >= deadline) {
            errno = ETIMEDOUT;
            say(errbuf, errcap, "%s: no netlink answer within %d ms", what, timeout_ms);
            return -1;
        }
        pr = poll(&p, 1, (int)(deadline - t));
        if (pr <= 0) {
            if (pr < 0 && errno != EINTR) {
                say(errbuf, errcap, "%s: poll: %s", what, strerror(errno));
                return -1;
            }
            continue;
        }
        got = recv(fd, rbuf, sizeof(rbuf), MSG_DONTWAIT);
        if (got < 0) {
            if (errno == EINTR || errno == EAGAIN)
                continue;
            say(errbuf, errcap, "%s: netlink receive: %s", what, strerror(errno));
            return -1;
        }
        /* The ACK (NLMSG_ERROR with error 0) ends the walk with MNL_CB_STOP;
         * a kernel error comes back as -1 with errno set to it. */
        rc = mnl_cb_run(rbuf, (size_t)got, seq, 0, NULL, NULL);
        if (rc == MNL_CB_STOP)
            return 0;
        if (rc < 0) {
            int e = errno;
            if (e == EPERM || e == EACCES)
                say(errbuf, errcap, "needs root or CAP_NET_ADMIN: %s: %s", what, strerror(e));
            else
                say(errbuf, errcap, "%s: %s", what, strerror(e));
            errno = e;
            return -1;
        }
    }
}
