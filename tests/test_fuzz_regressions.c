/* test_fuzz_regressions.c - the inputs of the fuzzing work's findings (tests/fuzz/README.md),
 * in the normal suite, so that a fix stays fixed without clang or libFuzzer.
 *
 * Each crashing input is also kept in its target's seed corpus (crash_* files),
 * which `make fuzz-ci` replays. Here each one is checked for the exact outcome:
 *   model_json: a model file of 200 bytes claiming 400 million variables made
 *   tep_pca_model_from_json allocate 3.2 GB before it looked at the arrays; now
 *   the array lengths are checked first (under a 1 GiB address-space limit the
 *   old code failed with "too large" instead of naming the short array).
 *   parquet_pages: a ZSTD page whose frame omits its content size, declaring
 *   2 GiB uncompressed, made the reader allocate 2 GiB for 8 bytes of data (an
 *   input written by hand for that harness; the fuzzer had not hit it); now
 *   zstd's bound from the frame's blocks limits the declared size.
 */
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "analysis/pca.h"
#include "check.h"
#include "fuzz/parquet_chunk_file.h"

/* ASan reserves terabytes of address space: no RLIMIT_AS under it. GCC says so with
 * __SANITIZE_ADDRESS__, clang with __has_feature(address_sanitizer). */
#if defined(__SANITIZE_ADDRESS__)
#define UNDER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define UNDER_ASAN 1
#endif
#endif
#ifndef UNDER_ASAN
#define UNDER_ASAN 0
#endif

static const char *tmp_dir;

/* Run `load(arg, err)` in a child limited to 1 GiB of address space; returns 0 when
 * it failed with a message containing `expected`, 2 when it succeeded. */
static int fails_within_1gib(int (*load)(const void *arg, struct tep_error *err), const void *arg,
                             const char *expected)
{
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        struct rlimit limit = {(rlim_t)1 << 30, (rlim_t)1 << 30};
        if (!UNDER_ASAN && setrlimit(RLIMIT_AS, &limit) != 0) _exit(3);
        struct tep_error err;
        tep_error_clear(&err);
        if (load(arg, &err) == 0) _exit(2);
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

/* ------------------------------------------------------------ model_json */

static int load_model(const void *text, struct tep_error *err)
{
    struct tep_pca_model *m = NULL;
    int rc = tep_pca_model_from_json(text, &m, err);
    tep_pca_model_free(m);
    return rc;
}

static int model_fails_within_1gib(const char *text, const char *expected)
{
    return fails_within_1gib(load_model, text, expected);
}

static void test_model_claiming_a_huge_shape(void)
{
    /* the input fuzz_model_json found, reduced by libFuzzer */
    const char *found =
        "{\n \"format\": \"tep-pca-model\",\n \"version\": 1,\n \"method\": \"pca\",\n"
        " \"nvars\": 400000000,\n  \"lags\": 0,\n \"components\": 2,\n"
        " \"ponule\": \"fixed\",\n \"n_train\": 86,\n \"laphadings\": []\n}";
    CHECK_EQ_INT(model_fails_within_1gib(found, "model: 'mean' must be an array of 400000000 "
                                                "numbers (found no array of 0)"),
                 0);
    /* a complete model whose arrays are short */
    const char *complete =
        "{\"format\": \"tep-pca-model\", \"version\": 1, \"method\": \"dpca\", \"nvars\": "
        "200000000,"
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

/* ------------------------------------------------------------ parquet_pages */

/* 1.5 as a little-endian double, compressed by `zstd -c --no-check` from a pipe:
 * a frame without its content size (one raw block of 8 bytes). */
static const uint8_t zstd_frame_of_1_5[] = {0x28, 0xb5, 0x2f, 0xfd, 0x00, 0x58, 0x41, 0x00, 0x00,
                                            0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xf8, 0x3f};

/* A Parquet file of one required DOUBLE, one row, one ZSTD data page declaring
 * `declared` uncompressed bytes. */
static const char *zstd_page_file(const char *name, int32_t declared)
{
    struct tep_tc_encoder e;
    tep_tc_encoder_init(&e);
    tep_tc_struct_begin(&e); /* PageHeader */
    tep_tc_field_i32(&e, 1, TEP_PQ_PAGE_DATA);
    tep_tc_field_i32(&e, 2, declared);
    tep_tc_field_i32(&e, 3, (int32_t)sizeof zstd_frame_of_1_5);
    tep_tc_field_struct_begin(&e, 5); /* DataPageHeader */
    tep_tc_field_i32(&e, 1, 1);
    tep_tc_field_i32(&e, 2, TEP_PQ_ENC_PLAIN);
    tep_tc_field_i32(&e, 3, TEP_PQ_ENC_RLE);
    tep_tc_field_i32(&e, 4, TEP_PQ_ENC_RLE);
    tep_tc_struct_end(&e);
    tep_tc_struct_end(&e);
    uint8_t chunk[256];
    memcpy(chunk, e.data, e.len);
    memcpy(chunk + e.len, zstd_frame_of_1_5, sizeof zstd_frame_of_1_5);
    struct pq_chunk_column col = {TEP_PQ_PHYS_DOUBLE, false, false, "xmeas_1", TEP_PQ_WIRE_ZSTD, 1};
    size_t size = 0;
    uint8_t *file = pq_chunk_file(&col, chunk, e.len + sizeof zstd_frame_of_1_5, &size);
    tep_tc_encoder_free(&e);
    static char path[1024];
    snprintf(path, sizeof path, "%s/%s", tmp_dir, name);
    FILE *f = fopen(path, "wb");
    if (!file || !f || fwrite(file, 1, size, f) != size || fclose(f) != 0) {
        fprintf(stderr, "cannot write %s\n", path);
        exit(1);
    }
    free(file);
    return path;
}

static int read_first_double(const void *path, struct tep_error *err)
{
    struct tep_pq_reader *r = tep_pq_reader_open(path, err);
    double value = 0;
    int rc = r ? tep_pq_read_double(r, 0, 0, &value, NULL, err) : -1;
    tep_pq_reader_close(r);
    return rc == 0 && value == 1.5 ? 0 : -1;
}

static void test_zstd_page_without_content_size(void)
{
    struct tep_error err;
    tep_error_clear(&err);
    const char *good = zstd_page_file("zstd_8.parquet", 8);
    CHECK_MSG(read_first_double(good, &err) == 0, "%s", err.message);
    const char *bomb = zstd_page_file("zstd_2gib.parquet", INT32_MAX);
    CHECK_EQ_INT(fails_within_1gib(read_first_double, bomb,
                                   "zstd page does not decompress to the declared 2147483647 "
                                   "bytes"),
                 0);
    const char *short_claim =
        zstd_page_file("zstd_9.parquet", 9); /* more than one raw block of 8 */
    tep_error_clear(&err);
    CHECK_EQ_INT(read_first_double(short_claim, &err), -1);
    CHECK_MSG(strstr(err.message, "zstd"), "%s", err.message);
}

int main(void)
{
    tmp_dir = tep_test_tmpdir("test_fuzz_regressions");
    RUN(test_model_claiming_a_huge_shape);
    RUN(test_zstd_page_without_content_size);
    CHECK_DONE();
}
