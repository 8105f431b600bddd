/* test_lake.c - the `parquet` store (store/lake_store.c) driven directly.
 *
 * Run-id escaping, S3 bucket-name and key-prefix rules; a local lake: a run's
 * rows in one folder run_fault=<run's fault>/run=<id>/ in row order, part files
 * rolled over at part_max_rows, one row group per chunk, values and per-row fault
 * labels read back bit for bit, the runs.parquet row; nothing visible before
 * end_run; a rerun replaces the run (under another run_fault: the old folder
 * disappears); abort leaves the lake exactly as it was; a dead process's work
 * folder is removed; a lake in the old fault=<k>/ layout is refused; configuration
 * errors (bad bucket, prefix, endpoint, missing credentials, unreachable server)
 * are reported at init with the key and the expected form. The S3 protocol
 * against a server is tested by tests/cli_lake.sh, crashes at every rename of a
 * publish by tests/cli_crash_lake.sh.
 */
#include <dirent.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "core/config.h"
#include "core/frame.h"
#include "core/stage.h"
#include "io/parquet.h"
#include "store/store_lake.h"

static const char *tmp_dir;

static bool same_double(double a, double b)
{
    return (isnan(a) && isnan(b)) || memcmp(&a, &b, sizeof a) == 0;
}

static bool exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

/* Every file under `dir` (recursively), sorted, one per line, sizes included. */
static void list_tree(const char *dir, char *out, size_t n)
{
    char cmd[2048];
    snprintf(cmd, sizeof cmd, "cd '%s' && find . -type f -printf '%%p %%s\\n' | sort", dir);
    FILE *p = popen(cmd, "r");
    size_t used = p ? fread(out, 1, n - 1, p) : 0;
    out[used] = '\0';
    if (p) pclose(p);
}

/* ------------------------------------------------------------ names */

static void test_escape(void)
{
    char out[256];
    CHECK_EQ_INT(tep_lake_escape("sim_idv01_seed4651207995_48h", out, sizeof out), 28);
    CHECK_STR(out, "sim_idv01_seed4651207995_48h");
    tep_lake_escape("a.csv#2", out, sizeof out);
    CHECK_STR(out, "a.csv%232");
    tep_lake_escape("x/y=1 z%", out, sizeof out);
    CHECK_STR(out, "x%2Fy%3D1%20z%25");
    tep_lake_escape("caf\xC3\xA9", out, sizeof out);
    CHECK_STR(out, "caf%C3%A9");
    CHECK_EQ_INT(tep_lake_escape("", out, sizeof out), -1);
    char id[128];
    memset(id, '#', 66);
    id[66] = '\0';
    CHECK_EQ_INT(tep_lake_escape(id, out, sizeof out), 198);
    id[66] = '#';
    id[67] = '\0';
    CHECK_EQ_INT(tep_lake_escape(id, out, sizeof out), -1); /* 201 bytes */
    CHECK_EQ_INT(tep_lake_escape("abcdef", out, 4), -1);
}

static void test_bucket_and_prefix_rules(void)
{
    const char *good[] = {"tep-lake", "abc", "a.b-c1", "0bucket9",
                          "abcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghij123"};
    for (size_t i = 0; i < sizeof good / sizeof *good; i++)
        CHECK_MSG(tep_lake_bucket_problem(good[i]) == NULL, "%s: %s", good[i],
                  tep_lake_bucket_problem(good[i]));
    const char *bad[] = {
        "ab",       "abcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghij1234",
        "Tep-lake", "tep_lake",
        "-tep",     "tep-",
        "a..b",     "192.168.1.1",
        "xn--abc",  "abc-s3alias",
        "tep lake", ""};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        CHECK_MSG(tep_lake_bucket_problem(bad[i]) != NULL, "'%s' accepted", bad[i]);
    CHECK_STR(tep_lake_bucket_problem("Tep-lake"),
              "a bucket name has only lower-case letters, digits, '.' and '-'");
    const char *good_p[] = {"", "lake", "lake/v1", "a=b/c_d-e.f", "x!*'()"};
    for (size_t i = 0; i < sizeof good_p / sizeof *good_p; i++)
        CHECK_MSG(tep_lake_prefix_problem(good_p[i]) == NULL, "'%s': %s", good_p[i],
                  tep_lake_prefix_problem(good_p[i]));
    const char *bad_p[] = {"/x",  "a//b",        "a/./b", "a/../b", "..",
                           "a b", "caf\xC3\xA9", "a?b",   "a#b"};
    for (size_t i = 0; i < sizeof bad_p / sizeof *bad_p; i++)
        CHECK_MSG(tep_lake_prefix_problem(bad_p[i]) != NULL, "'%s' accepted", bad_p[i]);
}

/* ------------------------------------------------------------ the store */

/* mkdir -p <root>/<sub> */
static void make_dir_under(const char *root, const char *sub)
{
    char cmd[3000];
    snprintf(cmd, sizeof cmd, "mkdir -p '%s/%s'", root, sub);
    CHECK(system(cmd) == 0);
}

/* Path of part file k of a run in the lake at `root`. */
static const char *part_file(char *out, size_t n, const char *root, int run_fault, const char *esc,
                             int k)
{
    snprintf(out, n, "%s/tep_processed/run_fault=%d/run=%s/part-%04d.parquet", root, run_fault, esc,
             k);
    return out;
}

struct store {
    struct tep_config cfg;
    struct tep_stage stage;
    struct tep_pipeline_env env;
};

/* Configure and init the plugin from YAML text; returns init's result. */
static int store_open(struct store *s, const char *yaml, struct tep_error *err)
{
    memset(s, 0, sizeof *s);
    s->stage.plugin = &tep_store_parquet_plugin;
    s->stage.env = &s->env;
    snprintf(s->stage.name, sizeof s->stage.name, "storage");
    s->stage.options = calloc(1, tep_store_parquet_plugin.options_size);
    if (tep_config_load_string(&s->cfg, "test.yaml", yaml, err) != 0) return -1;
    if (tep_config_apply(&s->cfg, tep_config_root(&s->cfg), tep_store_parquet_plugin.config_keys,
                         s->stage.options, "storage", NULL, err) != 0)
        return -1;
    return tep_store_parquet_plugin.init(&s->stage, err);
}

static void store_close(struct store *s)
{
    tep_store_parquet_plugin.destroy(&s->stage);
    free(s->stage.options);
    tep_config_free(&s->cfg);
}

static void meta_for(struct tep_run_meta *m, const char *run_id, int fault)
{
    memset(m, 0, sizeof *m);
    snprintf(m->run_id, sizeof m->run_id, "%s", run_id);
    snprintf(m->source_kind, sizeof m->source_kind, "simulator");
    snprintf(m->source, sizeof m->source, "test");
    m->size_bytes = -1;
    m->fault = fault;
    m->fault_onset_h = fault ? 1.0 : NAN;
    m->seed = 42;
    m->hours = 2;
    m->started_unix = m->finished_unix = 1700000000;
}

static double cell(long row, size_t col, int version)
{
    return (row * 31 + (long)col) % 13 == 0 ? NAN : row * 1.0009765625 + col * 0.1 + version * 1e-9;
}

/* A frame of `rows` rows from file row `first`: labels from `labels` (one per row). */
static void fill(struct tep_frame *f, long first, size_t rows, const int *labels, int version)
{
    tep_frame_clear(f);
    for (size_t i = 0; i < rows; i++) {
        long row = first + (long)i;
        f->sample[i] = row + 1;
        f->time_h[i] = (row + 1) * 0.05;
        f->fault[i] = labels[i];
        for (size_t c = 0; c < f->ncols; c++)
            f->cols[c].data[i] = cell(row, c, version);
    }
    f->nrows = rows;
}

/* Read a part file; check its run_id, labels (0 before row `onset`, then `label`)
 * and values against cell(). Returns rows. */
static long check_part(const char *path, const char *run_id, long onset, int label, int version,
                       size_t want_groups, size_t ncols)
{
    struct tep_error err;
    struct tep_pq_reader *r = tep_pq_reader_open(path, &err);
    CHECK_MSG(r != NULL, "%s", err.message);
    if (!r) return -1;
    CHECK_EQ_INT(tep_pq_reader_num_row_groups(r), want_groups);
    CHECK_EQ_INT(tep_pq_reader_num_columns(r), 4 + ncols);
    CHECK_STR(tep_pq_reader_metadata_get(r, "tep.run_id"), run_id);
    long rows = 0, bad = 0;
    struct tep_frame *f = tep_frame_new(16);
    for (size_t g = 0; g < tep_pq_reader_num_row_groups(r); g++) {
        CHECK_MSG(tep_pq_read_frame(r, g, f, &err) == 0, "%s", err.message);
        CHECK_STR(f->run_id, run_id);
        for (size_t i = 0; i < f->nrows; i++) {
            long row = (long)f->sample[i] - 1;
            bad += f->fault[i] != (row < onset ? 0 : label);
            bad += !same_double(f->time_h[i], (row + 1) * 0.05);
            for (size_t c = 0; c < f->ncols; c++)
                bad += !same_double(f->cols[c].data[i], cell(row, c, version));
        }
        rows += (long)f->nrows;
    }
    CHECK_EQ_INT(bad, 0);
    tep_frame_free(f);
    tep_pq_reader_close(r);
    return rows;
}

static void test_local_lake(void)
{
    char root[1200], yaml[1400], path[2400], before[8192], after[8192];
    snprintf(root, sizeof root, "%s/lake", tmp_dir);
    /* a work folder left by a process that no longer exists */
    make_dir_under(root, "_staging/999999999-1-x/data");
    snprintf(yaml, sizeof yaml, "path: %s\ncodec: snappy\npart_max_rows: 50\n", root);
    struct store s;
    struct tep_error err;
    CHECK_MSG(store_open(&s, yaml, &err) == 0, "%s", err.message);
    snprintf(path, sizeof path, "%s/_staging/999999999-1-x", root);
    CHECK_MSG(!exists(path), "stale work folder %s kept", path);

    const struct tep_stage_plugin *pl = &tep_store_parquet_plugin;
    const char *run_id = "r/1 #x";
    const char *esc = "r%2F1%20%23x";
    struct tep_frame *f = tep_frame_new(64);
    tep_frame_add_column(f, "xmeas_1", 0, &err);
    tep_frame_add_column(f, "xmeas_9__roll5_mean", -1, &err);
    tep_frame_add_column(f, "xmv_12", 52, &err);
    int labels[40];
    struct tep_run_meta m;
    meta_for(&m, run_id, 4);
    CHECK(pl->process(&s.stage, f, &m, &err) < 0); /* outside a run */
    CHECK_MSG(pl->begin_run(&s.stage, &m, &err) == 0, "%s", err.message);
    /* labels 0 for 50 rows, then 4 for 70 rows: 120 rows in parts of 50, 50, 20 */
    for (int i = 0; i < 40; i++)
        labels[i] = 0;
    fill(f, 0, 40, labels, 1);
    CHECK_EQ_INT(pl->process(&s.stage, f, &m, &err), 40);
    for (int i = 0; i < 40; i++)
        labels[i] = i < 10 ? 0 : 4;
    fill(f, 40, 40, labels, 1);
    CHECK_EQ_INT(pl->process(&s.stage, f, &m, &err), 40);
    for (int i = 0; i < 40; i++)
        labels[i] = 4;
    fill(f, 80, 40, labels, 1);
    CHECK_EQ_INT(pl->process(&s.stage, f, &m, &err), 40);
    CHECK_EQ_INT(m.rows_stored, 120);
    snprintf(path, sizeof path, "%s/tep_processed", root);
    CHECK_MSG(!exists(path), "data visible before end_run");
    m.rows_read = 120;
    CHECK_MSG(pl->end_run(&s.stage, &m, NULL, &err) == 0, "%s", err.message);

    /* one folder under the run's fault (4); row groups: 40 + 10 | 30 + 20 | 20 */
    CHECK_EQ_INT(check_part(part_file(path, sizeof path, root, 4, esc, 0), run_id, 50, 4, 1, 2, 3),
                 50);
    CHECK_EQ_INT(check_part(part_file(path, sizeof path, root, 4, esc, 1), run_id, 50, 4, 1, 2, 3),
                 50);
    CHECK_EQ_INT(check_part(part_file(path, sizeof path, root, 4, esc, 2), run_id, 50, 4, 1, 1, 3),
                 20);
    CHECK(!exists(part_file(path, sizeof path, root, 4, esc, 3)));
    snprintf(path, sizeof path, "%s/tep_processed/run_fault=0", root);
    CHECK_MSG(!exists(path), "%s: a run is one folder, under its own fault", path);

    /* the runs-table row */
    snprintf(path, sizeof path, "%s/runs/run=%s/runs.parquet", root, esc);
    struct tep_pq_reader *r = tep_pq_reader_open(path, &err);
    CHECK_MSG(r != NULL, "%s", err.message);
    if (r) {
        CHECK_EQ_INT(tep_pq_reader_num_rows(r), 1);
        char *text[1];
        int64_t n64[1];
        int32_t n32[1];
        double d[1];
        uint8_t valid[1];
        CHECK(tep_pq_read_string(r, 0, (size_t)tep_pq_reader_find_column(r, "run_id"), text,
                                 &err) == 0);
        CHECK_STR(text[0], run_id);
        tep_pq_free_strings(text, 1);
        CHECK(tep_pq_read_string(r, 0, (size_t)tep_pq_reader_find_column(r, "status"), text,
                                 &err) == 0);
        CHECK_STR(text[0], "complete");
        tep_pq_free_strings(text, 1);
        CHECK(tep_pq_read_string(r, 0, (size_t)tep_pq_reader_find_column(r, "parts"), text, &err) ==
              0);
        char want[1024];
        snprintf(want, sizeof want,
                 "[\"tep_processed/run_fault=4/run=%s/part-0000.parquet\","
                 "\"tep_processed/run_fault=4/run=%s/part-0001.parquet\","
                 "\"tep_processed/run_fault=4/run=%s/part-0002.parquet\"]",
                 esc, esc, esc);
        CHECK_STR(text[0], want);
        tep_pq_free_strings(text, 1);
        CHECK(tep_pq_read_int64(r, 0, (size_t)tep_pq_reader_find_column(r, "rows_stored"), n64,
                                NULL, &err) == 0);
        CHECK_EQ_INT(n64[0], 120);
        CHECK(tep_pq_read_int64(r, 0, (size_t)tep_pq_reader_find_column(r, "size_bytes"), n64,
                                valid, &err) == 0);
        CHECK_EQ_INT(valid[0], 0);
        CHECK(tep_pq_read_int32(r, 0, (size_t)tep_pq_reader_find_column(r, "fault"), n32, NULL,
                                &err) == 0);
        CHECK_EQ_INT(n32[0], 4);
        CHECK(tep_pq_read_double(r, 0, (size_t)tep_pq_reader_find_column(r, "seed"), d, NULL,
                                 &err) == 0);
        CHECK(d[0] == 42);
        CHECK(tep_pq_read_string(r, 0, (size_t)tep_pq_reader_find_column(r, "started_at"), text,
                                 &err) == 0);
        CHECK_STR(text[0], "2023-11-14T22:13:20Z");
        tep_pq_free_strings(text, 1);
        tep_pq_reader_close(r);
    }

    /* abort: the lake is exactly as before, the work folder gone */
    list_tree(root, before, sizeof before);
    meta_for(&m, run_id, 4);
    CHECK(pl->begin_run(&s.stage, &m, &err) == 0);
    fill(f, 0, 40, labels, 2);
    CHECK_EQ_INT(pl->process(&s.stage, f, &m, &err), 40);
    pl->abort_run(&s.stage, &m);
    list_tree(root, after, sizeof after);
    CHECK_STR(after, before);

    /* a frame with other columns in the middle of a run is refused */
    CHECK(pl->begin_run(&s.stage, &m, &err) == 0);
    CHECK_EQ_INT(pl->process(&s.stage, f, &m, &err), 40);
    struct tep_frame *other = tep_frame_new(8);
    tep_frame_add_column(other, "xmeas_2", 1, &err);
    fill(other, 0, 4, labels, 2);
    CHECK(pl->process(&s.stage, other, &m, &err) < 0);
    CHECK_MSG(strstr(err.message, "other columns") != NULL, "%s", err.message);
    pl->abort_run(&s.stage, &m);
    tep_frame_free(other);
    list_tree(root, after, sizeof after);
    CHECK_STR(after, before);

    /* rerun with label 0 only (version 2): the run moves to run_fault=0, its
     * run_fault=4 folder is gone */
    meta_for(&m, run_id, 0);
    CHECK(pl->begin_run(&s.stage, &m, &err) == 0);
    for (int i = 0; i < 40; i++)
        labels[i] = 0;
    fill(f, 0, 30, labels, 2);
    CHECK_EQ_INT(pl->process(&s.stage, f, &m, &err), 30);
    CHECK_MSG(pl->end_run(&s.stage, &m, NULL, &err) == 0, "%s", err.message);
    CHECK_EQ_INT(check_part(part_file(path, sizeof path, root, 0, esc, 0), run_id, 30, 0, 2, 1, 3),
                 30);
    CHECK(!exists(part_file(path, sizeof path, root, 0, esc, 1)));
    snprintf(path, sizeof path, "%s/tep_processed/run_fault=4/run=%s", root, esc);
    CHECK_MSG(!exists(path), "%s kept after a rerun as fault 0", path);
    /* and again under the same run_fault (version 3): the folder is exchanged */
    CHECK(pl->begin_run(&s.stage, &m, &err) == 0);
    fill(f, 0, 20, labels, 3);
    CHECK_EQ_INT(pl->process(&s.stage, f, &m, &err), 20);
    CHECK_MSG(pl->end_run(&s.stage, &m, NULL, &err) == 0, "%s", err.message);
    CHECK_EQ_INT(check_part(part_file(path, sizeof path, root, 0, esc, 0), run_id, 20, 0, 3, 1, 3),
                 20);
    snprintf(path, sizeof path, "%s/_staging", root);
    DIR *d = opendir(path);
    int entries = 0;
    for (struct dirent *e; d && (e = readdir(d));)
        entries += e->d_name[0] != '.';
    if (d) closedir(d);
    CHECK_EQ_INT(entries, 0);

    /* a run id that cannot name a folder */
    char long_id[128];
    memset(long_id, '/', 100);
    long_id[100] = '\0';
    meta_for(&m, long_id, 0);
    CHECK(pl->begin_run(&s.stage, &m, &err) != 0);
    CHECK_MSG(strstr(err.message, "cannot name a partition folder") != NULL, "%s", err.message);
    tep_frame_free(f);
    store_close(&s);
}

/* A lake written in the old layout (a run split over fault=<label>/ folders) is
 * refused at init: mixed layouts are unreadable for Hive readers. */
static void test_old_layout_refused(void)
{
    char root[1200], yaml[1400];
    snprintf(root, sizeof root, "%s/old_lake", tmp_dir);
    make_dir_under(root, "tep_processed/fault=1/run=d01_te.dat");
    snprintf(yaml, sizeof yaml, "path: %s\n", root);
    struct store s;
    struct tep_error err;
    tep_error_clear(&err);
    CHECK(store_open(&s, yaml, &err) != 0);
    CHECK_EQ_INT(err.code, TEP_ERR_CONFIG);
    char want[1600];
    snprintf(want, sizeof want,
             "storage: %s has the old layout tep_processed/fault=<k>/run=<id>/ (found "
             "%s/tep_processed/fault=1)",
             root, root);
    CHECK_MSG(strstr(err.message, want) != NULL, "%s", err.message);
    store_close(&s);
}

static void expect_init_error(const char *yaml, int code, const char *want)
{
    struct store s;
    struct tep_error err;
    tep_error_clear(&err);
    CHECK_MSG(store_open(&s, yaml, &err) != 0, "accepted: %s", yaml);
    CHECK_EQ_INT(err.code, code);
    CHECK_MSG(strstr(err.message, want) != NULL, "'%s' lacks '%s'", err.message, want);
    store_close(&s);
}

static void test_config_errors(void)
{
    setenv("AWS_ACCESS_KEY_ID", "test", 1);
    setenv("AWS_SECRET_ACCESS_KEY", "test", 1);
    expect_init_error("path: s3://Bad_Bucket/x\nendpoint: http://127.0.0.1:1\n", TEP_ERR_CONFIG,
                      "invalid S3 bucket name 'Bad_Bucket': a bucket name has only lower-case");
    expect_init_error("path: s3://ab\nendpoint: http://127.0.0.1:1\n", TEP_ERR_CONFIG,
                      "a bucket name has 3 to 63 characters");
    expect_init_error("path: s3://tep-lake/a//b\nendpoint: http://127.0.0.1:1\n", TEP_ERR_CONFIG,
                      "invalid key prefix 'a//b'");
    expect_init_error("path: s3://tep-lake/x\nendpoint: ftp://127.0.0.1:1\n", TEP_ERR_CONFIG,
                      "expected http://host[:port]");
    expect_init_error("path: s3://tep-lake/x\nendpoint: http://127.0.0.1:1/path\n", TEP_ERR_CONFIG,
                      "(no path)");
    expect_init_error("path: s3://tep-lake/x\nendpoint: http://127.0.0.1:1\nregion: 'US EAST'\n",
                      TEP_ERR_CONFIG, "storage.region 'US EAST'");
    expect_init_error("path: a\nconnection_string: b\n", TEP_ERR_CONFIG, "disagree");
    expect_init_error("path: http://example/x\n", TEP_ERR_CONFIG, "expected a folder or s3://");
    expect_init_error("codec: lz4\n", TEP_ERR_CONFIG, "zstd|snappy|none");
    /* nothing listens on port 1: a network error naming the URL, at init */
    expect_init_error(
        "path: s3://tep-lake/x\nendpoint: http://127.0.0.1:1\n", TEP_ERR_NET,
        "request to http://127.0.0.1:1/tep-lake?list-type=2&max-keys=1&prefix=x%2Ftep_processed%"
        "2Ffault%3D failed");
    unsetenv("AWS_ACCESS_KEY_ID");
    unsetenv("AWS_SECRET_ACCESS_KEY");
    expect_init_error("path: s3://tep-lake/x\nendpoint: http://127.0.0.1:1\n", TEP_ERR_CONFIG,
                      "S3 needs credentials");
}

int main(void)
{
    tmp_dir = tep_test_tmpdir("lake");
    RUN(test_escape);
    RUN(test_bucket_and_prefix_rules);
    RUN(test_local_lake);
    RUN(test_old_layout_refused);
    RUN(test_config_errors);
    CHECK_DONE();
}
