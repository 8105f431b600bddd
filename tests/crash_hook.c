/* crash_hook.c - an LD_PRELOAD library for the crash tests (tests/lib_crash.sh
 * builds it with cc -shared; it is not part of tep). It numbers the calls of one
 * kind the process makes, all threads together, from 1: renames (rename, renameat,
 * renameat2) by default, or with TEP_CRASH_ON=sync the fsync/fdatasync calls, with
 * TEP_CRASH_ON=unlink the unlink/unlinkat calls (SQLite's commit). At number N:
 *   TEP_CRASH_KILL_AT=N   kills the process with SIGKILL before the call happens
 *                         (a crash exactly between two steps);
 *   TEP_CRASH_FAIL_AT=N   makes the call fail with EIO (an error path);
 *   TEP_CRASH_PAUSE_AT=N  sleeps TEP_CRASH_PAUSE_MS (default 2000) ms before the call
 *                         (lets another process act in between two steps).
 * TEP_CRASH_LOG=FILE appends "N KIND PATH [-> PATH]" for every counted call, so that a
 * first pass can count and name them.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static atomic_long counted;

/* 0: go on with the call; -1: fail it (errno set). Never returns at the kill. */
static int before_call(const char *kind, const char *path, const char *to)
{
    const char *on = getenv("TEP_CRASH_ON");
    if (strcmp(on && on[0] ? on : "rename", kind) != 0) return 0;
    long n = atomic_fetch_add(&counted, 1) + 1;
    const char *log = getenv("TEP_CRASH_LOG");
    if (log && log[0]) {
        int fd = open(log, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
        if (fd >= 0) {
            dprintf(fd, "%ld %s %s%s%s\n", n, kind, path, to ? " -> " : "", to ? to : "");
            close(fd);
        }
    }
    const char *kill_at = getenv("TEP_CRASH_KILL_AT"), *fail_at = getenv("TEP_CRASH_FAIL_AT");
    if (kill_at && atol(kill_at) == n) kill(getpid(), SIGKILL);
    const char *pause_at = getenv("TEP_CRASH_PAUSE_AT"), *pause_ms = getenv("TEP_CRASH_PAUSE_MS");
    if (pause_at && atol(pause_at) == n) {
        long ms = pause_ms ? atol(pause_ms) : 2000;
        struct timespec t = {ms / 1000, (ms % 1000) * 1000000L};
        nanosleep(&t, NULL);
    }
    if (fail_at && atol(fail_at) == n) {
        errno = EIO;
        return -1;
    }
    return 0;
}

/* The next definition of `name` (libc's); NULL with errno = ENOSYS if none. */
static void *next_symbol(const char *name)
{
    void *f = dlsym(RTLD_NEXT, name);
    if (!f) errno = ENOSYS;
    return f;
}

/* "fd 7" for calls on a descriptor */
static const char *fd_name(int fd, char *buf, size_t n)
{
    snprintf(buf, n, "fd %d", fd);
    return buf;
}

int rename(const char *from, const char *to)
{
    int (*real)(const char *, const char *) = next_symbol("rename");
    return !real || before_call("rename", from, to) ? -1 : real(from, to);
}

int renameat(int from_dir, const char *from, int to_dir, const char *to)
{
    int (*real)(int, const char *, int, const char *) = next_symbol("renameat");
    return !real || before_call("rename", from, to) ? -1 : real(from_dir, from, to_dir, to);
}

int renameat2(int from_dir, const char *from, int to_dir, const char *to, unsigned flags)
{
    int (*real)(int, const char *, int, const char *, unsigned) = next_symbol("renameat2");
    return !real || before_call("rename", from, to) ? -1 : real(from_dir, from, to_dir, to, flags);
}

int fsync(int fd)
{
    char name[32];
    int (*real)(int) = next_symbol("fsync");
    return !real || before_call("sync", fd_name(fd, name, sizeof name), NULL) ? -1 : real(fd);
}

int fdatasync(int fd)
{
    char name[32];
    int (*real)(int) = next_symbol("fdatasync");
    return !real || before_call("sync", fd_name(fd, name, sizeof name), NULL) ? -1 : real(fd);
}

int unlink(const char *path)
{
    int (*real)(const char *) = next_symbol("unlink");
    return !real || before_call("unlink", path, NULL) ? -1 : real(path);
}

int unlinkat(int dir, const char *path, int flags)
{
    int (*real)(int, const char *, int) = next_symbol("unlinkat");
    return !real || before_call("unlink", path, NULL) ? -1 : real(dir, path, flags);
}
