/* missing.c - the missing-value step (see missing.h for the rules).
 *
 * Rows held back from the previous chunk are put in front of the new chunk
 * (the "working buffer"); each selected column is scanned once over the new
 * rows, tracking the open gap. A gap still open and still fillable pins its
 * first row: rows from the earliest pinned row on go back to the hold, the
 * rest are released. State per column: last valid value (time, run row),
 * running sum for the mean, and the open gap.
 */
#include "prep/missing.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "prep/prep_internal.h"
#include "prep/scaler.h"

struct gap_state {
    int col;               /* frame column */
    bool have_last;        /* a valid value was seen in this run */
    double last_v, last_t; /* last valid value and its time */
    uint64_t last_row;     /* its 0-based row in the run's output order */
    double sum;            /* running mean (mean without a model) */
    uint64_t nvalid;
    bool model_ok; /* mean with a model: its mean for this column */
    double model_mean;
    /* open gap */
    bool in_gap;
    bool fillable; /* there is a value to fill from */
    bool pending;  /* fillable and not yet longer than max_gap: rows held */
    size_t start;  /* working-buffer position of its first NaN (while pending) */
    uint64_t len;
    double fill_v;       /* ffill/mean value; linear: left anchor value */
    double anchor_t;     /* linear: time of the left anchor */
    uint64_t anchor_row; /* linear: run row of the left anchor */
};

struct tep_prep_missing {
    struct tep_prep_missing_options opt;
    const struct tep_prep_scaler *stats;
    struct tep_prep_scaler *owned_stats;
    struct tep_frame *schema;
    struct tep_frame *hold;
    struct gap_state *gaps;
    size_t ngaps;
    bool immediate;   /* fill while scanning: no limit, no look-ahead */
    uint64_t emitted; /* run rows released so far */
    bool *keep;
    size_t keep_alloc;
};

void tep_prep_missing_options_init(struct tep_prep_missing_options *opt)
{
    tep_prep_options_init(&tep_prep_missing_ops, opt);
}

struct tep_prep_missing *tep_prep_missing_new(const struct tep_prep_missing_options *opt,
                                              struct tep_error *err)
{
    struct tep_prep_missing *ctx = calloc(1, sizeof *ctx);
    if (!ctx) {
        tep_error_set(err, TEP_ERR_NOMEM, "out of memory creating the missing step");
        goto fail;
    }
    ctx->opt = *opt;
    if (opt->method < TEP_PREP_FILL_FFILL || opt->method > TEP_PREP_FILL_DROP) {
        tep_error_set(err, TEP_ERR_CONFIG, "missing.method %d out of range", opt->method);
        goto fail;
    }
    if (opt->max_gap < 0) {
        tep_error_set(err, TEP_ERR_CONFIG, "missing.max_gap must be >= 0 samples, got %ld",
                      opt->max_gap);
        goto fail;
    }
    if (opt->method == TEP_PREP_FILL_LINEAR && opt->max_gap == 0) {
        tep_error_set(err, TEP_ERR_CONFIG,
                      "missing.max_gap must be >= 1 for method linear (rows are held back "
                      "until the gap closes, so the gap length needs a bound)");
        goto fail;
    }
    if (opt->method == TEP_PREP_FILL_MEAN &&
        prep_model_resolve("missing", opt->stats, opt->model, &ctx->stats, &ctx->owned_stats,
                           err) != 0)
        goto fail;
    if (ctx->stats && ctx->stats->fit) {
        tep_error_set(err, TEP_ERR_ARG, "missing: the scaler given is not fitted yet");
        goto fail;
    }
    ctx->immediate = opt->max_gap == 0 && opt->method != TEP_PREP_FILL_LINEAR;
    return ctx;
fail:
    tep_prep_missing_free(ctx);
    return NULL;
}

void tep_prep_missing_free(struct tep_prep_missing *ctx)
{
    if (!ctx) return;
    tep_prep_scaler_free(ctx->owned_stats);
    tep_frame_free(ctx->schema);
    tep_frame_free(ctx->hold);
    free(ctx->gaps);
    free(ctx->keep);
    free(ctx);
}

int tep_prep_missing_begin_run(struct tep_prep_missing *ctx, const struct tep_frame *schema,
                               struct tep_error *err)
{
    int *idx = NULL;
    size_t n = 0;
    tep_frame_free(ctx->schema);
    tep_frame_free(ctx->hold);
    free(ctx->gaps);
    ctx->gaps = NULL;
    ctx->hold = NULL;
    ctx->schema = prep_schema_copy(schema, 1, err);
    if (!ctx->schema) goto fail;
    ctx->hold = prep_schema_copy(schema, 64, err);
    if (!ctx->hold) goto fail;
    if (prep_select_columns("missing", ctx->opt.columns, schema, false, &idx, &n, err) != 0)
        goto fail;
    ctx->gaps = calloc(n ? n : 1, sizeof *ctx->gaps);
    if (!ctx->gaps) {
        tep_error_set(err, TEP_ERR_NOMEM, "out of memory in the missing step");
        goto fail;
    }
    for (size_t i = 0; i < n; i++) {
        struct gap_state *g = &ctx->gaps[i];
        g->col = idx[i];
        if (ctx->stats) {
            const struct tep_prep_scaler_column *sc =
                tep_prep_scaler_find(ctx->stats, schema->cols[idx[i]].name);
            if (!sc) {
                tep_error_set(err, TEP_ERR_CONFIG,
                              "missing: run '%s', column '%s': the scaler model has no mean "
                              "for it (expected a model fitted on the same columns)",
                              schema->run_id, schema->cols[idx[i]].name);
                goto fail;
            }
            g->model_ok = isfinite(sc->mean);
            g->model_mean = sc->mean;
        }
    }
    ctx->ngaps = n;
    ctx->emitted = 0;
    free(idx);
    return 0;
fail:
    free(idx);
    return -1;
}

/* A NaN at working position i opens a gap; decide what it can be filled from. */
static void open_gap(const struct tep_prep_missing *ctx, struct gap_state *g, size_t i)
{
    g->in_gap = true;
    g->start = i;
    g->len = 1;
    g->anchor_t = g->last_t;
    g->anchor_row = g->last_row;
    switch (ctx->opt.method) {
    case TEP_PREP_FILL_MEAN:
        if (ctx->stats) {
            g->fillable = g->model_ok;
            g->fill_v = g->model_mean;
        } else {
            g->fillable = g->nvalid > 0;
            g->fill_v = g->nvalid ? g->sum / (double)g->nvalid : NAN;
        }
        break;
    default: /* ffill, linear */
        g->fillable = g->have_last;
        g->fill_v = g->last_v;
        break;
    }
    g->pending = g->fillable && !ctx->immediate;
}

/* Fill the pending gap's cells [start, end) of column data x. For linear,
 * (v1, t1, row1) is the valid value that closed the gap. */
static void fill_gap(const struct tep_prep_missing *ctx, const struct gap_state *g, double *x,
                     const double *t, size_t end, double v1, double t1, uint64_t row1)
{
    if (ctx->opt.method != TEP_PREP_FILL_LINEAR) {
        for (size_t j = g->start; j < end; j++)
            x[j] = g->fill_v;
        return;
    }
    const double v0 = g->fill_v, t0 = g->anchor_t;
    const bool by_time = isfinite(t0) && isfinite(t1) && t1 > t0;
    for (size_t j = g->start; j < end; j++) {
        double frac =
            by_time ? (t[j] - t0) / (t1 - t0)
                    : (double)(ctx->emitted + j - g->anchor_row) / (double)(row1 - g->anchor_row);
        x[j] = v0 + (v1 - v0) * frac;
    }
}

/* Close the open gap (a valid value at working position i, or end of run
 * when `at_end`) and count it. */
static void close_gap(const struct tep_prep_missing *ctx, struct gap_state *g, double *x,
                      const double *t, size_t i, bool at_end, uint64_t *cnt)
{
    bool filled;
    if (ctx->immediate) {
        filled = g->fillable; /* cells already filled and counted while scanning */
    } else if (g->pending && !(at_end && ctx->opt.method == TEP_PREP_FILL_LINEAR)) {
        fill_gap(ctx, g, x, t, g->start + g->len, at_end ? NAN : x[i], at_end ? NAN : t[i],
                 ctx->emitted + i);
        cnt[TEP_PREP_MISSING_FILLED] += g->len;
        filled = true;
    } else {
        filled = false;
    }
    if (filled) {
        cnt[TEP_PREP_GAPS_FILLED]++;
    } else {
        cnt[TEP_PREP_GAPS_LEFT]++;
        cnt[TEP_PREP_GAP_SAMPLES_LEFT] += g->len;
    }
    g->in_gap = false;
    g->pending = false;
}

/* Scan working positions [from, n) of one column. */
static void scan_column(const struct tep_prep_missing *ctx, struct gap_state *g,
                        struct tep_frame *f, size_t from, uint64_t *cnt)
{
    double *x = f->cols[g->col].data;
    const double *t = f->time_h;
    const size_t n = f->nrows;
    const uint64_t max_gap = (uint64_t)ctx->opt.max_gap;
    const bool running_mean = ctx->opt.method == TEP_PREP_FILL_MEAN && !ctx->stats;
    size_t lv = SIZE_MAX; /* last valid position in this scan */
    double sum = g->sum;
    uint64_t nvalid = g->nvalid;
    for (size_t i = from; i < n; i++) {
        double v = x[i];
        if (!isnan(v)) {
            if (g->in_gap) close_gap(ctx, g, x, t, i, false, cnt);
            lv = i;
            if (running_mean) {
                sum += v;
                nvalid++;
            }
            continue;
        }
        cnt[TEP_PREP_MISSING_IN]++;
        if (!g->in_gap) {
            if (lv != SIZE_MAX) {
                g->have_last = true;
                g->last_v = x[lv];
                g->last_t = t[lv];
                g->last_row = ctx->emitted + lv;
            }
            g->sum = sum;
            g->nvalid = nvalid;
            open_gap(ctx, g, i);
        } else {
            g->len++;
        }
        if (ctx->immediate) {
            if (g->fillable) {
                x[i] = g->fill_v;
                cnt[TEP_PREP_MISSING_FILLED]++;
            }
        } else if (g->pending && g->len > max_gap) {
            g->pending = false; /* too long: left missing, rows need not wait */
        }
    }
    if (lv != SIZE_MAX) {
        g->have_last = true;
        g->last_v = x[lv];
        g->last_t = t[lv];
        g->last_row = ctx->emitted + lv;
    }
    g->sum = sum;
    g->nvalid = nvalid;
}

static int drop_rows(struct tep_prep_missing *ctx, struct tep_frame *chunk,
                     struct tep_prep_metrics *m, struct tep_error *err)
{
    size_t n = chunk->nrows;
    if (n > ctx->keep_alloc) {
        bool *k = realloc(ctx->keep, n * sizeof *k);
        if (!k) return tep_error_set(err, TEP_ERR_NOMEM, "missing: out of memory");
        ctx->keep = k;
        ctx->keep_alloc = n;
    }
    for (size_t i = 0; i < n; i++)
        ctx->keep[i] = true;
    uint64_t scratch[TEP_PREP_N_COL_COUNTERS] = {0};
    for (size_t k = 0; k < ctx->ngaps; k++) {
        int c = ctx->gaps[k].col;
        const double *x = chunk->cols[c].data;
        uint64_t nan = 0;
        for (size_t i = 0; i < n; i++)
            if (isnan(x[i])) {
                nan++;
                ctx->keep[i] = false;
            }
        if (!nan) continue;
        uint64_t *cnt = prep_col_counters(m, chunk->cols[c].name, (size_t)c, scratch, err);
        if (!cnt) return -1;
        cnt[TEP_PREP_MISSING_IN] += nan;
    }
    size_t kept = tep_frame_filter_rows(chunk, ctx->keep);
    prep_run_count(m, TEP_PREP_ROWS_DROPPED_MISSING, n - kept);
    ctx->emitted += kept;
    return 0;
}

int tep_prep_missing_process(struct tep_prep_missing *ctx, struct tep_frame *chunk,
                             struct tep_prep_metrics *m, struct tep_error *err)
{
    if (prep_check_chunk("missing", ctx->schema, chunk, err) != 0) return -1;
    if (ctx->opt.method == TEP_PREP_FILL_DROP) return drop_rows(ctx, chunk, m, err);
    size_t held = ctx->hold->nrows;
    if (prep_hold_prepend(ctx->hold, chunk, err) != 0) return -1;
    size_t n = chunk->nrows, release = n;
    uint64_t scratch[TEP_PREP_N_COL_COUNTERS] = {0};
    for (size_t k = 0; k < ctx->ngaps; k++) {
        struct gap_state *g = &ctx->gaps[k];
        uint64_t *cnt =
            prep_col_counters(m, chunk->cols[g->col].name, (size_t)g->col, scratch, err);
        if (!cnt) return -1;
        scan_column(ctx, g, chunk, held, cnt);
        if (g->in_gap && g->pending && g->start < release) release = g->start;
    }
    if (prep_hold_take_tail(ctx->hold, chunk, release, err) != 0) return -1;
    for (size_t k = 0; k < ctx->ngaps; k++)
        if (ctx->gaps[k].in_gap && ctx->gaps[k].pending) ctx->gaps[k].start -= release;
    ctx->emitted += release;
    return 0;
}

int tep_prep_missing_end_run(struct tep_prep_missing *ctx, struct tep_frame *tail_out,
                             struct tep_prep_metrics *m, struct tep_error *err)
{
    if (!ctx->schema) return tep_error_set(err, TEP_ERR_ARG, "missing: end_run without begin_run");
    if (prep_tail_prepare("missing", tail_out, ctx->schema, err) != 0) return -1;
    struct tep_frame *hold = ctx->hold;
    uint64_t scratch[TEP_PREP_N_COL_COUNTERS] = {0};
    for (size_t k = 0; k < ctx->ngaps; k++) {
        struct gap_state *g = &ctx->gaps[k];
        if (!g->in_gap) continue;
        uint64_t *cnt = prep_col_counters(m, hold->cols[g->col].name, (size_t)g->col, scratch, err);
        if (!cnt) return -1;
        close_gap(ctx, g, hold->cols[g->col].data, hold->time_h, hold->nrows, true, cnt);
    }
    if (prep_frame_append_range(tail_out, hold, 0, hold->nrows, err) != 0) return -1;
    ctx->emitted += hold->nrows;
    hold->nrows = 0;
    return 0;
}

/* vtable glue */
static void *missing_create(const void *opt, struct tep_error *err)
{
    return tep_prep_missing_new(opt, err);
}
static int missing_begin(void *ctx, const struct tep_frame *schema, struct tep_error *err)
{
    return tep_prep_missing_begin_run(ctx, schema, err);
}
static int missing_process(void *ctx, struct tep_frame *chunk, struct tep_prep_metrics *m,
                           struct tep_error *err)
{
    return tep_prep_missing_process(ctx, chunk, m, err);
}
static int missing_end(void *ctx, struct tep_frame *tail, struct tep_prep_metrics *m,
                       struct tep_error *err)
{
    return tep_prep_missing_end_run(ctx, tail, m, err);
}
static void missing_destroy(void *ctx)
{
    tep_prep_missing_free(ctx);
}

#define MOPT(field) offsetof(struct tep_prep_missing_options, field)
static const struct tep_cfg_key missing_options[] = {
    {"method", TEP_CFG_ENUM, "ffill", MOPT(method),
     "fill from the last value, interpolate in time, fill with the mean, or drop the row",
     "ffill|linear|mean|drop", TEP_CFG_UNBOUNDED},
    {"max_gap", TEP_CFG_INT, "10", MOPT(max_gap),
     "longest gap (consecutive missing samples) filled; longer gaps stay missing (0 = no "
     "limit)",
     NULL, PREP_COUNT_RANGE},
    {"columns", TEP_CFG_COLUMNS, "", MOPT(columns), "columns to fill (empty or all: every column)",
     NULL, TEP_CFG_UNBOUNDED},
    {"model", TEP_CFG_STRING, "", MOPT(model),
     "mean: scaler JSON whose fitted means fill gaps (default: running mean of the run)", NULL,
     TEP_CFG_UNBOUNDED},
    {NULL, 0, NULL, 0, NULL, NULL, 0, 0},
};

const struct tep_prep_step_ops tep_prep_missing_ops = {
    .name = "missing",
    .summary = "fill missing values (ffill, linear, mean) up to max_gap, or drop rows",
    .options_size = sizeof(struct tep_prep_missing_options),
    .options = missing_options,
    .create = missing_create,
    .begin_run = missing_begin,
    .schema_out = NULL,
    .process = missing_process,
    .end_run = missing_end,
    .destroy = missing_destroy,
};
