/* test_parquet.c - tests of the Parquet reader/writer and the Thrift compact codec.
 *
 * Without arguments (ctest): exact round trips of every value (doubles
 * compared bit for bit), nulls, strings, several row groups, every codec,
 * dictionary on/off and its fallback, multi-page chunks, statistics, empty
 * row groups, frames, temp-file handling, write errors, corrupt/truncated
 * files (each must give an error, never a crash) and DuckDB-written files
 * from tests/data/parquet/.
 * With arguments it serves tests/cli_parquet_duckdb.sh:
 *   test_parquet write-samples DIR   write the C-side sample files into DIR
 *   test_parquet dump FILE           print a canonical dump (compared with DuckDB's)
 */
#include <fcntl.h>
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "core/catalog.h"
#include "core/frame.h"
#include "io/parquet.h"
#include "io/thrift_compact.h"

/* ---- helpers ---------------------------------------------------------- */

static uint64_t bits_of(double v)
{
    uint64_t b;
    memcpy(&b, &v, 8);
    return b;
}

static bool file_exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

static long file_size(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 ? (long)st.st_size : -1;
}

static void join(char *out, size_t n, const char *dir, const char *name)
{
    snprintf(out, n, "%s/%s", dir, name);
}

static unsigned char *read_whole(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    unsigned char *buf = malloc(n > 0 ? (size_t)n : 1);
    if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
        free(buf);
        buf = NULL;
    }
    fclose(f);
    *len = (size_t)n;
    return buf;
}

static void write_whole(const char *path, const unsigned char *data, size_t len)
{
    FILE *f = fopen(path, "wb");
    if (!f) return;
    if (len) fwrite(data, 1, len, f);
    fclose(f);
}

/* ---- the sample table: every type, nulls, special values -------------- */

#define SAMPLE_NCOLS 6
static const struct tep_pq_column_def sample_cols[SAMPLE_NCOLS] = {
    {"d_opt", TEP_PQ_DOUBLE, true},   {"d_req", TEP_PQ_DOUBLE, false},
    {"i32_opt", TEP_PQ_INT32, true},  {"i64_req", TEP_PQ_INT64, false},
    {"s_opt", TEP_PQ_STRING, true},   {"s_req", TEP_PQ_STRING, false},
};

static const char *const sample_pool[6] = {
    "alpha", "beta", "caf\xc3\xa9", "\xe6\xbc\xa2\xe5\xad\x97", "", "q\"\\\ttab"};

static bool sample_d_opt_null(size_t i) { return i % 7 == 3; }
static double sample_d_opt(size_t i)
{
    return sample_d_opt_null(i) ? NAN : (double)i * 0.5 - 1000.25;
}
static double sample_d_req(size_t i)
{
    switch (i % 50) {
    case 1: return -0.0;
    case 2: return 5e-324; /* smallest denormal */
    case 3: return DBL_MAX;
    case 4: return -DBL_MAX;
    case 5: return INFINITY;
    case 6: return -INFINITY;
    case 7: return 1.0 / 3.0;
    default: return ((double)i + 0.5) / 7.0 * (i % 2 ? 1.0 : -1.0);
    }
}
static bool sample_i32_valid(size_t i) { return i % 5 != 2; }
static int32_t sample_i32(size_t i)
{
    if (i % 97 == 5) return INT32_MIN;
    if (i % 97 == 6) return INT32_MAX;
    return (int32_t)(i % 13) - 6;
}
static int64_t sample_i64(size_t i)
{
    if (i % 89 == 1) return INT64_MIN;
    if (i % 89 == 2) return INT64_MAX;
    return (int64_t)i * 1000003 - 500000000000LL;
}
static const char *sample_s_opt(size_t i) { return i % 3 == 0 ? NULL : sample_pool[i % 6]; }
static void sample_s_req(size_t i, char *buf, size_t n)
{
    snprintf(buf, n, "row-%zu-%s", i, i % 2 ? "x" : "yy");
}

/* Column arrays for rows [start, start + n) of the sample table. */
struct sample_chunk {
    size_t n;
    double *d_opt, *d_req;
    int32_t *i32;
    uint8_t *i32_valid;
    int64_t *i64;
    const char **s_opt;
    char **s_req;
    const char **s_req_ptrs;
};

static void sample_chunk_fill(struct sample_chunk *c, size_t start, size_t n)
{
    c->n = n;
    size_t m = n ? n : 1;
    c->d_opt = malloc(m * sizeof *c->d_opt);
    c->d_req = malloc(m * sizeof *c->d_req);
    c->i32 = malloc(m * sizeof *c->i32);
    c->i32_valid = malloc(m);
    c->i64 = malloc(m * sizeof *c->i64);
    c->s_opt = malloc(m * sizeof *c->s_opt);
    c->s_req = malloc(m * sizeof *c->s_req);
    c->s_req_ptrs = malloc(m * sizeof *c->s_req_ptrs);
    for (size_t k = 0; k < n; k++) {
        size_t i = start + k;
        c->d_opt[k] = sample_d_opt(i);
        c->d_req[k] = sample_d_req(i);
        c->i32[k] = sample_i32(i);
        c->i32_valid[k] = sample_i32_valid(i);
        c->i64[k] = sample_i64(i);
        c->s_opt[k] = sample_s_opt(i);
        c->s_req[k] = malloc(48);
        sample_s_req(i, c->s_req[k], 48);
        c->s_req_ptrs[k] = c->s_req[k];
    }
}

static void sample_chunk_free(struct sample_chunk *c)
{
    for (size_t k = 0; k < c->n; k++) free(c->s_req[k]);
    free(c->d_opt);
    free(c->d_req);
    free(c->i32);
    free(c->i32_valid);
    free(c->i64);
    free(c->s_opt);
    free(c->s_req);
    free(c->s_req_ptrs);
}

static int write_sample(const char *path, const struct tep_pq_writer_options *opt,
                        const size_t *rg_sizes, size_t nrg, struct tep_error *err)
{
    struct tep_pq_writer *w = tep_pq_writer_open(path, sample_cols, SAMPLE_NCOLS, opt, err);
    if (!w) return -1;
    size_t start = 0;
    for (size_t g = 0; g < nrg; g++) {
        struct sample_chunk c;
        sample_chunk_fill(&c, start, rg_sizes[g]);
        struct tep_pq_column_data data[SAMPLE_NCOLS] = {
            {.values = c.d_opt, .nan_is_null = true},
            {.values = c.d_req},
            {.values = c.i32, .valid = c.i32_valid},
            {.values = c.i64},
            {.values = c.s_opt},
            {.values = c.s_req_ptrs},
        };
        int rc = tep_pq_write_row_group(w, data, rg_sizes[g], err);
        sample_chunk_free(&c);
        if (rc) {
            tep_pq_writer_abort(w);
            return -1;
        }
        start += rg_sizes[g];
    }
    if (tep_pq_writer_add_metadata(w, "tep.test", "sample table", err) ||
        tep_pq_writer_add_metadata(w, "empty.value", "", err)) {
        tep_pq_writer_abort(w);
        return -1;
    }
    return tep_pq_writer_close(w, err);
}

/* Check every value and every statistic of a sample file. */
static void check_sample(const char *path, const size_t *rg_sizes, size_t nrg)
{
    struct tep_error err;
    struct tep_pq_reader *r = tep_pq_reader_open(path, &err);
    CHECK_MSG(r != NULL, "open %s: %s", path, err.message);
    if (!r) return;
    CHECK_EQ_INT(tep_pq_reader_num_columns(r), SAMPLE_NCOLS);
    CHECK_EQ_INT(tep_pq_reader_num_row_groups(r), nrg);
    size_t total = 0;
    for (size_t g = 0; g < nrg; g++) total += rg_sizes[g];
    CHECK_EQ_INT(tep_pq_reader_num_rows(r), total);
    for (size_t c = 0; c < SAMPLE_NCOLS; c++) {
        const struct tep_pq_column_info *info = tep_pq_reader_column(r, c);
        CHECK_STR(info->name, sample_cols[c].name);
        CHECK_EQ_INT(info->type, sample_cols[c].type);
        CHECK_EQ_INT(info->nullable, sample_cols[c].nullable);
    }
    CHECK(tep_pq_reader_column(r, SAMPLE_NCOLS) == NULL);
    CHECK_EQ_INT(tep_pq_reader_find_column(r, "s_opt"), 4);
    CHECK_EQ_INT(tep_pq_reader_find_column(r, "nope"), -1);
    CHECK_STR(tep_pq_reader_created_by(r), "tep parquet writer");
    CHECK_STR(tep_pq_reader_metadata_get(r, "tep.test"), "sample table");
    CHECK_STR(tep_pq_reader_metadata_get(r, "empty.value"), "");
    CHECK(tep_pq_reader_metadata_get(r, "absent") == NULL);
    CHECK_EQ_INT(tep_pq_reader_num_metadata(r), 2);

    size_t start = 0, bad = 0;
    for (size_t g = 0; g < nrg; g++) {
        size_t n = rg_sizes[g], m = n ? n : 1;
        CHECK_EQ_INT(tep_pq_reader_row_group_rows(r, g), n);
        double *d = malloc(m * sizeof *d);
        uint8_t *valid = malloc(m);
        int32_t *i32 = malloc(m * sizeof *i32);
        int64_t *i64 = malloc(m * sizeof *i64);
        char **s = malloc(m * sizeof *s);

        /* d_opt: NaN rows are nulls */
        CHECK(tep_pq_read_double(r, g, 0, d, valid, &err) == 0);
        size_t nulls = 0, nn = 0;
        double lo = INFINITY, hi = -INFINITY;
        for (size_t k = 0; k < n; k++) {
            size_t i = start + k;
            if (sample_d_opt_null(i)) {
                bad += !isnan(d[k]) || valid[k] != 0;
                nulls++;
            } else {
                bad += bits_of(d[k]) != bits_of(sample_d_opt(i)) || valid[k] != 1;
                lo = fmin(lo, d[k]);
                hi = fmax(hi, d[k]);
                nn++;
            }
        }
        struct tep_pq_stats st;
        CHECK(tep_pq_reader_stats(r, g, 0, &st, &err) == 0);
        CHECK(st.has_null_count && st.null_count == (int64_t)nulls);
        CHECK(st.has_nan_count && st.nan_count == 0);
        CHECK_EQ_INT(st.has_min_max, nn > 0);
        if (nn > 0 && st.has_min_max) {
            CHECK(st.min_double == lo && st.max_double == hi);
        }

        /* d_req: bit-exact, including -0.0, denormals, infinities */
        CHECK(tep_pq_read_double(r, g, 1, d, NULL, &err) == 0);
        lo = INFINITY;
        hi = -INFINITY;
        for (size_t k = 0; k < n; k++) {
            bad += bits_of(d[k]) != bits_of(sample_d_req(start + k));
            lo = fmin(lo, d[k]);
            hi = fmax(hi, d[k]);
        }
        CHECK(tep_pq_reader_stats(r, g, 1, &st, &err) == 0);
        CHECK(st.has_null_count && st.null_count == 0);
        if (n > 0) {
            CHECK(st.has_min_max && st.min_double == lo && st.max_double == hi);
        }

        /* i32_opt via read_int32 and read_int64 and read_double */
        CHECK(tep_pq_read_int32(r, g, 2, i32, valid, &err) == 0);
        nulls = 0;
        int64_t ilo = INT64_MAX, ihi = INT64_MIN;
        for (size_t k = 0; k < n; k++) {
            size_t i = start + k;
            if (!sample_i32_valid(i)) {
                bad += valid[k] != 0 || i32[k] != 0;
                nulls++;
            } else {
                bad += valid[k] != 1 || i32[k] != sample_i32(i);
                if (i32[k] < ilo) ilo = i32[k];
                if (i32[k] > ihi) ihi = i32[k];
            }
        }
        CHECK(tep_pq_read_int64(r, g, 2, i64, NULL, &err) == 0);
        for (size_t k = 0; k < n; k++)
            bad += i64[k] != (sample_i32_valid(start + k) ? sample_i32(start + k) : 0);
        CHECK(tep_pq_read_double(r, g, 2, d, NULL, &err) == 0);
        for (size_t k = 0; k < n; k++)
            bad += sample_i32_valid(start + k) ? d[k] != (double)sample_i32(start + k)
                                               : !isnan(d[k]);
        CHECK(tep_pq_reader_stats(r, g, 2, &st, &err) == 0);
        CHECK(st.has_null_count && st.null_count == (int64_t)nulls);
        CHECK(!st.has_nan_count);
        if (n > nulls) {
            CHECK(st.has_min_max && st.min_int == ilo && st.max_int == ihi);
        }

        /* i64_req */
        CHECK(tep_pq_read_int64(r, g, 3, i64, valid, &err) == 0);
        ilo = INT64_MAX;
        ihi = INT64_MIN;
        for (size_t k = 0; k < n; k++) {
            bad += i64[k] != sample_i64(start + k) || valid[k] != 1;
            if (i64[k] < ilo) ilo = i64[k];
            if (i64[k] > ihi) ihi = i64[k];
        }
        CHECK(tep_pq_reader_stats(r, g, 3, &st, &err) == 0);
        if (n > 0) {
            CHECK(st.has_min_max && st.min_int == ilo && st.max_int == ihi);
        }

        /* s_opt and s_req */
        CHECK(tep_pq_read_string(r, g, 4, s, &err) == 0);
        nulls = 0;
        const char *smin = NULL, *smax = NULL;
        for (size_t k = 0; k < n; k++) {
            const char *want = sample_s_opt(start + k);
            if (!want) {
                bad += s[k] != NULL;
                nulls++;
            } else {
                bad += !s[k] || strcmp(s[k], want) != 0;
                if (!smin || strcmp(want, smin) < 0) smin = want;
                if (!smax || strcmp(want, smax) > 0) smax = want;
            }
        }
        tep_pq_free_strings(s, n);
        CHECK(tep_pq_reader_stats(r, g, 4, &st, &err) == 0);
        CHECK(st.has_null_count && st.null_count == (int64_t)nulls);
        if (smin) {
            CHECK(st.has_min_max);
            if (st.has_min_max) {
                CHECK_STR(st.min_string, smin);
                CHECK_STR(st.max_string, smax);
            }
        }
        CHECK(tep_pq_read_string(r, g, 5, s, &err) == 0);
        for (size_t k = 0; k < n; k++) {
            char want[48];
            sample_s_req(start + k, want, sizeof want);
            bad += !s[k] || strcmp(s[k], want) != 0;
        }
        tep_pq_free_strings(s, n);

        free(d);
        free(valid);
        free(i32);
        free(i64);
        free(s);
        start += n;
    }
    CHECK_MSG(bad == 0, "%s: %zu values differ", path, bad);

    /* wrong-type reads and bad indices are errors */
    double dummy[4];
    if (nrg > 0) {
        CHECK(tep_pq_read_double(r, 0, 4, dummy, NULL, &err) == -1 && err.code == TEP_ERR_ARG);
        CHECK(strstr(err.message, "s_opt") != NULL);
    }
    CHECK(tep_pq_read_double(r, nrg, 0, dummy, NULL, &err) == -1 && err.code == TEP_ERR_ARG);
    CHECK(tep_pq_read_double(r, 0, SAMPLE_NCOLS, dummy, NULL, &err) == -1);
    tep_pq_reader_close(r);
}

/* ---- Thrift compact protocol ----------------------------------------- */

static void test_thrift_roundtrip(void)
{
    struct tep_tc_encoder e;
    tep_tc_encoder_init(&e);
    tep_tc_struct_begin(&e);
    tep_tc_field_i32(&e, 1, -123456);
    tep_tc_field_i64(&e, 2, INT64_MIN);
    tep_tc_field_bool(&e, 3, true);
    tep_tc_field_bool(&e, 4, false);
    tep_tc_field_double(&e, 20, -0.0);     /* delta > 15: long form */
    tep_tc_field_string(&e, 5, "h\xc3\xa9llo"); /* id goes down: long form */
    tep_tc_field_list_begin(&e, 6, TEP_TC_I64, 20); /* > 14 elements: long list header */
    for (int i = 0; i < 20; i++) tep_tc_elem_i64(&e, (int64_t)i * -1000000007LL);
    tep_tc_field_struct_begin(&e, 7);
    tep_tc_field_i32(&e, 1, INT32_MAX);
    tep_tc_struct_end(&e);
    tep_tc_field_i32(&e, -3, 42); /* negative id */
    tep_tc_struct_end(&e);
    CHECK(!e.failed);
    CHECK_EQ_INT(e.depth, 0);

    struct tep_error err;
    struct tep_tc_decoder d;
    tep_tc_decoder_init(&d, e.data, e.len, 0, "mem", "test struct", &err);
    CHECK(tep_tc_struct_begin_read(&d) == 0);
    int16_t last = 0;
    struct tep_tc_field f;
    int seen = 0;
    for (;;) {
        CHECK(tep_tc_read_field(&d, &last, &f) == 0);
        if (f.type == TEP_TC_STOP) break;
        seen++;
        int32_t v32;
        int64_t v64;
        bool b;
        double dv;
        const uint8_t *p;
        size_t n;
        int elem;
        switch (f.id) {
        case 1: CHECK(tep_tc_read_i32(&d, f.type, "f1", &v32) == 0 && v32 == -123456); break;
        case 2: CHECK(tep_tc_read_i64(&d, f.type, "f2", &v64) == 0 && v64 == INT64_MIN); break;
        case 3: CHECK(tep_tc_read_bool(&d, f.type, "f3", &b) == 0 && b); break;
        case 4: CHECK(tep_tc_read_bool(&d, f.type, "f4", &b) == 0 && !b); break;
        case 20:
            CHECK(tep_tc_read_double(&d, f.type, "f20", &dv) == 0 && bits_of(dv) == bits_of(-0.0));
            break;
        case 5:
            CHECK(tep_tc_read_binary(&d, f.type, "f5", &p, &n) == 0 && n == 6 &&
                  memcmp(p, "h\xc3\xa9llo", 6) == 0);
            break;
        case 6:
            CHECK(tep_tc_read_list_begin(&d, f.type, "f6", &elem, &n) == 0 && n == 20 &&
                  elem == TEP_TC_I64);
            for (size_t i = 0; i < n; i++) {
                CHECK(tep_tc_read_i64(&d, elem, "f6[]", &v64) == 0);
                CHECK(v64 == (int64_t)i * -1000000007LL);
            }
            break;
        case 7: {
            CHECK(tep_tc_read_struct_begin(&d, f.type, "f7") == 0);
            int16_t inner = 0;
            CHECK(tep_tc_read_field(&d, &inner, &f) == 0 && f.id == 1);
            CHECK(tep_tc_read_i32(&d, f.type, "f7.1", &v32) == 0 && v32 == INT32_MAX);
            CHECK(tep_tc_read_field(&d, &inner, &f) == 0 && f.type == TEP_TC_STOP);
            tep_tc_struct_end_read(&d);
            break;
        }
        case -3: CHECK(tep_tc_read_i32(&d, f.type, "f-3", &v32) == 0 && v32 == 42); break;
        default: CHECK_MSG(0, "unexpected field id %d", f.id);
        }
    }
    CHECK_EQ_INT(seen, 9);
    CHECK_EQ_INT(tep_tc_consumed(&d), e.len);

    /* Skipping: the whole struct skips to the same end. */
    tep_tc_decoder_init(&d, e.data, e.len, 0, "mem", "test struct", &err);
    CHECK(tep_tc_skip(&d, TEP_TC_STRUCT) == 0);
    CHECK_EQ_INT(tep_tc_consumed(&d), e.len);

    /* Type mismatch: reading field 1 (i32) as binary is an error naming the field. */
    tep_tc_decoder_init(&d, e.data, e.len, 100, "mem.bin", "test struct", &err);
    tep_tc_struct_begin_read(&d);
    last = 0;
    CHECK(tep_tc_read_field(&d, &last, &f) == 0);
    const uint8_t *p;
    size_t n;
    CHECK(tep_tc_read_binary(&d, f.type, "Thing.name", &p, &n) == -1);
    CHECK(err.code == TEP_ERR_PARSE && strstr(err.message, "Thing.name") &&
          strstr(err.message, "expected binary") && strcmp(err.file, "mem.bin") == 0);

    /* Every truncation of the encoding fails cleanly when skipped. */
    int truncated_ok = 0;
    for (size_t cut = 0; cut < e.len; cut++) {
        tep_tc_decoder_init(&d, e.data, cut, 0, "mem", "test struct", &err);
        truncated_ok += tep_tc_skip(&d, TEP_TC_STRUCT) == -1 && err.code == TEP_ERR_PARSE;
    }
    CHECK_EQ_INT(truncated_ok, e.len);
    tep_tc_encoder_free(&e);
}

static void test_thrift_unknown_and_hostile(void)
{
    /* A struct with fields of every type the reader must skip: map, set, list
     * of bools (1-byte elements), uuid, i8, nested struct, list of lists. */
    const uint8_t known_then_unknown[] = {
        0x15, 0x54,                   /* field 1 i32 = 42 (zigzag 84) */
        0x1B, 0x01, 0x55, 0x02, 0x04, /* field 2 map<i32,i32> {1: 2} */
        0x1A, 0x11, 0x01,             /* field 3 set<bool> {true}: 1-byte element */
        0x19, 0x21, 0x01, 0x02,       /* field 4 list<bool> [true, false] */
        0x1D, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, /* field 5 uuid */
        0x13, 0xFF,                   /* field 6 i8 */
        0x1C, 0x18, 0x01, 'x', 0x00,  /* field 7 struct { 1: binary "x" } */
        0x19, 0x29, 0x15, 0x02, 0x15, 0x04, /* field 8 list<list<i32>> [[1],[2]] */
        0x17, 0, 0, 0, 0, 0, 0, 0xF0, 0x3F, /* field 9 double 1.0 */
        0x00};
    struct tep_error err;
    struct tep_tc_decoder d;
    tep_tc_decoder_init(&d, known_then_unknown, sizeof known_then_unknown, 0, "mem", "x", &err);
    tep_tc_struct_begin_read(&d);
    int16_t last = 0;
    struct tep_tc_field f;
    int32_t v = 0;
    CHECK(tep_tc_read_field(&d, &last, &f) == 0 && f.id == 1);
    CHECK(tep_tc_read_i32(&d, f.type, "f", &v) == 0 && v == 42);
    int skipped = 0;
    for (;;) {
        CHECK(tep_tc_read_field(&d, &last, &f) == 0);
        if (f.type == TEP_TC_STOP) break;
        CHECK_MSG(tep_tc_skip(&d, f.type) == 0, "skip field %d: %s", f.id, err.message);
        skipped++;
    }
    CHECK_EQ_INT(skipped, 8);
    CHECK_EQ_INT(tep_tc_consumed(&d), sizeof known_then_unknown);

    /* Deep nesting is refused, not recursed into until the stack overflows. */
    uint8_t deep[4001];
    for (int i = 0; i < 4000; i++) deep[i] = 0x1C; /* field 1, struct, again and again */
    deep[4000] = 0;
    tep_tc_decoder_init(&d, deep, sizeof deep, 0, "mem", "deep", &err);
    CHECK(tep_tc_skip(&d, TEP_TC_STRUCT) == -1 && strstr(err.message, "nesting"));
    uint8_t deep_lists[2000];
    for (int i = 0; i < 2000; i++) deep_lists[i] = 0x19; /* list of 1 list of 1 list ... */
    tep_tc_decoder_init(&d, deep_lists, sizeof deep_lists, 0, "mem", "deep", &err);
    CHECK(tep_tc_skip(&d, TEP_TC_LIST) == -1);

    /* A list claiming more elements than bytes left is refused before any allocation. */
    const uint8_t huge_list[] = {0xFC, 0xFF, 0xFF, 0xFF, 0xFF, 0x07};
    tep_tc_decoder_init(&d, huge_list, sizeof huge_list, 0, "mem", "x", &err);
    int elem;
    size_t n;
    CHECK(tep_tc_read_list_begin(&d, TEP_TC_LIST, "big", &elem, &n) == -1);
    CHECK(strstr(err.message, "cannot fit") != NULL);

    /* Over-long varint, bad type nibble, bad stop byte, i32 overflow. */
    const uint8_t long_varint[] = {0x15, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01};
    tep_tc_decoder_init(&d, long_varint, sizeof long_varint, 0, "mem", "x", &err);
    last = 0;
    CHECK(tep_tc_read_field(&d, &last, &f) == 0);
    CHECK(tep_tc_read_i32(&d, f.type, "v", &v) == -1);
    const uint8_t bad_type[] = {0x1E};
    tep_tc_decoder_init(&d, bad_type, sizeof bad_type, 0, "mem", "x", &err);
    last = 0;
    CHECK(tep_tc_read_field(&d, &last, &f) == -1);
    const uint8_t big_i32[] = {0x16, 0xFE, 0xFF, 0xFF, 0xFF, 0x1F}; /* i64 field: 2^32-1 */
    tep_tc_decoder_init(&d, big_i32, sizeof big_i32, 0, "mem", "x", &err);
    last = 0;
    CHECK(tep_tc_read_field(&d, &last, &f) == 0);
    CHECK(tep_tc_read_i32(&d, TEP_TC_I32, "v", &v) == -1);
}

/* ---- round trips ------------------------------------------------------ */

static const size_t multi_rg[] = {1000, 3000, 1, 500};

static void test_roundtrip_codecs(void)
{
    const char *dir = tep_test_tmpdir("parquet_codecs");
    const enum tep_pq_codec codecs[] = {TEP_PQ_UNCOMPRESSED, TEP_PQ_SNAPPY, TEP_PQ_ZSTD};
    long sizes[3][2];
    for (int c = 0; c < 3; c++)
        for (int dict = 0; dict < 2; dict++) {
            char path[1200];
            snprintf(path, sizeof path, "%s/sample_c%d_d%d.parquet", dir, c, dict);
            struct tep_pq_writer_options opt;
            tep_pq_writer_options_default(&opt);
            opt.codec = codecs[c];
            opt.dictionary = dict;
            opt.zstd_level = c == 2 ? 5 : 0;
            struct tep_error err;
            int rc = write_sample(path, &opt, multi_rg, 4, &err);
            CHECK_MSG(rc == 0, "write %s: %s", path, err.message);
            check_sample(path, multi_rg, 4);
            sizes[c][dict] = file_size(path);
        }
    /* Compression and dictionaries must actually shrink this table. */
    CHECK(sizes[1][0] < sizes[0][0] && sizes[2][0] < sizes[0][0]);
    CHECK(sizes[0][1] < sizes[0][0]);
}

static void test_multipage_and_dict_fallback(void)
{
    const char *dir = tep_test_tmpdir("parquet_pages");
    char path[1200];
    join(path, sizeof path, dir, "pages.parquet");
    struct tep_pq_writer_options opt;
    tep_pq_writer_options_default(&opt);
    opt.page_size = 700; /* ~90 doubles per page: many pages per chunk */
    opt.dictionary_limit = 64; /* dictionaries overflow: PLAIN fallback */
    opt.dictionary_doubles = true;
    struct tep_error err;
    const size_t rgs[] = {2000, 777};
    CHECK_MSG(write_sample(path, &opt, rgs, 2, &err) == 0, "%s", err.message);
    check_sample(path, rgs, 2);

    /* dictionary for doubles with few distinct values, several pages */
    opt.dictionary_limit = 0;
    opt.codec = TEP_PQ_ZSTD;
    join(path, sizeof path, dir, "dict_doubles.parquet");
    CHECK_MSG(write_sample(path, &opt, rgs, 2, &err) == 0, "%s", err.message);
    check_sample(path, rgs, 2);
}

static void test_dictionary_shrinks_low_cardinality(void)
{
    const char *dir = tep_test_tmpdir("parquet_dict");
    const size_t n = 20000;
    const char **s = malloc(n * sizeof *s);
    int32_t *k = malloc(n * sizeof *k);
    for (size_t i = 0; i < n; i++) {
        s[i] = sample_pool[(i / 3) % 4];
        k[i] = (int32_t)((i / 7) % 3) * 1000000;
    }
    const struct tep_pq_column_def cols[] = {{"s", TEP_PQ_STRING, false},
                                             {"k", TEP_PQ_INT32, false}};
    long size[2];
    for (int dict = 0; dict < 2; dict++) {
        char path[1200];
        snprintf(path, sizeof path, "%s/d%d.parquet", dir, dict);
        struct tep_pq_writer_options opt;
        tep_pq_writer_options_default(&opt);
        opt.codec = TEP_PQ_UNCOMPRESSED;
        opt.dictionary = dict;
        struct tep_error err;
        struct tep_pq_writer *w = tep_pq_writer_open(path, cols, 2, &opt, &err);
        struct tep_pq_column_data data[2] = {{.values = s}, {.values = k}};
        CHECK(w && tep_pq_write_row_group(w, data, n, &err) == 0);
        CHECK(tep_pq_writer_close(w, &err) == 0);
        size[dict] = file_size(path);
        struct tep_pq_reader *r = tep_pq_reader_open(path, &err);
        CHECK(r != NULL);
        if (!r) continue;
        char **got = malloc(n * sizeof *got);
        int32_t *gk = malloc(n * sizeof *gk);
        CHECK(tep_pq_read_string(r, 0, 0, got, &err) == 0);
        CHECK(tep_pq_read_int32(r, 0, 1, gk, NULL, &err) == 0);
        size_t bad = 0;
        for (size_t i = 0; i < n; i++) bad += strcmp(got[i], s[i]) != 0 || gk[i] != k[i];
        CHECK_EQ_INT(bad, 0);
        tep_pq_free_strings(got, n);
        free(got);
        free(gk);
        tep_pq_reader_close(r);
    }
    /* PLAIN: ~20000 * (4 + ~5) + 20000 * 4 bytes; dictionary: a few hundred bytes. */
    CHECK_MSG(size[1] * 20 < size[0], "dictionary %ld bytes vs plain %ld", size[1], size[0]);
    free(s);
    free(k);
}

static void test_empty(void)
{
    const char *dir = tep_test_tmpdir("parquet_empty");
    char path[1200];
    struct tep_error err;
    /* a file without row groups */
    join(path, sizeof path, dir, "no_rows.parquet");
    CHECK(write_sample(path, NULL, NULL, 0, &err) == 0);
    check_sample(path, NULL, 0);
    /* an empty row group between two others, with every codec */
    const size_t rgs[] = {10, 0, 5};
    for (int codec = 0; codec < 3; codec++) {
        struct tep_pq_writer_options opt;
        tep_pq_writer_options_default(&opt);
        opt.codec = (enum tep_pq_codec)codec;
        snprintf(path, sizeof path, "%s/empty_rg_%d.parquet", dir, codec);
        CHECK_MSG(write_sample(path, &opt, rgs, 3, &err) == 0, "%s", err.message);
        check_sample(path, rgs, 3);
    }
}

static void test_nan_values_and_stats(void)
{
    const char *dir = tep_test_tmpdir("parquet_nan");
    char path[1200];
    join(path, sizeof path, dir, "nan.parquet");
    const struct tep_pq_column_def cols[] = {
        {"x", TEP_PQ_DOUBLE, false},   /* NaN stored as a value */
        {"y", TEP_PQ_DOUBLE, true},    /* nulls via valid[], NaN kept as a value */
        {"z", TEP_PQ_DOUBLE, false},   /* only NaNs: no min/max */
        {"zero", TEP_PQ_DOUBLE, false} /* +0.0 only: min written as -0.0 */
    };
    double x[6] = {1.5, NAN, -2.5, NAN, 0.25, 3.0};
    double y[6] = {NAN, 7.0, NAN, -1.0, 2.0, 5.0};
    uint8_t yv[6] = {1, 1, 0, 1, 0, 1};
    double z[6] = {NAN, NAN, NAN, NAN, NAN, NAN};
    double zero[6] = {0.0, 0.0, 0.0, 0.0, 0.0, 0.0};
    struct tep_error err;
    struct tep_pq_writer *w = tep_pq_writer_open(path, cols, 4, NULL, &err);
    struct tep_pq_column_data data[4] = {{.values = x}, {.values = y, .valid = yv}, {.values = z},
                                         {.values = zero}};
    CHECK(w && tep_pq_write_row_group(w, data, 6, &err) == 0);
    CHECK(tep_pq_writer_close(w, &err) == 0);
    struct tep_pq_reader *r = tep_pq_reader_open(path, &err);
    CHECK(r != NULL);
    if (!r) return;
    double out[6];
    uint8_t valid[6];
    CHECK(tep_pq_read_double(r, 0, 0, out, valid, &err) == 0);
    for (int i = 0; i < 6; i++) CHECK(bits_of(out[i]) == bits_of(x[i]) && valid[i] == 1);
    CHECK(tep_pq_read_double(r, 0, 1, out, valid, &err) == 0);
    for (int i = 0; i < 6; i++) {
        CHECK_EQ_INT(valid[i], yv[i]);
        if (yv[i]) CHECK(bits_of(out[i]) == bits_of(y[i]));
        else CHECK(isnan(out[i]));
    }
    struct tep_pq_stats st;
    CHECK(tep_pq_reader_stats(r, 0, 0, &st, &err) == 0);
    CHECK(st.has_min_max && st.min_double == -2.5 && st.max_double == 3.0);
    CHECK(st.has_nan_count && st.nan_count == 2 && st.null_count == 0);
    CHECK(tep_pq_reader_stats(r, 0, 1, &st, &err) == 0);
    CHECK(st.has_min_max && st.min_double == -1.0 && st.max_double == 7.0);
    CHECK(st.nan_count == 1 && st.null_count == 2);
    CHECK(tep_pq_reader_stats(r, 0, 2, &st, &err) == 0);
    CHECK(!st.has_min_max && st.nan_count == 6);
    CHECK(tep_pq_reader_stats(r, 0, 3, &st, &err) == 0);
    CHECK(st.has_min_max && bits_of(st.min_double) == bits_of(-0.0) &&
          bits_of(st.max_double) == bits_of(0.0));
    CHECK(tep_pq_reader_stats(r, 1, 0, &st, &err) == -1 && err.code == TEP_ERR_ARG);
    tep_pq_reader_close(r);
}

static void fill_frame(struct tep_frame *f, const char *run, size_t start, size_t n)
{
    tep_frame_clear(f);
    snprintf(f->run_id, sizeof f->run_id, "%s", run);
    for (size_t k = 0; k < n; k++) {
        size_t i = start + k;
        double values[TEP_N_VARS];
        for (size_t c = 0; c < f->ncols; c++)
            values[c] = (i * 31 + c) % 17 == 0 ? NAN
                                               : tep_catalog[c].base_value + (double)i / 997.0 -
                                                     (double)c / 13.0;
        tep_frame_push_row(f, (double)i * 0.05, (int64_t)i + 1, (int32_t)(i / 400), values, NULL);
    }
}

static void test_frame_roundtrip(void)
{
    const char *dir = tep_test_tmpdir("parquet_frame");
    char path[1200];
    join(path, sizeof path, dir, "frame.parquet");
    struct tep_error err;
    struct tep_frame *f = tep_frame_new(16);
    CHECK(tep_frame_add_catalog_columns(f, &err) == 0);
    struct tep_pq_writer_options opt;
    tep_pq_writer_options_default(&opt);
    opt.codec = TEP_PQ_ZSTD;
    struct tep_pq_writer *w = tep_pq_writer_open_frame(path, f, &opt, &err);
    CHECK(w != NULL);
    const size_t chunk[] = {500, 700, 0, 33};
    size_t start = 0;
    for (int g = 0; g < 4; g++) {
        fill_frame(f, "run-0007", start, chunk[g]);
        CHECK_MSG(tep_pq_write_frame(w, f, &err) == 0, "%s", err.message);
        start += chunk[g];
    }
    CHECK(tep_pq_writer_close(w, &err) == 0);

    struct tep_pq_reader *r = tep_pq_reader_open(path, &err);
    CHECK(r != NULL);
    if (!r) {
        tep_frame_free(f);
        return;
    }
    CHECK_EQ_INT(tep_pq_reader_num_columns(r), 4 + TEP_N_VARS);
    CHECK_EQ_INT(tep_pq_reader_column(r, 0)->type, TEP_PQ_STRING);
    CHECK_EQ_INT(tep_pq_reader_column(r, 1)->type, TEP_PQ_INT64);
    CHECK_EQ_INT(tep_pq_reader_column(r, 3)->type, TEP_PQ_INT32);
    struct tep_frame *got = tep_frame_new(4);
    struct tep_frame *want = tep_frame_new(16);
    tep_frame_copy_schema(want, f, &err);
    start = 0;
    size_t bad = 0;
    for (size_t g = 0; g < 4; g++) {
        CHECK_MSG(tep_pq_read_frame(r, g, got, &err) == 0, "%s", err.message);
        fill_frame(want, "run-0007", start, chunk[g]);
        CHECK_EQ_INT(got->nrows, chunk[g]);
        CHECK_EQ_INT(got->ncols, TEP_N_VARS);
        CHECK_STR(got->run_id, chunk[g] ? "run-0007" : "");
        for (size_t i = 0; i < got->nrows && i < want->nrows; i++) {
            bad += bits_of(got->time_h[i]) != bits_of(want->time_h[i]);
            bad += got->sample[i] != want->sample[i] || got->fault[i] != want->fault[i];
            for (size_t c = 0; c < got->ncols; c++) {
                double a = got->cols[c].data[i], b = want->cols[c].data[i];
                bad += isnan(b) ? !isnan(a) : bits_of(a) != bits_of(b);
            }
        }
        start += chunk[g];
    }
    CHECK_EQ_INT(bad, 0);
    CHECK_STR(got->cols[8].name, "xmeas_9");
    CHECK_EQ_INT(got->cols[8].var, tep_xmeas_index(9));

    /* A frame with preset columns reads just those, by name. */
    struct tep_frame *sub = tep_frame_new(4);
    tep_frame_add_column(sub, "xmv_3", tep_xmv_index(3), &err);
    tep_frame_add_column(sub, "xmeas_1", tep_xmeas_index(1), &err);
    CHECK(tep_pq_read_frame(r, 1, sub, &err) == 0);
    fill_frame(want, "run-0007", 500, 700);
    CHECK_EQ_INT(sub->nrows, 700);
    bad = 0;
    for (size_t i = 0; i < sub->nrows; i++) {
        double a = sub->cols[0].data[i], b = want->cols[tep_xmv_index(3)].data[i];
        bad += isnan(b) ? !isnan(a) : a != b;
        a = sub->cols[1].data[i];
        b = want->cols[0].data[i];
        bad += isnan(b) ? !isnan(a) : a != b;
    }
    CHECK_EQ_INT(bad, 0);
    tep_frame_add_column(sub, "not_there", -1, &err);
    CHECK(tep_pq_read_frame(r, 0, sub, &err) == -1 && strstr(err.message, "not_there"));
    tep_pq_reader_close(r);

    /* A frame whose columns differ from the writer's is refused. */
    w = tep_pq_writer_open_frame(path, f, NULL, &err);
    CHECK(w != NULL);
    CHECK(tep_pq_write_frame(w, sub, &err) == -1 && err.code == TEP_ERR_ARG);
    tep_pq_writer_abort(w);

    /* Several run ids in one row group cannot become one frame. */
    join(path, sizeof path, dir, "two_runs.parquet");
    const struct tep_pq_column_def cols[] = {{"run_id", TEP_PQ_STRING, false},
                                             {"v", TEP_PQ_DOUBLE, true}};
    const char *runs[3] = {"a", "a", "b"};
    double v[3] = {1, 2, 3};
    w = tep_pq_writer_open(path, cols, 2, NULL, &err);
    struct tep_pq_column_data data[2] = {{.values = runs}, {.values = v}};
    CHECK(w && tep_pq_write_row_group(w, data, 3, &err) == 0 && tep_pq_writer_close(w, &err) == 0);
    r = tep_pq_reader_open(path, &err);
    CHECK(r != NULL);
    if (r) {
        struct tep_frame *two = tep_frame_new(4);
        CHECK(tep_pq_read_frame(r, 0, two, &err) == -1 && strstr(err.message, "one run"));
        tep_frame_free(two);
        tep_pq_reader_close(r);
    }
    tep_frame_free(sub);
    tep_frame_free(got);
    tep_frame_free(want);
    tep_frame_free(f);
}

static void test_temp_file_and_abort(void)
{
    const char *dir = tep_test_tmpdir("parquet_tmp");
    char path[1200], tmp[1300], prefix[1300];
    join(path, sizeof path, dir, "out.parquet");
    snprintf(prefix, sizeof prefix, "%s/.out.parquet.tmp-", dir); /* + 6 random characters */
    struct tep_error err;
    const struct tep_pq_column_def cols[] = {{"a", TEP_PQ_INT64, false}};
    int64_t a[3] = {1, 2, 3};
    struct tep_pq_column_data data[1] = {{.values = a}};

    struct tep_pq_writer *w = tep_pq_writer_open(path, cols, 1, NULL, &err);
    CHECK(w != NULL);
    snprintf(tmp, sizeof tmp, "%s", tep_pq_writer_temp_path(w));
    CHECK(strncmp(tmp, prefix, strlen(prefix)) == 0 && strlen(tmp) == strlen(prefix) + 6);
    CHECK(tep_pq_write_row_group(w, data, 3, &err) == 0);
    CHECK(file_exists(tmp) && !file_exists(path)); /* readers never see a partial file */
    CHECK(tep_pq_writer_close(w, &err) == 0);
    CHECK(!file_exists(tmp) && file_exists(path));
    long good_size = file_size(path);

    /* abort: temp removed, the previous file untouched */
    w = tep_pq_writer_open(path, cols, 1, NULL, &err);
    CHECK(w && tep_pq_write_row_group(w, data, 3, &err) == 0);
    snprintf(tmp, sizeof tmp, "%s", w ? tep_pq_writer_temp_path(w) : "");
    CHECK(file_exists(tmp));
    tep_pq_writer_abort(w);
    CHECK(!file_exists(tmp));
    CHECK_EQ_INT(file_size(path), good_size);

    /* a failed write poisons the writer: close fails and removes the temp file */
    const struct tep_pq_column_def req[] = {{"s", TEP_PQ_STRING, false}};
    const char *s[2] = {"x", NULL};
    struct tep_pq_column_data sdata[1] = {{.values = s}};
    w = tep_pq_writer_open(path, req, 1, NULL, &err);
    CHECK(w != NULL);
    snprintf(tmp, sizeof tmp, "%s", w ? tep_pq_writer_temp_path(w) : "");
    CHECK(file_exists(tmp));
    CHECK(tep_pq_write_row_group(w, sdata, 2, &err) == -1);
    CHECK(err.code == TEP_ERR_ARG && strstr(err.message, "required") && err.line == 2);
    CHECK(tep_pq_writer_close(w, &err) == -1);
    CHECK(!file_exists(tmp));
    CHECK_EQ_INT(file_size(path), good_size);

    /* open errors: unwritable directory, bad definitions, bad options */
    CHECK(tep_pq_writer_open("/nonexistent-dir/x.parquet", cols, 1, NULL, &err) == NULL);
    CHECK(err.code == TEP_ERR_IO && strcmp(err.file, "/nonexistent-dir/x.parquet") == 0);
    const struct tep_pq_column_def dup[] = {{"a", TEP_PQ_INT64, false}, {"a", TEP_PQ_DOUBLE, true}};
    CHECK(tep_pq_writer_open(path, dup, 2, NULL, &err) == NULL && strstr(err.message, "duplicate"));
    CHECK(tep_pq_writer_open(path, cols, 0, NULL, &err) == NULL);
    struct tep_pq_writer_options opt;
    tep_pq_writer_options_default(&opt);
    opt.codec = TEP_PQ_ZSTD;
    opt.zstd_level = 99;
    CHECK(tep_pq_writer_open(path, cols, 1, &opt, &err) == NULL && err.code == TEP_ERR_ARG);
    opt.zstd_level = 0;
    opt.codec = (enum tep_pq_codec)7;
    CHECK(tep_pq_writer_open(path, cols, 1, &opt, &err) == NULL && err.code == TEP_ERR_UNSUPPORTED);
    char listing[1400]; /* the folder holds out.parquet and no temporary file */
    snprintf(listing, sizeof listing, "test \"$(ls -A '%s')\" = out.parquet", dir);
    CHECK(system(listing) == 0);
}

/* ---- corrupt and foreign files ----------------------------------------- */

/* Open and read every column of every row group; 0 if all worked. */
static int read_everything(const char *path, struct tep_error *err)
{
    struct tep_pq_reader *r = tep_pq_reader_open(path, err);
    if (!r) return -1;
    int rc = 0;
    for (size_t g = 0; g < tep_pq_reader_num_row_groups(r) && rc == 0; g++) {
        size_t n = tep_pq_reader_row_group_rows(r, g), m = n ? n : 1;
        for (size_t c = 0; c < tep_pq_reader_num_columns(r) && rc == 0; c++) {
            const struct tep_pq_column_info *info = tep_pq_reader_column(r, c);
            struct tep_pq_stats st;
            if (tep_pq_reader_stats(r, g, c, &st, err)) rc = -1;
            if (info->type == TEP_PQ_STRING) {
                char **s = malloc(m * sizeof *s);
                if (rc == 0 && tep_pq_read_string(r, g, c, s, err) == 0) tep_pq_free_strings(s, n);
                else rc = -1;
                free(s);
            } else {
                double *d = malloc(m * sizeof *d);
                if (rc == 0) rc = tep_pq_read_double(r, g, c, d, NULL, err);
                free(d);
            }
        }
    }
    tep_pq_reader_close(r);
    return rc;
}

static void test_corrupt_files(void)
{
    const char *dir = tep_test_tmpdir("parquet_corrupt");
    char good[1200], bad[1200];
    join(good, sizeof good, dir, "good.parquet");
    join(bad, sizeof bad, dir, "bad.parquet");
    struct tep_error err;
    struct tep_pq_writer_options opt;
    tep_pq_writer_options_default(&opt);
    const size_t rgs[] = {40, 25};
    CHECK(write_sample(good, &opt, rgs, 2, &err) == 0);
    size_t len;
    unsigned char *data = read_whole(good, &len);
    CHECK(data != NULL && len > 100);
    if (!data) return;

    CHECK(tep_pq_reader_open(bad, &err) == NULL && err.code == TEP_ERR_IO);
    CHECK(strcmp(err.file, bad) == 0);

    /* every truncation fails with a parse error naming the file (shrinking
     * one file in place: rewriting thousands of files is slow on some disks) */
    size_t ok = 0;
    write_whole(bad, data, len);
    int fd = open(bad, O_RDWR);
    CHECK(fd >= 0);
    for (size_t cut = len; cut-- > 0;) {
        if (ftruncate(fd, (off_t)cut) != 0) break;
        struct tep_pq_reader *r = tep_pq_reader_open(bad, &err);
        ok += r == NULL && err.code == TEP_ERR_PARSE && strcmp(err.file, bad) == 0;
        tep_pq_reader_close(r);
    }
    CHECK_EQ_INT(ok, len);
    write_whole(bad, data, 5);
    CHECK(tep_pq_reader_open(bad, &err) == NULL && strstr(err.message, "at least 12"));

    /* bad magic, footer length past the start */
    unsigned char *copy = malloc(len);
    memcpy(copy, data, len);
    copy[0] = 'X';
    write_whole(bad, copy, len);
    CHECK(tep_pq_reader_open(bad, &err) == NULL && strstr(err.message, "PAR1"));
    memcpy(copy, data, len);
    copy[len - 5] = 0x7F;
    write_whole(bad, copy, len);
    CHECK(tep_pq_reader_open(bad, &err) == NULL && strstr(err.message, "footer length"));

    /* Flip bits everywhere: open + read all must succeed or fail cleanly
     * (ASan/UBSan builds turn any out-of-bounds access into a failure). */
    const unsigned char masks[] = {0x01, 0x80, 0xFF};
    size_t failures = 0, runs = 0;
    write_whole(bad, data, len);
    for (size_t pos = 4; pos < len - 8; pos++)
        for (size_t m = 0; m < sizeof masks; m++) {
            unsigned char flipped = data[pos] ^ masks[m];
            if (pwrite(fd, &flipped, 1, (off_t)pos) != 1) continue;
            int rc = read_everything(bad, &err);
            if (pwrite(fd, &data[pos], 1, (off_t)pos) != 1) continue;
            runs++;
            if (rc) {
                failures++;
                if (err.code != TEP_ERR_PARSE && err.code != TEP_ERR_UNSUPPORTED &&
                    err.code != TEP_ERR_ARG)
                    CHECK_MSG(0, "byte %zu ^ 0x%02x: unexpected error code %d: %s", pos, masks[m],
                              err.code, err.message);
                else if (!strstr(err.file, "bad.parquet"))
                    CHECK_MSG(0, "byte %zu: error does not name the file: %s", pos, err.message);
            }
        }
    CHECK(failures > runs / 4); /* most damage is detected (no checksums on values) */
    CHECK(read_everything(bad, &err) == 0); /* every byte was restored */

    /* The first page header (offset 4, column d_opt) starts with field 1 =
     * page type 0 (bytes 0x15 0x00); make it claim a dictionary page (2). */
    CHECK(data[4] == 0x15 && data[5] == 0x00);
    unsigned char dict_type = 0x04; /* zigzag(2) */
    CHECK(pwrite(fd, &dict_type, 1, 5) == 1);
    CHECK(read_everything(bad, &err) == -1 && err.code == TEP_ERR_PARSE);
    CHECK_MSG(strstr(err.message, "row group 0, column 'd_opt', page at byte offset 4") &&
                  strstr(err.message, "lacks its sub-header"),
              "%s", err.message);
    close(fd);
    free(copy);
    free(data);
}

static const char *data_dir(char *buf, size_t n)
{
    const char *src = getenv("TEP_SOURCE_DIR");
    snprintf(buf, n, "%s/tests/data/parquet", src && *src ? src : "..");
    return buf;
}

/* Files written by DuckDB 1.5 (tests/data/parquet/README.md tells how):
 *   id BIGINT = i, d_opt = i*0.5-1000.25 (NULL when i%7=3), d_req = i/7.0,
 *   i32_opt = i%13-6 (NULL when i%5=2), i64_req = i*1000003-500000000000,
 *   s_opt = pool[i%6] (NULL when i%3=0), s_req = 'row-'||i, for i in 0..2099. */
static void check_duckdb_file(const char *path)
{
    static const char *const pool[6] = {"alpha", "beta", "caf\xc3\xa9",
                                        "\xe6\xbc\xa2\xe5\xad\x97", "", "q\"\\"};
    struct tep_error err;
    struct tep_pq_reader *r = tep_pq_reader_open(path, &err);
    CHECK_MSG(r != NULL, "%s: %s", path, err.message);
    if (!r) return;
    CHECK_EQ_INT(tep_pq_reader_num_rows(r), 2100);
    CHECK(tep_pq_reader_num_row_groups(r) >= 2);
    CHECK(strstr(tep_pq_reader_created_by(r), "DuckDB") != NULL);
    CHECK_EQ_INT(tep_pq_reader_num_columns(r), 7);
    size_t base = 0, bad = 0;
    for (size_t g = 0; g < tep_pq_reader_num_row_groups(r); g++) {
        size_t n = tep_pq_reader_row_group_rows(r, g);
        int64_t *id = malloc(n * sizeof *id), *i64 = malloc(n * sizeof *i64);
        double *dopt = malloc(n * sizeof *dopt), *dreq = malloc(n * sizeof *dreq);
        int32_t *i32 = malloc(n * sizeof *i32);
        uint8_t *v32 = malloc(n), *vd = malloc(n);
        char **sopt = malloc(n * sizeof *sopt), **sreq = malloc(n * sizeof *sreq);
        int rc = tep_pq_read_int64(r, g, 0, id, NULL, &err) ||
                 tep_pq_read_double(r, g, 1, dopt, vd, &err) ||
                 tep_pq_read_double(r, g, 2, dreq, NULL, &err) ||
                 tep_pq_read_int32(r, g, 3, i32, v32, &err) ||
                 tep_pq_read_int64(r, g, 4, i64, NULL, &err) ||
                 tep_pq_read_string(r, g, 5, sopt, &err) || tep_pq_read_string(r, g, 6, sreq, &err);
        CHECK_MSG(rc == 0, "%s: %s", path, err.message);
        for (size_t k = 0; rc == 0 && k < n; k++) {
            int64_t i = (int64_t)(base + k);
            char want[32];
            snprintf(want, sizeof want, "row-%lld", (long long)i);
            bad += id[k] != i;
            bad += i % 7 == 3 ? vd[k] != 0 : (vd[k] != 1 || dopt[k] != (double)i * 0.5 - 1000.25);
            bad += bits_of(dreq[k]) != bits_of((double)i / 7.0);
            bad += i % 5 == 2 ? v32[k] != 0 : (v32[k] != 1 || i32[k] != (int32_t)(i % 13) - 6);
            bad += i64[k] != i * 1000003 - 500000000000LL;
            bad += i % 3 == 0 ? sopt[k] != NULL : (!sopt[k] || strcmp(sopt[k], pool[i % 6]) != 0);
            bad += !sreq[k] || strcmp(sreq[k], want) != 0;
        }
        if (rc == 0) {
            tep_pq_free_strings(sopt, n);
            tep_pq_free_strings(sreq, n);
        }
        struct tep_pq_stats st;
        CHECK(tep_pq_reader_stats(r, g, 6, &st, &err) == 0 && st.has_min_max);
        CHECK(st.has_null_count && st.null_count == 0);
        free(id), free(i64), free(dopt), free(dreq), free(i32), free(v32), free(vd);
        free(sopt), free(sreq);
        base += n;
    }
    CHECK_EQ_INT(base, 2100);
    CHECK_MSG(bad == 0, "%s: %zu values differ", path, bad);
    tep_pq_reader_close(r);
}

static void test_duckdb_files(void)
{
    char dir[1024], path[1200];
    data_dir(dir, sizeof dir);
    join(path, sizeof path, dir, "duckdb_v1_snappy.parquet");
    if (!file_exists(path)) {
        CHECK_MSG(0, "%s is missing (TEP_SOURCE_DIR unset?)", path);
        return;
    }
    check_duckdb_file(path); /* PLAIN + PLAIN_DICTIONARY, data pages V1 */
    join(path, sizeof path, dir, "duckdb_v2_zstd.parquet");
    check_duckdb_file(path); /* V2 pages, DELTA_*, BYTE_STREAM_SPLIT, RLE_DICTIONARY */

    struct tep_error err;
    join(path, sizeof path, dir, "duckdb_gzip.parquet");
    CHECK(read_everything(path, &err) == -1);
    CHECK_MSG(err.code == TEP_ERR_UNSUPPORTED && strstr(err.message, "GZIP") &&
                  strstr(err.message, "not supported") && strstr(err.file, "duckdb_gzip"),
              "%s", err.message);
    join(path, sizeof path, dir, "truncated_footer.parquet");
    CHECK(tep_pq_reader_open(path, &err) == NULL && err.code == TEP_ERR_PARSE);
    join(path, sizeof path, dir, "bad_page_header.parquet");
    CHECK(read_everything(path, &err) == -1 && err.code == TEP_ERR_PARSE);
    CHECK_MSG(strstr(err.message, "page header") != NULL, "%s", err.message);
    join(path, sizeof path, dir, "nested_list.parquet");
    CHECK(tep_pq_reader_open(path, &err) == NULL && err.code == TEP_ERR_UNSUPPORTED);
}

/* ---- CLI modes for tests/cli_parquet_duckdb.sh --------------------------- */

/* JSON string as JavaScript's JSON.stringify writes it. */
static void print_json_string(const char *s)
{
    putchar('"');
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        switch (*p) {
        case '"': fputs("\\\"", stdout); break;
        case '\\': fputs("\\\\", stdout); break;
        case '\b': fputs("\\b", stdout); break;
        case '\f': fputs("\\f", stdout); break;
        case '\n': fputs("\\n", stdout); break;
        case '\r': fputs("\\r", stdout); break;
        case '\t': fputs("\\t", stdout); break;
        default:
            if (*p < 0x20) printf("\\u%04x", *p);
            else putchar(*p);
        }
    }
    putchar('"');
}

static const char *type_label(enum tep_pq_type t)
{
    switch (t) {
    case TEP_PQ_DOUBLE: return "DOUBLE";
    case TEP_PQ_INT32: return "INT32";
    case TEP_PQ_INT64: return "INT64";
    case TEP_PQ_STRING: return "STRING";
    default: return "OTHER";
    }
}

static void print_double(double v)
{
    printf("d:%016llx", (unsigned long long)bits_of(v));
}

/* Canonical dump: shape, schema, per-chunk statistics, per-column aggregates
 * (count, min, max of non-null values) and every value. */
static int dump_file(const char *path)
{
    struct tep_error err;
    struct tep_pq_reader *r = tep_pq_reader_open(path, &err);
    if (!r) {
        char buf[1600];
        fprintf(stderr, "%s\n", tep_error_format(&err, buf, sizeof buf));
        return 1;
    }
    size_t ncols = tep_pq_reader_num_columns(r), ngroups = tep_pq_reader_num_row_groups(r);
    size_t nrows = (size_t)tep_pq_reader_num_rows(r);
    printf("rows %zu\nrow_groups %zu\n", nrows, ngroups);
    for (size_t g = 0; g < ngroups; g++)
        printf("rg %zu rows %zu\n", g, tep_pq_reader_row_group_rows(r, g));
    for (size_t c = 0; c < ncols; c++) {
        const struct tep_pq_column_info *info = tep_pq_reader_column(r, c);
        printf("column %s %s %s\n", info->name, type_label(info->type),
               info->nullable ? "nullable" : "required");
    }
    for (size_t g = 0; g < ngroups; g++)
        for (size_t c = 0; c < ncols; c++) {
            const struct tep_pq_column_info *info = tep_pq_reader_column(r, c);
            struct tep_pq_stats st;
            if (tep_pq_reader_stats(r, g, c, &st, &err)) goto fail;
            printf("stats %zu %s nulls=", g, info->name);
            if (st.has_null_count) printf("%lld", (long long)st.null_count);
            else printf("none");
            /* DuckDB's parquet_metadata() shows no infinite statistic: print
             * those as "none" too (the unit tests check them exactly). */
            printf(" min=");
            if (!st.has_min_max || (info->type == TEP_PQ_DOUBLE && isinf(st.min_double)))
                printf("none");
            else if (info->type == TEP_PQ_DOUBLE) print_double(st.min_double);
            else if (info->type == TEP_PQ_STRING) print_json_string(st.min_string);
            else printf("%lld", (long long)st.min_int);
            printf(" max=");
            if (!st.has_min_max || (info->type == TEP_PQ_DOUBLE && isinf(st.max_double)))
                printf("none");
            else if (info->type == TEP_PQ_DOUBLE) print_double(st.max_double);
            else if (info->type == TEP_PQ_STRING) print_json_string(st.max_string);
            else printf("%lld", (long long)st.max_int);
            putchar('\n');
        }
    /* whole columns in memory: the dumped files are small */
    size_t m = nrows ? nrows : 1;
    double **dv = calloc(ncols, sizeof *dv);
    int64_t **iv = calloc(ncols, sizeof *iv);
    char ***sv = calloc(ncols, sizeof *sv);
    uint8_t **valid = calloc(ncols, sizeof *valid);
    int rc = 0;
    for (size_t c = 0; c < ncols && rc == 0; c++) {
        const struct tep_pq_column_info *info = tep_pq_reader_column(r, c);
        valid[c] = calloc(m, 1);
        if (info->type == TEP_PQ_DOUBLE) dv[c] = malloc(m * sizeof **dv);
        else if (info->type == TEP_PQ_STRING) sv[c] = calloc(m, sizeof **sv);
        else iv[c] = malloc(m * sizeof **iv);
        size_t at = 0;
        for (size_t g = 0; g < ngroups && rc == 0; g++) {
            if (dv[c]) rc = tep_pq_read_double(r, g, c, dv[c] + at, valid[c] + at, &err);
            else if (iv[c]) rc = tep_pq_read_int64(r, g, c, iv[c] + at, valid[c] + at, &err);
            else {
                rc = tep_pq_read_string(r, g, c, sv[c] + at, &err);
                for (size_t i = 0; rc == 0 && i < tep_pq_reader_row_group_rows(r, g); i++)
                    valid[c][at + i] = sv[c][at + i] != NULL;
            }
            at += tep_pq_reader_row_group_rows(r, g);
        }
    }
    if (rc == 0) {
        for (size_t c = 0; c < ncols; c++) {
            size_t count = 0, lo = 0, hi = 0;
            for (size_t i = 0; i < nrows; i++) {
                if (!valid[c][i]) continue;
                if (count == 0) lo = hi = i;
                else if (dv[c]) {
                    if (dv[c][i] < dv[c][lo]) lo = i;
                    if (dv[c][i] > dv[c][hi]) hi = i;
                } else if (iv[c]) {
                    if (iv[c][i] < iv[c][lo]) lo = i;
                    if (iv[c][i] > iv[c][hi]) hi = i;
                } else {
                    if (strcmp(sv[c][i], sv[c][lo]) < 0) lo = i;
                    if (strcmp(sv[c][i], sv[c][hi]) > 0) hi = i;
                }
                count++;
            }
            printf("agg %s count=%zu", tep_pq_reader_column(r, c)->name, count);
            if (count) {
                printf(" min=");
                if (dv[c]) print_double(dv[c][lo]);
                else if (iv[c]) printf("%lld", (long long)iv[c][lo]);
                else print_json_string(sv[c][lo]);
                printf(" max=");
                if (dv[c]) print_double(dv[c][hi]);
                else if (iv[c]) printf("%lld", (long long)iv[c][hi]);
                else print_json_string(sv[c][hi]);
            }
            putchar('\n');
        }
        for (size_t i = 0; i < nrows; i++) {
            printf("row %zu", i);
            for (size_t c = 0; c < ncols; c++) {
                putchar(' ');
                if (!valid[c][i]) printf("null");
                else if (dv[c]) print_double(dv[c][i]);
                else if (iv[c]) printf("%lld", (long long)iv[c][i]);
                else print_json_string(sv[c][i]);
            }
            putchar('\n');
        }
    }
    for (size_t c = 0; c < ncols; c++) {
        free(dv[c]);
        free(iv[c]);
        if (sv[c]) tep_pq_free_strings(sv[c], nrows);
        free(sv[c]);
        free(valid[c]);
    }
    free(dv);
    free(iv);
    free(sv);
    free(valid);
    if (rc) goto fail;
    tep_pq_reader_close(r);
    return 0;
fail:;
    char buf[1600];
    fprintf(stderr, "%s\n", tep_error_format(&err, buf, sizeof buf));
    tep_pq_reader_close(r);
    return 1;
}

/* The C-side files the DuckDB script reads back (names tell the variant). */
static int write_samples(const char *dir)
{
    struct {
        const char *name;
        enum tep_pq_codec codec;
        bool dict;
        size_t page_size;
    } variants[] = {
        {"c_plain_uncompressed.parquet", TEP_PQ_UNCOMPRESSED, false, 0},
        {"c_dict_snappy.parquet", TEP_PQ_SNAPPY, true, 0},
        {"c_dict_zstd.parquet", TEP_PQ_ZSTD, true, 0},
        {"c_plain_zstd_small_pages.parquet", TEP_PQ_ZSTD, false, 512},
    };
    const size_t rgs[] = {1000, 3000, 1, 500};
    const size_t empty_rgs[] = {7, 0, 9};
    struct tep_error err;
    char path[1200], buf[1600];
    for (size_t v = 0; v < sizeof variants / sizeof variants[0]; v++) {
        struct tep_pq_writer_options opt;
        tep_pq_writer_options_default(&opt);
        opt.codec = variants[v].codec;
        opt.dictionary = variants[v].dict;
        opt.page_size = variants[v].page_size;
        join(path, sizeof path, dir, variants[v].name);
        if (write_sample(path, &opt, rgs, 4, &err)) goto fail;
    }
    join(path, sizeof path, dir, "c_empty_row_group.parquet");
    if (write_sample(path, NULL, empty_rgs, 3, &err)) goto fail;

    /* a frame file: the layout the pipeline stores */
    join(path, sizeof path, dir, "c_frame_zstd.parquet");
    struct tep_frame *f = tep_frame_new(16);
    if (!f || tep_frame_add_catalog_columns(f, &err)) goto fail;
    struct tep_pq_writer_options opt;
    tep_pq_writer_options_default(&opt);
    opt.codec = TEP_PQ_ZSTD;
    struct tep_pq_writer *w = tep_pq_writer_open_frame(path, f, &opt, &err);
    if (!w) {
        tep_frame_free(f);
        goto fail;
    }
    for (size_t g = 0; g < 3; g++) {
        fill_frame(f, "run-42", g * 400, 400);
        if (tep_pq_write_frame(w, f, &err)) {
            tep_pq_writer_abort(w);
            tep_frame_free(f);
            goto fail;
        }
    }
    tep_frame_free(f);
    if (tep_pq_writer_close(w, &err)) goto fail;
    return 0;
fail:
    fprintf(stderr, "%s\n", tep_error_format(&err, buf, sizeof buf));
    return 1;
}

int main(int argc, char **argv)
{
    if (argc == 3 && strcmp(argv[1], "dump") == 0) return dump_file(argv[2]);
    if (argc == 3 && strcmp(argv[1], "write-samples") == 0) return write_samples(argv[2]);
    if (argc != 1) {
        fprintf(stderr, "usage: %s [dump FILE | write-samples DIR]\n", argv[0]);
        return 2;
    }
    RUN(test_thrift_roundtrip);
    RUN(test_thrift_unknown_and_hostile);
    RUN(test_roundtrip_codecs);
    RUN(test_multipage_and_dict_fallback);
    RUN(test_dictionary_shrinks_low_cardinality);
    RUN(test_empty);
    RUN(test_nan_values_and_stats);
    RUN(test_frame_roundtrip);
    RUN(test_temp_file_and_abort);
    RUN(test_corrupt_files);
    RUN(test_duckdb_files);
    CHECK_DONE();
}
