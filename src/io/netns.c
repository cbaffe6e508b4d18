/* netns.c: network namespaces (unshare/setns, pinned like `ip netns add`) and veth links,
 * addresses and link settings over rtnetlink (built and parsed with libmnl: rtnl.c). */
#include "netns.h"
#include "rtnl.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <linux/ethtool.h>
#include <linux/if_addr.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <linux/sockios.h>
#include <linux/veth.h>

/* /proc/thread-self (Linux 3.17+): namespaces belong to threads, and the
 * caller may not be the main thread. */
#define SELF_NETNS "/proc/thread-self/ns/net"
/* How long we wait for one rtnetlink acknowledgement. */
#define NL_ACK_TIMEOUT_MS 3000

struct netns {
    int fd;
    char name[64];  /* "" = anonymous */
    char path[128]; /* pin path, when named */
};

static void ns_err(char *errbuf, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void ns_err(char *errbuf, const char *fmt, ...)
{
    va_list ap;
    int saved = errno; /* callers read errno after we fail */
    if (errbuf) {
        va_start(ap, fmt);
        vsnprintf(errbuf, ERRBUF_SIZE, fmt, ap);
        va_end(ap);
    }
    errno = saved;
}

static bool is_priv_errno(int e)
{
    return e == EPERM || e == EACCES;
}

/* --- namespaces --------------------------------------------------------- */

int netns_fd(const struct netns *ns)
{
    return ns ? ns->fd : -1;
}

const char *netns_name(const struct netns *ns)
{
    return ns ? ns->name : "";
}

int netns_enter(const struct netns *ns, char errbuf[ERRBUF_SIZE])
{
    int saved = open(SELF_NETNS, O_RDONLY | O_CLOEXEC);
    if (saved < 0) {
        ns_err(errbuf, "open %s: %s", SELF_NETNS, strerror(errno));
        return -1;
    }
    if (setns(ns->fd, CLONE_NEWNET) < 0) {
        int e = errno;
        close(saved);
        errno = e;
        ns_err(errbuf, "%ssetns(%s): %s", is_priv_errno(e) ? "needs root or CAP_SYS_ADMIN: " : "",
               ns->name[0] ? ns->name : "netns", strerror(e));
        return -1;
    }
    return saved;
}

int netns_restore(int saved, char errbuf[ERRBUF_SIZE])
{
    int r = setns(saved, CLONE_NEWNET);
    int e = errno;
    close(saved);
    if (r < 0) {
        errno = e;
        ns_err(errbuf, "setns back to the original namespace: %s", strerror(e));
        return -1;
    }
    return 0;
}

int netns_socket(const struct netns *ns, int domain, int type, int protocol,
                 char errbuf[ERRBUF_SIZE])
{
    int saved = -1, fd, e;
    if (ns) {
        saved = netns_enter(ns, errbuf);
        if (saved < 0)
            return -1;
    }
    fd = socket(domain, type | SOCK_CLOEXEC, protocol);
    e = errno;
    if (fd < 0)
        ns_err(errbuf, "%ssocket(%d, %d, %d): %s",
               is_priv_errno(e) ? "needs root or CAP_NET_RAW: " : "", domain, type, protocol,
               strerror(e));
    if (ns && netns_restore(saved, fd < 0 ? NULL : errbuf) < 0) {
        e = errno;
        if (fd >= 0)
            close(fd);
        errno = e;
        return -1;
    }
    errno = e;
    return fd;
}

static int rtnl_open(const struct netns *ns, char *errbuf)
{
    return netns_socket(ns, AF_NETLINK, SOCK_RAW, NETLINK_ROUTE, errbuf);
}

/* One request on a fresh rtnetlink socket in `ns`: open, talk, close,
 * keeping the request's errno. 0 or -1 with errbuf. */
static int rtnl_request(const struct netns *ns, struct rtnl_req *r, char *errbuf, const char *what)
{
    int fd = rtnl_open(ns, errbuf), ret, e;
    if (fd < 0)
        return -1;
    ret = rtnl_talk(fd, r, NL_ACK_TIMEOUT_MS, errbuf, errbuf ? ERRBUF_SIZE : 0, what);
    e = errno;
    close(fd);
    errno = e;
    return ret;
}

static bool name_ok(const char *name)
{
    return name && name[0] && strlen(name) < 64 && !strchr(name, '/') && strcmp(name, ".") &&
           strcmp(name, "..");
}

static bool ifname_ok(const char *name)
{
    return name && name[0] && strlen(name) <= NETNS_IFNAME_MAX && !strchr(name, '/');
}

/* Pin the calling thread's current namespace at path (ip netns add does the
 * same: an empty file, then a bind mount of the nsfs inode on it). */
static int pin_current(const char *path, char *errbuf)
{
    int fd;
    if (mkdir(NETNS_RUN_DIR, 0755) < 0 && errno != EEXIST) {
        ns_err(errbuf, "mkdir %s: %s", NETNS_RUN_DIR, strerror(errno));
        return -1;
    }
    fd = open(path, O_RDONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0);
    if (fd < 0) {
        ns_err(errbuf, "create %s: %s", path, strerror(errno));
        return -1;
    }
    close(fd);
    if (mount(SELF_NETNS, path, "none", MS_BIND, NULL) < 0) {
        int e = errno;
        unlink(path);
        errno = e;
        ns_err(errbuf, "bind mount on %s: %s", path, strerror(e));
        return -1;
    }
    return 0;
}

static void unpin(const char *path)
{
    /* MNT_DETACH: a process still inside (`ip netns exec`) keeps it alive;
     * the name goes at once. */
    umount2(path, MNT_DETACH);
    unlink(path);
}

struct netns *netns_create(const char *name, char errbuf[ERRBUF_SIZE])
{
    struct netns *ns;
    int saved, e;
    bool pinned = false;

    if (name && !name_ok(name)) {
        errno = EINVAL;
        ns_err(errbuf, "bad namespace name \"%s\"", name);
        return NULL;
    }
    ns = calloc(1, sizeof(*ns));
    if (!ns) {
        ns_err(errbuf, "out of memory");
        return NULL;
    }
    ns->fd = -1;
    if (name) {
        snprintf(ns->name, sizeof(ns->name), "%s", name);
        snprintf(ns->path, sizeof(ns->path), "%s/%s", NETNS_RUN_DIR, name);
    }
    saved = open(SELF_NETNS, O_RDONLY | O_CLOEXEC);
    if (saved < 0) {
        ns_err(errbuf, "open %s: %s", SELF_NETNS, strerror(errno));
        free(ns);
        return NULL;
    }
    if (unshare(CLONE_NEWNET) < 0) {
        e = errno;
        close(saved);
        free(ns);
        errno = e;
        ns_err(errbuf, "%sunshare(CLONE_NEWNET): %s",
               is_priv_errno(e) ? "needs root or CAP_SYS_ADMIN+CAP_NET_ADMIN: " : "", strerror(e));
        return NULL;
    }
    /* From here the thread is inside the new namespace until setns below. */
    ns->fd = open(SELF_NETNS, O_RDONLY | O_CLOEXEC);
    e = ns->fd < 0 ? errno : 0;
    if (ns->fd < 0)
        ns_err(errbuf, "open new %s: %s", SELF_NETNS, strerror(e));
    else if (name) {
        if (pin_current(ns->path, errbuf) == 0)
            pinned = true;
        else
            e = errno ? errno : EIO;
    }
    if (setns(saved, CLONE_NEWNET) < 0) {
        /* Cannot happen with the privileges unshare() needed; say so plainly. */
        e = errno;
        ns_err(errbuf, "setns back to the original namespace: %s", strerror(e));
        if (pinned)
            unpin(ns->path);
        close(saved);
        if (ns->fd >= 0)
            close(ns->fd);
        free(ns);
        errno = e;
        return NULL;
    }
    close(saved);
    if (e) {
        if (ns->fd >= 0)
            close(ns->fd);
        free(ns);
        errno = e;
        return NULL;
    }
    if (!pinned)
        ns->path[0] = ns->name[0] = '\0';
    /* lo starts down in a new namespace; nearly everything wants it up. */
    if (netns_link_up(ns, "lo", errbuf) < 0) {
        e = errno;
        netns_destroy(ns);
        errno = e;
        return NULL;
    }
    return ns;
}

void netns_destroy(struct netns *ns)
{
    int e = errno;
    if (!ns)
        return;
    if (ns->path[0])
        unpin(ns->path);
    if (ns->fd >= 0)
        close(ns->fd);
    free(ns);
    errno = e;
}

/* --- links and addresses ------------------------------------------------ */

int netns_veth_add(const struct netns *ns_a, const char *name_a, const struct netns *ns_b,
                   const char *name_b, char errbuf[ERRBUF_SIZE])
{
    struct rtnl_req r;
    struct ifinfomsg *ifi, *peer;
    struct nlattr *linkinfo, *data, *pa;
    int ret;
    char what[96];

    if (!ifname_ok(name_a) || !ifname_ok(name_b)) {
        errno = EINVAL;
        ns_err(errbuf, "veth names must be 1 to %d characters: \"%s\", \"%s\"",
               NETNS_IFNAME_MAX, name_a ? name_a : "", name_b ? name_b : "");
        return -1;
    }
    ifi = rtnl_begin(&r, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, sizeof(*ifi));
    ifi->ifi_family = AF_UNSPEC;
    rtnl_put(&r, IFLA_IFNAME, name_a, strlen(name_a) + 1);
    if (ns_a) {
        int nfd = ns_a->fd;
        rtnl_put(&r, IFLA_NET_NS_FD, &nfd, sizeof(nfd));
    }
    linkinfo = rtnl_nest(&r, IFLA_LINKINFO);
    rtnl_put(&r, IFLA_INFO_KIND, "veth", 4);
    data = rtnl_nest(&r, IFLA_INFO_DATA);
    /* VETH_INFO_PEER carries a struct ifinfomsg, then the peer's attributes. */
    pa = rtnl_nest(&r, VETH_INFO_PEER);
    peer = rtnl_put_header(&r, sizeof(*peer));
    if (peer)
        peer->ifi_family = AF_UNSPEC;
    rtnl_put(&r, IFLA_IFNAME, name_b, strlen(name_b) + 1);
    if (ns_b) {
        int nfd = ns_b->fd;
        rtnl_put(&r, IFLA_NET_NS_FD, &nfd, sizeof(nfd));
    }
    rtnl_nest_end(&r, pa);
    rtnl_nest_end(&r, data);
    rtnl_nest_end(&r, linkinfo);

    snprintf(what, sizeof(what), "create veth %s/%s", name_a, name_b);
    ret = rtnl_request(NULL, &r, errbuf, what);
    return ret;
}

int netns_link_move(const struct netns *from, const char *ifname, const struct netns *to,
                    char errbuf[ERRBUF_SIZE])
{
    struct rtnl_req r;
    struct ifinfomsg *ifi;
    int tofd, ret, e;
    char what[64];

    if (!ifname_ok(ifname)) {
        errno = EINVAL;
        ns_err(errbuf, "bad interface name");
        return -1;
    }
    tofd = to ? to->fd : open(SELF_NETNS, O_RDONLY | O_CLOEXEC);
    if (tofd < 0) {
        ns_err(errbuf, "open %s: %s", SELF_NETNS, strerror(errno));
        return -1;
    }
    ifi = rtnl_begin(&r, RTM_NEWLINK, 0, sizeof(*ifi));
    ifi->ifi_family = AF_UNSPEC;
    rtnl_put(&r, IFLA_IFNAME, ifname, strlen(ifname) + 1);
    rtnl_put(&r, IFLA_NET_NS_FD, &tofd, sizeof(tofd));
    snprintf(what, sizeof(what), "move %s", ifname);
    ret = rtnl_request(from, &r, errbuf, what);
    e = errno;
    if (!to)
        close(tofd);
    errno = e;
    return ret;
}

int netns_link_del(const struct netns *ns, const char *ifname, char errbuf[ERRBUF_SIZE])
{
    struct rtnl_req r;
    struct ifinfomsg *ifi;
    int ret;
    char what[64];

    if (!ifname_ok(ifname)) {
        errno = EINVAL;
        ns_err(errbuf, "bad interface name");
        return -1;
    }
    ifi = rtnl_begin(&r, RTM_DELLINK, 0, sizeof(*ifi));
    ifi->ifi_family = AF_UNSPEC;
    rtnl_put(&r, IFLA_IFNAME, ifname, strlen(ifname) + 1);
    snprintf(what, sizeof(what), "delete link %s", ifname);
    ret = rtnl_request(ns, &r, errbuf, what);
    if (ret < 0 && errno == ENODEV)
        return 1;
    return ret;
}

int netns_link_up(const struct netns *ns, const char *ifname, char errbuf[ERRBUF_SIZE])
{
    struct rtnl_req r;
    struct ifinfomsg *ifi;
    int ret;
    char what[64];

    if (!ifname_ok(ifname)) {
        errno = EINVAL;
        ns_err(errbuf, "bad interface name");
        return -1;
    }
    ifi = rtnl_begin(&r, RTM_NEWLINK, 0, sizeof(*ifi));
    ifi->ifi_family = AF_UNSPEC;
    ifi->ifi_flags = IFF_UP;
    ifi->ifi_change = IFF_UP;
    rtnl_put(&r, IFLA_IFNAME, ifname, strlen(ifname) + 1);
    snprintf(what, sizeof(what), "set %s up", ifname);
    ret = rtnl_request(ns, &r, errbuf, what);
    return ret;
}

int netns_no_ipv6_ll(const struct netns *ns, const char *ifname, char errbuf[ERRBUF_SIZE])
{
    struct rtnl_req r;
    struct ifinfomsg *ifi;
    struct nlattr *af, *in6;
    uint8_t mode = IN6_ADDR_GEN_MODE_NONE;
    int ret;
    char what[64];

    if (!ifname_ok(ifname)) {
        errno = EINVAL;
        ns_err(errbuf, "bad interface name");
        return -1;
    }
    ifi = rtnl_begin(&r, RTM_NEWLINK, 0, sizeof(*ifi));
    ifi->ifi_family = AF_UNSPEC;
    rtnl_put(&r, IFLA_IFNAME, ifname, strlen(ifname) + 1);
    af = rtnl_nest(&r, IFLA_AF_SPEC);
    in6 = rtnl_nest(&r, AF_INET6);
    rtnl_put(&r, IFLA_INET6_ADDR_GEN_MODE, &mode, sizeof(mode));
    rtnl_nest_end(&r, in6);
    rtnl_nest_end(&r, af);
    snprintf(what, sizeof(what), "addr_gen_mode none on %s", ifname);
    ret = rtnl_request(ns, &r, errbuf, what);
    return ret;
}

int netns_ifindex(const struct netns *ns, const char *ifname, char errbuf[ERRBUF_SIZE])
{
    struct ifreq ifr;
    int fd, e;

    if (!ifname_ok(ifname)) {
        errno = EINVAL;
        ns_err(errbuf, "bad interface name");
        return -1;
    }
    fd = netns_socket(ns, AF_INET, SOCK_DGRAM, 0, errbuf);
    if (fd < 0)
        return -1;
    memset(&ifr, 0, sizeof(ifr));
    snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
    if (ioctl(fd, SIOCGIFINDEX, &ifr) < 0) {
        e = errno;
        close(fd);
        errno = e;
        ns_err(errbuf, "interface %s: %s", ifname, strerror(e));
        return -1;
    }
    close(fd);
    return ifr.ifr_ifindex;
}

int netns_addr_add(const struct netns *ns, const char *ifname, const struct ip_addr *a,
                   unsigned prefixlen, char errbuf[ERRBUF_SIZE])
{
    struct rtnl_req r;
    struct ifaddrmsg *ifa;
    size_t alen = a->family == IPADDR_V6 ? 16 : 4;
    int idx, ret;
    char what[96], txt[IPADDR_STRLEN];

    if ((a->family != IPADDR_V4 && a->family != IPADDR_V6) || prefixlen > alen * 8) {
        errno = EINVAL;
        ns_err(errbuf, "bad address or prefix length /%u", prefixlen);
        return -1;
    }
    idx = netns_ifindex(ns, ifname, errbuf);
    if (idx < 0)
        return -1;
    ifa = rtnl_begin(&r, RTM_NEWADDR, NLM_F_CREATE | NLM_F_EXCL, sizeof(*ifa));
    ifa->ifa_family = a->family == IPADDR_V6 ? AF_INET6 : AF_INET;
    ifa->ifa_prefixlen = (uint8_t)prefixlen;
    ifa->ifa_index = (uint32_t)idx;
    ifa->ifa_scope = RT_SCOPE_UNIVERSE;
    /* Without NODAD an IPv6 address stays "tentative" for about a second
     * and bind() fails with EADDRNOTAVAIL. */
    ifa->ifa_flags = a->family == IPADDR_V6 ? IFA_F_NODAD : 0;
    rtnl_put(&r, IFA_LOCAL, a->bytes, alen);
    rtnl_put(&r, IFA_ADDRESS, a->bytes, alen);
    ipaddr_format(a, txt);
    snprintf(what, sizeof(what), "add %s/%u to %s", txt, prefixlen, ifname);
    ret = rtnl_request(ns, &r, errbuf, what);
    return ret;
}

int netns_tx_csum_off(const struct netns *ns, const char *ifname, char errbuf[ERRBUF_SIZE])
{
    struct ifreq ifr;
    struct ethtool_value ev;
    int fd, e;

    if (!ifname_ok(ifname)) {
        errno = EINVAL;
        ns_err(errbuf, "bad interface name");
        return -1;
    }
    fd = netns_socket(ns, AF_INET, SOCK_DGRAM, 0, errbuf);
    if (fd < 0)
        return -1;
    memset(&ifr, 0, sizeof(ifr));
    memset(&ev, 0, sizeof(ev));
    snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
    ev.cmd = ETHTOOL_STXCSUM;
    ev.data = 0;
    ifr.ifr_data = (char *)&ev;
    if (ioctl(fd, SIOCETHTOOL, &ifr) < 0) {
        e = errno;
        close(fd);
        errno = e;
        ns_err(errbuf, "%sethtool tx checksum off on %s: %s",
               is_priv_errno(e) ? "needs root or CAP_NET_ADMIN: " : "", ifname, strerror(e));
        return -1;
    }
    close(fd);
    return 0;
}

/* --- names and stale clean-up ------------------------------------------- */

int netns_make_name(char *out, size_t cap, const char *tag)
{
    int n = snprintf(out, cap, "%s%ld%s", NETNS_PREFIX, (long)getpid(), tag ? tag : "");
    return (n < 0 || (size_t)n >= cap) ? -1 : 0;
}

long netns_name_pid(const char *name)
{
    size_t plen = strlen(NETNS_PREFIX);
    long pid = 0;
    const char *p;

    if (strncmp(name, NETNS_PREFIX, plen) != 0)
        return 0;
    p = name + plen;
    if (*p < '0' || *p > '9')
        return 0;
    for (; *p >= '0' && *p <= '9'; p++) {
        pid = pid * 10 + (*p - '0');
        if (pid > 0x7fffffffL)
            return 0;
    }
    return pid;
}

static bool pid_gone(long pid)
{
    /* EPERM means it exists under another user: not ours to clean. */
    return pid > 0 && pid != (long)getpid() && kill((pid_t)pid, 0) < 0 && errno == ESRCH;
}

int netns_cleanup_stale(char errbuf[ERRBUF_SIZE])
{
    int removed = 0;
    DIR *d = opendir(NETNS_RUN_DIR);
    struct if_nameindex *ifs, *i;

    if (d) {
        struct dirent *de;
        while ((de = readdir(d)) != NULL) {
            char path[300];
            if (!pid_gone(netns_name_pid(de->d_name)))
                continue;
            snprintf(path, sizeof(path), "%s/%s", NETNS_RUN_DIR, de->d_name);
            unpin(path);
            removed++;
        }
        closedir(d);
    } else if (errno != ENOENT) {
        ns_err(errbuf, "open %s: %s", NETNS_RUN_DIR, strerror(errno));
        return -1;
    }

    ifs = if_nameindex();
    if (!ifs) {
        ns_err(errbuf, "list links: %s", strerror(errno));
        return -1;
    }
    for (i = ifs; i->if_index != 0 && i->if_name; i++) {
        int r;
        if (!pid_gone(netns_name_pid(i->if_name)))
            continue;
        /* 1 = already gone: its veth peer was deleted earlier in this loop. */
        r = netns_link_del(NULL, i->if_name, errbuf);
        if (r < 0) {
            if_freenameindex(ifs);
            return -1;
        }
        if (r == 0)
            removed++;
    }
    if_freenameindex(ifs);
    return removed;
}

int netns_probe(char errbuf[ERRBUF_SIZE])
{
    struct netns *a = netns_create(NULL, errbuf), *b;
    int r;

    if (!a)
        return -1;
    b = netns_create(NULL, errbuf);
    if (!b) {
        netns_destroy(a);
        return -1;
    }
    /* Both ends inside throw-away namespaces: nothing touches ours. */
    r = netns_veth_add(a, "probe0", b, "probe1", errbuf);
    netns_destroy(a);
    netns_destroy(b);
    return r < 0 ? -1 : 0;
}
