/* capture_set.c: a k-way merge of capture files by packet time (issue 12),
 * over capture.h's single-file reader (each file keeps its read-ahead
 * thread). A frame's bytes stay valid until the next call, because the file
 * it came from is read again only then. Errors in one file end that file
 * and are kept, naming it; the others are still read. */
#include "capture_set.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define SET_MAX_ERRORS 16

struct member {
    struct capture *cap;
    const char *path;
    long long size;      /* regular file size, 0 if unknown */
    bool have;           /* frame below is pending */
    bool ended;
    struct frame f;
};

struct set_error {
    enum capture_err kind;
    char msg[ERRBUF_SIZE];
};

struct capture_set {
    struct member *m;
    size_t n;
    size_t last;         /* member whose frame was handed out last */
    bool handed;
    enum link_type lt;
    struct set_error err[SET_MAX_ERRORS];
    size_t nerr;
};

static void add_error(struct capture_set *s, enum capture_err kind, const char *msg)
{
    if (s->nerr >= SET_MAX_ERRORS)
        return;
    s->err[s->nerr].kind = kind;
    snprintf(s->err[s->nerr].msg, ERRBUF_SIZE, "%s", msg);
    s->nerr++;
}

struct capture_set *capture_set_open(const struct capture_cfg *cfg, const char *const *paths,
                                     size_t n, enum capture_err *err, char errbuf[ERRBUF_SIZE])
{
    struct capture_set *s = calloc(1, sizeof(*s));
    size_t i, stdin_uses = 0;
    *err = CAPTURE_ERR_NONE;
    errbuf[0] = '\0';
    if (!s || !(s->m = calloc(n ? n : 1, sizeof(*s->m)))) {
        free(s);
        snprintf(errbuf, ERRBUF_SIZE, "out of memory");
        *err = CAPTURE_ERR_READ;
        return NULL;
    }
    for (i = 0; i < n; i++)
        stdin_uses += strcmp(paths[i], "-") == 0;
    if (stdin_uses > 1) {
        snprintf(errbuf, ERRBUF_SIZE, "standard input ('-') can be read only once");
        *err = CAPTURE_ERR_NOFILE;
        capture_set_close(s);
        return NULL;
    }
    s->lt = LINK_UNKNOWN;
    for (i = 0; i < n; i++) {
        struct capture_cfg c = *cfg;
        enum capture_err e;
        char eb[ERRBUF_SIZE];
        struct capture *cap;
        struct stat st;
        c.path = paths[i];
        cap = capture_open(&c, &e, eb);
        if (!cap) {
            add_error(s, e, eb);
            continue;
        }
        if (s->lt != LINK_UNKNOWN && capture_link_type(cap) != s->lt) {
            snprintf(eb, sizeof(eb),
                     "%s: its link type differs from the first file's: files of different "
                     "link types cannot be read as one capture",
                     paths[i]);
            add_error(s, CAPTURE_ERR_LINKTYPE, eb);
            capture_close(cap);
            continue;
        }
        s->lt = capture_link_type(cap);
        s->m[s->n].cap = cap;
        s->m[s->n].path = paths[i];
        s->m[s->n].size =
            strcmp(paths[i], "-") != 0 && stat(paths[i], &st) == 0 && S_ISREG(st.st_mode)
                ? (long long)st.st_size
                : 0;
        s->n++;
    }
    if (s->n == 0) {
        /* Nothing to read: the first error is the answer. */
        *err = s->nerr ? s->err[0].kind : CAPTURE_ERR_NOFILE;
        snprintf(errbuf, ERRBUF_SIZE, "%s", s->nerr ? s->err[0].msg : "no capture file");
        capture_set_close(s);
        return NULL;
    }
    return s;
}

/* Refill member i's pending frame; a read error ends that member. */
static void refill(struct capture_set *s, struct member *m)
{
    enum capture_err e = CAPTURE_ERR_NONE;
    char eb[ERRBUF_SIZE];
    int rc;
    if (m->have || m->ended)
        return;
    for (;;) {
        rc = capture_next(m->cap, &m->f, &e, eb);
        if (rc == CAPTURE_FRAME) {
            m->have = true;
            return;
        }
        if (rc == CAPTURE_TIMEOUT)
            continue;
        m->ended = true;
        if (rc == CAPTURE_ERROR)
            add_error(s, e == CAPTURE_ERR_NONE ? CAPTURE_ERR_READ : e, eb);
        return;
    }
}

int capture_set_next(struct capture_set *s, struct frame *out)
{
    size_t i, best = s->n;
    /* The frame handed out last is consumed: only now may its file move. */
    if (s->handed) {
        s->m[s->last].have = false;
        s->handed = false;
    }
    for (i = 0; i < s->n; i++) {
        refill(s, &s->m[i]);
        if (s->m[i].have && (best == s->n || s->m[i].f.ts_ns < s->m[best].f.ts_ns))
            best = i;
    }
    if (best == s->n)
        return CAPTURE_EOF;
    *out = s->m[best].f;
    s->last = best;
    s->handed = true;
    return CAPTURE_FRAME;
}

enum link_type capture_set_link_type(const struct capture_set *s) { return s->lt; }
size_t capture_set_count(const struct capture_set *s) { return s->n; }

enum link_type capture_set_frame_link_type(const struct capture_set *s)
{
    /* The member's pending frame is the last it read: it is not read
     * again before that frame is consumed. */
    return s->handed ? capture_frame_link_type(s->m[s->last].cap) : s->lt;
}

void capture_set_breakloop(struct capture_set *s)
{
    size_t i;
    for (i = 0; i < s->n; i++)
        capture_breakloop(s->m[i].cap);
}

void capture_set_on_idle(struct capture_set *s, void (*idle)(void *user), void *user)
{
    size_t i;
    for (i = 0; i < s->n; i++)
        capture_set_idle(s->m[i].cap, idle, user);
}

void capture_set_progress(struct capture_set *s, long long *done, long long *total)
{
    size_t i;
    *done = *total = 0;
    for (i = 0; i < s->n; i++) {
        long long off;
        if (!s->m[i].size)
            continue;
        /* The reader's own offset: at a natural end it is the size, after
         * an interrupt it is how far the file was read. */
        off = capture_file_offset(s->m[i].cap);
        if (off < 0)
            off = s->m[i].ended ? s->m[i].size : 0;
        *total += s->m[i].size;
        *done += off > 0 ? off : 0;
    }
}

size_t capture_set_nerrors(const struct capture_set *s) { return s->nerr; }

const char *capture_set_error(const struct capture_set *s, size_t i, enum capture_err *kind)
{
    if (i >= s->nerr)
        return NULL;
    if (kind)
        *kind = s->err[i].kind;
    return s->err[i].msg;
}

void capture_set_close(struct capture_set *s)
{
    size_t i;
    if (!s)
        return;
    for (i = 0; i < s->n; i++)
        capture_close(s->m[i].cap);
    free(s->m);
    free(s);
}
