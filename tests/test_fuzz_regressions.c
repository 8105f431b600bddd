/* test_fuzz_regressions.c - the inputs fuzzing (tests/fuzz) found bugs with, in the
 * normal suite, so that a fix stays fixed without clang or libFuzzer.
 *
 * Each crashing input is also kept in its target's seed corpus (crash_* files),
 * which `make fuzz-ci` replays. Here each one is checked for the exact outcome:
 *   model_json: a model file of 200 bytes claiming 400 million variables made
 *   tep_pca_model_from_json allocate 3.2 GB before it looked at the arrays; now
 *   the array lengths are checked first (under a 1 GiB address-space limit the
 *   old code failed with "too large" instead of naming the short array).
 */
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "analysis/pca.h"
#include "check.h"

#if defined(__SANITIZE_ADDRESS__)
#define UNDER_ASAN 1 /* ASan reserves terabytes of address space: no RLIMIT_AS */
#else
#define UNDER_ASAN 0
#endif

/* Run tep_pca_model_from_json(text) in a child limited to 1 GiB of address space;
 * returns 0 when it failed with a message containing `expected`. */
static int model_fails_within_1gib(const char *text, const char *expected)
{
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        struct rlimit limit = {(rlim_t)1 << 30, (rlim_t)1 << 30};
        if (!UNDER_ASAN && setrlimit(RLIMIT_AS, &limit) != 0) _exit(3);
        struct tep_pca_model *m = NULL;
        struct tep_error err;
        tep_error_clear(&err);
        int rc = tep_pca_model_from_json(text, &m, &err);
        if (rc == 0) _exit(2);
        if (!strstr(err.message, expected)) {
            fprintf(stderr, "got: %s\n", err.message);
            _exit(1);
        }
        _exit(0);
    }
    int status = 0;
    if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status)) return -1;
    return WEXITSTATUS(status);
}

static void test_model_claiming_a_huge_shape(void)
{
    /* the input fuzz_model_json found, reduced by libFuzzer */
    const char *found = "{\n \"format\": \"tep-pca-model\",\n \"version\": 1,\n \"method\": \"pca\",\n"
                        " \"nvars\": 400000000,\n  \"lags\": 0,\n \"components\": 2,\n"
                        " \"ponule\": \"fixed\",\n \"n_train\": 86,\n \"laphadings\": []\n}";
    CHECK_EQ_INT(model_fails_within_1gib(found, "model: 'mean' must be an array of 400000000 "
                                                "numbers (found no array of 0)"),
                 0);
    /* a complete model whose arrays are short */
    const char *complete =
        "{\"format\": \"tep-pca-model\", \"version\": 1, \"method\": \"dpca\", \"nvars\": 200000000,"
        " \"lags\": 1, \"components\": 2, \"component_rule\": \"fixed\", \"n_train\": 9,"
        " \"alpha\": 0.99, \"limits\": {\"t2\": 1, \"q\": 1}, \"mean\": [0, 0], \"std\": [1, 1],"
        " \"eigenvalues\": [2, 1], \"loadings\": [[1, 0], [0, 1]]}";
    CHECK_EQ_INT(model_fails_within_1gib(complete, "model: 'mean' must be an array of 400000000 "
                                                   "numbers (found an array of 2)"),
                 0);
    /* loadings rows are checked before the dim x components matrix is allocated */
    const char *wide =
        "{\"format\": \"tep-pca-model\", \"version\": 1, \"method\": \"pca\", \"nvars\": 2,"
        " \"lags\": 0, \"components\": 2, \"component_rule\": \"fixed\", \"n_train\": 9,"
        " \"alpha\": 0.99, \"limits\": {\"t2\": 1, \"q\": 1}, \"mean\": [0, 0], \"std\": [1, 1],"
        " \"eigenvalues\": [2, 1], \"loadings\": [[1, 0], [0]]}";
    CHECK_EQ_INT(model_fails_within_1gib(wide, "model: 'loadings row 2' must be an array of 2 "
                                               "numbers (found an array of 1)"),
                 0);
    /* the same text with consistent arrays still loads */
    const char *good =
        "{\"format\": \"tep-pca-model\", \"version\": 1, \"method\": \"pca\", \"nvars\": 2,"
        " \"lags\": 0, \"components\": 1, \"component_rule\": \"fixed\", \"n_train\": 9,"
        " \"alpha\": 0.99, \"limits\": {\"t2\": 1, \"q\": 1}, \"mean\": [0, 0], \"std\": [1, 1],"
        " \"eigenvalues\": [2, 1], \"loadings\": [[1], [0]]}";
    struct tep_pca_model *m = NULL;
    struct tep_error err;
    tep_error_clear(&err);
    CHECK_MSG(tep_pca_model_from_json(good, &m, &err) == 0, "%s", err.message);
    if (m) {
        CHECK_EQ_INT(m->dim, 2);
        CHECK_EQ_INT(m->ncomp, 1);
        CHECK(m->eigenvalues[0] == 2 && m->loadings[0] == 1 && m->loadings[1] == 0);
    }
    tep_pca_model_free(m);
}

int main(void)
{
    RUN(test_model_claiming_a_huge_shape);
    CHECK_DONE();
}
