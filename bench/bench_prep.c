/* bench_prep.c - throughput of the preprocessing steps on a large synthetic run.
 *
 * Streams ROWS rows (default 1,000,000) of all 53 TEP variables in chunks of
 * CHUNK rows (default 8192) through: clean (sort check, dedupe, ranges) ->
 * missing (ffill, max_gap 10) -> outliers (MAD from a fitted model, clip at
 * 6) -> normalize (z-score) -> features (rolling-20 mean/std + diff 1 for all
 * 53 variables: 53 -> 212 value columns). Reports seconds and rows/s per
 * step and for the whole chain, next to the pandas figure for the same work
 * (ffill, MAD clip at 6, z-score, rolling-20 mean/std, diff: ~14.5 s compute).
 * Data generation is not timed. Usage: bench_prep [ROWS] [CHUNK]
 */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/catalog.h"
#include "prep/clean.h"
#include "prep/features.h"
#include "prep/missing.h"
#include "prep/outliers.h"
#include "prep/scaler.h"

#define PANDAS_SECONDS 14.5 /* per 1,000,000 rows */

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static double cpu_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

struct generator {
    uint64_t state;
    uint64_t row; /* next sample, 0-based */
    int gap_left[TEP_N_VARS];
};

static inline uint64_t next_u64(struct generator *g)
{
    g->state ^= g->state << 13; /* xorshift64 (Marsaglia 2003) */
    g->state ^= g->state >> 7;
    g->state ^= g->state << 17;
    return g->state;
}

static inline double next_unit(struct generator *g)
{
    return (double)(next_u64(g) >> 11) * (1.0 / 9007199254740992.0);
}

/* Fill `f` (53 catalogue columns) with the next n rows: base value + noise,
 * 0.2 % of cells start a gap of 1..8 samples, 0.05 % are spikes. */
static void generate(struct generator *g, struct tep_frame *f, size_t n, bool clean_data)
{
    f->nrows = n;
    for (size_t i = 0; i < n; i++) {
        f->time_h[i] = (double)(g->row + i + 1) / 20.0;
        f->sample[i] = (int64_t)(g->row + i + 1);
        f->fault[i] = 0;
    }
    for (int v = 0; v < TEP_N_VARS; v++) {
        const struct tep_var_info *info = &tep_catalog[v];
        const double base = info->base_value;
        const double sigma = info->noise_sigma > 0 ? info->noise_sigma : 0.2;
        double *x = f->cols[v].data;
        for (size_t i = 0; i < n; i++) {
            double u = next_unit(g);
            x[i] = base + sigma * (u + next_unit(g) + next_unit(g) - 1.5) * 2;
            if (clean_data) continue;
            if (g->gap_left[v] > 0) {
                g->gap_left[v]--;
                x[i] = NAN;
            } else if (u < 0.002) {
                g->gap_left[v] = (int)(next_u64(g) % 8);
                x[i] = NAN;
            } else if (u > 0.9995) {
                x[i] = base + 50 * sigma;
            }
        }
    }
    g->row += n;
}

static struct tep_frame *input_frame(size_t chunk, const char *run)
{
    struct tep_frame *f = tep_frame_new(chunk);
    snprintf(f->run_id, sizeof f->run_id, "%s", run);
    if (!f || tep_frame_add_catalog_columns(f, NULL) != 0) {
        fprintf(stderr, "bench_prep: out of memory\n");
        exit(1);
    }
    return f;
}

static void die(const struct tep_error *err)
{
    char buf[2048];
    fprintf(stderr, "bench_prep: %s\n", tep_error_format(err, buf, sizeof buf));
    exit(1);
}

int main(int argc, char **argv)
{
    size_t rows = argc > 1 ? strtoull(argv[1], NULL, 10) : 1000000;
    size_t chunk = argc > 2 ? strtoull(argv[2], NULL, 10) : 8192;
    if (!rows || !chunk) {
        fprintf(stderr, "usage: bench_prep [ROWS] [CHUNK]\n");
        return 2;
    }
    struct tep_error err;
    tep_error_clear(&err);

    /* 1. fit the scaler on 100,000 rows of normal operation */
    struct generator g = {.state = 0x9e3779b97f4a7c15ULL};
    struct tep_prep_fit_options fo;
    tep_prep_fit_options_init(&fo);
    struct tep_prep_scaler *scaler = tep_prep_scaler_new(&fo, &err);
    struct tep_frame *f = input_frame(chunk, "normal");
    const size_t fit_rows = 100000;
    double fit_time = 0;
    for (size_t at = 0; at < fit_rows; at += chunk) {
        generate(&g, f, at + chunk < fit_rows ? chunk : fit_rows - at, true);
        double t0 = cpu_s();
        if (tep_prep_scaler_fit_chunk(scaler, f, &err) != 0) die(&err);
        fit_time += cpu_s() - t0;
    }
    double t0 = cpu_s();
    if (tep_prep_scaler_fit_finish(scaler, &err) != 0) die(&err);
    fit_time += cpu_s() - t0;
    tep_frame_free(f);

    /* 2. the steps */
    struct tep_prep_clean_options co;
    tep_prep_clean_options_init(&co);
    struct tep_prep_missing_options mo;
    tep_prep_missing_options_init(&mo);
    mo.method = TEP_PREP_FILL_FFILL;
    mo.max_gap = 10;
    struct tep_prep_outliers_options oo;
    tep_prep_outliers_options_init(&oo);
    oo.method = TEP_PREP_OUTLIER_MAD;
    oo.threshold = 6;
    oo.stats = scaler;
    struct tep_prep_normalize_options no;
    tep_prep_normalize_options_init(&no);
    no.scaler = scaler;
    struct tep_prep_features_options feo;
    tep_prep_features_options_init(&feo);
    feo.rolling[feo.nrolling++] = 20;
    feo.diffs[feo.ndiffs++] = 1;
    const struct tep_prep_step_ops *ops[] = {&tep_prep_clean_ops, &tep_prep_missing_ops,
                                             &tep_prep_outliers_ops, &tep_prep_normalize_ops,
                                             &tep_prep_features_ops};
    const void *opts[] = {&co, &mo, &oo, &no, &feo};
    enum { NSTEPS = 5 };
    struct tep_prep_chain *chain = tep_prep_chain_new(&err);
    for (int s = 0; s < NSTEPS; s++)
        if (tep_prep_chain_add(chain, ops[s], opts[s], &err) != 0) die(&err);
    struct tep_prep_metrics *m = tep_prep_metrics_new("bench", &err);

    /* 3. stream the run; the chain times each step (thread CPU time, so other
     * jobs on the machine do not inflate the figures). The chunk frame is
     * reused: after the first chunk it has the 212 output columns. */
    f = input_frame(chunk, "bench");
    struct tep_frame *schema_out = tep_frame_new(1);
    if (tep_prep_chain_begin_run(chain, f, schema_out, &err) != 0) die(&err);
    size_t out_rows = 0;
    double checksum = 0, gen_cpu = 0;
    g = (struct generator){.state = 0x2545f4914f6cdd1dULL};
    double wall0 = now_s(), cpu0 = cpu_s();
    for (size_t at = 0; at < rows; at += chunk) {
        double c0 = cpu_s();
        generate(&g, f, at + chunk < rows ? chunk : rows - at, false);
        gen_cpu += cpu_s() - c0;
        if (tep_prep_chain_process(chain, f, m, &err) != 0) die(&err);
        out_rows += f->nrows;
        if (f->nrows) checksum += f->cols[f->ncols - 1].data[f->nrows - 1];
    }
    struct tep_frame *tail = tep_frame_new(1);
    if (tep_prep_chain_end_run(chain, tail, m, &err) != 0) die(&err);
    out_rows += tail->nrows;
    double wall = now_s() - wall0, cpu = cpu_s() - cpu0 - gen_cpu;

    double total = 0;
    for (int s = 0; s < NSTEPS; s++)
        total += tep_prep_chain_step(chain, (size_t)s)->cpu_seconds;
    double pandas_part = total - tep_prep_chain_step(chain, 0)->cpu_seconds; /* no clean */
    printf("bench_prep: %zu rows x %d variables, chunks of %zu rows -> %zu rows x %zu value "
           "columns\n",
           rows, TEP_N_VARS, chunk, out_rows, schema_out->ncols);
    printf("  scaler fit (100000 normal rows): %.3f s CPU (%.2f M rows/s)\n", fit_time,
           1e-6 * (double)fit_rows / fit_time);
    for (int s = 0; s < NSTEPS; s++) {
        double t = tep_prep_chain_step(chain, (size_t)s)->cpu_seconds;
        printf("  %-10s %7.3f s  %8.2f M rows/s\n", ops[s]->name, t, 1e-6 * (double)rows / t);
    }
    printf("  whole chain:             %.3f s CPU  %.2f M rows/s  (all chain calls incl. overhead: "
           "%.3f s; wall clock %.3f s incl. data generation on a shared machine)\n",
           total, 1e-6 * (double)rows / total, cpu, wall);
    double pandas = PANDAS_SECONDS * (double)rows / 1e6; /* its figure scaled to these rows */
    printf("  pandas-equivalent steps: %.3f s  %.2f M rows/s  (pandas: ~%.1f s -> %.0fx faster)\n",
           pandas_part, 1e-6 * (double)rows / pandas_part, pandas, pandas / pandas_part);
    printf("  filled %" PRIu64 " cells, left %" PRIu64 ", clipped %" PRIu64
           " outliers (checksum %.6g)\n",
           tep_prep_metrics_col_value(m, NULL, TEP_PREP_MISSING_FILLED),
           tep_prep_metrics_col_value(m, NULL, TEP_PREP_GAP_SAMPLES_LEFT),
           tep_prep_metrics_col_value(m, NULL, TEP_PREP_OUTLIERS_CLIPPED), checksum);

    tep_frame_free(tail);
    tep_frame_free(schema_out);
    tep_frame_free(f);
    tep_prep_metrics_free(m);
    tep_prep_chain_free(chain);
    tep_prep_scaler_free(scaler);
    return 0;
}
