/* netaddr.h: IPv4/IPv6 addresses as values, compare and format. */
#ifndef TCPSHAKE_NETADDR_H
#define TCPSHAKE_NETADDR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define IPADDR_V4 4
#define IPADDR_V6 6

/* An IPv4 address sits in bytes[0..3], the rest zero. */
struct ip_addr {
    uint8_t family; /* IPADDR_V4 or IPADDR_V6 */
    uint8_t bytes[16];
};

/* "ip:port" for IPv4, "[addr]:port" for IPv6. */
#define ENDPOINT_STRLEN 56
#define IPADDR_STRLEN 48

/* Format the address alone (RFC 5952 text for IPv6). Cannot fail. */
void ipaddr_format(const struct ip_addr *a, char out[IPADDR_STRLEN]);
/* Format "ip:port" / "[v6]:port". Cannot fail. */
void endpoint_format(const struct ip_addr *a, uint16_t port, char out[ENDPOINT_STRLEN]);
/* Parse "ip:port", "[v6]:port"; returns 0 or -1. Pure (no resolver). */
int endpoint_parse(const char *s, struct ip_addr *a, uint16_t *port);
/* Parse a bare IPv4 or IPv6 address; 0 or -1. */
int ipaddr_parse(const char *s, struct ip_addr *a);
int ipaddr_cmp(const struct ip_addr *a, const struct ip_addr *b);
bool ipaddr_eq(const struct ip_addr *a, const struct ip_addr *b);
/* 127.0.0.0/8 or ::1 (or ::ffff:127.0.0.0/104). */
bool ipaddr_is_loopback(const struct ip_addr *a);

#endif
