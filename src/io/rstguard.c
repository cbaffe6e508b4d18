/* rstguard.c: install and remove the nft input-drop table that keeps this
 * host's kernel from answering crafted segments with RST (docs/SEMANTICS.md 6,
 * RFC 9293 3.10.7.1), by running `nft -f -` with the script on stdin. */
#include "rstguard.h"
#include "ioclock.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static char *const nft_env[] = { "PATH=/usr/sbin:/usr/bin:/sbin:/bin", "LC_ALL=C", NULL };

#define NFT_TIMEOUT_MS 5000  /* nft answers in milliseconds; a hung nft is killed */
#define NFT_OUTPUT_MAX 65536 /* output kept (the rest is read and dropped) */
#define TABLE_PREFIX "tcpshake_"

__attribute__((format(printf, 3, 4))) static int gfail(char *errbuf, int rc, const char *fmt,
                                                       ...)
{
    va_list ap;
    if (errbuf) {
        va_start(ap, fmt);
        vsnprintf(errbuf, ERRBUF_SIZE, fmt, ap);
        va_end(ap);
    }
    return rc;
}

static bool executable(const char *path)
{
    struct stat sb;
    return stat(path, &sb) == 0 && S_ISREG(sb.st_mode) && access(path, X_OK) == 0;
}

/* nft runs with this process's privileges: it is found only where
 * distributions install it, never through the caller's PATH (issue 20). */
static bool find_nft(char *out, size_t cap)
{
    static const char *const places[] = { "/usr/sbin/nft", "/sbin/nft", "/usr/local/sbin/nft" };
    size_t i;
    for (i = 0; i < sizeof(places) / sizeof(places[0]); i++) {
        if (executable(places[i])) {
            snprintf(out, cap, "%s", places[i]);
            return true;
        }
    }
    return false;
}

int rstguard_init(struct rstguard *g, const char *nft_path, char errbuf[ERRBUF_SIZE])
{
    memset(g, 0, sizeof(*g));
    snprintf(g->table, sizeof(g->table), TABLE_PREFIX "%ld", (long)getpid());
    if (nft_path) {
        if ((size_t)snprintf(g->nft, sizeof(g->nft), "%s", nft_path) >= sizeof(g->nft) ||
            !executable(g->nft)) {
            g->nft[0] = '\0';
            return gfail(errbuf, RSTGUARD_ERR_NONFT,
                         "nft not found (%s): install nftables, or use --no-guard", nft_path);
        }
        return 0;
    }
    if (!find_nft(g->nft, sizeof(g->nft))) {
        g->nft[0] = '\0';
        return gfail(errbuf, RSTGUARD_ERR_NONFT,
                     "nft not found: install nftables, or use --no-guard");
    }
    return 0;
}

/* Run nft with argv (argv[0] is replaced by the binary) and `script` on
 * stdin (NULL: empty). Its stdout and stderr go to out (NUL-terminated,
 * truncated at cap). Returns nft's exit status (0..255), or
 * RSTGUARD_ERR_NONFT / RSTGUARD_ERR_EXEC. Bounded by NFT_TIMEOUT_MS. */
static int run_nft(const struct rstguard *g, char *const argv_in[], const char *script,
                   char *out, size_t cap, char *errbuf)
{
    posix_spawn_file_actions_t fa;
    char *argv[8];
    int in_fd, pipefd[2], rc, status = 0, i;
    size_t used = 0;
    pid_t pid;
    uint64_t deadline;
    bool timed_out = false;

    if (!g->nft[0])
        return gfail(errbuf, RSTGUARD_ERR_NONFT,
                     "nft not found: install nftables, or use --no-guard");
    for (i = 0; i < 7 && argv_in[i]; i++)
        argv[i] = argv_in[i];
    argv[i] = NULL;
    argv[0] = (char *)g->nft;
    if (cap)
        out[0] = '\0';

    /* The script goes through an anonymous file, not a pipe: nothing can
     * block on it, and nft exiting early cannot raise SIGPIPE here. */
    in_fd = memfd_create("tcpshake-nft", MFD_CLOEXEC);
    if (in_fd < 0)
        return gfail(errbuf, RSTGUARD_ERR_EXEC, "memfd_create: %s", strerror(errno));
    if (script) {
        size_t len = strlen(script), off = 0;
        while (off < len) {
            ssize_t n = write(in_fd, script + off, len - off);
            if (n < 0 && errno == EINTR)
                continue;
            if (n <= 0) {
                int e = errno;
                close(in_fd);
                return gfail(errbuf, RSTGUARD_ERR_EXEC, "write nft script: %s", strerror(e));
            }
            off += (size_t)n;
        }
        lseek(in_fd, 0, SEEK_SET);
    }
    if (pipe2(pipefd, O_CLOEXEC) != 0) {
        int e = errno;
        close(in_fd);
        return gfail(errbuf, RSTGUARD_ERR_EXEC, "pipe: %s", strerror(e));
    }
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, in_fd, STDIN_FILENO);
    posix_spawn_file_actions_adddup2(&fa, pipefd[1], STDOUT_FILENO);
    posix_spawn_file_actions_adddup2(&fa, pipefd[1], STDERR_FILENO);
    /* A clean environment: nothing of the caller's (PATH, LD_*, NFT_*)
     * reaches a program run with privileges. */
    rc = posix_spawn(&pid, g->nft, &fa, NULL, argv, nft_env);
    posix_spawn_file_actions_destroy(&fa);
    close(in_fd);
    close(pipefd[1]);
    if (rc != 0) {
        close(pipefd[0]);
        if (rc == ENOENT)
            return gfail(errbuf, RSTGUARD_ERR_NONFT,
                         "nft not found (%s): install nftables, or use --no-guard", g->nft);
        return gfail(errbuf, RSTGUARD_ERR_EXEC, "%s: %s", g->nft, strerror(rc));
    }

    deadline = io_mono_ms() + NFT_TIMEOUT_MS;
    for (;;) {
        struct pollfd pfd = { pipefd[0], POLLIN, 0 };
        uint64_t now = io_mono_ms();
        char buf[4096];
        ssize_t n;
        if (now >= deadline) {
            timed_out = true;
            break;
        }
        rc = poll(&pfd, 1, (int)(deadline - now));
        if (rc < 0 && errno == EINTR)
            continue;
        if (rc <= 0)
            continue; /* timeout: checked at the top */
        n = read(pipefd[0], buf, sizeof(buf));
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break; /* EOF: nft closed its output */
        if (cap && used < cap - 1) {
            size_t take = (size_t)n < cap - 1 - used ? (size_t)n : cap - 1 - used;
            memcpy(out + used, buf, take);
            used += take;
            out[used] = '\0';
        }
    }
    close(pipefd[0]);
    if (timed_out)
        kill(pid, SIGKILL); /* our own child, by its pid */
    while (waitpid(pid, &status, 0) < 0) {
        if (errno != EINTR) {
            status = 0; /* ECHILD: SIGCHLD ignored by the caller; judge by the output */
            if (strstr(out ? out : "", "Error"))
                status = 1 << 8;
            break;
        }
    }
    if (timed_out)
        return gfail(errbuf, RSTGUARD_ERR_EXEC, "%s did not finish in %d ms", g->nft,
                     NFT_TIMEOUT_MS);
    if (WIFSIGNALED(status))
        return gfail(errbuf, RSTGUARD_ERR_EXEC, "%s killed by signal %d", g->nft,
                     WTERMSIG(status));
    return WEXITSTATUS(status);
}

/* nft failed: one line for the user. */
static int nft_error(const char *what, const char *out, char *errbuf)
{
    const char *line = strstr(out, "Error:");
    const char *end;
    int len;
    if (!line)
        line = out;
    end = strchr(line, '\n');
    len = end ? (int)(end - line) : (int)strlen(line);
    if (len > 300)
        len = 300;
    if (strstr(out, "Operation not permitted") || strstr(out, "you must be root"))
        return gfail(errbuf, RSTGUARD_ERR_PERM, "needs root or CAP_NET_ADMIN: %s: %.*s", what,
                     len, line);
    return gfail(errbuf, RSTGUARD_ERR_NFT, "%s: %.*s", what, len ? len : 11,
                 len ? line : "nft failed");
}

int rstguard_script(const struct rstguard_spec *s, const char *table, char *out, size_t cap)
{
    char l[IPADDR_STRLEN], r[IPADDR_STRLEN], match[256];
    const char *ip;
    int n = 0;
    if (s->local.family != IPADDR_V4 && s->local.family != IPADDR_V6)
        return RSTGUARD_ERR_SPEC;
    if (s->remote.family && s->remote.family != s->local.family)
        return RSTGUARD_ERR_SPEC;
    if (s->role == RSTGUARD_CLIENT && (!s->remote.family || !s->rport || !s->lport))
        return RSTGUARD_ERR_SPEC;
    if (s->role == RSTGUARD_LISTEN && !s->lport)
        return RSTGUARD_ERR_SPEC;
    ip = s->local.family == IPADDR_V4 ? "ip" : "ip6";
    ipaddr_format(&s->local, l);
    ipaddr_format(&s->remote, r);
    /* Incoming = input hook; only what goes TO our crafted endpoint. Our own
     * segments (sent to the peer) and everything else pass. */
    if (s->remote.family)
        n = snprintf(match, sizeof(match), "%s saddr %s %s daddr %s", ip, r, ip, l);
    else
        n = snprintf(match, sizeof(match), "%s daddr %s", ip, l);
    if (s->rport)
        n += snprintf(match + n, sizeof(match) - (size_t)n, " tcp sport %u", s->rport);
    snprintf(match + n, sizeof(match) - (size_t)n, " tcp dport %u", s->lport);
    /* "add + delete" first makes the install idempotent (replaces a
     * leftover of our own pid) and the whole file is one transaction. */
    return snprintf(out, cap,
                    "add table inet %s\n"
                    "delete table inet %s\n"
                    "table inet %s {\n"
                    "\tchain guard_in {\n"
                    "\t\ttype filter hook input priority raw; policy accept;\n"
                    "\t\t%s counter drop comment \"tcpshake craft %s: no kernel RST\"\n"
                    "\t}\n"
                    "}\n",
                    table, table, table, match,
                    s->role == RSTGUARD_CLIENT ? "handshake" : "listen");
}

int rstguard_install(struct rstguard *g, const struct rstguard_spec *s,
                     char errbuf[ERRBUF_SIZE])
{
    static char *const argv[] = { "nft", "-f", "-", NULL };
    char script[1024], out[2048];
    int n = rstguard_script(s, g->table, script, sizeof(script)), rc;
    if (n < 0 || (size_t)n >= sizeof(script))
        return gfail(errbuf, RSTGUARD_ERR_SPEC, "guard: bad addresses or ports");
    rc = run_nft(g, argv, script, out, sizeof(out), errbuf);
    if (rc < 0)
        return rc;
    if (rc != 0)
        return nft_error("nft (installing the RST guard)", out, errbuf);
    g->installed = true;
    return 0;
}

long long rstguard_dropped(struct rstguard *g)
{
    char tbl[64];
    char *argv[] = { "nft", "list", "table", "inet", tbl, NULL };
    char out[4096];
    const char *p;
    long long total = 0;
    bool any = false;
    if (!g->installed)
        return -1;
    snprintf(tbl, sizeof(tbl), "%s", g->table);
    if (run_nft(g, argv, NULL, out, sizeof(out), NULL) != 0)
        return -1;
    for (p = out; (p = strstr(p, "packets ")) != NULL; p += 8) {
        total += strtoll(p + 8, NULL, 10);
        any = true;
    }
    return any ? total : -1;
}

static int delete_tables(const struct rstguard *g, const char *const *names, unsigned n,
                         char *errbuf)
{
    static char *const argv[] = { "nft", "-f", "-", NULL };
    char script[4096], out[2048];
    size_t used = 0;
    unsigned i;
    int rc;
    if (!n)
        return 0;
    script[0] = '\0';
    for (i = 0; i < n; i++) {
        /* add + delete: succeeds whether or not the table still exists. */
        int w = snprintf(script + used, sizeof(script) - used,
                         "add table inet %s\ndelete table inet %s\n", names[i], names[i]);
        if (w < 0 || (size_t)w >= sizeof(script) - used)
            break;
        used += (size_t)w;
    }
    rc = run_nft(g, argv, script, out, sizeof(out), errbuf);
    if (rc < 0)
        return rc;
    if (rc != 0)
        return nft_error("nft (removing the RST guard)", out, errbuf);
    return 0;
}

int rstguard_remove(struct rstguard *g, char errbuf[ERRBUF_SIZE])
{
    const char *names[1];
    int rc;
    if (!g->installed)
        return 0;
    names[0] = g->table;
    rc = delete_tables(g, names, 1, errbuf);
    if (rc == 0)
        g->installed = false;
    return rc;
}

/* `nft list tables` -> names of inet tables called tcpshake_<digits>. */
static int list_ours(const struct rstguard *g, char names[][RSTGUARD_TABLE_LEN], int max,
                     char *errbuf)
{
    static char *const argv[] = { "nft", "list", "tables", NULL };
    char out[16384];
    const char *line;
    int rc = run_nft(g, argv, NULL, out, sizeof(out), errbuf), n = 0;
    if (rc < 0)
        return rc;
    if (rc != 0)
        return nft_error("nft list tables", out, errbuf);
    for (line = out; line && *line; line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL) {
        static const char pre[] = "table inet " TABLE_PREFIX;
        const char *d;
        size_t len;
        if (strncmp(line, pre, sizeof(pre) - 1) != 0)
            continue;
        d = line + sizeof(pre) - 1;
        len = strspn(d, "0123456789");
        if (len == 0 || len > 10 || (d[len] != '\n' && d[len] != '\0'))
            continue;
        if (n < max) {
            snprintf(names[n], RSTGUARD_TABLE_LEN, TABLE_PREFIX "%.*s", (int)len, d);
            n++;
        }
    }
    return n;
}

#define MAX_TABLES 64

int rstguard_list(const struct rstguard *g, char *out, size_t cap, char errbuf[ERRBUF_SIZE])
{
    char names[MAX_TABLES][RSTGUARD_TABLE_LEN];
    int n = list_ours(g, names, MAX_TABLES, errbuf), i;
    size_t used = 0;
    if (cap)
        out[0] = '\0';
    for (i = 0; i < n && cap; i++) {
        int w = snprintf(out + used, cap - used, "%s\n", names[i]);
        if (w < 0 || (size_t)w >= cap - used)
            break;
        used += (size_t)w;
    }
    return n;
}

int rstguard_cleanup_stale(const struct rstguard *g, unsigned *removed,
                           char errbuf[ERRBUF_SIZE])
{
    char names[MAX_TABLES][RSTGUARD_TABLE_LEN];
    const char *stale[MAX_TABLES];
    unsigned nstale = 0;
    int n = list_ours(g, names, MAX_TABLES, errbuf), i, rc;
    if (removed)
        *removed = 0;
    if (n < 0)
        return n;
    for (i = 0; i < n; i++) {
        long pid = strtol(names[i] + sizeof(TABLE_PREFIX) - 1, NULL, 10);
        /* Gone = kill(pid, 0) says ESRCH (EPERM means it exists). A zombie
         * still counts as alive until its parent reaps it. PIDs are per pid
         * namespace: a crafter in another pid namespace sharing this network
         * namespace would look gone; tcpshake does not run that way. */
        if (pid <= 0 || pid == (long)getpid())
            continue;
        if (kill((pid_t)pid, 0) == 0 || errno != ESRCH)
            continue;
        stale[nstale++] = names[i];
    }
    rc = delete_tables(g, stale, nstale, errbuf);
    if (rc == 0 && removed)
        *removed = nstale;
    return rc;
}
