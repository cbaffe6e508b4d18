/* privs.h: give up privileges once a command holds what needed them (issue
 * 20; docs/HARDENING.md, "Privilege model"). Linux capabilities through
 * libcap-ng, as tcpdump does. */
#ifndef TCPSHAKE_PRIVS_H
#define TCPSHAKE_PRIVS_H

#include <stddef.h>

#include "config.h"

/* Keep only the capabilities in caps[0..n) (permitted and effective; n = 0:
 * none), clear the inheritable and ambient sets, and the bounding set when
 * the process may (CAP_SETPCAP). Also sets no_new_privs, so that a program
 * run later (the guard's nft) cannot regain what was given up: for root,
 * execve would otherwise refill the sets from the bounding set
 * (capabilities(7), "Capabilities and execution of programs by root").
 * 0, or -1 with one line in errbuf. Harmless without any capability. */
int privs_keep_only(const int *caps, size_t n, char errbuf[ERRBUF_SIZE]);

/* privs_keep_only(NULL, 0, errbuf): every set empty. */
int privs_drop_all(char errbuf[ERRBUF_SIZE]);

#endif
