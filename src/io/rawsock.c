/* rawsock.c: raw IPv4/IPv6 sockets with the IP header included by the
 * caller (Linux raw(7), ipv6(7)). */
#include "rawsock.h"

#include <errno.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "netaddr.h"

#ifndef IPV6_HDRINCL
#define IPV6_HDRINCL 36 /* <linux/in6.h>, Linux >= 4.5 */
#endif

__attribute__((format(printf, 3, 4))) static int rawsock_fail(char *errbuf, int rc,
                                                               const char *fmt, ...)
{
    va_list ap;
    if (errbuf) {
        va_start(ap, fmt);
        vsnprintf(errbuf, ERRBUF_SIZE, fmt, ap);
        va_end(ap);
    }
    return rc;
}

int rawsock_open(struct rawsock *rs, int family, char errbuf[ERRBUF_SIZE])
{
    int on = 1, fd, e;
    rs->fd = -1;
    rs->family = family;
    if (family != IPADDR_V4 && family != IPADDR_V6)
        return rawsock_fail(errbuf, RAWSOCK_ERR_FAMILY, "raw socket: %s", strerror(EAFNOSUPPORT));
    fd = socket(family == IPADDR_V4 ? AF_INET : AF_INET6, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_RAW);
    if (fd < 0) {
        e = errno;
        if (e == EPERM || e == EACCES)
            return rawsock_fail(errbuf, RAWSOCK_ERR_PERM,
                                "needs root or CAP_NET_RAW: %s socket: %s",
                                family == IPADDR_V4 ? "raw IPv4" : "raw IPv6", strerror(e));
        return rawsock_fail(errbuf, RAWSOCK_ERR_SOCKET, "%s socket: %s",
                            family == IPADDR_V4 ? "raw IPv4" : "raw IPv6", strerror(e));
    }
    /* IPPROTO_RAW already implies "header included" for both families; say
     * it anyway for IPv4, and for IPv6 where the option exists (>= 4.5). */
    if (family == IPADDR_V4) {
        if (setsockopt(fd, IPPROTO_IP, IP_HDRINCL, &on, sizeof(on)) != 0) {
            e = errno;
            close(fd);
            return rawsock_fail(errbuf, RAWSOCK_ERR_SOCKET, "setsockopt IP_HDRINCL: %s",
                                strerror(e));
        }
    } else if (setsockopt(fd, IPPROTO_IPV6, IPV6_HDRINCL, &on, sizeof(on)) != 0 &&
               errno != ENOPROTOOPT) {
        e = errno;
        close(fd);
        return rawsock_fail(errbuf, RAWSOCK_ERR_SOCKET, "setsockopt IPV6_HDRINCL: %s",
                            strerror(e));
    }
    rs->fd = fd;
    return 0;
}

int rawsock_send(struct rawsock *rs, const uint8_t *pkt, size_t len, char errbuf[ERRBUF_SIZE])
{
    struct sockaddr_storage ss;
    socklen_t sl;
    ssize_t n;
    int ver, tries = 0;
    if (rs->fd < 0)
        return rawsock_fail(errbuf, RAWSOCK_ERR_SOCKET, "raw socket: %s", strerror(EBADF));
    if (len < 1)
        return rawsock_fail(errbuf, RAWSOCK_ERR_PACKET, "empty packet");
    ver = pkt[0] >> 4;
    memset(&ss, 0, sizeof(ss));
    if (ver == 4) {
        struct sockaddr_in *sin = (struct sockaddr_in *)&ss;
        if (len < 20)
            return rawsock_fail(errbuf, RAWSOCK_ERR_PACKET, "IPv4 packet shorter than its header");
        if (rs->family != IPADDR_V4)
            return rawsock_fail(errbuf, RAWSOCK_ERR_FAMILY, "IPv4 packet on an IPv6 raw socket");
        sin->sin_family = AF_INET;
        memcpy(&sin->sin_addr, pkt + 16, 4); /* destination address */
        sl = sizeof(*sin);
    } else if (ver == 6) {
        struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;
        if (len < 40)
            return rawsock_fail(errbuf, RAWSOCK_ERR_PACKET, "IPv6 packet shorter than its header");
        if (rs->family != IPADDR_V6)
            return rawsock_fail(errbuf, RAWSOCK_ERR_FAMILY, "IPv6 packet on an IPv4 raw socket");
        sin6->sin6_family = AF_INET6;
        memcpy(&sin6->sin6_addr, pkt + 24, 16);
        /* sin6_port must be 0 or the protocol: 0 here (ipv6/raw.c). */
        sl = sizeof(*sin6);
    } else {
        return rawsock_fail(errbuf, RAWSOCK_ERR_PACKET, "not an IP packet (version %d)", ver);
    }
    do {
        n = sendto(rs->fd, pkt, len, 0, (struct sockaddr *)&ss, sl);
        /* EINTR: a signal (the CLI's SIGINT handler only sets a flag);
         * ENOBUFS: the qdisc is momentarily full. Retry both, a few times. */
    } while (n < 0 && (errno == EINTR || errno == ENOBUFS) && ++tries < 8);
    if (n < 0) {
        int e = errno;
        if (e == EPERM)
            return rawsock_fail(errbuf, RAWSOCK_ERR_SEND,
                                "sendto: %s (an output firewall rule dropped it?)", strerror(e));
        return rawsock_fail(errbuf, RAWSOCK_ERR_SEND, "sendto: %s", strerror(e));
    }
    if ((size_t)n != len)
        return rawsock_fail(errbuf, RAWSOCK_ERR_SEND, "sendto: short write (%zd of %zu)", n, len);
    return 0;
}

void rawsock_close(struct rawsock *rs)
{
    if (rs->fd >= 0)
        close(rs->fd);
    rs->fd = -1;
}
