/* check.h - a minimal test harness for tep's C tests.
 *
 * Conventions (new tests follow them too):
 * - Each tests/test_*.c is its own program and its own ctest case (CMake registers it
 *   through tests/tools/run_test.sh). Use CHECK* macros inside functions registered
 *   with RUN(); end main with CHECK_DONE(), which exits 1 when a check failed and also
 *   when no check ran at all (a test that checks nothing is a defect).
 * - SKIP("reason") exits 77 (ctest's "skipped") with "SKIP: reason". Skip only for what
 *   the issue allows (e.g. a test that needs root); a SKIP after a failed check exits 1.
 *   With CI=true the runner turns a skip into a failure unless the test is listed in
 *   tests/skip-allowed.txt.
 * - Reference data (Fortran reference runs, Braatz files, published tables) live
 *   compressed in tests/data and are decompressed by the build into
 *   $TEP_BUILD_DIR/testdata; tep_data_path("braatz/d00.dat") gives the path, and a
 *   missing file fails the test (it never skips: every clone has the data).
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

/* Skip the test (exit 77) - unless a check failed already: then it is a failure (exit 1). */
#define SKIP(...)                                                                                  \
    do {                                                                                           \
        if (check_failures) {                                                                      \
            fprintf(stderr, "FAIL: SKIP after %d failed check(s) is a failure: ", check_failures); \
            fprintf(stderr, __VA_ARGS__);                                                          \
            fputc('\n', stderr);                                                                   \
            exit(1);                                                                               \
        }                                                                                          \
        fprintf(stderr, "SKIP: ");                                                                 \
        fprintf(stderr, __VA_ARGS__);                                                              \
        fputc('\n', stderr);                                                                       \
        exit(77);                                                                                  \
    } while (0)

/* Exit status of main: 1 when a check failed or when no check ran, else 0. */
static inline int check_done(void)
{
    fprintf(stderr, "%d checks, %d failed\n", check_count, check_failures);
    if (check_count == 0) {
        fprintf(stderr, "FAIL: no check ran (a test must check something)\n");
        return 1;
    }
    return check_failures ? 1 : 0;
}

#define CHECK_DONE() return check_done()

/* Path of reference file `rel` (e.g. "braatz/d00.dat") decompressed by the build from
 * tests/data/rel.zst into $TEP_TEST_DATA (default $TEP_BUILD_DIR/testdata). A missing file
 * ends the test with exit 1: the data ship with the repository, so absence is a broken
 * build, never a reason to skip. Up to four results may be held at once. */
static inline const char *tep_data_path(const char *rel)
{
    static char buf[4][1024];
    static int slot = 0;
    const char *root = getenv("TEP_TEST_DATA");
    const char *build = getenv("TEP_BUILD_DIR");
    char *out = buf[slot++ & 3];
    if (root && *root)
        snprintf(out, sizeof buf[0], "%s/%s", root, rel);
    else
        snprintf(out, sizeof buf[0], "%s/testdata/%s", build && *build ? build : ".", rel);
    struct stat st;
    if (stat(out, &st) != 0 || !S_ISREG(st.st_mode)) {
        fprintf(stderr,
                "FAIL: reference file %s is missing: the build puts tests/data/%s(.zst) "
                "there (cmake --build <build dir>, target test_data)\n",
                out, rel);
        exit(1);
    }
    return out;
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
