/* klread.h: reading the kernel's word on listeners (Linux; issue 16): the
 * TCP counters of /proc/net/netstat and /proc/net/snmp and the listening
 * sockets' queues (sock_diag), for klisten.h to judge. Everything is
 * opened at once, in the network namespace of the calling thread, and read
 * from later: watch opens it before it gives up root and capabilities
 * (the files are world-readable and a TCP dump needs no privilege, but a
 * process that changed its uid may no longer reach /proc/self/net). */
#ifndef TCPSHAKE_KLREAD_H
#define TCPSHAKE_KLREAD_H

#include <stddef.h>

#include "config.h"
#include "klisten.h"

struct klread;

/* Open /proc/net/netstat, /proc/net/snmp and a sock_diag socket, and read
 * the counters once to check them. NULL with a one-line errbuf ("cannot
 * read /proc/net/netstat: Permission denied") when the counters cannot be
 * read; a sock_diag failure only leaves the queues unknown. */
struct klread *klread_open(char errbuf[ERRBUF_SIZE]);
void klread_close(struct klread *r);

/* The counters now. 0, or -1 with errbuf. */
int klread_counters(struct klread *r, struct kl_counters *out, char errbuf[ERRBUF_SIZE]);

/* Every listening socket (both families), at most cap. Returns how many
 * were stored, or -1 with errbuf (no sock_diag socket, or the dump
 * failed). */
int klread_listeners(struct klread *r, struct kl_listener *out, size_t cap,
                     char errbuf[ERRBUF_SIZE]);

#endif
