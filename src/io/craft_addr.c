/* craft_addr.c: this host's addresses for `tcpshake craft`: getifaddrs for
 * what is local (only local addresses are crafted to unless --allow-remote,
 * docs/CRAFT.md), the routing table's source for a destination, and the
 * port reservation that keeps a kernel connection off the crafted port. */
#include "craft_addr.h"

#include <errno.h>
#include <ifaddrs.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "craft_run.h"

static void to_sockaddr(const struct ip_addr *a, uint16_t port, struct sockaddr_storage *ss,
                        socklen_t *len)
{
    memset(ss, 0, sizeof(*ss));
    if (a->family == IPADDR_V4) {
        struct sockaddr_in *s4 = (struct sockaddr_in *)ss;
        s4->sin_family = AF_INET;
        s4->sin_port = htons(port);
        memcpy(&s4->sin_addr, a->bytes, 4);
        *len = sizeof(*s4);
    } else {
        struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;
        s6->sin6_family = AF_INET6;
        s6->sin6_port = htons(port);
        memcpy(&s6->sin6_addr, a->bytes, 16);
        *len = sizeof(*s6);
    }
}

static bool from_sockaddr(const struct sockaddr *sa, struct ip_addr *a)
{
    memset(a, 0, sizeof(*a));
    if (sa->sa_family == AF_INET) {
        a->family = IPADDR_V4;
        memcpy(a->bytes, &((const struct sockaddr_in *)(const void *)sa)->sin_addr, 4);
        return true;
    }
    if (sa->sa_family == AF_INET6) {
        a->family = IPADDR_V6;
        memcpy(a->bytes, &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr, 16);
        return true;
    }
    return false;
}

void craft_local_addrs(struct addr_list *l)
{
    struct ifaddrs *ifa, *i;
    l->n = 0;
    if (getifaddrs(&ifa) != 0)
        return;
    for (i = ifa; i && l->n < MAX_LOCAL_ADDRS; i = i->ifa_next) {
        if (!i->ifa_addr || !from_sockaddr(i->ifa_addr, &l->a[l->n]))
            continue;
        snprintf(l->ifname[l->n], IF_NAMESIZE, "%s", i->ifa_name ? i->ifa_name : "");
        l->n++;
    }
    freeifaddrs(ifa);
}

int craft_addr_index(const struct addr_list *l, const struct ip_addr *a)
{
    int i;
    for (i = 0; i < l->n; i++)
        if (ipaddr_eq(&l->a[i], a))
            return i;
    return -1;
}

bool craft_is_local_in(const struct addr_list *l, const struct ip_addr *a)
{
    return ipaddr_is_loopback(a) || craft_addr_index(l, a) >= 0;
}

bool craft_addr_is_local(const struct ip_addr *a)
{
    struct addr_list l;
    if (ipaddr_is_loopback(a))
        return true;
    craft_local_addrs(&l);
    return craft_addr_index(&l, a) >= 0;
}

/* The source address the kernel's routing would pick towards dst (a UDP
 * connect() sends nothing). */
bool craft_route_source(const struct ip_addr *dst, uint16_t port, struct ip_addr *src)
{
    struct sockaddr_storage ss, me;
    socklen_t len, mlen = sizeof(me);
    int fd = socket(dst->family == IPADDR_V4 ? AF_INET : AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    bool ok = false;
    if (fd < 0)
        return false;
    to_sockaddr(dst, port ? port : 9, &ss, &len);
    if (connect(fd, (struct sockaddr *)&ss, len) == 0 &&
        getsockname(fd, (struct sockaddr *)&me, &mlen) == 0)
        ok = from_sockaddr((struct sockaddr *)&me, src);
    close(fd);
    return ok;
}

/* Keep a kernel TCP socket bound to our crafted port for the whole run, so
 * that no kernel connection picks the same port meanwhile. It never listens:
 * a bound socket does not change how the kernel answers the 4-tuple. Returns
 * the fd or -1 (errno set). */
int craft_reserve_port(const struct ip_addr *a, uint16_t port)
{
    struct sockaddr_storage ss;
    socklen_t len;
    int fd = socket(a->family == IPADDR_V4 ? AF_INET : AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    to_sockaddr(a, port, &ss, &len);
    if (bind(fd, (struct sockaddr *)&ss, len) != 0) {
        int e = errno;
        close(fd);
        errno = e;
        return -1;
    }
    return fd;
}
