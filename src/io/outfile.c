/* outfile.c: create output files without following another user's symbolic
 * link or truncating another user's file, when running as root (issue 20;
 * docs/HARDENING.md, "Privilege model"). The rules are the ones Linux applies
 * itself when fs.protected_symlinks and fs.protected_regular are on
 * (Documentation/admin-guide/sysctl/fs.rst), which containers and older
 * systems often leave off. */
#include "outfile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/fsuid.h>
#include <sys/stat.h>
#include <unistd.h>

static bool owner_set;
static uid_t owner_uid;
static gid_t owner_gid;

void outfile_set_owner(uid_t uid, gid_t gid)
{
    owner_set = true;
    owner_uid = uid;
    owner_gid = gid;
}

static bool parse_id(const char *s, unsigned long *out)
{
    char *end;
    if (!s || !*s)
        return false;
    errno = 0;
    *out = strtoul(s, &end, 10);
    return errno == 0 && *end == '\0' && *out < (unsigned long)(uid_t)-1;
}

/* The invoking user: the real ids of a set-uid start, else sudo's. */
static void default_owner(uid_t *uid, gid_t *gid)
{
    unsigned long u, g;
    if (owner_set) {
        *uid = owner_uid;
        *gid = owner_gid;
        return;
    }
    *uid = getuid();
    *gid = getgid();
    if (*uid == 0 && parse_id(getenv("SUDO_UID"), &u) && parse_id(getenv("SUDO_GID"), &g)) {
        *uid = (uid_t)u;
        *gid = (gid_t)g;
    }
}

__attribute__((format(printf, 2, 3))) static int fail(char *errbuf, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(errbuf, ERRBUF_SIZE, fmt, ap);
    va_end(ap);
    return -1;
}

/* The checks on an entry that exists already; 0 or -1 + errbuf. */
static int check_existing(const char *path, const struct stat *dir, const struct stat *st,
                          uid_t owner, char *errbuf)
{
    bool shared_sticky = (dir->st_mode & S_ISVTX) && (dir->st_mode & (S_IWGRP | S_IWOTH));
    if (S_ISLNK(st->st_mode))
        return fail(errbuf,
                    "cannot write %s: it is a symbolic link, which a privileged run does not "
                    "follow (write to the link's target by its own name)",
                    path);
    if (!S_ISREG(st->st_mode) && !S_ISFIFO(st->st_mode) && !S_ISCHR(st->st_mode))
        return fail(errbuf, "cannot write %s: not a regular file", path);
    if (shared_sticky && st->st_uid != owner && st->st_uid != dir->st_uid)
        return fail(errbuf,
                    "cannot write %s: it belongs to another user (uid %lu) in a shared sticky "
                    "directory (the fs.protected_regular rule); remove it or choose another name",
                    path, (unsigned long)st->st_uid);
    if (S_ISREG(st->st_mode) && st->st_nlink > 1)
        return fail(errbuf,
                    "cannot write %s: it has %lu hard links, and a privileged run does not "
                    "overwrite a file known by other names",
                    path, (unsigned long)st->st_nlink);
    return 0;
}

/* Split path into its directory (opened O_PATH) and last component. */
static int open_parent(const char *path, const char **base, char *errbuf)
{
    const char *slash = strrchr(path, '/');
    char dir[4096];
    int fd;
    if (!slash) {
        *base = path;
        fd = open(".", O_PATH | O_DIRECTORY | O_CLOEXEC);
    } else {
        size_t n = slash == path ? 1 : (size_t)(slash - path);
        if (n >= sizeof(dir))
            return fail(errbuf, "cannot write %s: %s", path, strerror(ENAMETOOLONG));
        memcpy(dir, path, n);
        dir[n] = '\0';
        *base = slash + 1;
        fd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
    }
    if (fd < 0)
        return fail(errbuf, "cannot write %s: %s", path, strerror(errno));
    if (**base == '\0') {
        close(fd);
        return fail(errbuf, "cannot write %s: %s", path, strerror(EISDIR));
    }
    return fd;
}

static int open_privileged(const char *path, uid_t owner, char *errbuf)
{
    struct stat dst, lst, fst;
    const char *base = path;
    int dirfd, fd;

    dirfd = open_parent(path, &base, errbuf);
    if (dirfd < 0)
        return -1;
    if (fstat(dirfd, &dst) != 0) {
        int e = errno;
        close(dirfd);
        return fail(errbuf, "cannot write %s: %s", path, strerror(e));
    }
    if (fstatat(dirfd, base, &lst, AT_SYMLINK_NOFOLLOW) != 0) {
        /* A new file: O_EXCL, so nothing planted in between is opened. */
        fd = openat(dirfd, base, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0666);
        if (fd < 0) {
            int e = errno;
            close(dirfd);
            if (e == EEXIST)
                return fail(errbuf, "cannot write %s: it appeared while being created", path);
            return fail(errbuf, "cannot write %s: %s", path, strerror(e));
        }
        close(dirfd);
        return fd;
    }
    if (check_existing(path, &dst, &lst, owner, errbuf) != 0) {
        close(dirfd);
        return -1;
    }
    fd = openat(dirfd, base, O_WRONLY | O_NOFOLLOW | O_CLOEXEC);
    close(dirfd);
    if (fd < 0) {
        if (errno == ELOOP)
            return fail(errbuf, "cannot write %s: it is a symbolic link, which a privileged run "
                        "does not follow", path);
        return fail(errbuf, "cannot write %s: %s", path, strerror(errno));
    }
    /* The entry checked must be the one opened (not swapped in between). */
    if (fstat(fd, &fst) != 0 || fst.st_dev != lst.st_dev || fst.st_ino != lst.st_ino) {
        close(fd);
        return fail(errbuf, "cannot write %s: it was replaced while being opened", path);
    }
    if (S_ISREG(fst.st_mode) && ftruncate(fd, 0) != 0) {
        int e = errno;
        close(fd);
        return fail(errbuf, "cannot write %s: %s", path, strerror(e));
    }
    return fd;
}

int outfile_open(const char *path, char errbuf[ERRBUF_SIZE])
{
    uid_t uid;
    gid_t gid;
    int fd, e, old_fsuid = 0, old_fsgid = 0;

    if (!path || !*path)
        return fail(errbuf, "cannot write a file: empty file name");
    if (geteuid() != 0) {
        /* The kernel's own permission checks are the user's: nothing to add. */
        fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
        if (fd < 0)
            return fail(errbuf, "cannot write %s: %s", path, strerror(errno));
        return fd;
    }
    default_owner(&uid, &gid);
    /* Act on the file system as the owner (setfsuid(2) is per thread and
     * changes nothing else); root keeps its own ids. */
    if (uid != 0) {
        old_fsgid = setfsgid(gid);
        old_fsuid = setfsuid(uid);
    }
    fd = open_privileged(path, uid, errbuf);
    e = errno;
    if (uid != 0) {
        setfsuid((uid_t)old_fsuid);
        setfsgid((gid_t)old_fsgid);
    }
    errno = e;
    return fd;
}

FILE *outfile_fopen(const char *path, char errbuf[ERRBUF_SIZE])
{
    int fd = outfile_open(path, errbuf);
    FILE *f;
    if (fd < 0)
        return NULL;
    f = fdopen(fd, "wb");
    if (!f) {
        fail(errbuf, "cannot write %s: %s", path, strerror(errno));
        close(fd);
    }
    return f;
}
