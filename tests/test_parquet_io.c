/* test_parquet_io.c - Parquet input through the file reader (io/reader.h).
 *
 * Files written with tep_pq_* are read back through tep_reader_* and every
 * value compared bit for bit: several row groups (empty ones, ones larger than
 * a chunk), nulls as missing values, two runs inside one row group, column
 * aliases (XMEAS(1), reactor_pressure, simulationRun, faultNumber, time) and
 * integer value columns, key columns of other types, the lineage (SHA-256 of
 * the file, rows, fault and onset). Every error a user can meet names the
 * file, the row group, the row and the column: unknown, duplicate and
 * mistyped columns, NaN and infinite values, null, negative and fractional
 * keys, a repeated sample, damaged files. DuckDB-written TEP files are read
 * through the pipeline by tests/cli_lake.sh.
 */
#include <math.h>
#include <openssl/evp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "check.h"
#include "core/catalog.h"
#include "core/frame.h"
#include "io/parquet.h"
#include "io/reader.h"

static const char *tmp_dir;

static const char *tmp_file(const char *name)
{
    static char buf[8][1024];
    static int slot = 0;
    char *out = buf[slot++ & 7];
    snprintf(out, sizeof buf[0], "%s/%s", tmp_dir, name);
    return out;
}

static bool same_double(double a, double b)
{
    return (isnan(a) && isnan(b)) || memcmp(&a, &b, sizeof a) == 0;
}

static void sha256_file(const char *path, char hex[65])
{
    hex[0] = '\0';
    FILE *f = fopen(path, "rb");
    if (!f) return;
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    EVP_DigestInit_ex(ctx, EVP_sha256(), NULL);
    unsigned char buf[65536];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, f)) > 0)
        EVP_DigestUpdate(ctx, buf, n);
    unsigned char d[32];
    unsigned int len = 0;
    EVP_DigestFinal_ex(ctx, d, &len);
    EVP_MD_CTX_free(ctx);
    fclose(f);
    for (unsigned i = 0; i < len; i++)
        snprintf(hex + 2 * i, 3, "%02x", d[i]);
}

/* A deterministic "random" double with a full 53-bit mantissa. */
static double value_at(size_t row, size_t col)
{
    uint64_t x =
        (uint64_t)row * 0x9E3779B97F4A7C15ull ^ (uint64_t)(col + 1) * 0xD1B54A32D192ED03ull;
    x ^= x >> 31;
    x *= 0xBF58476D1CE4E5B9ull;
    x ^= x >> 29;
    double m = (double)(x >> 11) / 9007199254740992.0; /* [0, 1) */
    double scale[] = {1e-300, 1e-3, 1.0, 57.25, 3102.5, 1e300};
    return (x & 1 ? -m : m) * scale[col % 6];
}

/* ------------------------------------------------------------ round trips */

/* Frame files: 53 catalogue columns, row groups of various sizes, nulls. */
static void test_frame_round_trip(void)
{
    const char *path = tmp_file("frames.parquet");
    struct tep_error err;
    const size_t groups[] = {1000, 0, 37, 2500, 1, 300};
    const size_t ngroups = sizeof groups / sizeof *groups;
    size_t total = 0;
    for (size_t g = 0; g < ngroups; g++)
        total += groups[g];
    struct tep_frame *f = tep_frame_new(2500);
    CHECK(tep_frame_add_catalog_columns(f, &err) == 0);
    snprintf(f->run_id, sizeof f->run_id, "runA");
    struct tep_pq_writer_options opt;
    tep_pq_writer_options_default(&opt);
    opt.codec = TEP_PQ_ZSTD;
    opt.page_size = 4096; /* many pages per chunk */
    struct tep_pq_writer *w = tep_pq_writer_open_frame(path, f, &opt, &err);
    CHECK_MSG(w != NULL, "%s", err.message);
    size_t row = 0;
    const size_t onset = 1500; /* rows from here on are labelled fault 3 */
    for (size_t g = 0; g < ngroups && w; g++) {
        tep_frame_clear(f);
        for (size_t i = 0; i < groups[g]; i++, row++) {
            f->sample[i] = (int64_t)row + 1;
            f->time_h[i] = (double)(row + 1) * 0.05;
            f->fault[i] = row >= onset ? 3 : 0;
            for (size_t c = 0; c < f->ncols; c++)
                f->cols[c].data[i] = (row * 7 + c) % 97 == 0 ? NAN : value_at(row, c);
        }
        f->nrows = groups[g];
        CHECK_MSG(tep_pq_write_frame(w, f, &err) == 0, "%s", err.message);
    }
    CHECK_MSG(tep_pq_writer_close(w, &err) == 0, "%s", err.message);
    tep_frame_free(f);

    struct tep_reader_options ro = {.chunk_rows = 256};
    struct tep_reader *r = tep_reader_open(path, &ro, &err);
    CHECK_MSG(r != NULL, "%s", err.message);
    if (!r) return;
    struct tep_frame *chunk = tep_frame_new(16);
    size_t got = 0, chunks = 0, bad = 0;
    long n;
    while ((n = tep_reader_next(r, chunk, &err)) > 0) {
        if (chunks++ == 0) {
            CHECK_EQ_INT(chunk->ncols, TEP_N_VARS);
            for (size_t c = 0; c < chunk->ncols; c++) {
                CHECK_STR(chunk->cols[c].name, tep_catalog[c].name);
                CHECK_EQ_INT(chunk->cols[c].var, (long)c);
            }
            CHECK_STR(tep_reader_lineage(r)->sha256, ""); /* not before the end */
        }
        CHECK((size_t)n <= 256);
        CHECK_STR(chunk->run_id, "runA");
        for (size_t i = 0; i < (size_t)n; i++, got++) {
            bad += chunk->sample[i] != (int64_t)got + 1;
            bad += !same_double(chunk->time_h[i], (double)(got + 1) * 0.05);
            bad += chunk->fault[i] != (got >= onset ? 3 : 0);
            for (size_t c = 0; c < chunk->ncols; c++) {
                double want = (got * 7 + c) % 97 == 0 ? NAN : value_at(got, c);
                bad += !same_double(chunk->cols[c].data[i], want);
            }
        }
    }
    CHECK_MSG(n == 0, "%s", err.message);
    CHECK_EQ_INT(got, total);
    CHECK_EQ_INT(bad, 0);
    CHECK(chunks >= total / 256);
    const struct tep_lineage *l = tep_reader_lineage(r);
    char sha[65];
    sha256_file(path, sha);
    CHECK_STR(l->sha256, sha);
    CHECK_EQ_INT(l->rows_read, (long long)total);
    CHECK_EQ_INT(l->format, TEP_FORMAT_PARQUET);
    CHECK_EQ_INT(l->fault, 3);
    CHECK(l->fault_onset_h == (double)(onset + 1) * 0.05);
    struct stat st;
    stat(path, &st);
    CHECK_EQ_INT(l->size_bytes, (long long)st.st_size);
    CHECK(strstr(l->path, "frames.parquet") != NULL);
    CHECK_EQ_INT(tep_reader_next(r, chunk, &err), 0); /* stays at the end */
    tep_reader_close(r);

    /* a chunk as large as the biggest row group: one chunk per group, none mixed */
    ro.chunk_rows = 100000;
    r = tep_reader_open(path, &ro, &err);
    got = 0;
    chunks = 0;
    while (r && (n = tep_reader_next(r, chunk, &err)) > 0) {
        got += (size_t)n;
        chunks++;
    }
    CHECK_EQ_INT(got, total);
    CHECK_EQ_INT(chunks, 1); /* one run: chunks span row groups */
    tep_reader_close(r);
    tep_frame_free(chunk);
}

/* Two runs in one row group, key and value aliases, integer values, no time column. */
static void test_runs_and_aliases(void)
{
    const char *path = tmp_file("rieth.parquet");
    struct tep_error err;
    const struct tep_pq_column_def defs[] = {
        {"faultNumber", TEP_PQ_INT64, false}, {"simulationRun", TEP_PQ_INT32, false},
        {"sample", TEP_PQ_DOUBLE, false},     {"xmv_3", TEP_PQ_INT32, true},
        {"XMEAS(1)", TEP_PQ_DOUBLE, true},    {"reactor_pressure", TEP_PQ_INT64, false},
    };
    enum { RUN1 = 300, RUN2 = 200, ROWS = RUN1 + RUN2, GROUP = 128 };
    int64_t fault[ROWS], p[ROWS];
    int32_t run[ROWS], xmv3[ROWS];
    double sample[ROWS], x1[ROWS];
    uint8_t valid[ROWS];
    for (int i = 0; i < ROWS; i++) {
        bool second = i >= RUN1;
        fault[i] = 2;
        run[i] = second ? 2 : 1;
        sample[i] = second ? i - RUN1 + 1 : i + 1;
        xmv3[i] = i - 250;
        valid[i] = i % 11 != 5;
        x1[i] = value_at((size_t)i, 0);
        p[i] = 2700 + i;
    }
    struct tep_pq_writer *w = tep_pq_writer_open(path, defs, 6, NULL, &err);
    CHECK_MSG(w != NULL, "%s", err.message);
    for (int g = 0; w && g < ROWS; g += GROUP) {
        int k = ROWS - g < GROUP ? ROWS - g : GROUP;
        struct tep_pq_column_data d[6] = {
            {fault + g, NULL, false},     {run + g, NULL, false},     {sample + g, NULL, false},
            {xmv3 + g, valid + g, false}, {x1 + g, valid + g, false}, {p + g, NULL, false},
        };
        CHECK_MSG(tep_pq_write_row_group(w, d, (size_t)k, &err) == 0, "%s", err.message);
    }
    CHECK_MSG(tep_pq_writer_close(w, &err) == 0, "%s", err.message);

    struct tep_reader_options ro = {.chunk_rows = 100};
    struct tep_reader *r = tep_reader_open(path, &ro, &err);
    CHECK_MSG(r != NULL, "%s", err.message);
    if (!r) return;
    struct tep_frame *f = tep_frame_new(16);
    int row = 0, bad = 0, chunks_run1 = 0, chunks_run2 = 0;
    long n;
    while ((n = tep_reader_next(r, f, &err)) > 0) {
        CHECK_EQ_INT(f->ncols, 3);
        if (f->ncols == 3) { /* catalogue order: xmeas_1, xmeas_7, xmv_3 */
            CHECK_STR(f->cols[0].name, "xmeas_1");
            CHECK_STR(f->cols[1].name, "xmeas_7");
            CHECK_STR(f->cols[2].name, "xmv_3");
        }
        bool second = row >= RUN1;
        CHECK_STR(f->run_id, second ? "2" : "1");
        second ? chunks_run2++ : chunks_run1++;
        for (int i = 0; i < n && f->ncols == 3; i++, row++) {
            CHECK_MSG((row >= RUN1) == second, "chunk at row %d mixes two runs", row);
            bad += f->sample[i] != (int64_t)sample[row];
            bad += !same_double(f->time_h[i], sample[row] * 0.05);
            bad += f->fault[i] != 2;
            bad += !same_double(f->cols[0].data[i], valid[row] ? x1[row] : NAN);
            bad += !same_double(f->cols[1].data[i], (double)p[row]);
            bad += !same_double(f->cols[2].data[i], valid[row] ? (double)xmv3[row] : NAN);
        }
    }
    CHECK_MSG(n == 0, "%s", err.message);
    CHECK_EQ_INT(row, ROWS);
    CHECK_EQ_INT(bad, 0);
    CHECK_EQ_INT(chunks_run1, 3); /* 100 + 100 + 100: the run ends with the third */
    CHECK_EQ_INT(chunks_run2, 2);
    CHECK_EQ_INT(tep_reader_lineage(r)->runs_read, 2);
    CHECK_EQ_INT(tep_reader_lineage(r)->fault, 2);
    tep_reader_close(r);
    tep_frame_free(f);

    /* explicit format on a name without the extension */
    const char *odd = tmp_file("rieth.bin");
    rename(path, odd);
    CHECK(tep_reader_open(odd, NULL, &err) == NULL);
    ro = (struct tep_reader_options){.format = TEP_FORMAT_PARQUET};
    r = tep_reader_open(odd, &ro, &err);
    CHECK_MSG(r != NULL, "%s", err.message);
    tep_reader_close(r);
}

/* ------------------------------------------------------------ errors */

/* Write a one-row-group file of `nrows` rows with the given columns. */
static void write_file(const char *path, const struct tep_pq_column_def *defs, size_t ncols,
                       const struct tep_pq_column_data *data, size_t nrows)
{
    struct tep_error err;
    struct tep_pq_writer *w = tep_pq_writer_open(path, defs, ncols, NULL, &err);
    CHECK_MSG(w != NULL, "%s", err.message);
    if (!w) return;
    CHECK_MSG(tep_pq_write_row_group(w, data, nrows, &err) == 0, "%s", err.message);
    CHECK_MSG(tep_pq_writer_close(w, &err) == 0, "%s", err.message);
}

/* Open must fail with a PARSE error whose message holds `want`, located at `column`. */
static void expect_open_error(const char *path, const struct tep_reader_options *opt,
                              const char *want, long column)
{
    struct tep_error err;
    tep_error_clear(&err);
    struct tep_reader *r = tep_reader_open(path, opt, &err);
    CHECK_MSG(r == NULL, "%s opened, expected '%s'", path, want);
    tep_reader_close(r);
    CHECK_EQ_INT(err.code, TEP_ERR_PARSE);
    CHECK_STR(err.file, path);
    CHECK_MSG(strstr(err.message, want) != NULL, "'%s' lacks '%s'", err.message, want);
    if (column >= 0) CHECK_EQ_INT(err.column, column);
}

/* Reading must fail with a PARSE error holding `want`, at file row `line`. */
static void expect_read_error(const char *path, const struct tep_reader_options *opt,
                              const char *want, long line)
{
    struct tep_error err;
    struct tep_reader *r = tep_reader_open(path, opt, &err);
    CHECK_MSG(r != NULL, "%s: %s", path, err.message);
    if (!r) return;
    struct tep_frame *f = tep_frame_new(16);
    long n;
    while ((n = tep_reader_next(r, f, &err)) > 0) {
    }
    CHECK_EQ_INT(n, -1);
    CHECK_EQ_INT(err.code, TEP_ERR_PARSE);
    CHECK_STR(err.file, path);
    CHECK_MSG(strstr(err.message, want) != NULL, "'%s' lacks '%s'", err.message, want);
    if (line >= 0) CHECK_EQ_INT(err.line, line);
    struct tep_error again;
    CHECK_EQ_INT(tep_reader_next(r, f, &again), -1); /* sticky */
    CHECK_STR(again.message, err.message);
    tep_frame_free(f);
    tep_reader_close(r);
}

static void test_schema_errors(void)
{
    double v[3] = {1, 2, 3};
    int64_t s[3] = {1, 2, 3};
    const char *strs[3] = {"a", "b", "c"};
    struct tep_pq_column_data d3[3] = {{s, NULL, false}, {v, NULL, false}, {v, NULL, false}};

    const char *path = tmp_file("unknown.parquet");
    struct tep_pq_column_def unknown[] = {{"sample", TEP_PQ_INT64, false},
                                          {"xmeas_1", TEP_PQ_DOUBLE, false},
                                          {"foo", TEP_PQ_DOUBLE, false}};
    write_file(path, unknown, 3, d3, 3);
    expect_open_error(path, NULL, "unknown column 'foo': expected a TEP variable", 3);
    struct tep_reader_options ignore = {.ignore_unknown_columns = true};
    struct tep_error err;
    struct tep_reader *r = tep_reader_open(path, &ignore, &err);
    CHECK_MSG(r != NULL, "%s", err.message);
    tep_reader_close(r);

    path = tmp_file("dupkey.parquet");
    struct tep_pq_column_def dupkey[] = {{"time", TEP_PQ_INT64, false},
                                         {"xmeas_1", TEP_PQ_DOUBLE, false},
                                         {"time_h", TEP_PQ_DOUBLE, false}};
    write_file(path, dupkey, 3, d3, 3);
    expect_open_error(path, NULL, "duplicate key column: 'time_h' and 'time' (column 1)", 3);

    path = tmp_file("dupvar.parquet");
    struct tep_pq_column_def dupvar[] = {{"sample", TEP_PQ_INT64, false},
                                         {"xmeas_7", TEP_PQ_DOUBLE, false},
                                         {"XMEAS(7)", TEP_PQ_DOUBLE, false}};
    write_file(path, dupvar, 3, d3, 3);
    expect_open_error(path, NULL, "duplicate column: 'XMEAS(7)' is the same variable (xmeas_7)", 3);

    path = tmp_file("strval.parquet");
    struct tep_pq_column_def strval[] = {{"xmeas_2", TEP_PQ_STRING, false}};
    struct tep_pq_column_data ds[1] = {{strs, NULL, false}};
    write_file(path, strval, 1, ds, 3);
    expect_open_error(path, NULL, "column 'xmeas_2' (xmeas_2) has STRING values: expected numbers",
                      1);

    path = tmp_file("strkey.parquet");
    struct tep_pq_column_def strkey[] = {{"xmeas_2", TEP_PQ_DOUBLE, false},
                                         {"sample", TEP_PQ_STRING, false}};
    struct tep_pq_column_data dks[2] = {{v, NULL, false}, {strs, NULL, false}};
    write_file(path, strkey, 2, dks, 3);
    expect_open_error(path, NULL, "key column 'sample' has STRING values: expected numbers", 2);

    path = tmp_file("novars.parquet");
    struct tep_pq_column_def novars[] = {{"sample", TEP_PQ_INT64, false}};
    write_file(path, novars, 1, d3, 3);
    expect_open_error(path, NULL, "no TEP variable columns in the Parquet schema", -1);

    /* not Parquet at all, and files damaged by hand (tests/data/parquet) */
    path = tmp_file("text.parquet");
    FILE *f = fopen(path, "w");
    fputs("sample,xmeas_1\n1,2\n", f);
    fclose(f);
    expect_open_error(path, NULL, "not a Parquet file", -1);
    char data[1024];
    const char *src = getenv("TEP_SOURCE_DIR");
    snprintf(data, sizeof data, "%s/tests/data/parquet/truncated_footer.parquet", src ? src : ".");
    r = tep_reader_open(data, NULL, &err);
    CHECK(r == NULL);
    CHECK_STR(err.file, data);
    CHECK_EQ_INT(err.code, TEP_ERR_PARSE);
    tep_reader_close(r);
}

static void test_value_errors(void)
{
    enum { N = 300, GROUP = 100 };
    static int64_t s[N], fault[N];
    static double v[N], t[N];
    static uint8_t valid[N];
    struct tep_pq_column_def defs[] = {{"sample", TEP_PQ_INT64, true},
                                       {"time_h", TEP_PQ_DOUBLE, true},
                                       {"fault", TEP_PQ_INT64, false},
                                       {"xmeas_1", TEP_PQ_DOUBLE, true}};
    /* writes the rows in groups of 100 after `mutate` changed row 250 */
    const char *path = tmp_file("values.parquet");
    struct tep_error err;
#define RESET()                                                                                    \
    for (int i = 0; i < N; i++) {                                                                  \
        s[i] = i + 1;                                                                              \
        t[i] = (i + 1) * 0.05;                                                                     \
        fault[i] = 0;                                                                              \
        v[i] = i;                                                                                  \
        valid[i] = 1;                                                                              \
    }
#define WRITE()                                                                                    \
    do {                                                                                           \
        struct tep_pq_writer *w = tep_pq_writer_open(path, defs, 4, NULL, &err);                   \
        for (int g = 0; w && g < N; g += GROUP) {                                                  \
            struct tep_pq_column_data d[4] = {{s + g, valid + g, false},                           \
                                              {t + g, valid + g, false},                           \
                                              {fault + g, NULL, false},                            \
                                              {v + g, valid + g, false}};                          \
            tep_pq_write_row_group(w, d, GROUP, &err);                                             \
        }                                                                                          \
        CHECK_MSG(tep_pq_writer_close(w, &err) == 0, "%s", err.message);                           \
    } while (0)

    RESET();
    v[249] = NAN; /* row group 2, row 50 */
    WRITE();
    expect_read_error(path, NULL,
                      "row group 2, row 50 (row 250 of the file), column 'xmeas_1': expected a "
                      "number, found NaN",
                      250);
    struct tep_reader_options nan_ok = {.nan_text_is_missing = true};
    struct tep_reader *r = tep_reader_open(path, &nan_ok, &err);
    struct tep_frame *f = tep_frame_new(16);
    long n, rows = 0;
    bool nan_seen = false;
    while (r && (n = tep_reader_next(r, f, &err)) > 0) {
        for (long i = 0; i < n; i++)
            nan_seen |= f->sample[i] == 250 && isnan(f->cols[0].data[i]);
        rows += n;
    }
    CHECK_EQ_INT(rows, N);
    CHECK(nan_seen);
    tep_reader_close(r);
    tep_frame_free(f);

    RESET();
    v[9] = -INFINITY;
    WRITE();
    expect_read_error(path, &nan_ok, "column 'xmeas_1': expected a finite number, found -inf", 10);

    RESET();
    valid[120] = 0; /* null sample (and time, value) */
    WRITE();
    expect_read_error(path, NULL,
                      "row group 1, row 21 (row 121 of the file), column 'sample': expected a "
                      "sample number (a whole number >= 0), found null",
                      121);

    RESET();
    s[5] = -4;
    WRITE();
    expect_read_error(
        path, NULL, "column 'sample': expected a sample number (a whole number >= 0), found -4", 6);

    RESET();
    fault[299] = 2000000;
    WRITE();
    expect_read_error(
        path, NULL,
        "column 'fault': expected a fault number (0 = normal, k = IDV(k)), found 2000000", 300);

    RESET();
    t[30] = INFINITY;
    WRITE();
    expect_read_error(path, NULL,
                      "column 'time_h': expected a time in hours (a finite number), found inf", 31);

    RESET();
    s[150] = s[149]; /* the same sample twice in a run */
    WRITE();
    expect_read_error(path, NULL, "sample 150 of run 'values' appears twice", 151);
#undef RESET
#undef WRITE

    /* fractional sample in a DOUBLE key column; empty run id */
    path = tmp_file("keys.parquet");
    double ds[3] = {1, 2.5, 3};
    const char *runs[3] = {"r", "", "r"};
    struct tep_pq_column_def kd[] = {{"sample", TEP_PQ_DOUBLE, false},
                                     {"xmeas_1", TEP_PQ_DOUBLE, false}};
    struct tep_pq_column_data kdd[2] = {{ds, NULL, false}, {ds, NULL, false}};
    write_file(path, kd, 2, kdd, 3);
    expect_read_error(path, NULL,
                      "row group 0, row 2 (row 2 of the file), column 'sample': expected a sample "
                      "number (a whole number >= 0), found 2.5",
                      2);
    struct tep_pq_column_def rd[] = {{"run_id", TEP_PQ_STRING, false},
                                     {"xmeas_1", TEP_PQ_DOUBLE, false}};
    struct tep_pq_column_data rdd[2] = {{runs, NULL, false}, {ds, NULL, false}};
    write_file(path, rd, 2, rdd, 3);
    char want_run[160];
    snprintf(want_run, sizeof want_run,
             "column 'run_id': expected a run id (1 to %d bytes of UTF-8 text), found ''",
             TEP_RUN_ID_MAX - 1);
    expect_read_error(path, NULL, want_run, 2);
}

/* The frame handed in must be empty or have this file's columns (as for CSV). */
static void test_misuse(void)
{
    const char *path = tmp_file("misuse.parquet");
    double v[2] = {1, 2};
    struct tep_pq_column_def defs[] = {{"xmeas_5", TEP_PQ_DOUBLE, false}};
    struct tep_pq_column_data d[1] = {{v, NULL, false}};
    write_file(path, defs, 1, d, 2);
    struct tep_error err;
    struct tep_reader *r = tep_reader_open(path, NULL, &err);
    struct tep_frame *f = tep_frame_new(4);
    tep_frame_add_column(f, "xmeas_6", 5, &err);
    CHECK_EQ_INT(tep_reader_next(r, f, &err), -1);
    CHECK_EQ_INT(err.code, TEP_ERR_ARG);
    tep_frame_free(f);
    f = tep_frame_new(4);
    CHECK_EQ_INT(tep_reader_next(r, f, &err), 2); /* the mistake was not sticky */
    CHECK_STR(f->run_id, "misuse");
    CHECK(f->sample[1] == 2 && f->time_h[1] == 0.1 && f->cols[0].data[1] == 2);
    tep_frame_free(f);
    tep_reader_close(r);
}

int main(void)
{
    tmp_dir = tep_test_tmpdir("parquet_io");
    RUN(test_frame_round_trip);
    RUN(test_runs_and_aliases);
    RUN(test_schema_errors);
    RUN(test_value_errors);
    RUN(test_misuse);
    CHECK_DONE();
}
