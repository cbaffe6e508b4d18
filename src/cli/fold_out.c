/* fold_out.c: stdout through fold_line() (src/core/fold.c) when it is a
 * terminal narrower than the views' lines, or --width N is given (issue 14).
 * A fopencookie(3) stream replaces stdout; it collects whole lines and
 * writes each folded to the real stdout, so every view and the summary fit
 * without knowing about it. Piped output keeps its full lines. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "cli.h"
#include "fold.h"

#define FOLD_LINE_MAX 8192

struct fold_state {
    FILE *real;
    size_t width;
    size_t n;
    char line[FOLD_LINE_MAX];
    char out[3 * FOLD_LINE_MAX];
};

static int emit(struct fold_state *f)
{
    size_t n = fold_line(f->line, f->n, f->width, f->out, sizeof(f->out));
    f->n = 0;
    if (fwrite(f->out, 1, n, f->real) != n || putc('\n', f->real) == EOF)
        return -1;
    return 0;
}

static ssize_t fold_write(void *cookie, const char *buf, size_t size)
{
    struct fold_state *f = cookie;
    size_t i;
    for (i = 0; i < size; i++) {
        if (buf[i] == '\n') {
            if (emit(f) != 0)
                return -1;
            continue;
        }
        if (f->n == sizeof(f->line) && emit(f) != 0) /* an absurd line: fold what we have */
            return -1;
        f->line[f->n++] = buf[i];
    }
    /* What the views wrote goes on as they flush it (live output). */
    if (fflush(f->real) != 0)
        return -1;
    return (ssize_t)size;
}

static int fold_close(void *cookie)
{
    struct fold_state *f = cookie;
    int rc = 0;
    if (f->n && emit(f) != 0)
        rc = -1;
    if (fflush(f->real) != 0)
        rc = -1;
    free(f);
    return rc;
}

size_t cli_term_width(size_t forced)
{
    struct winsize ws;
    const char *cols;
    unsigned long n;
    if (forced)
        return forced;
    if (!isatty(STDOUT_FILENO))
        return 0; /* a pipe or file: full lines (scripts use NDJSON, but do not break them) */
    if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0)
        return ws.ws_col;
    cols = getenv("COLUMNS");
    if (cols && cli_parse_ulong(cols, 20, 10000, &n) == 0)
        return n;
    return 80;
}

static FILE *folded_stream, *real_stdout;

void cli_output_unfold(void)
{
    if (!folded_stream)
        return;
    stdout = real_stdout;
    /* Its last lines go out, and fold_close() frees the state; a write
     * error has been seen by the caller's fflush() already. */
    (void)fclose(folded_stream);
    folded_stream = NULL;
}

int cli_output_fold(size_t width)
{
    cookie_io_functions_t io = { .read = NULL, .write = fold_write, .seek = NULL,
                                 .close = fold_close };
    struct fold_state *f;
    FILE *folded;
    if (width == 0)
        return 0;
    f = calloc(1, sizeof(*f));
    if (!f)
        return -1;
    f->real = stdout;
    f->width = width;
    folded = fopencookie(f, "w", io);
    if (!folded) {
        free(f);
        return -1;
    }
    /* The views write through it; a line is folded once it is whole. */
    setvbuf(folded, NULL, _IOLBF, 0);
    real_stdout = stdout;
    folded_stream = folded;
    stdout = folded;
    return 0;
}
