/* capture_set.h: several capture files read as one capture, merged in
 * packet-time order as mergecap does (issue 12): `read a.pcap b.pcapng`,
 * a rotation set from tcpdump -C/-G. One file is the common case and
 * behaves exactly as a single capture. */
#ifndef TCPSHAKE_CAPTURE_SET_H
#define TCPSHAKE_CAPTURE_SET_H

#include <stddef.h>

#include "capture.h"

struct capture_set;

/* Open every file (cfg->path is ignored; paths[i], "-" = stdin at most
 * once) with cfg's filter. A file that cannot be opened is remembered as an
 * error (capture_set_error) and the others are still read; NULL (with the
 * first error in *err / errbuf) only when none can be. Files whose link
 * type differs from the first good file's are refused the same way: the
 * tracker decodes one link type. */
struct capture_set *capture_set_open(const struct capture_cfg *cfg, const char *const *paths,
                                     size_t n, enum capture_err *err,
                                     char errbuf[ERRBUF_SIZE]);
/* The next frame in time order (equal times: file order), CAPTURE_FRAME, or
 * CAPTURE_EOF once every file has ended. A file's read error ends that
 * file only: it is remembered (capture_set_error) and the others go on. */
int capture_set_next(struct capture_set *s, struct frame *out);
enum link_type capture_set_link_type(const struct capture_set *s);
/* The link type of the frame capture_set_next() handed out last
 * (capture_frame_link_type: a pcapng interface's own). */
enum link_type capture_set_frame_link_type(const struct capture_set *s);
size_t capture_set_count(const struct capture_set *s);      /* files open */
void capture_set_breakloop(struct capture_set *s);
void capture_set_on_idle(struct capture_set *s, void (*idle)(void *user), void *user);
/* Bytes read so far and in all, over the regular files (for progress and
 * an interrupted read's share); total 0 when unknown. */
void capture_set_progress(struct capture_set *s, long long *done, long long *total);
/* Errors met so far, in the order met: kind and one line naming the file. */
size_t capture_set_nerrors(const struct capture_set *s);
const char *capture_set_error(const struct capture_set *s, size_t i, enum capture_err *kind);
void capture_set_close(struct capture_set *s);

#endif
