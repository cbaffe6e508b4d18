/* netns.h: network namespaces and veth links from one process (Linux), for
 * the demo's slow-motion wire and the privileged tests. rtnetlink and ioctl
 * only: no `ip` or `ethtool` binary is needed.
 *
 * A namespace is held by an fd. Anonymous ones (name NULL) vanish with the
 * fd, so even a SIGKILL leaves nothing behind; named ones are pinned like
 * `ip netns add` (a bind mount on /var/run/netns/<name>, so `ip netns exec`
 * works while we run) and must be destroyed. Everything we name starts with
 * "tshk<pid>", so netns_cleanup_stale() can remove what a dead process left.
 *
 * Entering a namespace switches only the calling thread (setns). Sockets
 * stay in the namespace they were created in, wherever they are used from.
 * Functions taking `const struct netns *ns` act inside ns; NULL means the
 * calling thread's current namespace. On -1, errbuf holds one line and errno
 * the failing call's error (EPERM/EACCES: not privileged). */
#ifndef TCPSHAKE_NETNS_H
#define TCPSHAKE_NETNS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "netaddr.h"

#define NETNS_PREFIX "tshk"
#define NETNS_RUN_DIR "/var/run/netns"
#define NETNS_IFNAME_MAX 15 /* IFNAMSIZ - 1 */

struct netns;

/* New network namespace with lo up; the calling thread stays where it was.
 * name NULL: anonymous; else pinned at NETNS_RUN_DIR/name (which must not
 * exist). NULL on failure ("needs root or CAP_SYS_ADMIN+CAP_NET_ADMIN: ..."
 * when unshare() is refused). */
struct netns *netns_create(const char *name, char errbuf[ERRBUF_SIZE]);
/* Unpin (if named) and close. NULL is fine. Cannot fail: an unpin error is
 * ignored (netns_cleanup_stale() covers it). */
void netns_destroy(struct netns *ns);
int netns_fd(const struct netns *ns);
/* The pinned name, or "" if anonymous. */
const char *netns_name(const struct netns *ns);

/* Switch the calling thread into ns. Returns an fd on the previous namespace
 * to hand to netns_restore(), or -1. */
int netns_enter(const struct netns *ns, char errbuf[ERRBUF_SIZE]);
/* Switch back and close `saved`. -1 only if setns() fails, in which case the
 * thread is still in the other namespace: stop using it. */
int netns_restore(int saved, char errbuf[ERRBUF_SIZE]);
/* socket(2) created inside ns (SOCK_CLOEXEC added); the fd or -1. */
int netns_socket(const struct netns *ns, int domain, int type, int protocol,
                 char errbuf[ERRBUF_SIZE]);

/* A veth pair: name_a inside ns_a, name_b inside ns_b (names of at most
 * NETNS_IFNAME_MAX characters), both down. */
int netns_veth_add(const struct netns *ns_a, const char *name_a, const struct netns *ns_b,
                   const char *name_b, char errbuf[ERRBUF_SIZE]);
/* Move a link from `from` to `to` (it goes down; addresses are lost). */
int netns_link_move(const struct netns *from, const char *ifname, const struct netns *to,
                    char errbuf[ERRBUF_SIZE]);
/* Delete a link (a veth takes its peer with it). 0 if deleted, 1 if there
 * was no such link, -1 on error. */
int netns_link_del(const struct netns *ns, const char *ifname, char errbuf[ERRBUF_SIZE]);
int netns_link_up(const struct netns *ns, const char *ifname, char errbuf[ERRBUF_SIZE]);
/* ifindex inside ns, or -1. */
int netns_ifindex(const struct netns *ns, const char *ifname, char errbuf[ERRBUF_SIZE]);
/* Add an address; IPv6 addresses skip duplicate address detection
 * (IFA_F_NODAD), so they are usable at once. */
int netns_addr_add(const struct netns *ns, const char *ifname, const struct ip_addr *a,
                   unsigned prefixlen, char errbuf[ERRBUF_SIZE]);
/* Turn off transmit checksum offload (ethtool ETHTOOL_STXCSUM; TSO goes with
 * it): the stack then writes complete checksums into every frame. */
int netns_tx_csum_off(const struct netns *ns, const char *ifname, char errbuf[ERRBUF_SIZE]);
/* No IPv6 link-local address on this link (addr_gen_mode none), so it sends
 * no DAD, router solicitation or MLD of its own. Set before the link is up. */
int netns_no_ipv6_ll(const struct netns *ns, const char *ifname, char errbuf[ERRBUF_SIZE]);

/* "tshk<pid><tag>" into out; -1 if it does not fit in cap. */
int netns_make_name(char *out, size_t cap, const char *tag);
/* The pid in a "tshk<pid>..." name, or 0 if the name is not ours. */
long netns_name_pid(const char *name);
/* Remove pinned namespaces (NETNS_RUN_DIR) and links in the calling
 * thread's namespace named "tshk<pid>..." whose process is gone. Returns how
 * many were removed, or -1 (only for errors other than "nothing there"). */
int netns_cleanup_stale(char errbuf[ERRBUF_SIZE]);

/* Can this process create namespaces and veth links? 0, or -1 with
 * "needs root or CAP_NET_ADMIN (...)" style text. Leaves nothing behind. */
int netns_probe(char errbuf[ERRBUF_SIZE]);

#endif
