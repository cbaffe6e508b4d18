/* outfile.h: how every output file a run writes is created (`watch -w` and
 * its rotation files, `--svg`, `craft --write`, ...). A privileged run
 * (effective uid 0) must not be turned against the system by a file name
 * another local user prepared: docs/HARDENING.md, "Privilege model". */
#ifndef TCPSHAKE_OUTFILE_H
#define TCPSHAKE_OUTFILE_H

#include <stdio.h>
#include <sys/types.h>

#include "config.h"

/* Whom a privileged run creates its files as. By default the invoking user:
 * the real uid when it is not root (a set-uid start), else sudo's SUDO_UID /
 * SUDO_GID, else root itself. `watch -Z USER` names the user explicitly. */
void outfile_set_owner(uid_t uid, gid_t gid);

/* Open `path` for writing, truncated, the way fopen(path, "w") would, and
 * return its descriptor (close-on-exec), or -1 with one line in errbuf
 * ("cannot write PATH: ..."). Unprivileged, that is all. With effective uid
 * 0 the file is created with the owner's file-system identity (setfsuid(2),
 * so the kernel checks the owner's permissions and the new file is theirs),
 * and whoever owns it:
 *  - a symbolic link as the last component is never followed (O_NOFOLLOW);
 *  - an existing file in a sticky, group- or world-writable directory
 *    (/tmp) that belongs neither to the owner nor to the directory's owner
 *    is refused: the rule fs.protected_regular enforces when it is on;
 *  - a regular file with other hard links, or anything but a regular file,
 *    a FIFO or a character device, is refused;
 *  - an existing file is truncated only after these checks. */
int outfile_open(const char *path, char errbuf[ERRBUF_SIZE]);

/* The same, as a stdio stream ("wb"). */
FILE *outfile_fopen(const char *path, char errbuf[ERRBUF_SIZE]);

#endif
