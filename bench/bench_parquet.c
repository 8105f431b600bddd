/* bench_parquet.c - time tep's Parquet writer and reader on TEP-like data.
 *
 * Driven by bench/bench_parquet.sh, which compares the figures with DuckDB's.
 *   bench_parquet write PATH CODEC ROWS ROW_GROUP_ROWS   (CODEC: snappy|zstd|none)
 *   bench_parquet read PATH
 * The table: run_id, sample, time_h, fault, then 213 DOUBLE columns - the 53
 * catalogue variables (noise around their base values; analysers held between
 * samples; valves as slow random walks; ~0.1% missing) and 160 derived ones
 * (rolling means and standard deviations, differences). Generation is not
 * timed; "write" covers tep_pq_write_frame + close (footer, rename), "read"
 * covers open + tep_pq_read_frame of every row group. Output: key=value lines.
 */
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "core/catalog.h"
#include "core/frame.h"
#include "io/parquet.h"

#define BENCH_DERIVED_GROUPS 3 /* roll mean, roll std, diff of each variable */
#define BENCH_EXTRA 1          /* one more column to reach 213 */
#define BENCH_ROLL 20

struct bench_rng {
    uint64_t state;
    bool have_spare;
    double spare;
};

static uint64_t rng_next(struct bench_rng *g)
{
    g->state ^= g->state >> 12;
    g->state ^= g->state << 25;
    g->state ^= g->state >> 27;
    return g->state * 0x2545F4914F6CDD1DULL;
}

static double rng_uniform(struct bench_rng *g)
{
    return ((double)(rng_next(g) >> 11) + 0.5) / 9007199254740992.0;
}

/* Standard normal deviates, two per Box-Muller draw. */
static double rng_gauss(struct bench_rng *g)
{
    if (g->have_spare) {
        g->have_spare = false;
        return g->spare;
    }
    double u = rng_uniform(g), v = rng_uniform(g);
    double radius = sqrt(-2.0 * log(u));
    g->spare = radius * sin(6.283185307179586 * v);
    g->have_spare = true;
    return radius * cos(6.283185307179586 * v);
}

/* State of the generator across chunks, so every row follows the previous. */
struct bench_gen {
    struct bench_rng rng;
    double current[TEP_N_VARS];                /* held analyser / valve value */
    double window[TEP_N_VARS][BENCH_ROLL];     /* last values, for rolling stats */
    double sum[TEP_N_VARS], sum_sq[TEP_N_VARS]; /* running sums over the window */
    double previous[TEP_N_VARS];
    size_t row;
};

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void gen_init(struct bench_gen *g)
{
    memset(g, 0, sizeof *g);
    g->rng.state = 0x9E3779B97F4A7C15ULL;
    for (int v = 0; v < TEP_N_VARS; v++) {
        g->current[v] = tep_catalog[v].base_value;
        g->previous[v] = g->current[v];
        for (int k = 0; k < BENCH_ROLL; k++) g->window[v][k] = g->current[v];
        g->sum[v] = BENCH_ROLL * g->current[v];
        g->sum_sq[v] = BENCH_ROLL * g->current[v] * g->current[v];
    }
}

static int add_columns(struct tep_frame *f, struct tep_error *err)
{
    static const char *const suffix[BENCH_DERIVED_GROUPS] = {"__roll20_mean", "__roll20_std",
                                                             "__diff1"};
    if (tep_frame_add_catalog_columns(f, err)) return -1;
    char name[TEP_COLUMN_NAME_MAX];
    for (int s = 0; s < BENCH_DERIVED_GROUPS; s++)
        for (int v = 0; v < TEP_N_VARS; v++) {
            snprintf(name, sizeof name, "%s%s", tep_catalog[v].name, suffix[s]);
            if (tep_frame_add_column(f, name, -1, err) < 0) return -1;
        }
    if (tep_frame_add_column(f, "t2_statistic", -1, err) < 0) return -1;
    return 0;
}

/* Fill `f` with the next `n` rows. */
static void gen_chunk(struct bench_gen *g, struct tep_frame *f, size_t n)
{
    tep_frame_clear(f);
    snprintf(f->run_id, sizeof f->run_id, "bench-run-%zu", g->row / 500000);
    double values[TEP_N_VARS * (1 + BENCH_DERIVED_GROUPS) + BENCH_EXTRA];
    for (size_t k = 0; k < n; k++, g->row++) {
        size_t i = g->row;
        double t2 = 0;
        for (int v = 0; v < TEP_N_VARS; v++) {
            const struct tep_var_info *info = &tep_catalog[v];
            double x;
            if (info->kind == TEP_VAR_MANIPULATED) {
                g->current[v] += 0.01 * rng_gauss(&g->rng);
                x = g->current[v];
            } else if (info->kind == TEP_VAR_SAMPLED) {
                size_t hold = info->sample_interval_h > 0.2 ? 5 : 2; /* 3-min samples */
                if (i % hold == 0)
                    g->current[v] = info->base_value + info->noise_sigma * rng_gauss(&g->rng);
                x = g->current[v];
            } else {
                x = info->base_value + info->noise_sigma * rng_gauss(&g->rng);
            }
            if (rng_next(&g->rng) % 1000 == 0) x = NAN; /* ~0.1% missing */
            values[v] = x;
            double *w = g->window[v];
            double in = isnan(x) ? w[(i + BENCH_ROLL - 1) % BENCH_ROLL] : x;
            double out = w[i % BENCH_ROLL];
            w[i % BENCH_ROLL] = in;
            g->sum[v] += in - out;
            g->sum_sq[v] += in * in - out * out;
            double mean = g->sum[v] / BENCH_ROLL;
            double var = (g->sum_sq[v] - BENCH_ROLL * mean * mean) / (BENCH_ROLL - 1);
            values[TEP_N_VARS + v] = mean;
            values[2 * TEP_N_VARS + v] = sqrt(var > 0 ? var : 0);
            values[3 * TEP_N_VARS + v] = isnan(x) ? NAN : x - g->previous[v];
            if (!isnan(x)) {
                g->previous[v] = x;
                if (info->noise_sigma > 0)
                    t2 += (x - info->base_value) * (x - info->base_value) /
                          (info->noise_sigma * info->noise_sigma);
            }
        }
        values[4 * TEP_N_VARS] = t2;
        tep_frame_push_row(f, (double)i * 0.05, (int64_t)i + 1, (int32_t)((i / 100000) % 21),
                           values, NULL);
    }
}

static int bench_write(const char *path, const char *codec_name, size_t rows, size_t rg_rows)
{
    struct tep_error err;
    struct tep_pq_writer_options opt;
    tep_pq_writer_options_default(&opt);
    if (strcmp(codec_name, "snappy") == 0) opt.codec = TEP_PQ_SNAPPY;
    else if (strcmp(codec_name, "zstd") == 0) opt.codec = TEP_PQ_ZSTD;
    else if (strcmp(codec_name, "none") == 0) opt.codec = TEP_PQ_UNCOMPRESSED;
    else {
        fprintf(stderr, "unknown codec '%s' (snappy, zstd, none)\n", codec_name);
        return 2;
    }
    struct tep_frame *f = tep_frame_new(rg_rows);
    struct bench_gen *g = malloc(sizeof *g);
    struct tep_pq_writer *w = NULL;
    if (!f || !g || add_columns(f, &err)) goto fail;
    gen_init(g);
    w = tep_pq_writer_open_frame(path, f, &opt, &err);
    if (!w) goto fail;
    double spent = 0;
    for (size_t done = 0; done < rows;) {
        size_t n = rows - done < rg_rows ? rows - done : rg_rows;
        gen_chunk(g, f, n);
        double t0 = now_seconds();
        if (tep_pq_write_frame(w, f, &err)) goto fail;
        spent += now_seconds() - t0;
        done += n;
    }
    double t0 = now_seconds();
    struct tep_pq_writer *closing = w;
    w = NULL;
    if (tep_pq_writer_close(closing, &err)) goto fail;
    spent += now_seconds() - t0;
    struct stat st;
    stat(path, &st);
    printf("write_seconds=%.3f\nbytes=%lld\ncolumns=%zu\nrows=%zu\n", spent, (long long)st.st_size,
           f->ncols + 4, rows);
    tep_frame_free(f);
    free(g);
    return 0;
fail:;
    char buf[1600];
    fprintf(stderr, "bench_parquet write: %s\n", tep_error_format(&err, buf, sizeof buf));
    tep_pq_writer_abort(w);
    tep_frame_free(f);
    free(g);
    return 1;
}

static int bench_read(const char *path)
{
    struct tep_error err;
    struct tep_frame *f = tep_frame_new(1);
    double t0 = now_seconds();
    struct tep_pq_reader *r = tep_pq_reader_open(path, &err);
    double read_time = now_seconds() - t0;
    if (!r || !f) goto fail;
    size_t rows = 0;
    double checksum = 0;
    for (size_t g = 0; g < tep_pq_reader_num_row_groups(r); g++) {
        t0 = now_seconds();
        if (tep_pq_read_frame(r, g, f, &err)) goto fail;
        read_time += now_seconds() - t0;
        rows += f->nrows;
        for (size_t c = 0; c < f->ncols; c++) /* not timed: proves the values were read */
            for (size_t i = 0; i < f->nrows; i++)
                if (!isnan(f->cols[c].data[i])) checksum += f->cols[c].data[i];
    }
    printf("read_seconds=%.3f\nrows=%zu\ncolumns=%zu\nchecksum=%.17g\n", read_time, rows,
           f->ncols + 4, checksum);
    tep_pq_reader_close(r);
    tep_frame_free(f);
    return 0;
fail:;
    char buf[1600];
    fprintf(stderr, "bench_parquet read: %s\n", tep_error_format(&err, buf, sizeof buf));
    tep_pq_reader_close(r);
    tep_frame_free(f);
    return 1;
}

int main(int argc, char **argv)
{
    if (argc == 6 && strcmp(argv[1], "write") == 0)
        return bench_write(argv[2], argv[3], strtoul(argv[4], NULL, 10),
                           strtoul(argv[5], NULL, 10));
    if (argc == 3 && strcmp(argv[1], "read") == 0) return bench_read(argv[2]);
    fprintf(stderr, "usage: %s write PATH snappy|zstd|none ROWS ROW_GROUP_ROWS | read PATH\n",
            argv[0]);
    return 2;
}
