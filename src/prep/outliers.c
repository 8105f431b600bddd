/* outliers.c - the outlier step (see outliers.h for the rules).
 *
 * zscore / mad: bounds precomputed per column from the scaler model; one
 * pass per column, no state across chunks.
 * hampel: per column a ring of the last 2w+1 raw values (indexed by run row)
 * and the same values kept sorted (NaN left out), updated by binary-search
 * insert/remove as the window slides, so median and MAD cost O(w) per cell:
 * the MAD is found by merging the deviations either side of the median,
 * which are already sorted. Rows wait in the hold until w later rows exist.
 * A window whose MAD is 0 (held analyser samples, constant valves) flags
 * nothing: with no spread there is no scale to call a value extreme.
 */
#include "prep/outliers.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "prep/prep_internal.h"
#include "prep/scaler.h"

struct out_col {
    int col;       /* frame column */
    bool active;   /* zscore/mad: the model gives a usable scale */
    double center; /* zscore/mad */
    double lo, hi;
    double *ring;   /* hampel: raw values of the last 2w+1 rows, by run row % (2w+1) */
    double *sorted; /* hampel: valid values of the window, ascending */
    size_t nsorted;
};

struct tep_prep_outliers {
    struct tep_prep_outliers_options opt;
    const struct tep_prep_scaler *stats;
    struct tep_prep_scaler *owned_stats;
    struct tep_frame *schema;
    struct tep_frame *hold; /* hampel: rows waiting for their look-ahead */
    struct out_col *cols;
    size_t ncols;
    uint64_t arrived; /* hampel: run rows received */
    bool *drop;
    size_t drop_alloc;
};

void tep_prep_outliers_options_init(struct tep_prep_outliers_options *opt)
{
    tep_prep_options_init(&tep_prep_outliers_ops, opt);
}

static void free_cols(struct tep_prep_outliers *ctx)
{
    for (size_t i = 0; ctx->cols && i < ctx->ncols; i++) {
        free(ctx->cols[i].ring);
        free(ctx->cols[i].sorted);
    }
    free(ctx->cols);
    ctx->cols = NULL;
    ctx->ncols = 0;
}

void tep_prep_outliers_free(struct tep_prep_outliers *ctx)
{
    if (!ctx) return;
    free_cols(ctx);
    tep_prep_scaler_free(ctx->owned_stats);
    tep_frame_free(ctx->schema);
    tep_frame_free(ctx->hold);
    free(ctx->drop);
    free(ctx);
}

struct tep_prep_outliers *tep_prep_outliers_new(const struct tep_prep_outliers_options *opt,
                                                struct tep_error *err)
{
    struct tep_prep_outliers *ctx = calloc(1, sizeof *ctx);
    if (!ctx) {
        tep_error_set(err, TEP_ERR_NOMEM, "out of memory creating the outliers step");
        goto fail;
    }
    ctx->opt = *opt;
    if (opt->method < TEP_PREP_OUTLIER_ZSCORE || opt->method > TEP_PREP_OUTLIER_HAMPEL ||
        opt->action < TEP_PREP_OUTLIER_CLIP || opt->action > TEP_PREP_OUTLIER_MEDIAN) {
        tep_error_set(err, TEP_ERR_CONFIG, "outliers: method %d / action %d out of range",
                      opt->method, opt->action);
        goto fail;
    }
    if (!(opt->threshold > 0) || !isfinite(opt->threshold)) {
        tep_error_set(err, TEP_ERR_CONFIG, "outliers.threshold must be a positive number, got %g",
                      opt->threshold);
        goto fail;
    }
    if (opt->method == TEP_PREP_OUTLIER_HAMPEL) {
        if (opt->window < 1 || opt->window > 100000) {
            tep_error_set(err, TEP_ERR_CONFIG,
                          "outliers.window (Hampel half-width) must be in 1..100000 rows, got %ld",
                          opt->window);
            goto fail;
        }
        return ctx;
    }
    if (prep_model_resolve("outliers", opt->stats, opt->model, &ctx->stats, &ctx->owned_stats,
                           err) != 0)
        goto fail;
    if (!ctx->stats) {
        tep_error_set(err, TEP_ERR_CONFIG,
                      "outliers.method %s needs statistics fitted on normal data (expected "
                      "outliers.model = path of a scaler JSON file, or method hampel)",
                      opt->method == TEP_PREP_OUTLIER_ZSCORE ? "zscore" : "mad");
        goto fail;
    }
    if (ctx->stats->fit) {
        tep_error_set(err, TEP_ERR_ARG, "outliers: the scaler given is not fitted yet");
        goto fail;
    }
    return ctx;
fail:
    tep_prep_outliers_free(ctx);
    return NULL;
}

int tep_prep_outliers_begin_run(struct tep_prep_outliers *ctx, const struct tep_frame *schema,
                                struct tep_error *err)
{
    int *idx = NULL;
    size_t n = 0;
    const size_t span = 2 * (size_t)ctx->opt.window + 1;
    free_cols(ctx);
    tep_frame_free(ctx->schema);
    tep_frame_free(ctx->hold);
    ctx->hold = NULL;
    ctx->schema = prep_schema_copy(schema, 1, err);
    if (!ctx->schema) goto fail;
    if (prep_select_columns("outliers", ctx->opt.columns, schema, true, &idx, &n, err) != 0)
        goto fail;
    ctx->cols = calloc(n ? n : 1, sizeof *ctx->cols);
    if (!ctx->cols) goto nomem;
    ctx->ncols = n;
    const double k = ctx->opt.threshold;
    for (size_t i = 0; i < n; i++) {
        struct out_col *oc = &ctx->cols[i];
        oc->col = idx[i];
        if (ctx->opt.method == TEP_PREP_OUTLIER_HAMPEL) {
            oc->ring = malloc(span * sizeof *oc->ring);
            oc->sorted = malloc(span * sizeof *oc->sorted);
            if (!oc->ring || !oc->sorted) goto nomem;
            continue;
        }
        const char *name = schema->cols[idx[i]].name;
        const struct tep_prep_scaler_column *sc = tep_prep_scaler_find(ctx->stats, name);
        if (!sc) {
            tep_error_set(err, TEP_ERR_CONFIG,
                          "outliers: run '%s', column '%s': the scaler model has no statistics "
                          "for it (expected a model fitted on the same columns)",
                          schema->run_id, name);
            goto fail;
        }
        double s =
            ctx->opt.method == TEP_PREP_OUTLIER_ZSCORE ? sc->std : TEP_PREP_MAD_SCALE * sc->mad;
        oc->center = ctx->opt.method == TEP_PREP_OUTLIER_ZSCORE ? sc->mean : sc->median;
        oc->active = s > 0 && isfinite(s) && isfinite(oc->center);
        oc->lo = oc->center - k * s;
        oc->hi = oc->center + k * s;
    }
    if (ctx->opt.method == TEP_PREP_OUTLIER_HAMPEL) {
        ctx->hold = prep_schema_copy(schema, span, err);
        if (!ctx->hold) goto fail;
    }
    ctx->arrived = 0;
    free(idx);
    return 0;
nomem:
    tep_error_set(err, TEP_ERR_NOMEM, "out of memory in the outliers step");
fail:
    free(idx);
    return -1;
}

/* Apply the action to outlier x[i] with bounds lo/hi and centre c. */
static inline void act(int action, double *x, size_t i, double lo, double hi, double c, bool *drop,
                       uint64_t *cnt)
{
    cnt[TEP_PREP_OUTLIERS_FOUND]++;
    switch (action) {
    case TEP_PREP_OUTLIER_CLIP:
        x[i] = x[i] > hi ? hi : lo;
        cnt[TEP_PREP_OUTLIERS_CLIPPED]++;
        break;
    case TEP_PREP_OUTLIER_SET_MISSING:
        x[i] = NAN;
        cnt[TEP_PREP_OUTLIERS_SET_MISSING]++;
        break;
    case TEP_PREP_OUTLIER_MEDIAN:
        x[i] = c;
        cnt[TEP_PREP_OUTLIERS_REPLACED]++;
        break;
    default: /* drop */
        drop[i] = true;
        cnt[TEP_PREP_OUTLIERS_ROW_DROPPED]++;
        break;
    }
}

static int reserve_drop(struct tep_prep_outliers *ctx, size_t n, struct tep_error *err)
{
    if (n == 0) n = 1; /* keep the array non-NULL */
    if (n > ctx->drop_alloc) {
        size_t cap = ctx->drop_alloc ? ctx->drop_alloc : 256;
        while (cap < n)
            cap *= 2;
        bool *d = realloc(ctx->drop, cap * sizeof *d);
        if (!d) return tep_error_set(err, TEP_ERR_NOMEM, "outliers: out of memory");
        ctx->drop = d;
        ctx->drop_alloc = cap;
    }
    memset(ctx->drop, 0, n * sizeof *ctx->drop);
    return 0;
}

/* Drop rows [0, n) of f flagged in ctx->drop (rows past n are kept). */
static void drop_flagged(struct tep_prep_outliers *ctx, struct tep_frame *f, size_t n,
                         struct tep_prep_metrics *m)
{
    if (ctx->opt.action != TEP_PREP_OUTLIER_DROP) return;
    size_t dropped = 0;
    for (size_t i = 0; i < n; i++) {
        dropped += ctx->drop[i];
        ctx->drop[i] = !ctx->drop[i]; /* now: keep */
    }
    for (size_t i = n; i < f->nrows; i++)
        ctx->drop[i] = true;
    if (!dropped) return;
    tep_frame_filter_rows(f, ctx->drop);
    prep_run_count(m, TEP_PREP_ROWS_DROPPED_OUTLIER, dropped);
}

static int process_model(struct tep_prep_outliers *ctx, struct tep_frame *chunk,
                         struct tep_prep_metrics *m, struct tep_error *err)
{
    const size_t n = chunk->nrows;
    if (reserve_drop(ctx, n, err) != 0) return -1;
    uint64_t scratch[TEP_PREP_N_COL_COUNTERS] = {0};
    for (size_t k = 0; k < ctx->ncols; k++) {
        const struct out_col *oc = &ctx->cols[k];
        if (!oc->active) continue;
        double *x = chunk->cols[oc->col].data;
        const double lo = oc->lo, hi = oc->hi;
        size_t first = n;
        for (size_t i = 0; i < n; i++)
            if (x[i] < lo || x[i] > hi) {
                first = i;
                break;
            }
        if (first == n) continue; /* the usual case: nothing to count */
        uint64_t *cnt =
            prep_col_counters(m, chunk->cols[oc->col].name, (size_t)oc->col, scratch, err);
        if (!cnt) return -1;
        for (size_t i = first; i < n; i++)
            if (x[i] < lo || x[i] > hi)
                act(ctx->opt.action, x, i, lo, hi, oc->center, ctx->drop, cnt);
    }
    drop_flagged(ctx, chunk, n, m);
    return 0;
}

/* ---------------------------------------------------------------- Hampel */

/* First index in s[0..n) whose value is >= v. */
static size_t lower_bound(const double *s, size_t n, double v)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (s[mid] < v)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

static void sorted_insert(struct out_col *oc, double v)
{
    size_t p = lower_bound(oc->sorted, oc->nsorted, v);
    memmove(oc->sorted + p + 1, oc->sorted + p, (oc->nsorted - p) * sizeof(double));
    oc->sorted[p] = v;
    oc->nsorted++;
}

static void sorted_remove(struct out_col *oc, double v)
{
    size_t p = lower_bound(oc->sorted, oc->nsorted, v);
    if (p >= oc->nsorted || oc->sorted[p] != v) return; /* not there: cannot happen */
    memmove(oc->sorted + p, oc->sorted + p + 1, (oc->nsorted - p - 1) * sizeof(double));
    oc->nsorted--;
}

/* Median and MAD of the sorted values s[0..m), m >= 1. The deviations of the
 * values below the median (walking down) and above it (walking up) are two
 * ascending sequences; merging them yields the middle deviations in O(m). */
static void median_mad(const double *s, size_t m, double *med_out, double *mad_out)
{
    const double med = (m % 2) ? s[m / 2] : (s[m / 2 - 1] + s[m / 2]) / 2;
    const size_t k1 = (m - 1) / 2, k2 = m / 2;
    long left = (long)(m / 2) - 1; /* next candidate below, walking down */
    size_t right = m / 2;          /* next candidate above, walking up */
    double d1 = 0, d2 = 0;
    for (size_t step = 0; step <= k2; step++) {
        double dl = left >= 0 ? med - s[left] : INFINITY;
        double dr = right < m ? s[right] - med : INFINITY;
        double d;
        if (dl <= dr) {
            d = dl;
            left--;
        } else {
            d = dr;
            right++;
        }
        if (step == k1) d1 = d;
        if (step == k2) d2 = d;
    }
    *med_out = med;
    *mad_out = (d1 + d2) / 2;
}

/* Decide row x[p] against the current window of `oc`. */
static inline void hampel_decide(const struct tep_prep_outliers *ctx, struct out_col *oc, double *x,
                                 size_t p, bool *drop, uint64_t *cnt)
{
    if (isnan(x[p]) || oc->nsorted == 0) return;
    double med, mad;
    median_mad(oc->sorted, oc->nsorted, &med, &mad);
    /* a window where most values are equal (an analyser holding its sample,
     * a constant valve) has no spread to judge by: nothing is an outlier */
    if (mad == 0.0) return;
    const double s = TEP_PREP_MAD_SCALE * mad, k = ctx->opt.threshold;
    const double lo = med - k * s, hi = med + k * s;
    if (x[p] < lo || x[p] > hi) act(ctx->opt.action, x, p, lo, hi, med, drop, cnt);
}

static int process_hampel(struct tep_prep_outliers *ctx, struct tep_frame *chunk,
                          struct tep_prep_metrics *m, struct tep_error *err)
{
    const size_t w = (size_t)ctx->opt.window, span = 2 * w + 1;
    const size_t held = ctx->hold->nrows;
    if (prep_hold_prepend(ctx->hold, chunk, err) != 0) return -1;
    const size_t n = chunk->nrows;
    if (reserve_drop(ctx, n, err) != 0) return -1;
    uint64_t scratch[TEP_PREP_N_COL_COUNTERS] = {0};
    for (size_t k = 0; k < ctx->ncols; k++) {
        struct out_col *oc = &ctx->cols[k];
        double *x = chunk->cols[oc->col].data;
        uint64_t *cnt =
            prep_col_counters(m, chunk->cols[oc->col].name, (size_t)oc->col, scratch, err);
        if (!cnt) return -1;
        for (size_t j = held; j < n; j++) {
            uint64_t r = ctx->arrived + (j - held);
            if (r >= span) {
                double old = oc->ring[(r - span) % span];
                if (!isnan(old)) sorted_remove(oc, old);
            }
            oc->ring[r % span] = x[j];
            if (!isnan(x[j])) sorted_insert(oc, x[j]);
            if (r >= w) hampel_decide(ctx, oc, x, j - w, ctx->drop, cnt);
        }
    }
    ctx->arrived += n - held;
    size_t waiting = ctx->arrived < w ? (size_t)ctx->arrived : w;
    size_t release = n - waiting;
    if (prep_hold_take_tail(ctx->hold, chunk, release, err) != 0) return -1;
    drop_flagged(ctx, chunk, release, m);
    return 0;
}

int tep_prep_outliers_process(struct tep_prep_outliers *ctx, struct tep_frame *chunk,
                              struct tep_prep_metrics *m, struct tep_error *err)
{
    if (prep_check_chunk("outliers", ctx->schema, chunk, err) != 0) return -1;
    if (ctx->opt.method == TEP_PREP_OUTLIER_HAMPEL) return process_hampel(ctx, chunk, m, err);
    return process_model(ctx, chunk, m, err);
}

int tep_prep_outliers_end_run(struct tep_prep_outliers *ctx, struct tep_frame *tail_out,
                              struct tep_prep_metrics *m, struct tep_error *err)
{
    if (!ctx->schema) return tep_error_set(err, TEP_ERR_ARG, "outliers: end_run without begin_run");
    if (prep_tail_prepare("outliers", tail_out, ctx->schema, err) != 0) return -1;
    if (!ctx->hold || ctx->hold->nrows == 0) return 0;
    struct tep_frame *hold = ctx->hold;
    const size_t w = (size_t)ctx->opt.window, span = 2 * w + 1, u = hold->nrows;
    const uint64_t total = ctx->arrived, first_center = total - u;
    if (reserve_drop(ctx, u, err) != 0) return -1;
    uint64_t scratch[TEP_PREP_N_COL_COUNTERS] = {0};
    for (size_t k = 0; k < ctx->ncols; k++) {
        struct out_col *oc = &ctx->cols[k];
        uint64_t *cnt =
            prep_col_counters(m, hold->cols[oc->col].name, (size_t)oc->col, scratch, err);
        if (!cnt) return -1;
        uint64_t oldest = total > span ? total - span : 0;
        for (uint64_t c = first_center; c < total; c++) {
            for (; oldest + w < c; oldest++) { /* rows before c - w leave the window */
                double old = oc->ring[oldest % span];
                if (!isnan(old)) sorted_remove(oc, old);
            }
            hampel_decide(ctx, oc, hold->cols[oc->col].data, (size_t)(c - first_center), ctx->drop,
                          cnt);
        }
    }
    drop_flagged(ctx, hold, u, m);
    if (prep_frame_append_range(tail_out, hold, 0, hold->nrows, err) != 0) return -1;
    hold->nrows = 0;
    return 0;
}

/* vtable glue */
static void *outliers_create(const void *opt, struct tep_error *err)
{
    return tep_prep_outliers_new(opt, err);
}
static int outliers_begin(void *ctx, const struct tep_frame *schema, struct tep_error *err)
{
    return tep_prep_outliers_begin_run(ctx, schema, err);
}
static int outliers_process(void *ctx, struct tep_frame *chunk, struct tep_prep_metrics *m,
                            struct tep_error *err)
{
    return tep_prep_outliers_process(ctx, chunk, m, err);
}
static int outliers_end(void *ctx, struct tep_frame *tail, struct tep_prep_metrics *m,
                        struct tep_error *err)
{
    return tep_prep_outliers_end_run(ctx, tail, m, err);
}
static void outliers_destroy(void *ctx)
{
    tep_prep_outliers_free(ctx);
}

#define OOPT(field) offsetof(struct tep_prep_outliers_options, field)
static const struct tep_cfg_key outliers_options[] = {
    {"method", TEP_CFG_ENUM, "mad", OOPT(method),
     "zscore / mad use statistics fitted on normal data; hampel a rolling window",
     "zscore|mad|hampel", TEP_CFG_UNBOUNDED},
    {"threshold", TEP_CFG_DOUBLE, "6", OOPT(threshold),
     "outlier when |x - centre| exceeds threshold * scale", NULL, TEP_CFG_UNBOUNDED},
    {"action", TEP_CFG_ENUM, "clip", OOPT(action),
     "clip to the bound, set missing, drop the row, or replace by the centre",
     "clip|set_missing|drop|median", TEP_CFG_UNBOUNDED},
    {"window", TEP_CFG_INT, "5", OOPT(window), "hampel: half-width w; the window is rows i-w..i+w",
     NULL, PREP_COUNT_RANGE},
    {"columns", TEP_CFG_COLUMNS, "", OOPT(columns),
     "columns to check (empty or all: every catalogue column)", NULL, TEP_CFG_UNBOUNDED},
    {"model", TEP_CFG_STRING, "", OOPT(model), "zscore/mad: scaler JSON fitted on normal data",
     NULL, TEP_CFG_UNBOUNDED},
    {NULL, 0, NULL, 0, NULL, NULL, 0, 0},
};

const struct tep_prep_step_ops tep_prep_outliers_ops = {
    .name = "outliers",
    .summary = "flag outliers (z-score, median/MAD, Hampel) and clip, blank or drop them",
    .options_size = sizeof(struct tep_prep_outliers_options),
    .options = outliers_options,
    .create = outliers_create,
    .begin_run = outliers_begin,
    .schema_out = NULL,
    .process = outliers_process,
    .end_run = outliers_end,
    .destroy = outliers_destroy,
};
