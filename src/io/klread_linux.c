/* klread_linux.c: the TCP counters from /proc/net/{netstat,snmp} and the
 * listeners' queues from sock_diag (klread.h; issue 16). */
#include "klread.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kview.h"

/* Both files are a few KB (netstat ~ 4 KB on Linux 6.x); room to grow. */
#define KLREAD_BUF 65536
#define KLREAD_LISTENERS_MAX 1024

static const char *const paths[2] = {"/proc/net/netstat", "/proc/net/snmp"};

struct klread {
    int fd[2];
    int diag;
    char buf[KLREAD_BUF];
    struct kview_sock rows[KLREAD_LISTENERS_MAX];
};

void klread_close(struct klread *r)
{
    int i;
    if (!r)
        return;
    for (i = 0; i < 2; i++)
        if (r->fd[i] >= 0)
            close(r->fd[i]);
    if (r->diag >= 0)
        close(r->diag);
    free(r);
}

struct klread *klread_open(char errbuf[ERRBUF_SIZE])
{
    struct klread *r = calloc(1, sizeof(*r));
    struct kl_counters c;
    char ignore[ERRBUF_SIZE];
    int i;

    if (!r) {
        snprintf(errbuf, ERRBUF_SIZE, "out of memory");
        return NULL;
    }
    r->fd[0] = r->fd[1] = r->diag = -1;
    for (i = 0; i < 2; i++) {
        /* /proc/net is /proc/self/net: the namespace of the opener. */
        r->fd[i] = open(paths[i], O_RDONLY | O_CLOEXEC);
        if (r->fd[i] < 0) {
            snprintf(errbuf, ERRBUF_SIZE, "cannot read %s: %s", paths[i], strerror(errno));
            klread_close(r);
            return NULL;
        }
    }
    if (klread_counters(r, &c, errbuf) < 0) {
        klread_close(r);
        return NULL;
    }
    r->diag = kview_diag_open(ignore);
    return r;
}

/* The whole file from its start: a seq_file restarts at offset 0. */
static int read_all(int fd, const char *path, char *buf, size_t cap, size_t *len, char *errbuf)
{
    size_t n = 0;
    if (lseek(fd, 0, SEEK_SET) < 0) {
        snprintf(errbuf, ERRBUF_SIZE, "cannot read %s: %s", path, strerror(errno));
        return -1;
    }
    for (;;) {
        ssize_t got = read(fd, buf + n, cap - n);
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0) {
            snprintf(errbuf, ERRBUF_SIZE, "cannot read %s: %s", path, strerror(errno));
            return -1;
        }
        if (got == 0)
            break;
        n += (size_t)got;
        if (n == cap) {
            snprintf(errbuf, ERRBUF_SIZE, "%s is larger than %zu bytes", path, cap);
            return -1;
        }
    }
    *len = n;
    return 0;
}

int klread_counters(struct klread *r, struct kl_counters *out, char errbuf[ERRBUF_SIZE])
{
    int i;
    memset(out, 0, sizeof(*out));
    for (i = 0; i < 2; i++) {
        size_t len;
        if (read_all(r->fd[i], paths[i], r->buf, sizeof(r->buf), &len, errbuf) < 0)
            return -1;
        if (kl_parse(r->buf, len, out) < 0) {
            snprintf(errbuf, ERRBUF_SIZE, "%s: not the counter format tcpshake knows", paths[i]);
            return -1;
        }
    }
    /* The two that name a reason must be there (Linux 2.6.23+ has them). */
    if (!(out->have & (1u << KL_LISTEN_OVERFLOWS)) || !(out->have & (1u << KL_LISTEN_DROPS))) {
        snprintf(errbuf, ERRBUF_SIZE, "%s has no ListenOverflows/ListenDrops", paths[0]);
        return -1;
    }
    return 0;
}

int klread_listeners(struct klread *r, struct kl_listener *out, size_t cap,
                     char errbuf[ERRBUF_SIZE])
{
    int n, i, stored = 0;
    if (r->diag < 0) {
        snprintf(errbuf, ERRBUF_SIZE, "no sock_diag socket");
        return -1;
    }
    n = kview_listeners_fd(r->diag, r->rows, KLREAD_LISTENERS_MAX, errbuf);
    if (n < 0)
        return -1;
    if (n > KLREAD_LISTENERS_MAX)
        n = KLREAD_LISTENERS_MAX;
    for (i = 0; i < n && (size_t)stored < cap; i++) {
        struct kl_listener *l = &out[stored++];
        memset(l, 0, sizeof(*l));
        l->found = true;
        l->addr = r->rows[i].laddr;
        l->port = r->rows[i].lport;
        l->queue = r->rows[i].rqueue;
        l->backlog = r->rows[i].wqueue;
    }
    return stored;
}
