/* atomic_file.h - the one way tep writes an output file (and creates the folders
 * outputs go in).
 *
 * A regular file (or a new path) is written under a unique temporary name in the
 * same folder (".<name>.tmp-XXXXXX", mode 0666 & ~umask like any created file,
 * or the mode of the file it replaces), fsynced, renamed over the path and the
 * folder fsynced: readers see the old file or the whole new one, never a part,
 * and every failure (a write error, ENOSPC at write, flush, fsync or close, a
 * failed rename, a caller's discard) removes the temporary and leaves an
 * existing file untouched; a file the user may not write is not replaced. A
 * symbolic link is followed: its final target is replaced atomically in the
 * target's folder and the link stays. A path that is
 * not a regular file - a character or block device, a FIFO, a Unix socket, or
 * "-" (standard output; write ./- for a file of that name) - is written into directly
 * and never replaced; so is a path naming one of the process's descriptors
 * (/dev/stdout, /dev/fd/N, /proc/self/fd/N), through a duplicate of it, at its
 * offset (appending when it was opened to append).
 */
#ifndef TEP_CORE_ATOMIC_FILE_H
#define TEP_CORE_ATOMIC_FILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "core/error.h"

enum tep_atomic_flags {
    TEP_ATOMIC_NO_SYNC = 1u << 0, /* skip the fsyncs (only where a user chose so) */
    TEP_ATOMIC_FD_ONLY = 1u << 1, /* no stdio stream: write with tep_atomic_write */
};

/* Not to be copied or moved while open (its stream refers to it). */
struct tep_atomic_file {
    FILE *file;            /* write here (NULL with TEP_ATOMIC_FD_ONLY) */
    int fd;                /* the descriptor being written; -1 once closed */
    unsigned flags;        /* enum tep_atomic_flags */
    bool direct;           /* writing into the target itself (device, FIFO, socket, stdout) */
    int write_errno;       /* errno of the first failed write (then the commit fails) */
    bool discarding;       /* being discarded: the stream's buffered bytes are dropped */
    char path[4096];       /* the path as given (for messages) */
    char target[4096];     /* where the data goes: the path with symbolic links followed */
    char temp_path[4352];  /* the temporary file; "" when direct */
};

/* Open `path` for writing (flags: enum tep_atomic_flags). A folder, or a path
 * whose folder does not exist, is an error naming the path. */
int tep_atomic_open(struct tep_atomic_file *af, const char *path, unsigned flags,
                    struct tep_error *err);

/* Write `len` bytes (through the stream, or the descriptor with FD_ONLY). After
 * a failure the commit fails too (and cleans up), as does a discard. */
int tep_atomic_write(struct tep_atomic_file *af, const void *data, size_t len,
                     struct tep_error *err);

/* Finish: flush, fsync, close, rename into place, fsync the folder. On failure
 * the temporary file is removed and an existing file at the path is untouched.
 * A write error the stream recorded earlier also fails the commit. */
int tep_atomic_commit(struct tep_atomic_file *af, struct tep_error *err);

/* Give up: close and remove the temporary file. What the stream still buffers is
 * dropped, never written: a direct output (stdout, a FIFO, a socket) gets nothing
 * more than it had. Safe to call after a commit, a failed open or another discard
 * (then it does nothing). */
void tep_atomic_discard(struct tep_atomic_file *af);

/* fsync the folder `path`, so that the renames and new names in it survive a crash.
 * A folder we may not read (EACCES) cannot be synced and a file system that cannot
 * sync folders (EINVAL) needs it not: neither is an error. Other failures (EIO) are,
 * naming the folder. */
int tep_sync_dir(const char *path, struct tep_error *err);

/* Create the folder `path` and its missing parents (as mkdir -p). */
int tep_make_dirs(const char *path, struct tep_error *err);

#endif
