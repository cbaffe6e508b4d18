/* rstguard.h: the RST guard for `tcpshake craft` (docs/SEMANTICS.md 6). An nft
 * table `inet tcpshake_<pid>` with one chain on the input hook at priority
 * raw drops the segments this host's kernel would answer with a RST, because
 * no socket of its own owns the crafted 4-tuple (RFC 9293 3.10.7.1). Packet
 * capture (AF_PACKET) sees them before the input hook, so the crafter still
 * does. Runs `nft -f -`; needs CAP_NET_ADMIN. */
#ifndef TCPSHAKE_RSTGUARD_H
#define TCPSHAKE_RSTGUARD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "netaddr.h"

#define RSTGUARD_ERR_NONFT (-1) /* "nft not found: install nftables, or use --no-guard" */
#define RSTGUARD_ERR_PERM (-2)  /* "needs root or CAP_NET_ADMIN: ..." */
#define RSTGUARD_ERR_NFT (-3)   /* nft failed; errbuf holds its first error line */
#define RSTGUARD_ERR_SPEC (-4)  /* bad spec (families differ, no address) */
#define RSTGUARD_ERR_EXEC (-5)  /* could not run nft (fork, pipe, timeout) */

/* Whose kernel RST to suppress. */
enum rstguard_role {
    /* craft handshake: we are the client at local:lport. Drop what the
     * server remote:rport sends to local:lport (its SYN+ACK and everything
     * after), so the kernel never answers it. */
    RSTGUARD_CLIENT,
    /* craft listen: we are a server on local:lport with no socket there.
     * Drop what arrives for local:lport (the client's SYN, ACK, FIN), from
     * remote:rport if given (remote.family 0 = any address, rport 0 = any
     * port), so the kernel never answers the SYN with RST+ACK. */
    RSTGUARD_LISTEN,
};

struct rstguard_spec {
    enum rstguard_role role;
    struct ip_addr local, remote;
    uint16_t lport, rport;
};

#define RSTGUARD_TABLE_LEN 32

struct rstguard {
    char table[RSTGUARD_TABLE_LEN]; /* "tcpshake_<pid>" */
    char nft[256];                  /* the nft binary used */
    bool installed;
};

/* Prepare (no I/O besides locating nft): table name from getpid(); nft from
 * nft_path, or else /usr/sbin, /sbin, /usr/local/sbin (never PATH). Returns 0 or
 * RSTGUARD_ERR_NONFT. */
int rstguard_init(struct rstguard *g, const char *nft_path, char errbuf[ERRBUF_SIZE]);

/* The nft script that installs the guard (pure; for tests and --verbose).
 * Replaces a table of the same name atomically. Returns the length written
 * (truncated at cap like snprintf), or RSTGUARD_ERR_SPEC. */
int rstguard_script(const struct rstguard_spec *s, const char *table, char *out, size_t cap);

/* Install (replacing our own table if it exists). Returns 0 or RSTGUARD_ERR_*. */
int rstguard_install(struct rstguard *g, const struct rstguard_spec *s,
                     char errbuf[ERRBUF_SIZE]);

/* Segments the guard has dropped so far (its rule counter); -1 if unknown. */
long long rstguard_dropped(struct rstguard *g);

/* Remove our table. Idempotent: removing a table that is gone succeeds.
 * Returns 0 or RSTGUARD_ERR_*. */
int rstguard_remove(struct rstguard *g, char errbuf[ERRBUF_SIZE]);

/* Delete every `tcpshake_<pid>` table (in this network namespace) whose
 * process is gone: what a crafter killed with SIGKILL left behind. Our own
 * pid's table is kept. *removed (if not NULL) counts the tables deleted.
 * Returns 0 or RSTGUARD_ERR_*. */
int rstguard_cleanup_stale(const struct rstguard *g, unsigned *removed,
                           char errbuf[ERRBUF_SIZE]);

/* Names of the `tcpshake_*` tables in this network namespace, written one
 * per line into out ("" if none). Returns how many, or RSTGUARD_ERR_*. */
int rstguard_list(const struct rstguard *g, char *out, size_t cap, char errbuf[ERRBUF_SIZE]);

#endif
