/* check.h - a minimal test harness for tep's C tests.
 *
 * Each tests/test_*.c is its own program and its own ctest case. Use CHECK*
 * macros inside functions registered with RUN(); main returns non-zero when
 * any check failed, and 77 (ctest's "skipped") when the test called SKIP().
 * Reference material lives in ../shared; tep_shared_path() finds it (or the
 * test skips with a clear message when it is absent, as in a user's clone).
 */
#ifndef TEP_TESTS_CHECK_H
#define TEP_TESTS_CHECK_H

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static int check_failures = 0;
static int check_count = 0;

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        check_count++;                                                                             \
        if (!(cond)) {                                                                             \
            check_failures++;                                                                      \
            fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond);               \
        }                                                                                          \
    } while (0)

#define CHECK_MSG(cond, ...)                                                                       \
    do {                                                                                           \
        check_count++;                                                                             \
        if (!(cond)) {                                                                             \
            check_failures++;                                                                      \
            fprintf(stderr, "%s:%d: CHECK failed: %s: ", __FILE__, __LINE__, #cond);               \
            fprintf(stderr, __VA_ARGS__);                                                          \
            fputc('\n', stderr);                                                                   \
        }                                                                                          \
    } while (0)

#define CHECK_EQ_INT(a, b)                                                                         \
    do {                                                                                           \
        long long check_a_ = (long long)(a), check_b_ = (long long)(b);                            \
        CHECK_MSG(check_a_ == check_b_, "%s = %lld, %s = %lld", #a, check_a_, #b, check_b_);       \
    } while (0)

#define CHECK_STR(a, b)                                                                            \
    do {                                                                                           \
        const char *check_a_ = (a), *check_b_ = (b);                                               \
        CHECK_MSG(check_a_ && check_b_ && strcmp(check_a_, check_b_) == 0, "'%s' != '%s'",         \
                  check_a_ ? check_a_ : "(null)", check_b_ ? check_b_ : "(null)");                 \
    } while (0)

/* |a-b| <= tol * max(|a|,|b|, floor) */
static inline int check_close_rel(double a, double b, double tol, double floor_)
{
    double scale = fmax(fmax(fabs(a), fabs(b)), floor_);
    return fabs(a - b) <= tol * scale;
}

#define CHECK_REL(a, b, tol)                                                                       \
    do {                                                                                           \
        double check_a_ = (a), check_b_ = (b);                                                     \
        CHECK_MSG(check_close_rel(check_a_, check_b_, (tol), 1e-300), "%s = %.17g, %s = %.17g",   \
                  #a, check_a_, #b, check_b_);                                                     \
    } while (0)

#define CHECK_ABS(a, b, tol)                                                                       \
    do {                                                                                           \
        double check_a_ = (a), check_b_ = (b);                                                     \
        CHECK_MSG(fabs(check_a_ - check_b_) <= (tol), "%s = %.17g, %s = %.17g", #a, check_a_, #b,  \
                  check_b_);                                                                       \
    } while (0)

#define RUN(fn)                                                                                    \
    do {                                                                                           \
        int before_ = check_failures;                                                              \
        fn();                                                                                      \
        fprintf(stderr, "%-40s %s\n", #fn, check_failures == before_ ? "ok" : "FAILED");          \
    } while (0)

#define SKIP(...)                                                                                  \
    do {                                                                                           \
        fprintf(stderr, "SKIP: ");                                                                 \
        fprintf(stderr, __VA_ARGS__);                                                              \
        fputc('\n', stderr);                                                                       \
        exit(77);                                                                                  \
    } while (0)

#define CHECK_DONE()                                                                               \
    do {                                                                                           \
        fprintf(stderr, "%d checks, %d failed\n", check_count, check_failures);                   \
        return check_failures ? 1 : 0;                                                             \
    } while (0)

/* Path of `rel` inside ../shared (TEP_SHARED_DIR), or NULL when absent. */
static inline const char *tep_shared_path(const char *rel)
{
    static char buf[4][1024];
    static int slot = 0;
    const char *root = getenv("TEP_SHARED_DIR");
    if (!root || !*root) root = "../shared";
    char *out = buf[slot++ & 3];
    snprintf(out, sizeof buf[0], "%s/%s", root, rel);
    struct stat st;
    return stat(out, &st) == 0 ? out : NULL;
}

/* Like tep_shared_path, but skip the whole test when the file is missing. */
static inline const char *tep_shared_or_skip(const char *rel)
{
    const char *p = tep_shared_path(rel);
    if (!p)
        SKIP("reference material '%s' not found under TEP_SHARED_DIR (../shared); "
             "it is present in CI",
             rel);
    return p;
}

/* A scratch directory for this test under the build tree. */
static inline const char *tep_test_tmpdir(const char *name)
{
    static char buf[1024];
    const char *build = getenv("TEP_BUILD_DIR");
    snprintf(buf, sizeof buf, "%s/tmp/%s", build && *build ? build : "/tmp", name);
    char cmd[1200];
    snprintf(cmd, sizeof cmd, "rm -rf '%s' && mkdir -p '%s'", buf, buf);
    if (system(cmd) != 0) {
        fprintf(stderr, "cannot create %s\n", buf);
        exit(1);
    }
    return buf;
}

#endif
