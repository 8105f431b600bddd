/* test_readers.c - the CSV, NDJSON and Braatz .dat readers (src/io/reader.h).
 *
 * Checks: exact values, shapes, labels and SHA-256 lineage of all 44 reference
 * Braatz files (tests/data/braatz, decompressed by the build); exact round
 * trips of generated CSV and NDJSON (random doubles written with %.17g, shuffled
 * column spellings, several runs, bounded chunks); the good corpus in
 * tests/data/good (RFC 4180 quoting, BOM, CRLF, semicolons, tabs, the Rieth 2017
 * layout); every bad input in tests/data/bad and generated ones (truncated rows,
 * wrong column counts, non-numbers, NaN/Inf text, duplicate and unknown columns,
 * empty and header-only files, a line over 1 GiB, missing files, directories,
 * bad UTF-8, unclosed quotes, bad Braatz shapes), each with the exact file, line,
 * column and the "expected ..." text of its message.
 */
#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <stdint.h>
#include <unistd.h>

#include "check.h"
#include "core/catalog.h"
#include "io/reader.h"

/* ------------------------------------------------------------ helpers */

static const char *data_file(const char *rel)
{
    static char buf[8][1024];
    static int slot = 0;
    const char *root = getenv("TEP_SOURCE_DIR");
    char *out = buf[slot++ & 7];
    snprintf(out, sizeof buf[0], "%s/tests/data/%s", root && *root ? root : "..", rel);
    return out;
}

static const char *tmp_dir;

static const char *tmp_file(const char *name)
{
    static char buf[8][1024];
    static int slot = 0;
    char *out = buf[slot++ & 7];
    snprintf(out, sizeof buf[0], "%s/%s", tmp_dir, name);
    return out;
}

static void write_file(const char *path, const char *text, size_t n)
{
    FILE *f = fopen(path, "wb");
    if (!f) {
        fprintf(stderr, "cannot write %s\n", path);
        exit(1);
    }
    fwrite(text, 1, n, f);
    fclose(f);
}

static bool same_double(double a, double b)
{
    return memcmp(&a, &b, sizeof a) == 0;
}

static void sha256_of_file(const char *path, char hex[65])
{
    hex[0] = '\0';
    FILE *f = fopen(path, "rb");
    if (!f) return;
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    EVP_DigestInit_ex(ctx, EVP_sha256(), NULL);
    char buf[65536];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, f)) > 0)
        EVP_DigestUpdate(ctx, buf, n);
    unsigned char d[32];
    unsigned dl = 0;
    EVP_DigestFinal_ex(ctx, d, &dl);
    EVP_MD_CTX_free(ctx);
    fclose(f);
    for (int i = 0; i < 32; i++)
        snprintf(hex + 2 * i, 3, "%02x", d[i]);
}

static long peak_rss_kib(void)
{
    FILE *f = fopen("/proc/self/status", "r");
    if (!f) return -1;
    char line[256];
    long kib = -1;
    while (fgets(line, sizeof line, f))
        if (sscanf(line, "VmHWM: %ld kB", &kib) == 1) break;
    fclose(f);
    return kib;
}

/* Read a whole file into one frame (chunks appended); returns rows or -1. */
static long read_whole(const char *path, const struct tep_reader_options *opt,
                       struct tep_frame **out, struct tep_error *err)
{
    *out = NULL;
    struct tep_reader *r = tep_reader_open(path, opt, err);
    if (!r) return -1;
    struct tep_frame *chunk = tep_frame_new(16), *all = tep_frame_new(16);
    long total = 0, n;
    while ((n = tep_reader_next(r, chunk, err)) > 0) {
        if (all->ncols == 0) tep_frame_copy_schema(all, chunk, NULL);
        tep_frame_append(all, chunk, NULL);
        total += n;
    }
    if (all->ncols == 0 && chunk->ncols) tep_frame_copy_schema(all, chunk, NULL);
    tep_frame_free(chunk);
    tep_reader_close(r);
    if (n < 0) {
        tep_frame_free(all);
        return -1;
    }
    *out = all;
    return total;
}

/* ------------------------------------------------------------ names, opening */

static void test_format_names(void)
{
    CHECK_EQ_INT(tep_format_from_name("csv"), TEP_FORMAT_CSV);
    CHECK_EQ_INT(tep_format_from_name(".CSV"), TEP_FORMAT_CSV);
    CHECK_EQ_INT(tep_format_from_name("dir.x/run.tsv"), TEP_FORMAT_CSV);
    CHECK_EQ_INT(tep_format_from_name("a.json"), TEP_FORMAT_JSON);
    CHECK_EQ_INT(tep_format_from_name("ndjson"), TEP_FORMAT_JSON);
    CHECK_EQ_INT(tep_format_from_name("x.JSONL"), TEP_FORMAT_JSON);
    CHECK_EQ_INT(tep_format_from_name("d01_te.dat"), TEP_FORMAT_DAT);
    CHECK_EQ_INT(tep_format_from_name("t.parquet"), TEP_FORMAT_PARQUET);
    CHECK_EQ_INT(tep_format_from_name("t.xlsx"), TEP_FORMAT_AUTO);
    CHECK_EQ_INT(tep_format_from_name("dir.csv/file"), TEP_FORMAT_AUTO);
    CHECK_EQ_INT(tep_format_from_name(NULL), TEP_FORMAT_AUTO);
    CHECK_STR(tep_format_name(TEP_FORMAT_JSON), "ndjson");
}

static void test_open_errors(void)
{
    struct tep_error err;
    char buf[2048];
    /* missing file */
    const char *missing = tmp_file("no_such_file.csv");
    CHECK(tep_reader_open(missing, NULL, &err) == NULL);
    CHECK_EQ_INT(err.code, TEP_ERR_IO);
    CHECK_STR(err.file, missing);
    CHECK_MSG(strstr(err.message, "No such file") != NULL, "%s", err.message);
    /* a directory */
    const char *dir = tmp_file("a_dir.csv");
    mkdir(dir, 0755);
    CHECK(tep_reader_open(dir, NULL, &err) == NULL);
    CHECK_EQ_INT(err.code, TEP_ERR_IO);
    CHECK_STR(err.file, dir);
    CHECK_MSG(strstr(err.message, "is a directory: expected a data file") != NULL, "%s",
              err.message);
    /* Parquet: a file too short to be one, and a text file read as Parquet
     * (tests/test_parquet_io.c has the Parquet reader's own tests) */
    const char *pq = tmp_file("x.parquet");
    write_file(pq, "PAR1", 4);
    CHECK(tep_reader_open(pq, NULL, &err) == NULL);
    CHECK_EQ_INT(err.code, TEP_ERR_PARSE);
    CHECK_MSG(strstr(err.message, "not a Parquet file") != NULL, "%s", err.message);
    struct tep_reader_options opt = {.format = TEP_FORMAT_PARQUET};
    CHECK(tep_reader_open(data_file("good/plain.tsv"), &opt, &err) == NULL);
    CHECK_EQ_INT(err.code, TEP_ERR_PARSE);
    CHECK_MSG(strstr(err.message, "expected magic \"PAR1\"") != NULL, "%s", err.message);
    /* unknown extension, but an explicit format works */
    const char *odd = tmp_file("values.txt");
    write_file(odd, "xmeas_1\n1.5\n", 12);
    CHECK(tep_reader_open(odd, NULL, &err) == NULL);
    CHECK_EQ_INT(err.code, TEP_ERR_ARG);
    CHECK_MSG(strstr(err.message, "expected an extension .csv") != NULL, "%s", err.message);
    opt = (struct tep_reader_options){.format = TEP_FORMAT_CSV};
    struct tep_frame *f;
    CHECK_EQ_INT(read_whole(odd, &opt, &f, &err), 1);
    if (f) CHECK(f->cols[0].data[0] == 1.5);
    tep_frame_free(f);
    /* bad options */
    opt = (struct tep_reader_options){.delimiter = '|'};
    CHECK(tep_reader_open(odd, &opt, &err) == NULL);
    CHECK_EQ_INT(err.code, TEP_ERR_ARG);
    CHECK(tep_reader_open(NULL, NULL, &err) == NULL);
    CHECK_EQ_INT(err.code, TEP_ERR_ARG);
    CHECK(tep_reader_open(missing, NULL, NULL) == NULL); /* err may be NULL */
    (void)buf;
}

/* ------------------------------------------------------------ bad corpus */

struct bad_case {
    const char *file; /* under tests/data/bad */
    int flags;        /* 1 = nan_text_is_missing, 2 = ignore_unknown_columns */
    int code;
    long line, column;
    const char *expected; /* a piece of the message */
};

static void check_bad(const struct bad_case *bc)
{
    char rel[256];
    snprintf(rel, sizeof rel, "bad/%s", bc->file);
    const char *path = data_file(rel);
    struct tep_reader_options opt = {
        .nan_text_is_missing = (bc->flags & 1) != 0,
        .ignore_unknown_columns = (bc->flags & 2) != 0,
    };
    struct tep_error err;
    tep_error_clear(&err);
    struct tep_frame *f = NULL;
    long n = read_whole(path, &opt, &f, &err);
    tep_frame_free(f);
    CHECK_MSG(n == -1, "%s: expected an error, read %ld rows", bc->file, n);
    CHECK_MSG(err.code == bc->code, "%s: code %d, expected %d (%s)", bc->file, err.code, bc->code,
              err.message);
    CHECK_MSG(strcmp(err.file, path) == 0, "%s: error names file '%s'", bc->file, err.file);
    CHECK_MSG(err.line == bc->line && err.column == bc->column,
              "%s: at %ld:%ld, expected %ld:%ld (%s)", bc->file, err.line, err.column, bc->line,
              bc->column, err.message);
    CHECK_MSG(strstr(err.message, bc->expected) != NULL, "%s: message '%s' lacks '%s'", bc->file,
              err.message, bc->expected);
    CHECK_MSG(strstr(err.message, "expected") != NULL, "%s: message '%s' says nothing expected",
              bc->file, err.message);
}

static void test_bad_corpus(void)
{
    static const struct bad_case cases[] = {
        /* CSV */
        {"truncated.csv", 0, TEP_ERR_PARSE, 3, 5,
         "the file ends in the middle of a row: expected 5 fields, found 4 on the last line, "
         "which has no line end (truncated file?)"},
        {"wrong_count.csv", 0, TEP_ERR_PARSE, 3, 5,
         "expected 5 fields (as in the header), found 4"},
        {"too_many.csv", 0, TEP_ERR_PARSE, 2, 6, "expected 5 fields (as in the header), found 6"},
        {"non_numeric.csv", 0, TEP_ERR_PARSE, 3, 4,
         "expected a number in column 'xmeas_7', found 'abc'"},
        {"nan_text.csv", 0, TEP_ERR_PARSE, 2, 3,
         "expected a number in column 'xmeas_1', found 'NaN' (NaN text is not accepted"},
        {"inf_text.csv", 0, TEP_ERR_PARSE, 2, 4,
         "expected a finite number in column 'xmeas_7', found '-Infinity' (a TEP value cannot "
         "be infinite)"},
        {"inf_text.csv", 1, TEP_ERR_PARSE, 2, 4, "found '-Infinity'"},
        {"overflow.csv", 0, TEP_ERR_PARSE, 2, 5,
         "expected a finite number in column 'xmv_1', found '1e999'"},
        {"duplicate_header.csv", 0, TEP_ERR_PARSE, 1, 4,
         "duplicate column: 'XMEAS(1)' is the same variable (xmeas_1) as 'xmeas_1' (column 2); "
         "expected each variable once"},
        {"duplicate_key.csv", 0, TEP_ERR_PARSE, 1, 3,
         "duplicate key column: 'time' and 'time_h' (column 1) are both the time_h column"},
        {"unknown_column.csv", 0, TEP_ERR_PARSE, 1, 3,
         "unknown column 'pressure_x': expected a TEP variable"},
        {"empty.csv", 0, TEP_ERR_PARSE, 1, 1, "empty file: expected a header line"},
        {"blank_lines_only.csv", 0, TEP_ERR_PARSE, 1, 1, "empty file (only blank lines)"},
        {"empty_header_line.csv", 0, TEP_ERR_PARSE, 1, 1, "line 1 is empty: expected a header"},
        {"invalid_utf8_header.csv", 0, TEP_ERR_PARSE, 1, 3,
         "invalid UTF-8 in the header (byte 0xC3 at byte 4 of the name 'caf\\xC3('): expected "
         "UTF-8 text"},
        {"unclosed_quote.csv", 0, TEP_ERR_PARSE, 3, 2,
         "the quote opened in column 2 is not closed: expected a closing '\"' before the end of "
         "the file"},
        {"quote_inside_field.csv", 0, TEP_ERR_PARSE, 2, 2,
         "unexpected '\"' inside the unquoted field 'r\"1': expected the whole field in quotes"},
        {"text_after_quote.csv", 0, TEP_ERR_PARSE, 2, 2,
         "expected a delimiter or the end of the row after the closing quote, found 'x,0.25'"},
        {"bad_sample.csv", 0, TEP_ERR_PARSE, 3, 1,
         "expected a sample number (a whole number >= 0) in column 'sample', found '1.5'"},
        {"bad_fault.csv", 0, TEP_ERR_PARSE, 3, 2,
         "expected a fault number (0 = normal, k = IDV(k)) in column 'fault', found '-1'"},
        {"duplicate_sample.csv", 0, TEP_ERR_PARSE, 4, 1,
         "sample 2 of run 'duplicate_sample' appears twice: expected increasing sample numbers"},
        {"no_variables.csv", 0, TEP_ERR_PARSE, 1, 1,
         "no TEP variable columns in the header: expected columns such as xmeas_1"},
        /* NDJSON */
        {"non_numeric.ndjson", 0, TEP_ERR_PARSE, 2, 26,
         "expected a number or null for key 'xmeas_7', found '\"abc\"'"},
        {"nested.ndjson", 0, TEP_ERR_PARSE, 1, 26,
         "expected a number or null for key 'xmeas_1', found '[0.25'"},
        {"new_key.ndjson", 0, TEP_ERR_PARSE, 2, 32,
         "key 'xmeas_2' is not in the first record (line 1): expected the keys of the first "
         "record on every line"},
        {"duplicate_key.ndjson", 0, TEP_ERR_PARSE, 1, 19,
         "duplicate key 'XMEAS(1)': the record already has xmeas_1 under another name"},
        {"duplicate_key_later.ndjson", 0, TEP_ERR_PARSE, 2, 19,
         "key 'xmeas_1' appears twice in the record"},
        {"not_object.ndjson", 0, TEP_ERR_PARSE, 1, 1,
         "expected a JSON object starting with '{', found '[0.25'"},
        {"trailing_text.ndjson", 0, TEP_ERR_PARSE, 1, 19,
         "expected the end of the line after '}', found '{\"xmeas_1\":'"},
        {"truncated.ndjson", 0, TEP_ERR_PARSE, 2, 29,
         "expected ',' or '}' after the value, found the end of the line (on the last line, "
         "which has no line end: truncated file?)"},
        {"json_number.ndjson", 0, TEP_ERR_PARSE, 2, 26,
         "expected a number or null for key 'xmeas_1', found '.5'"},
        {"unknown_key.ndjson", 0, TEP_ERR_PARSE, 1, 32, "unknown key 'operator': expected a TEP"},
        {"empty.ndjson", 0, TEP_ERR_PARSE, 1, 1, "empty file: expected JSON objects"},
        {"missing_key.ndjson", 0, TEP_ERR_PARSE, 2, 1,
         "the record has no sample key: expected the key columns of the first record (line 1)"},
        {"nan.ndjson", 0, TEP_ERR_PARSE, 1, 26,
         "expected a number or null (NaN is not JSON; set nan_text_is_missing"},
        {"infinity.ndjson", 1, TEP_ERR_PARSE, 1, 26,
         "expected a finite number (a TEP value cannot be infinite), found '-Infinity'"},
        {"unterminated_string.ndjson", 0, TEP_ERR_PARSE, 1, 15,
         "expected a closing '\"' for the string"},
        {"bad_escape.ndjson", 0, TEP_ERR_PARSE, 1, 21, "expected a JSON escape"},
        {"invalid_utf8_key.ndjson", 0, TEP_ERR_PARSE, 1, 32, "expected UTF-8 text in the string"},
        {"missing_colon.ndjson", 0, TEP_ERR_PARSE, 1, 11, "expected ':' after the key, found '1'"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        check_bad(&cases[i]);

    /* the full rendering: FILE:LINE:COLUMN: message */
    struct tep_error err;
    struct tep_frame *f = NULL;
    const char *path = data_file("bad/non_numeric.csv");
    CHECK_EQ_INT(read_whole(path, NULL, &f, &err), -1);
    char want[1400], got[1400];
    snprintf(want, sizeof want, "%s:3:4: expected a number in column 'xmeas_7', found 'abc'", path);
    CHECK_STR(tep_error_format(&err, got, sizeof got), want);
}

/* The same files with the option that makes them acceptable. */
static void test_bad_corpus_options(void)
{
    struct tep_error err;
    struct tep_frame *f = NULL;
    struct tep_reader_options nan_ok = {.nan_text_is_missing = true};
    CHECK_EQ_INT(read_whole(data_file("bad/nan_text.csv"), &nan_ok, &f, &err), 1);
    if (f) {
        CHECK(isnan(f->cols[0].data[0]));
        CHECK(f->cols[1].data[0] == 2705.1);
    }
    tep_frame_free(f);
    CHECK_EQ_INT(read_whole(data_file("bad/nan.ndjson"), &nan_ok, &f, &err), 1);
    if (f) CHECK(isnan(f->cols[0].data[0]));
    tep_frame_free(f);
    struct tep_reader_options ignore = {.ignore_unknown_columns = true};
    CHECK_EQ_INT(read_whole(data_file("bad/unknown_column.csv"), &ignore, &f, &err), 2);
    if (f) {
        CHECK_EQ_INT(f->ncols, 2);
        CHECK_STR(f->cols[0].name, "xmeas_1");
        CHECK_STR(f->cols[1].name, "xmv_1");
        CHECK(f->cols[0].data[1] == 0.26 && f->cols[1].data[1] == 63.1);
    }
    tep_frame_free(f);
    CHECK_EQ_INT(read_whole(data_file("bad/unknown_key.ndjson"), &ignore, &f, &err), 1);
    if (f) CHECK(f->ncols == 1 && f->cols[0].data[0] == 0.25);
    tep_frame_free(f);
}

/* ------------------------------------------------------------ good corpus */

static void test_rieth_layout(void)
{
    struct tep_error err;
    struct tep_reader_options opt = {0};
    struct tep_reader *r = tep_reader_open(data_file("good/rieth_small.csv"), &opt, &err);
    CHECK_MSG(r != NULL, "%s", err.message);
    if (!r) return;
    struct tep_frame *f = tep_frame_new(4);
    /* three runs: (fault 1, run 1) x3, (fault 1, run 2) x2, (fault 2, run 1) x2 */
    const long want_rows[3] = {3, 2, 2};
    const char *want_run[3] = {"1", "2", "1"};
    const int want_fault[3] = {1, 1, 2};
    for (int k = 0; k < 3; k++) {
        long n = tep_reader_next(r, f, &err);
        CHECK_EQ_INT(n, want_rows[k]);
        CHECK_STR(f->run_id, want_run[k]);
        CHECK_EQ_INT(f->ncols, 52); /* xmeas_1..41, xmv_1..11 */
        if (n <= 0) break;
        CHECK_STR(f->cols[51].name, "xmv_11");
        CHECK_EQ_INT(f->cols[51].var, tep_xmv_index(11));
        for (long i = 0; i < n; i++) {
            CHECK_EQ_INT(f->sample[i], i + 1);
            CHECK_EQ_INT(f->fault[i], want_fault[k]);
            CHECK(f->time_h[i] == (double)(i + 1) * 0.05);
            for (int c = 0; c < 52; c += 17) { /* column c holds "(c+1).F R SS" */
                char text[32];
                snprintf(text, sizeof text, "%d.%d%s%02ld", c + 1, want_fault[k], want_run[k],
                         i + 1);
                CHECK(f->cols[c].data[i] == strtod(text, NULL));
            }
        }
    }
    CHECK_EQ_INT(tep_reader_next(r, f, &err), 0);
    CHECK_EQ_INT(tep_reader_next(r, f, &err), 0);
    const struct tep_lineage *lin = tep_reader_lineage(r);
    CHECK_EQ_INT(lin->rows_read, 7);
    CHECK_EQ_INT(lin->runs_read, 3);
    CHECK_EQ_INT(lin->fault, -1); /* faults 1 and 2 */
    CHECK(lin->fault_onset_h == 0.05);
    CHECK_EQ_INT(lin->format, TEP_FORMAT_CSV);
    char sha[65];
    sha256_of_file(data_file("good/rieth_small.csv"), sha);
    CHECK_STR(lin->sha256, sha);
    tep_frame_free(f);
    tep_reader_close(r);
}

static void test_semicolon_bom_crlf(void)
{
    struct tep_error err;
    struct tep_frame *f = NULL;
    CHECK_EQ_INT(read_whole(data_file("good/semicolon_bom_crlf.csv"), NULL, &f, &err), 3);
    if (!f) return;
    /* catalogue order: xmeas_1, xmeas_7 (reactor_pressure), xmeas_15 (Stripper level), xmv_12 */
    CHECK_EQ_INT(f->ncols, 4);
    CHECK_STR(f->cols[0].name, "xmeas_1");
    CHECK_STR(f->cols[1].name, "xmeas_7");
    CHECK_STR(f->cols[2].name, "xmeas_15");
    CHECK_STR(f->cols[3].name, "xmv_12");
    CHECK_EQ_INT(f->cols[3].var, 52);
    CHECK(f->cols[0].data[0] == 0.25 && f->cols[1].data[0] == 2705.5);
    CHECK(f->cols[2].data[0] == 50.1 && f->cols[3].data[0] == 50);
    CHECK(isnan(f->cols[0].data[1]) && isnan(f->cols[2].data[1])); /* empty cells */
    CHECK(f->cols[1].data[1] == 2704.25);
    CHECK(f->cols[1].data[2] == 2706 && f->cols[2].data[2] == 49.9);
    CHECK(f->time_h[1] == 0.1 && f->time_h[2] == 0.15);
    CHECK_EQ_INT(f->sample[2], 3);
    CHECK_STR(f->run_id, "r1");
    tep_frame_free(f);
}

static void test_plain_tsv(void)
{
    struct tep_error err;
    struct tep_frame *f = NULL;
    struct tep_reader_options opt = {.interval_h = 0.1};
    CHECK_EQ_INT(read_whole(data_file("good/plain.tsv"), &opt, &f, &err), 3);
    if (!f) return;
    CHECK_EQ_INT(f->ncols, 3);
    CHECK_STR(f->cols[0].name, "xmeas_1");
    CHECK_STR(f->cols[1].name, "xmeas_2"); /* header "xmeas<TAB>2", quoted */
    CHECK_STR(f->cols[2].name, "xmv_3");
    CHECK(f->cols[0].data[2] == 0.252 && f->cols[1].data[2] == 3666 && f->cols[2].data[2] == 24.8);
    for (int i = 0; i < 3; i++) {
        CHECK_EQ_INT(f->sample[i], i + 1); /* no key columns: counted */
        CHECK(f->time_h[i] == (i + 1) * 0.1);
        CHECK_EQ_INT(f->fault[i], 0);
    }
    CHECK_STR(f->run_id, "plain"); /* file name without extension */
    tep_frame_free(f);
}

static void test_quoted(void)
{
    struct tep_error err;
    struct tep_reader_options opt = {.ignore_unknown_columns = true, .chunk_rows = 10};
    struct tep_reader *r = tep_reader_open(data_file("good/quoted.csv"), &opt, &err);
    CHECK_MSG(r != NULL, "%s", err.message);
    if (!r) return;
    struct tep_frame *f = tep_frame_new(1);
    CHECK_EQ_INT(tep_reader_next(r, f, &err), 3);
    CHECK_STR(f->run_id, "run \"A\"");
    CHECK_EQ_INT(f->ncols, 1);
    CHECK(f->cols[0].data[0] == 0.5 && f->cols[0].data[1] == 0.75 && f->cols[0].data[2] == 1e-3);
    CHECK_EQ_INT(f->sample[2], 3);
    CHECK_EQ_INT(tep_reader_next(r, f, &err), 1);
    CHECK_STR(f->run_id, "run B");
    CHECK(isnan(f->cols[0].data[0])); /* "" */
    CHECK_EQ_INT(f->sample[0], 4);
    CHECK_EQ_INT(tep_reader_next(r, f, &err), 0);
    CHECK_EQ_INT(tep_reader_lineage(r)->runs_read, 2);
    tep_frame_free(f);
    tep_reader_close(r);
}

static void test_header_only(void)
{
    struct tep_error err;
    struct tep_reader *r = tep_reader_open(data_file("good/header_only.csv"), NULL, &err);
    CHECK_MSG(r != NULL, "%s", err.message);
    if (!r) return;
    struct tep_frame *f = tep_frame_new(1);
    CHECK_EQ_INT(tep_reader_next(r, f, &err), 0); /* a valid run with no rows */
    CHECK_EQ_INT(f->ncols, 2);
    CHECK_EQ_INT(f->nrows, 0);
    const struct tep_lineage *lin = tep_reader_lineage(r);
    CHECK_EQ_INT(lin->rows_read, 0);
    CHECK_EQ_INT(lin->size_bytes, 34);
    CHECK_EQ_INT(strlen(lin->sha256), 64);
    tep_frame_free(f);
    tep_reader_close(r);
}

static void test_ndjson_good(void)
{
    struct tep_error err;
    struct tep_reader *r = tep_reader_open(data_file("good/records.ndjson"), NULL, &err);
    CHECK_MSG(r != NULL, "%s", err.message);
    if (!r) return;
    struct tep_frame *f = tep_frame_new(1);
    CHECK_EQ_INT(tep_reader_next(r, f, &err), 3);
    CHECK_EQ_INT(f->ncols, 2);
    CHECK_STR(f->run_id, "r1");
    CHECK(f->cols[0].data[0] == 0.25 && f->cols[1].data[0] == 63.05);
    CHECK(f->cols[0].data[1] == 0.5 && isnan(f->cols[1].data[1]));
    CHECK(f->cols[0].data[2] == -1.5e-3 && isnan(f->cols[1].data[2])); /* xmv_1 left out */
    CHECK_EQ_INT(f->fault[1], 3);
    CHECK(f->time_h[2] == 0.15);
    CHECK_EQ_INT(tep_reader_next(r, f, &err), 1);
    CHECK_STR(f->run_id, "r\xc3\xa9\"2\""); /* r\u00e9\"2\" */
    CHECK(f->cols[0].data[0] == 100);
    CHECK_EQ_INT(tep_reader_next(r, f, &err), 0);
    const struct tep_lineage *lin = tep_reader_lineage(r);
    CHECK_EQ_INT(lin->fault, 3);
    CHECK(lin->fault_onset_h == 0.1);
    CHECK_EQ_INT(lin->format, TEP_FORMAT_JSON);
    tep_frame_free(f);
    tep_reader_close(r);
}

/* Every spelling of the key columns. */
static void test_key_aliases(void)
{
    static const char *headers[] = {
        "sample,label,run,time,xmeas_1",
        "Sample,fault_label,run_id,Time (h),xmeas_1",
        "SAMPLE,FaultNumber,simulationRun,TIME_H,XMEAS_1",
        "sample;fault;Run_ID;time_h;a_feed",
    };
    for (size_t i = 0; i < sizeof headers / sizeof headers[0]; i++) {
        char text[200];
        char d = strchr(headers[i], ';') ? ';' : ',';
        int n = snprintf(text, sizeof text, "%s\n7%c3%cr9%c0.5%c1.25\n", headers[i], d, d, d, d);
        const char *path = tmp_file("aliases.csv");
        write_file(path, text, (size_t)n);
        struct tep_error err;
        struct tep_frame *f = NULL;
        CHECK_MSG(read_whole(path, NULL, &f, &err) == 1, "%s: %s", headers[i], err.message);
        if (!f) continue;
        CHECK_MSG(f->ncols == 1 && f->cols[0].data[0] == 1.25 && f->sample[0] == 7 &&
                      f->fault[0] == 3 && f->time_h[0] == 0.5 && strcmp(f->run_id, "r9") == 0,
                  "%s", headers[i]);
        tep_frame_free(f);
    }
}

/* ------------------------------------------------------------ round trips */

static uint64_t rng_next(uint64_t *s) /* splitmix64 */
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static double random_value(uint64_t *rng)
{
    uint64_t r = rng_next(rng);
    switch (r % 8) {
    case 0:
        return NAN; /* written as an empty cell / null */
    case 1: {       /* any finite double, subnormals included */
        for (;;) {
            uint64_t bits = rng_next(rng);
            double d;
            memcpy(&d, &bits, sizeof d);
            if (isfinite(d)) return d;
        }
    }
    case 2:
        return (r >> 8) % 2 ? -0.0 : 0.0;
    default:
        return ((double)(rng_next(rng) >> 11) / 9007199254740992.0) * 5000.0 - 100.0;
    }
}

/* Spelling k of variable v: xmeas_7, XMEAS(7), XMEAS_7, reactor_pressure. */
static void variable_name(int v, int k, char *out, size_t n)
{
    bool xmv = v >= TEP_N_XMEAS;
    int num = xmv ? v - TEP_N_XMEAS + 1 : v + 1;
    switch (k % 4) {
    case 0:
        snprintf(out, n, "%s_%d", xmv ? "xmv" : "xmeas", num);
        break;
    case 1:
        snprintf(out, n, "%s(%d)", xmv ? "XMV" : "XMEAS", num);
        break;
    case 2:
        snprintf(out, n, "%s_%d", xmv ? "XMV" : "XMEAS", num);
        break;
    default:
        snprintf(out, n, "%s", tep_catalog[v].key);
        break;
    }
}

#define RT_ROWS 9000
struct expected_rows {
    double *values; /* RT_ROWS x TEP_N_VARS */
    int64_t sample[RT_ROWS];
    int32_t fault[RT_ROWS];
    double time_h[RT_ROWS];
    const char *run[RT_ROWS];
};

/* runs: "A" samples 1..5000, "B" 1..2500, "B" again 1..1500 (a restart) */
static void make_expected(struct expected_rows *ex, uint64_t seed)
{
    uint64_t rng = seed;
    ex->values = malloc(sizeof(double) * RT_ROWS * TEP_N_VARS);
    for (int i = 0; i < RT_ROWS; i++) {
        int run = i < 5000 ? 0 : i < 7500 ? 1 : 2;
        int first = run == 0 ? 0 : run == 1 ? 5000 : 7500;
        ex->sample[i] = i - first + 1;
        ex->run[i] = run == 0 ? "A" : "B";
        ex->fault[i] = run == 0 ? (ex->sample[i] > 1000 ? 3 : 0) : run == 2 ? 5 : 0;
        ex->time_h[i] = (double)ex->sample[i] * 0.05 + 0.001 * run;
        for (int v = 0; v < TEP_N_VARS; v++)
            ex->values[(size_t)i * TEP_N_VARS + (size_t)v] = random_value(&rng);
    }
}

static void check_round_trip(const char *path, const struct expected_rows *ex, size_t chunk)
{
    struct tep_error err;
    struct tep_reader_options opt = {.chunk_rows = chunk};
    struct tep_reader *r = tep_reader_open(path, &opt, &err);
    CHECK_MSG(r != NULL, "%s", err.message);
    if (!r) return;
    struct tep_frame *f = tep_frame_new(8);
    long at = 0, n, chunks = 0, bad_values = 0, bad_keys = 0, bad_runs = 0, oversize = 0;
    while ((n = tep_reader_next(r, f, &err)) > 0) {
        chunks++;
        if ((size_t)n > chunk || f->capacity != chunk) oversize++;
        for (long i = 0; i < n; i++, at++) {
            if (at >= RT_ROWS) break;
            const char *want_run = at >= 7500 ? "B#2" : ex->run[at];
            if (strcmp(f->run_id, want_run) != 0) bad_runs++;
            if (f->sample[i] != ex->sample[at] || f->fault[i] != ex->fault[at] ||
                !same_double(f->time_h[i], ex->time_h[at]))
                bad_keys++;
            for (int c = 0; c < TEP_N_VARS; c++) {
                double want = ex->values[(size_t)at * TEP_N_VARS + (size_t)c];
                double got = f->cols[c].data[i];
                if (isnan(want) ? !isnan(got) : !same_double(want, got)) bad_values++;
            }
        }
    }
    CHECK_MSG(n == 0, "%s", err.message);
    CHECK_EQ_INT(at, RT_ROWS);
    CHECK_EQ_INT(f->ncols, TEP_N_VARS);
    CHECK_EQ_INT(bad_values, 0);
    CHECK_EQ_INT(bad_keys, 0);
    CHECK_EQ_INT(bad_runs, 0);
    CHECK_EQ_INT(oversize, 0);
    /* chunks never span runs (5000, 2500 and 1500 rows): 2048 gives 3 + 2 + 1 chunks,
     * 1000 gives 5 + 3 + 2; any other chunk size must be added here */
    CHECK_EQ_INT(chunks, chunk == 2048 ? 6 : chunk == 1000 ? 10 : -1);
    const struct tep_lineage *lin = tep_reader_lineage(r);
    CHECK_EQ_INT(lin->rows_read, RT_ROWS);
    CHECK_EQ_INT(lin->runs_read, 3);
    CHECK_EQ_INT(lin->fault, -1);
    CHECK(lin->fault_onset_h == 1001 * 0.05);
    char sha[65];
    sha256_of_file(path, sha);
    CHECK_STR(lin->sha256, sha);
    struct stat st;
    stat(path, &st);
    CHECK_EQ_INT(lin->size_bytes, st.st_size);
    tep_frame_free(f);
    tep_reader_close(r);
}

static void write_number(FILE *out, double v)
{
    if (!isnan(v)) fprintf(out, "%.17g", v);
}

static void test_csv_round_trip(void)
{
    struct expected_rows *ex = calloc(1, sizeof *ex);
    make_expected(ex, 2024);
    /* shuffled columns with mixed spellings, keys in between */
    int order[TEP_N_VARS];
    uint64_t rng = 5;
    for (int v = 0; v < TEP_N_VARS; v++)
        order[v] = v;
    for (int v = TEP_N_VARS - 1; v > 0; v--) {
        int j = (int)(rng_next(&rng) % (uint64_t)(v + 1)), t = order[v];
        order[v] = order[j];
        order[j] = t;
    }
    for (int variant = 0; variant < 2; variant++) { /* 0: plain, LF; 1: every field quoted, CRLF */
        const char *path = tmp_file(variant ? "round_trip_quoted.csv" : "round_trip.csv");
        FILE *out = fopen(path, "w");
        const char *q = variant ? "\"" : "", *eol = variant ? "\r\n" : "\n";
        fprintf(out, "%sfaultNumber%s,%ssimulationRun%s,%ssample%s", q, q, q, q, q, q);
        for (int k = 0; k < TEP_N_VARS; k++) {
            char name[96];
            variable_name(order[k], k + variant, name, sizeof name);
            fprintf(out, ",%s%s%s", q, name, q);
        }
        fprintf(out, ",%stime (h)%s%s", q, q, eol);
        for (int i = 0; i < RT_ROWS; i++) {
            fprintf(out, "%s%d%s,%s%s%s,%s%lld%s", q, ex->fault[i], q, q, ex->run[i], q, q,
                    (long long)ex->sample[i], q);
            for (int k = 0; k < TEP_N_VARS; k++) {
                fprintf(out, ",%s", q);
                write_number(out, ex->values[(size_t)i * TEP_N_VARS + (size_t)order[k]]);
                fputs(q, out);
            }
            fprintf(out, ",%s%.17g%s%s", q, ex->time_h[i], q, eol);
        }
        fclose(out);
        check_round_trip(path, ex, 2048);
        if (variant == 0) check_round_trip(path, ex, 1000);
        unlink(path);
    }
    free(ex->values);
    free(ex);
}

static void test_ndjson_round_trip(void)
{
    struct expected_rows *ex = calloc(1, sizeof *ex);
    make_expected(ex, 77);
    const char *path = tmp_file("round_trip.ndjson");
    FILE *out = fopen(path, "w");
    uint64_t rng = 11;
    for (int i = 0; i < RT_ROWS; i++) {
        int order[TEP_N_VARS + 4]; /* 0..52 variables, 53..56 keys, shuffled per record */
        for (int k = 0; k < TEP_N_VARS + 4; k++)
            order[k] = k;
        for (int k = TEP_N_VARS + 3; k > 0 && i % 3 == 1; k--) {
            int j = (int)(rng_next(&rng) % (uint64_t)(k + 1)), t = order[k];
            order[k] = order[j];
            order[j] = t;
        }
        fputc('{', out);
        for (int k = 0; k < TEP_N_VARS + 4; k++) {
            int item = order[k];
            if (k) fputs(i % 2 ? ", " : ",", out);
            if (item < TEP_N_VARS) {
                double v = ex->values[(size_t)i * TEP_N_VARS + (size_t)item];
                char name[96];
                variable_name(item, 0, name, sizeof name);
                if (isnan(v))
                    fprintf(out, "\"%s\":null", name);
                else
                    fprintf(out, "\"%s\":%.17g", name, v);
            } else if (item == TEP_N_VARS) {
                fprintf(out, "\"sample\":%lld", (long long)ex->sample[i]);
            } else if (item == TEP_N_VARS + 1) {
                fprintf(out, "\"fault\":%d", ex->fault[i]);
            } else if (item == TEP_N_VARS + 2) {
                fprintf(out, "\"run_id\":\"%s\"", ex->run[i]);
            } else {
                fprintf(out, "\"time_h\":%.17g", ex->time_h[i]);
            }
        }
        fputs("}\n", out);
        if (i % 1000 == 999) fputs("\n", out); /* blank lines are skipped */
    }
    fclose(out);
    check_round_trip(path, ex, 2048);
    unlink(path);
    free(ex->values);
    free(ex);
}

/* ------------------------------------------------------------ huge lines */

/* A line over 1 GiB: a sparse file (instant, no disk use) whose second line is
 * "1.5,1.5,..." for 1 MiB and then a hole (NUL bytes) up to 1.5 GiB, with no line
 * end. The reader must stop at max_line_bytes (16 MiB) without buffering the
 * line: peak memory must grow by far less than the line. */
static void test_line_over_1gib(void)
{
    const char *path = tmp_file("huge_line.csv");
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    CHECK(fd >= 0);
    if (fd < 0) return;
    const char *header = "sample,xmeas_1\n";
    CHECK(write(fd, header, strlen(header)) == (ssize_t)strlen(header));
    size_t chunk_len = 1 << 20;
    char *text = malloc(chunk_len);
    for (size_t i = 0; i < chunk_len; i += 4)
        memcpy(text + i, "1.5,", 4);
    CHECK(write(fd, text, chunk_len) == (ssize_t)chunk_len);
    free(text);
    CHECK(ftruncate(fd, (off_t)3 << 29) == 0); /* 1.5 GiB */
    close(fd);
    long rss_before = peak_rss_kib();
    struct tep_error err;
    struct tep_frame *f = NULL;
    CHECK_EQ_INT(read_whole(path, NULL, &f, &err), -1);
    long rss_after = peak_rss_kib();
    CHECK_EQ_INT(err.code, TEP_ERR_PARSE);
    CHECK_EQ_INT(err.line, 2);
    CHECK_EQ_INT(err.column, (16 << 20) + 1);
    CHECK_MSG(strstr(err.message, "line is longer than max_line_bytes (16777216 bytes): expected "
                                  "a line end within 16777216 bytes") != NULL,
              "%s", err.message);
    /* about 16-32 MiB in a release build; sanitizer builds keep freed buffers in quarantine */
    CHECK_MSG(rss_after - rss_before < 200 * 1024, "peak RSS grew by %ld KiB",
              rss_after - rss_before);
    unlink(path);

    /* real text just over a smaller limit, CSV and NDJSON, and an unclosed quote */
    struct tep_reader_options opt = {.max_line_bytes = 100000};
    char *line = malloc(200100);
    size_t n = 0;
    n += (size_t)sprintf(line, "sample,xmeas_1\n1,");
    while (n < 100020)
        n += (size_t)sprintf(line + n, "1.25,");
    line[n++] = '\n';
    const char *csv = tmp_file("long_line.csv");
    write_file(csv, line, n);
    CHECK_EQ_INT(read_whole(csv, &opt, &f, &err), -1);
    CHECK(err.line == 2 && err.column == 100001);
    CHECK(strstr(err.message, "expected a line end within 100000 bytes") != NULL);
    n = (size_t)sprintf(line, "sample,run_id,xmeas_1\n1,\"open quote,");
    while (n < 150000)
        n += (size_t)sprintf(line + n, "more text\n");
    write_file(csv, line, n);
    CHECK_EQ_INT(read_whole(csv, &opt, &f, &err), -1);
    CHECK_EQ_INT(err.line, 2);
    CHECK_MSG(strstr(err.message, "(the quote opened on line 2, column 2, is still open)") != NULL,
              "%s", err.message);
    n = (size_t)sprintf(line, "{\"xmeas_1\": 1}\n{\"xmeas_1\": 1");
    while (n < 100100)
        line[n++] = ' ';
    line[n++] = '}';
    line[n++] = '\n';
    const char *nd = tmp_file("long_line.ndjson");
    write_file(nd, line, n);
    CHECK_EQ_INT(read_whole(nd, &opt, &f, &err), -1);
    CHECK(err.line == 2 && err.column == 100001);
    free(line);
    unlink(csv);
    unlink(nd);
}

/* ------------------------------------------------------------ Braatz */

struct braatz_expect {
    int rows, first_sample, fault, normal_rows;
    double onset;
};

static struct braatz_expect braatz_expected(int fault, bool test)
{
    struct braatz_expect e = {.fault = fault};
    if (test) {
        e.rows = 960, e.first_sample = 1, e.normal_rows = fault ? 160 : 960;
        e.onset = fault ? 8.0 : NAN;
    } else if (fault == 0) {
        e.rows = 500, e.first_sample = 1, e.normal_rows = 500, e.onset = NAN;
    } else {
        e.rows = 480, e.first_sample = 21, e.normal_rows = 0, e.onset = 1.0;
    }
    return e;
}

static char braatz_dir[1024];

static void test_braatz_reference(void)
{
    const char *dir = braatz_dir;
    char sums_path[1200];
    snprintf(sums_path, sizeof sums_path, "%s/SHA256SUMS", dir);
    FILE *sums = fopen(sums_path, "r");
    CHECK(sums != NULL);
    if (!sums) return;
    char sha[80], name[64];
    int files = 0;
    while (fscanf(sums, "%64s %63s", sha, name) == 2) {
        char path[1400];
        snprintf(path, sizeof path, "%s/%s", dir, name);
        int fault = atoi(name + 1);
        bool test = strstr(name, "_te") != NULL;
        struct braatz_expect e = braatz_expected(fault, test);
        struct tep_error err;
        struct tep_reader_options opt = {.chunk_rows = 256};
        struct tep_reader *r = tep_reader_open(path, &opt, &err);
        CHECK_MSG(r != NULL, "%s: %s", name, err.message);
        if (!r) continue;
        struct tep_frame *f = tep_frame_new(1);
        long n, rows = 0, normal = 0, bad_keys = 0, chunks = 0;
        while ((n = tep_reader_next(r, f, &err)) > 0) {
            chunks++;
            for (long i = 0; i < n; i++, rows++) {
                long long sample = e.first_sample + rows;
                if (f->sample[i] != sample || !same_double(f->time_h[i], (double)sample * 0.05))
                    bad_keys++;
                int want_fault = test && sample <= 160 ? 0 : fault;
                if (f->fault[i] != want_fault) bad_keys++;
                normal += f->fault[i] == 0;
            }
            if (strncmp(f->run_id, name, strlen(name) - 4) != 0 ||
                strlen(f->run_id) != strlen(name) - 4)
                bad_keys++; /* run_id = the file name without .dat */
        }
        CHECK_MSG(n == 0, "%s: %s", name, err.message);
        CHECK_MSG(rows == e.rows, "%s: %ld rows", name, rows);
        CHECK_EQ_INT(normal, e.normal_rows);
        CHECK_EQ_INT(bad_keys, 0);
        CHECK_EQ_INT(chunks, (e.rows + 255) / 256);
        CHECK_EQ_INT(f->ncols, 52);
        const struct tep_lineage *lin = tep_reader_lineage(r);
        CHECK_MSG(strcmp(lin->sha256, sha) == 0, "%s: sha %s, SHA256SUMS %s", name, lin->sha256,
                  sha);
        CHECK_EQ_INT(lin->rows_read, e.rows);
        CHECK_EQ_INT(lin->fault, fault);
        CHECK(isnan(e.onset) ? isnan(lin->fault_onset_h) : lin->fault_onset_h == e.onset);
        CHECK_EQ_INT(lin->size_bytes, test ? 799680 : fault ? 399840 : 416049);
        CHECK_EQ_INT(lin->format, TEP_FORMAT_DAT);
        tep_frame_free(f);
        tep_reader_close(r);
        files++;
    }
    fclose(sums);
    CHECK_EQ_INT(files, 44);

    /* exact cells (values from the files, read with awk) */
    struct tep_error err;
    struct tep_frame *f = NULL;
    char path[1400];
    snprintf(path, sizeof path, "%s/d00.dat", dir);
    CHECK_EQ_INT(read_whole(path, NULL, &f, &err), 500);
    if (f) { /* d00.dat is 52 x 500: sample 1 is the first number of each line */
        CHECK_EQ_INT(f->ncols, 52);
        CHECK_STR(f->cols[0].name, "xmeas_1");
        CHECK_STR(f->cols[41].name, "xmv_1");
        CHECK_STR(f->cols[51].name, "xmv_11");
        CHECK(f->cols[0].data[0] == 0.24987);   /* line 1, value 1 */
        CHECK(f->cols[1].data[0] == 3642.6);    /* line 2, value 1 */
        CHECK(f->cols[40].data[0] == 43.828);   /* line 41 */
        CHECK(f->cols[41].data[0] == 63.422);   /* line 42: XMV(1) */
        CHECK(f->cols[51].data[0] == 18.351);   /* line 52: XMV(11) */
        CHECK(f->cols[0].data[1] == 0.25118);   /* line 1, value 2 */
        CHECK(f->cols[0].data[499] == 0.24916); /* line 1, value 500 */
        CHECK(f->cols[51].data[499] == 19.999);
        CHECK(f->cols[1].data[499] == 3720.6);
        double sum = 0; /* line 9 = XMEAS(9), summed in file order */
        for (int i = 0; i < 500; i++)
            sum += f->cols[8].data[i];
        CHECK(sum == 60199.720000000118);
        CHECK(f->time_h[499] == 25.0);
    }
    tep_frame_free(f);
    snprintf(path, sizeof path, "%s/d01_te.dat", dir);
    CHECK_EQ_INT(read_whole(path, NULL, &f, &err), 960);
    if (f) {
        CHECK(f->cols[0].data[0] == 0.25025 && f->cols[1].data[0] == 3657.2);
        CHECK(f->cols[8].data[0] == 120.42 && f->cols[51].data[0] == 18.049);
        CHECK(f->cols[0].data[959] == 0.78337 && f->cols[6].data[959] == 2703.6);
        CHECK(f->cols[51].data[959] == 15.28);
        CHECK_EQ_INT(f->fault[159], 0);
        CHECK_EQ_INT(f->fault[160], 1);
        CHECK(f->time_h[160] == 161 * 0.05);
    }
    tep_frame_free(f);
    snprintf(path, sizeof path, "%s/d06_te.dat", dir); /* A feed loss from sample 161 */
    CHECK_EQ_INT(read_whole(path, NULL, &f, &err), 960);
    if (f) CHECK(f->cols[0].data[159] == 0.26332 && f->cols[0].data[160] == 1.7792e-04);
    tep_frame_free(f);
    snprintf(path, sizeof path, "%s/d06.dat", dir);
    CHECK_EQ_INT(read_whole(path, NULL, &f, &err), 480);
    if (f) {
        CHECK(f->cols[0].data[0] == 4.2659e-04 && f->cols[51].data[0] == 17.984);
        CHECK(f->cols[0].data[479] == 0.0 && f->cols[51].data[479] == 57.979);
        CHECK_EQ_INT(f->sample[0], 21);
        CHECK(f->time_h[0] == 21 * 0.05 && f->time_h[479] == 25.0);
        CHECK_EQ_INT(f->fault[0], 6);
    }
    tep_frame_free(f);
    snprintf(path, sizeof path, "%s/d00_te.dat", dir);
    CHECK_EQ_INT(read_whole(path, NULL, &f, &err), 960);
    if (f) {
        double sum = 0;
        for (int i = 0; i < 960; i++)
            sum += f->cols[8].data[i];
        CHECK(sum == 115584.16999999984);
    }
    tep_frame_free(f);
    snprintf(path, sizeof path, "%s/d21_te.dat", dir);
    CHECK_EQ_INT(read_whole(path, NULL, &f, &err), 960);
    if (f) {
        double sum = 0;
        for (int i = 0; i < 960; i++)
            sum += f->cols[51].data[i];
        CHECK(sum == 17176.120000000006);
    }
    tep_frame_free(f);
}

/* Synthetic Braatz-shaped files: lines x per_line values "%.7e"; `mutate` edits. */
static void write_dat(const char *path, int lines, int per_line, int cut_last_at)
{
    FILE *out = fopen(path, "w");
    for (int l = 0; l < lines; l++) {
        int count = l == lines - 1 && cut_last_at > 0 ? cut_last_at : per_line;
        for (int k = 0; k < count; k++)
            fprintf(out, "   %.7e", (l + 1) + (k + 1) / 1000.0);
        if (!(l == lines - 1 && cut_last_at > 0)) fputc('\n', out);
    }
    fclose(out);
}

static void check_dat_error(const char *path, long line, long column, const char *expected)
{
    struct tep_error err;
    struct tep_frame *f = NULL;
    CHECK_EQ_INT(read_whole(path, NULL, &f, &err), -1);
    tep_frame_free(f);
    CHECK_STR(err.file, path);
    CHECK_MSG(err.line == line && err.column == column, "%s at %ld:%ld, expected %ld:%ld (%s)",
              path, err.line, err.column, line, column, err.message);
    CHECK_MSG(strstr(err.message, expected) != NULL, "'%s' lacks '%s'", err.message, expected);
}

static void test_braatz_synthetic(void)
{
    struct tep_error err;
    struct tep_frame *f = NULL;
    const char *ok = tmp_file("d02_te.dat");
    write_dat(ok, 960, 52, 0);
    CHECK_EQ_INT(read_whole(ok, NULL, &f, &err), 960);
    if (f) CHECK(f->cols[6].data[4] == 5.007 && f->fault[160] == 2);
    tep_frame_free(f);
    const char *d00 = tmp_file("d00.dat"); /* the transposed layout */
    write_dat(d00, 52, 500, 0);
    CHECK_EQ_INT(read_whole(d00, NULL, &f, &err), 500);
    if (f) CHECK(f->cols[6].data[4] == 7.005 && f->cols[51].data[499] == 52.5);
    tep_frame_free(f);

    const char *short_rows = tmp_file("d01.dat");
    write_dat(short_rows, 479, 52, 0);
    check_dat_error(short_rows, 0, 0,
                    "expected a fault training file of 480 x 52 values (lines x values per line), "
                    "found 479 x 52");
    const char *not_transposed = tmp_file("d00.dat");
    write_dat(not_transposed, 500, 52, 0);
    check_dat_error(not_transposed, 0, 0, "expected d00.dat stored transposed of 52 x 500 values");
    const char *truncated = tmp_file("d04.dat");
    write_dat(truncated, 480, 52, 30);
    check_dat_error(truncated, 480, 31,
                    "line has 30 values: expected 52 like line 1 (the last line has no line end: "
                    "truncated file?)");
    const char *wide = tmp_file("d05_te.dat");
    write_dat(wide, 3, 53, 0);
    check_dat_error(wide, 1, 0,
                    "line has 53 values: expected 52 (XMEAS 1..41 and XMV 1..11) or 500");
    const char *text = tmp_file("d07.dat");
    write_file(text, "1 2 3 4 5 6 abc\n", 16);
    check_dat_error(text, 1, 7, "expected a number in column 'xmeas_7', found 'abc'");
    const char *named = tmp_file("normal.dat");
    write_file(named, "1\n", 2);
    check_dat_error(named, 0, 0,
                    "expected a Braatz file name dNN.dat or dNN_te.dat (NN = 00..21, which gives "
                    "the fault), found 'normal.dat'");
    const char *fault22 = tmp_file("d22.dat");
    write_file(fault22, "1\n", 2);
    check_dat_error(fault22, 0, 0, "found 'd22.dat'");
    const char *empty = tmp_file("d08.dat");
    write_file(empty, "", 0);
    check_dat_error(empty, 0, 0, "found 0 x 0");
    const char *too_long = tmp_file("d09_te.dat");
    write_dat(too_long, 961, 52, 0);
    check_dat_error(too_long, 961, 0, "more than 960 lines of 52 values");
}

/* ------------------------------------------------------------ API misuse */

static void test_misuse(void)
{
    struct tep_error err;
    struct tep_reader *r = tep_reader_open(data_file("bad/non_numeric.csv"), NULL, &err);
    CHECK(r != NULL);
    if (!r) return;
    struct tep_frame *wrong = tep_frame_new(4);
    tep_frame_add_column(wrong, "xmeas_9", 8, NULL);
    CHECK_EQ_INT(tep_reader_next(r, wrong, &err), -1);
    CHECK_EQ_INT(err.code, TEP_ERR_ARG);
    CHECK_MSG(strstr(err.message, "expected an empty frame or the 3 columns of this file"), "%s",
              err.message);
    tep_frame_free(wrong);
    struct tep_frame *f = tep_frame_new(4);
    CHECK_EQ_INT(tep_reader_next(r, f, &err), -1); /* the bad cell on line 3 */
    CHECK_EQ_INT(err.line, 3);
    CHECK_EQ_INT(tep_reader_next(r, f, NULL), -1); /* err may be NULL */
    tep_error_clear(&err);
    CHECK_EQ_INT(tep_reader_next(r, f, &err), -1); /* the same error again */
    CHECK_EQ_INT(err.line, 3);
    CHECK_EQ_INT(err.column, 4);
    CHECK_EQ_INT(f->nrows, 0);
    CHECK(tep_reader_lineage(r)->sha256[0] == '\0'); /* the end was never reached */
    CHECK_EQ_INT(tep_reader_next(NULL, f, &err), -1);
    CHECK_EQ_INT(tep_reader_next(r, NULL, &err), -1);
    tep_reader_close(r);
    tep_reader_close(NULL);
    CHECK(tep_reader_lineage(NULL) == NULL);
    tep_frame_free(f);

    /* a frame reused across two files with the same columns */
    f = tep_frame_new(1);
    const char *a = tmp_file("a.csv"), *b = tmp_file("b.json");
    write_file(a, "xmv_1,xmeas_2\n1,2\n", 18);
    write_file(b, "{\"xmeas_2\": 3, \"xmv_1\": 4}\n", 27);
    r = tep_reader_open(a, NULL, &err);
    CHECK_EQ_INT(tep_reader_next(r, f, &err), 1);
    tep_reader_close(r);
    r = tep_reader_open(b, NULL, &err);
    CHECK_EQ_INT(tep_reader_next(r, f, &err), 1);
    CHECK(f->cols[0].data[0] == 3 && f->cols[1].data[0] == 4);
    tep_reader_close(r);
    tep_frame_free(f);
}

int main(void)
{
    tmp_dir = tep_test_tmpdir("readers");
    const char *braatz = tep_data_path("braatz/SHA256SUMS");
    snprintf(braatz_dir, sizeof braatz_dir, "%s", braatz);
    *strrchr(braatz_dir, '/') = '\0';
    RUN(test_format_names);
    RUN(test_open_errors);
    RUN(test_bad_corpus);
    RUN(test_bad_corpus_options);
    RUN(test_rieth_layout);
    RUN(test_semicolon_bom_crlf);
    RUN(test_plain_tsv);
    RUN(test_quoted);
    RUN(test_header_only);
    RUN(test_ndjson_good);
    RUN(test_key_aliases);
    RUN(test_csv_round_trip);
    RUN(test_ndjson_round_trip);
    RUN(test_line_over_1gib);
    RUN(test_braatz_synthetic);
    RUN(test_misuse);
    RUN(test_braatz_reference);
    CHECK_DONE();
}
