/* atomic_file.c - the one output writer (see atomic_file.h): temporary file,
 * fsync, rename, folder fsync for regular files; direct writes into devices,
 * FIFOs, sockets and standard output, which are never replaced. */
#include "core/atomic_file.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#define TEMP_SUFFIX ".tmp-XXXXXX"
#define TEMP_BASE_MAX (NAME_MAX - 1 - (int)(sizeof TEMP_SUFFIX - 1)) /* "." + base + suffix */
#define SYMLINK_HOPS_MAX 40                                          /* as Linux's ELOOP limit */

static pthread_once_t umask_once = PTHREAD_ONCE_INIT;
static mode_t first_umask = 022;

static void read_umask_once(void)
{
    first_umask = umask(022);
    umask(first_umask);
}

/* The umask, without changing it (umask() sets it, for every thread): Linux
 * (>= 4.7) shows it in /proc/self/status; elsewhere set and restore it once. */
static mode_t current_umask(void)
{
    FILE *f = fopen("/proc/self/status", "re");
    char line[256];
    unsigned value;
    while (f && fgets(line, sizeof line, f))
        if (sscanf(line, "Umask: %o", &value) == 1) {
            fclose(f);
            return (mode_t)value & 0777;
        }
    if (f) fclose(f);
    pthread_once(&umask_once, read_umask_once);
    return first_umask;
}

/* Length of the folder part of `path` including its last '/' (0: no folder). */
static size_t prefix_length(const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash ? (size_t)(slash - path) + 1 : 0;
}

/* The descriptor a path names: /dev/fd/N, /proc/self/fd/N (where /dev/stdout
 * and /dev/stderr lead), /proc/thread-self/fd/N, /proc/<our pid>/fd/N; -1 for
 * any other path. Such a path is the process's own open file: it is written
 * through a duplicate of the descriptor, as "-" is, never renamed over. */
static int descriptor_named(const char *path)
{
    int fd = -1, pid = -1, end = 0;
    if ((sscanf(path, "/dev/fd/%d%n", &fd, &end) == 1 ||
         sscanf(path, "/proc/self/fd/%d%n", &fd, &end) == 1 ||
         sscanf(path, "/proc/thread-self/fd/%d%n", &fd, &end) == 1 ||
         (sscanf(path, "/proc/%d/fd/%d%n", &pid, &fd, &end) == 2 && pid == (int)getpid())) &&
        path[end] == '\0' && fd >= 0)
        return fd;
    return -1;
}

/* Follow symbolic links from `path` to the file the data belongs in: `out` is that
 * path, `st` its status and `*exists` whether it exists (a dangling link's target
 * is created, as a shell's `>` would); `*descriptor` >= 0 when the path leads to
 * one of the process's descriptors (descriptor_named). */
static int resolve_target(const char *path, char *out, size_t n, struct stat *st, bool *exists,
                          int *descriptor, struct tep_error *err)
{
    char link[4096], joined[8200];
    if (snprintf(out, n, "%s", path) >= (int)n)
        return tep_error_set_at(err, TEP_ERR_ARG, path, 0, 0, "output path is too long");
    for (int hops = 0;; hops++) {
        if ((*descriptor = descriptor_named(out)) >= 0) return 0;
        if (lstat(out, st) != 0) {
            if (errno != ENOENT) return tep_error_set_errno(err, TEP_ERR_IO, "cannot open", path);
            *exists = false;
            return 0;
        }
        if (!S_ISLNK(st->st_mode)) break;
        if (hops == SYMLINK_HOPS_MAX)
            return tep_error_set_at(err, TEP_ERR_IO, path, 0, 0,
                                    "too many levels of symbolic links");
        ssize_t len = readlink(out, link, sizeof link - 1);
        if (len < 0) return tep_error_set_errno(err, TEP_ERR_IO, "cannot read the link", out);
        link[len] = '\0';
        size_t prefix = link[0] == '/' ? 0 : prefix_length(out);
        snprintf(joined, sizeof joined, "%.*s%s", (int)prefix, out, link);
        if (snprintf(out, n, "%s", joined) >= (int)n)
            return tep_error_set_at(err, TEP_ERR_ARG, path, 0, 0,
                                    "the path its symbolic link points to is too long");
    }
    *exists = true;
    if (S_ISDIR(st->st_mode))
        return tep_error_set_at(err, TEP_ERR_IO, path, 0, 0,
                                "is a folder; expected a file name to write");
    return 0;
}

/* A Unix socket is written by connecting to it (open() cannot). */
static int connect_socket(const char *target)
{
    struct sockaddr_un addr = {.sun_family = AF_UNIX};
    if (strlen(target) >= sizeof addr.sun_path) {
        errno = ENAMETOOLONG;
        return -1;
    }
    strcpy(addr.sun_path, target);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return -1;
    if (connect(fd, (struct sockaddr *)&addr, sizeof addr) != 0) {
        int saved = errno;
        close(fd);
        errno = saved;
        return -1;
    }
    return fd;
}

/* One of the process's descriptors (stdout for "-"): write through a duplicate,
 * closed at the end, so the descriptor itself stays open. */
static int open_descriptor(struct tep_atomic_file *af, int descriptor, struct tep_error *err)
{
    af->direct = true;
    snprintf(af->target, sizeof af->target, descriptor == STDOUT_FILENO ? "(stdout)"
                                            : "(descriptor %d)", descriptor);
    /* what the program printed before stays in front */
    if (descriptor == STDOUT_FILENO) fflush(stdout);
    if (descriptor == STDERR_FILENO) fflush(stderr);
    af->fd = fcntl(descriptor, F_DUPFD_CLOEXEC, 3);
    if (af->fd < 0) return tep_error_set_errno(err, TEP_ERR_IO, "cannot write to", af->path);
    return 0;
}

/* A device, a FIFO or a socket: write into it. */
static int open_direct(struct tep_atomic_file *af, const struct stat *st, struct tep_error *err)
{
    af->direct = true;
    af->fd = S_ISSOCK(st->st_mode) ? connect_socket(af->target)
                                   : open(af->target, O_WRONLY | O_NOCTTY | O_CLOEXEC);
    if (af->fd < 0)
        return tep_error_set_errno(err, TEP_ERR_IO,
                                   S_ISSOCK(st->st_mode) ? "cannot connect to the socket"
                                                         : "cannot open output",
                                   af->path);
    struct stat now;
    if (fstat(af->fd, &now) != 0 || S_ISREG(now.st_mode))
        return tep_error_set_at(err, TEP_ERR_IO, af->path, 0, 0,
                                "changed into a regular file while being opened; try again");
    return 0;
}

/* A new temporary file beside the target, with the mode the target has (or a
 * created file would get). */
static int open_temporary(struct tep_atomic_file *af, bool exists, const struct stat *st,
                          struct tep_error *err)
{
    size_t prefix = prefix_length(af->target);
    const char *base = af->target + prefix;
    int base_len = (int)strlen(base);
    if (base_len > TEMP_BASE_MAX) base_len = TEMP_BASE_MAX; /* a long name: shorter temporary */
    if (snprintf(af->temp_path, sizeof af->temp_path, "%.*s.%.*s" TEMP_SUFFIX, (int)prefix,
                 af->target, base_len, base) >= (int)sizeof af->temp_path)
        return tep_error_set_at(err, TEP_ERR_ARG, af->path, 0, 0, "output path is too long");
    af->fd = mkostemp(af->temp_path, O_CLOEXEC);
    if (af->fd < 0) {
        af->temp_path[0] = '\0';
        if (strcmp(af->path, af->target) == 0)
            return tep_error_set_errno(err, TEP_ERR_IO, "cannot create output file", af->path);
        return tep_error_set_at(err, TEP_ERR_IO, af->path, 0, 0,
                                "cannot create output file '%s' (where the symbolic link "
                                "points): %s",
                                af->target, strerror(errno));
    }
    mode_t mode = exists ? st->st_mode & 0777 : 0666 & ~current_umask();
    if (fchmod(af->fd, mode) != 0)
        return tep_error_set_errno(err, TEP_ERR_IO, "cannot set the mode of", af->temp_path);
    /* Replacing someone else's file (as root): keep its owner and group, as an
     * editor saving over it would; without the right to, the file becomes ours. */
    if (exists && (st->st_uid != geteuid() || st->st_gid != getegid()) &&
        fchown(af->fd, st->st_uid, st->st_gid) != 0 && errno != EPERM)
        return tep_error_set_errno(err, TEP_ERR_IO, "cannot set the owner of", af->temp_path);
    return 0;
}

/* Write all of `data` to the descriptor; on failure remember errno (the stream
 * layer would lose it) and return -1. */
static int write_fd(struct tep_atomic_file *af, const char *data, size_t len)
{
    while (len > 0) {
        ssize_t n = write(af->fd, data, len);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
            if (!af->write_errno) af->write_errno = n < 0 ? errno : EIO;
            return -1;
        }
        data += n;
        len -= (size_t)n;
    }
    return 0;
}

/* The stream's write function (fopencookie): the descriptor stays ours to
 * fsync and close, and a failed write keeps its errno for the commit's message.
 * While the file is discarded, the bytes the stream flushes are dropped. */
static ssize_t stream_write(void *cookie, const char *data, size_t len)
{
    struct tep_atomic_file *af = cookie;
    if (af->discarding) return (ssize_t)len;
    return write_fd(af, data, len) == 0 ? (ssize_t)len : 0;
}

int tep_atomic_open(struct tep_atomic_file *af, const char *path, unsigned flags,
                    struct tep_error *err)
{
    struct stat st;
    bool exists = false;
    int descriptor = -1;
    memset(af, 0, sizeof *af);
    af->fd = -1;
    af->flags = flags;
    if (!path || !*path) return tep_error_set(err, TEP_ERR_ARG, "empty output path");
    if (snprintf(af->path, sizeof af->path, "%s", path) >= (int)sizeof af->path)
        return tep_error_set_at(err, TEP_ERR_ARG, path, 0, 0, "output path is too long");
    if (strcmp(path, "-") == 0)
        descriptor = STDOUT_FILENO;
    else if (resolve_target(path, af->target, sizeof af->target, &st, &exists, &descriptor,
                            err) != 0)
        goto fail;
    if (descriptor >= 0) {
        if (open_descriptor(af, descriptor, err) != 0) goto fail;
    } else if (exists && !S_ISREG(st.st_mode)) {
        if (open_direct(af, &st, err) != 0) goto fail;
    } else if (exists && faccessat(AT_FDCWD, af->target, W_OK, AT_EACCESS) != 0) {
        /* a file we may not write (chmod a-w) is not replaced, as `>` would not */
        tep_error_set_errno(err, TEP_ERR_IO, "cannot write output file", af->path);
        goto fail;
    } else if (open_temporary(af, exists, &st, err) != 0) {
        goto fail;
    }
    if (!(flags & TEP_ATOMIC_FD_ONLY)) {
        af->file = fopencookie(af, "w", (cookie_io_functions_t){.write = stream_write});
        if (!af->file) {
            tep_error_set_errno(err, TEP_ERR_IO, "cannot open output", af->path);
            goto fail;
        }
    }
    return 0;
fail:
    tep_atomic_discard(af);
    return -1;
}

int tep_atomic_write(struct tep_atomic_file *af, const void *data, size_t len,
                     struct tep_error *err)
{
    bool written = af->file ? fwrite(data, 1, len, af->file) == len : write_fd(af, data, len) == 0;
    if (written) return 0;
    if (!af->write_errno) af->write_errno = EIO;
    errno = af->write_errno;
    return tep_error_set_errno(err, TEP_ERR_IO, "write failed", af->path);
}

int tep_sync_dir(const char *path, struct tep_error *err)
{
    int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0 && errno == EACCES) return 0; /* a folder we may not read cannot be synced */
    if (fd < 0)
        return tep_error_set_errno(err, TEP_ERR_IO, "cannot open the folder to sync it", path);
    int rc = 0;
    if (fsync(fd) != 0 && errno != EINVAL)
        rc = tep_error_set_errno(err, TEP_ERR_IO, "cannot sync the folder to disk", path);
    close(fd);
    return rc;
}

/* fsync the folder holding `target` so the rename survives a crash. */
static int sync_folder(const struct tep_atomic_file *af, struct tep_error *err)
{
    char folder[4096];
    size_t prefix = prefix_length(af->target);
    snprintf(folder, sizeof folder, "%.*s", (int)(prefix ? prefix : 1), prefix ? af->target : ".");
    if (tep_sync_dir(folder, err) == 0) return 0;
    tep_error_prefix(err, "the file '%s' is in place, but not yet on disk", af->path);
    return -1;
}

int tep_atomic_commit(struct tep_atomic_file *af, struct tep_error *err)
{
    bool sync = !(af->flags & TEP_ATOMIC_NO_SYNC) && !af->direct;
    if (af->fd < 0) return tep_error_set_at(err, TEP_ERR_ARG, af->path, 0, 0, "output not open");
    if (af->file && (fflush(af->file) != 0 || ferror(af->file)) && !af->write_errno)
        af->write_errno = EIO;
    if (af->write_errno) {
        errno = af->write_errno;
        tep_error_set_errno(err, TEP_ERR_IO, "write failed", af->path);
        goto fail;
    }
    if (sync && fsync(af->fd) != 0) {
        tep_error_set_errno(err, TEP_ERR_IO, "cannot sync to disk", af->path);
        goto fail;
    }
    if (af->file) fclose(af->file); /* flushed above; the descriptor is closed next */
    af->file = NULL;
    int closed = close(af->fd);
    af->fd = -1;
    if (closed != 0) {
        tep_error_set_errno(err, TEP_ERR_IO, "write failed (at close)", af->path);
        goto fail;
    }
    if (af->direct) return 0;
    if (rename(af->temp_path, af->target) != 0) {
        tep_error_set_errno(err, TEP_ERR_IO, "cannot move the finished file into place",
                            af->path);
        goto fail;
    }
    af->temp_path[0] = '\0';
    return sync ? sync_folder(af, err) : 0;
fail:
    tep_atomic_discard(af);
    return -1;
}

void tep_atomic_discard(struct tep_atomic_file *af)
{
    af->discarding = true; /* fclose flushes: into nothing */
    if (af->file) fclose(af->file);
    if (af->fd >= 0) close(af->fd);
    af->file = NULL;
    af->fd = -1;
    if (af->temp_path[0]) unlink(af->temp_path);
    af->temp_path[0] = '\0';
}

int tep_make_dirs(const char *path, struct tep_error *err)
{
    char buf[4096];
    if (snprintf(buf, sizeof buf, "%s", path) >= (int)sizeof buf)
        return tep_error_set_at(err, TEP_ERR_IO, path, 0, 0, "path too long");
    for (char *s = buf + 1; *s; s++) {
        if (*s != '/') continue;
        *s = '\0';
        if (mkdir(buf, 0777) != 0 && errno != EEXIST)
            return tep_error_set_errno(err, TEP_ERR_IO, "cannot create folder", buf);
        *s = '/';
    }
    if (mkdir(buf, 0777) != 0 && errno != EEXIST)
        return tep_error_set_errno(err, TEP_ERR_IO, "cannot create folder", buf);
    return 0;
}
