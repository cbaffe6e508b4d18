/* craft_addr.h: this host's addresses for the crafter (craft_addr.c):
 * which addresses are local, the route's source for a destination, and a
 * reserved port. Private to src/io. */
#ifndef TCPSHAKE_CRAFT_ADDR_H
#define TCPSHAKE_CRAFT_ADDR_H

#include <net/if.h>
#include <stdbool.h>
#include <stdint.h>

#include "netaddr.h"

#define MAX_LOCAL_ADDRS 64

struct addr_list {
    struct ip_addr a[MAX_LOCAL_ADDRS];
    char ifname[MAX_LOCAL_ADDRS][IF_NAMESIZE];
    int n;
};

/* This host's addresses (getifaddrs), at most MAX_LOCAL_ADDRS. */
void craft_local_addrs(struct addr_list *l);
/* Index of a in l, or -1. */
int craft_addr_index(const struct addr_list *l, const struct ip_addr *a);
bool craft_is_local_in(const struct addr_list *l, const struct ip_addr *a);
/* The source address the routing table picks for dst (a UDP connect(),
 * which sends nothing). */
bool craft_route_source(const struct ip_addr *dst, uint16_t port, struct ip_addr *src);
/* A TCP socket bound to a:port and kept open so that no kernel connection
 * takes the port; the fd, or -1. */
int craft_reserve_port(const struct ip_addr *a, uint16_t port);

#endif
