/* rtnl.h: one rtnetlink request and its acknowledgement, built and parsed
 * with libmnl (the netlink library of nftables and iproute2; why a library:
 * docs/ARCHITECTURE.md, "Netlink"). Private to src/io: netns.c uses it for
 * veth links, addresses and link settings. */
#ifndef TCPSHAKE_RTNL_H
#define TCPSHAKE_RTNL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <libmnl/libmnl.h>

#define RTNL_REQ_BUF 1024 /* our requests are a few hundred bytes at most */

struct rtnl_req {
    _Alignas(struct nlmsghdr) char buf[RTNL_REQ_BUF];
    struct nlmsghdr *nlh;
    bool overflow; /* an attribute did not fit: the request is refused */
};

/* Start a request of `type` with NLM_F_REQUEST | NLM_F_ACK | flags and a
 * zeroed fixed header of `fixed` bytes (ifinfomsg, ifaddrmsg), returned. */
void *rtnl_begin(struct rtnl_req *r, uint16_t type, uint16_t flags, size_t fixed);
/* Append an attribute (bounded by the buffer: on overflow nothing is
 * appended and the request is marked). */
void rtnl_put(struct rtnl_req *r, uint16_t type, const void *data, size_t len);
/* Open a nested attribute (NULL on overflow) and close it. */
struct nlattr *rtnl_nest(struct rtnl_req *r, uint16_t type);
void rtnl_nest_end(struct rtnl_req *r, struct nlattr *nest);
/* Append a raw fixed header inside an open nest (VETH_INFO_PEER carries a
 * struct ifinfomsg before the peer's attributes); zeroed, or NULL on
 * overflow. */
void *rtnl_put_header(struct rtnl_req *r, size_t len);
/* Send the request on a NETLINK_ROUTE socket and wait, at most timeout_ms,
 * for its acknowledgement. 0, or -1 with errno (the kernel's error, or
 * ETIMEDOUT, EMSGSIZE) and a message naming `what` in errbuf (may be NULL;
 * EPERM and EACCES say "needs root or CAP_NET_ADMIN"). */
int rtnl_talk(int fd, struct rtnl_req *r, int timeout_ms, char *errbuf, size_t errcap,
              const char *what);

#endif
