/* bench_lake.c - tep's side of bench/bench_lake.sh: the lake store's write path and
 * the Parquet read paths, timed without the rest of the pipeline.
 * Usage:
 *   bench_lake write PART.parquet OUT_ROOT zstd|snappy|none
 *       load every row group of PART (a lake part file) into frames, then time the
 *       `parquet` store storing them as one run into the folder OUT_ROOT
 *       (begin_run, one process() per frame = one row group each, end_run = publish)
 *   bench_lake read-reader FILE   time tep_reader_* (the file reader: catalogue columns,
 *                                 others ignored, 8192-row chunks)
 *   bench_lake read-frames FILE   time tep_pq_read_frame over every row group (all columns)
 * Prints key=value lines; checksums (exact and independent of row order, computed outside the
 * timed part) show that two files hold the same values.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "core/config.h"
#include "core/frame.h"
#include "core/stage.h"
#include "io/parquet.h"
#include "io/reader.h"
#include "store/store_lake.h"

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int report(const char *what, const struct tep_error *err)
{
    char buf[1600];
    fprintf(stderr, "bench_lake %s: %s\n", what, tep_error_format(err, buf, sizeof buf));
    return 1;
}

/* Order-independent exact checksum of a frame's values: the sum (mod 2^64) of every
 * value's bit pattern (NaN = missing counted as 0x7ff8...) times its column number and
 * of the keys, so files with other row-group boundaries compare equal. */
static uint64_t frame_sum(const struct tep_frame *f)
{
    uint64_t s = 0;
    for (size_t c = 0; c < f->ncols; c++)
        for (size_t i = 0; i < f->nrows; i++) {
            double v = isnan(f->cols[c].data[i]) ? NAN : f->cols[c].data[i];
            uint64_t b;
            memcpy(&b, &v, sizeof b);
            s += b * (uint64_t)(c + 1);
        }
    for (size_t i = 0; i < f->nrows; i++) {
        uint64_t b;
        memcpy(&b, &f->time_h[i], sizeof b);
        s += b ^ ((uint64_t)f->sample[i] << 20) ^ (uint64_t)(uint32_t)f->fault[i];
    }
    return s;
}

static int bench_write(const char *part, const char *root, const char *codec)
{
    struct tep_error err;
    struct tep_pq_reader *r = tep_pq_reader_open(part, &err);
    if (!r) return report("write", &err);
    size_t ngroups = tep_pq_reader_num_row_groups(r), rows = 0;
    struct tep_frame **frames = calloc(ngroups, sizeof *frames);
    for (size_t g = 0; g < ngroups; g++) {
        frames[g] = tep_frame_new(16);
        if (tep_pq_read_frame(r, g, frames[g], &err)) return report("write", &err);
        rows += frames[g]->nrows;
    }
    tep_pq_reader_close(r);

    char yaml[4096];
    snprintf(yaml, sizeof yaml, "path: '%s'\ncodec: %s\npart_max_rows: 1000000000\n", root, codec);
    struct tep_config cfg;
    struct tep_pipeline_env env = {.chunk_rows = 8192};
    struct tep_stage st = {.plugin = &tep_store_parquet_plugin, .env = &env};
    snprintf(st.name, sizeof st.name, "storage");
    st.options = calloc(1, tep_store_parquet_plugin.options_size);
    if (tep_config_load_string(&cfg, "bench.yaml", yaml, &err) ||
        tep_config_apply(&cfg, tep_config_root(&cfg), tep_store_parquet_plugin.config_keys,
                         st.options, "storage", NULL, &err) ||
        tep_store_parquet_plugin.init(&st, &err))
        return report("write", &err);
    struct tep_run_meta meta;
    memset(&meta, 0, sizeof meta);
    snprintf(meta.run_id, sizeof meta.run_id, "%s",
             frames[0]->run_id[0] ? frames[0]->run_id : "bench");
    meta.size_bytes = -1;
    meta.fault_onset_h = meta.seed = meta.hours = NAN;
    double t0 = now_seconds();
    if (tep_store_parquet_plugin.begin_run(&st, &meta, &err)) return report("write", &err);
    for (size_t g = 0; g < ngroups; g++)
        if (tep_store_parquet_plugin.process(&st, frames[g], &meta, &err) < 0)
            return report("write", &err);
    if (tep_store_parquet_plugin.end_run(&st, &meta, NULL, &err)) return report("write", &err);
    double seconds = now_seconds() - t0;
    tep_store_parquet_plugin.destroy(&st);
    free(st.options);
    tep_config_free(&cfg);
    printf("write_seconds=%.3f\nrows=%zu\nrow_groups=%zu\ncolumns=%zu\n", seconds, rows, ngroups,
           frames[0]->ncols + 4);
    for (size_t g = 0; g < ngroups; g++)
        tep_frame_free(frames[g]);
    free(frames);
    return 0;
}

static int bench_read_reader(const char *path)
{
    struct tep_error err;
    struct tep_reader_options opt = {.chunk_rows = 8192, .ignore_unknown_columns = true};
    double t0 = now_seconds(), timed = 0;
    uint64_t checksum = 0;
    struct tep_reader *r = tep_reader_open(path, &opt, &err);
    if (!r) return report("read-reader", &err);
    timed += now_seconds() - t0;
    struct tep_frame *f = tep_frame_new(16);
    long n;
    size_t rows = 0;
    for (;;) {
        t0 = now_seconds();
        n = tep_reader_next(r, f, &err);
        timed += now_seconds() - t0;
        if (n <= 0) break;
        rows += (size_t)n;
        checksum += frame_sum(f);
    }
    if (n < 0) return report("read-reader", &err);
    printf("read_seconds=%.3f\nrows=%zu\ncolumns=%zu\nchecksum=%016llx\nsha256=%s\n", timed, rows,
           f->ncols + 4, (unsigned long long)checksum, tep_reader_lineage(r)->sha256);
    tep_reader_close(r);
    tep_frame_free(f);
    return 0;
}

static int bench_read_frames(const char *path)
{
    struct tep_error err;
    double t0 = now_seconds(), timed;
    uint64_t checksum = 0;
    struct tep_pq_reader *r = tep_pq_reader_open(path, &err);
    if (!r) return report("read-frames", &err);
    timed = now_seconds() - t0;
    struct tep_frame *f = tep_frame_new(16);
    size_t rows = 0;
    for (size_t g = 0; g < tep_pq_reader_num_row_groups(r); g++) {
        t0 = now_seconds();
        if (tep_pq_read_frame(r, g, f, &err)) return report("read-frames", &err);
        timed += now_seconds() - t0;
        rows += f->nrows;
        checksum += frame_sum(f);
    }
    printf("read_seconds=%.3f\nrows=%zu\ncolumns=%zu\nchecksum=%016llx\n", timed, rows,
           f->ncols + 4, (unsigned long long)checksum);
    tep_pq_reader_close(r);
    tep_frame_free(f);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc == 5 && strcmp(argv[1], "write") == 0) return bench_write(argv[2], argv[3], argv[4]);
    if (argc == 3 && strcmp(argv[1], "read-reader") == 0) return bench_read_reader(argv[2]);
    if (argc == 3 && strcmp(argv[1], "read-frames") == 0) return bench_read_frames(argv[2]);
    fprintf(stderr, "usage: bench_lake write PART.parquet OUT_ROOT zstd|snappy|none\n"
                    "       bench_lake read-reader FILE | read-frames FILE\n");
    return 2;
}
