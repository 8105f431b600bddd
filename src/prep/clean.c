/* clean.c - the clean step: time order, duplicates, physical range (clean.h).
 *
 * Each input row gets its 1-based position in the run (its "row number"),
 * which errors quote and which breaks sort ties so sorting is stable. Rows
 * pass through three stages: ordering (per chunk, or through the reorder
 * window buffer), a sweep against the previous output row (duplicates and
 * non-monotonic time), and the per-column range check. State across chunks:
 * the reorder buffer and the last output row.
 */
#include "prep/clean.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/catalog.h"
#include "prep/prep_internal.h"

struct tep_prep_clean {
    struct tep_prep_clean_options opt;
    struct tep_frame *schema; /* columns of the open run */
    struct tep_frame *held;   /* reorder window: rows not yet released, sorted */
    int64_t *held_row;        /* row number of each held row */
    size_t held_row_alloc;
    int64_t *row; /* row numbers of the chunk being processed */
    size_t row_alloc;
    bool *keep;
    size_t keep_alloc;
    uint64_t rows_seen; /* input rows of the run so far */
    bool have_arrived;
    double last_arrived_t; /* time of the previous input row (reorder count) */
    /* previous output row */
    bool have_last;
    double last_t;
    int64_t last_sample;
    int32_t last_fault;
    int64_t last_row;
    double *last_vals;
};

void tep_prep_clean_options_init(struct tep_prep_clean_options *opt)
{
    tep_prep_options_init(&tep_prep_clean_ops, opt);
}

struct tep_prep_clean *tep_prep_clean_new(const struct tep_prep_clean_options *opt,
                                          struct tep_error *err)
{
    struct tep_prep_clean *ctx = NULL;
    if (opt->reorder_window < 0 || opt->reorder_window > 10000000) {
        tep_error_set(err, TEP_ERR_CONFIG,
                      "clean.reorder_window must be in 0..10000000 rows, got %ld",
                      opt->reorder_window);
        goto fail;
    }
    if (opt->non_monotonic < TEP_PREP_TIME_REJECT || opt->non_monotonic > TEP_PREP_TIME_ALLOW ||
        opt->range_action < TEP_PREP_RANGE_ACTION_FLAG ||
        opt->range_action > TEP_PREP_RANGE_ACTION_SET_MISSING) {
        tep_error_set(err, TEP_ERR_CONFIG, "clean: non_monotonic %d / range_action %d out of range",
                      opt->non_monotonic, opt->range_action);
        goto fail;
    }
    ctx = calloc(1, sizeof *ctx);
    if (!ctx) {
        tep_error_set(err, TEP_ERR_NOMEM, "out of memory creating the clean step");
        goto fail;
    }
    ctx->opt = *opt;
    return ctx;
fail:
    free(ctx);
    return NULL;
}

void tep_prep_clean_free(struct tep_prep_clean *ctx)
{
    if (!ctx) return;
    tep_frame_free(ctx->schema);
    tep_frame_free(ctx->held);
    free(ctx->held_row);
    free(ctx->row);
    free(ctx->keep);
    free(ctx->last_vals);
    free(ctx);
}

/* Grow a scratch array to hold `n` elements of `elem` bytes. */
static int grow(void **p, size_t *alloc, size_t n, size_t elem, struct tep_error *err)
{
    if (n <= *alloc) return 0;
    size_t cap = *alloc ? *alloc : 256;
    while (cap < n)
        cap *= 2;
    void *q = realloc(*p, cap * elem);
    if (!q) return tep_error_set(err, TEP_ERR_NOMEM, "clean: out of memory for %zu rows", n);
    *p = q;
    *alloc = cap;
    return 0;
}

int tep_prep_clean_begin_run(struct tep_prep_clean *ctx, const struct tep_frame *schema,
                             struct tep_error *err)
{
    tep_frame_free(ctx->schema);
    tep_frame_free(ctx->held);
    ctx->held = NULL;
    ctx->schema = prep_schema_copy(schema, 1, err);
    if (!ctx->schema) return -1;
    ctx->held = prep_schema_copy(schema, 64, err);
    if (!ctx->held) return -1;
    free(ctx->last_vals);
    ctx->last_vals = calloc(schema->ncols ? schema->ncols : 1, sizeof(double));
    if (!ctx->last_vals) return tep_error_set(err, TEP_ERR_NOMEM, "clean: out of memory");
    ctx->rows_seen = 0;
    ctx->have_arrived = false;
    ctx->have_last = false;
    return 0;
}

struct sort_key {
    double t;
    int64_t sample;
    int64_t row;
    size_t index;
};

static int key_compare(const void *pa, const void *pb)
{
    const struct sort_key *a = pa, *b = pb;
    bool na = isnan(a->t), nb = isnan(b->t);
    if (na != nb) return na ? 1 : -1; /* missing times last */
    if (!na && a->t != b->t) return a->t < b->t ? -1 : 1;
    if (a->sample != b->sample) return a->sample < b->sample ? -1 : 1;
    return (a->row > b->row) - (a->row < b->row);
}

static bool rows_in_order(const struct tep_frame *f, size_t from)
{
    for (size_t i = from ? from : 1; i < f->nrows; i++) {
        double a = f->time_h[i - 1], b = f->time_h[i];
        if (isnan(b)) continue;
        if (isnan(a) || a > b || (a == b && f->sample[i - 1] > f->sample[i])) return false;
    }
    return true;
}

/* Sort rows of `f` (and their row numbers) by (time, sample, row number). */
static int sort_rows(struct tep_frame *f, int64_t *rownum, struct tep_error *err)
{
    int rc = -1;
    size_t n = f->nrows;
    struct sort_key *keys = malloc(n * sizeof *keys);
    double *tmp = malloc(n * sizeof *tmp);
    int64_t *tmp64 = malloc(n * sizeof *tmp64);
    int32_t *tmp32 = malloc(n * sizeof *tmp32);
    if (!keys || !tmp || !tmp64 || !tmp32) {
        tep_error_set(err, TEP_ERR_NOMEM, "clean: out of memory sorting %zu rows", n);
        goto done;
    }
    for (size_t i = 0; i < n; i++)
        keys[i] = (struct sort_key){f->time_h[i], f->sample[i], rownum[i], i};
    qsort(keys, n, sizeof *keys, key_compare);
    for (size_t i = 0; i < n; i++)
        tmp[i] = f->time_h[keys[i].index];
    memcpy(f->time_h, tmp, n * sizeof *tmp);
    for (size_t i = 0; i < n; i++)
        tmp64[i] = f->sample[keys[i].index];
    memcpy(f->sample, tmp64, n * sizeof *tmp64);
    for (size_t i = 0; i < n; i++)
        tmp32[i] = f->fault[keys[i].index];
    memcpy(f->fault, tmp32, n * sizeof *tmp32);
    for (size_t i = 0; i < n; i++)
        rownum[i] = keys[i].row;
    for (size_t c = 0; c < f->ncols; c++) {
        double *x = f->cols[c].data;
        for (size_t i = 0; i < n; i++)
            tmp[i] = x[keys[i].index];
        memcpy(x, tmp, n * sizeof *tmp);
    }
    rc = 0;
done:
    free(keys);
    free(tmp);
    free(tmp64);
    free(tmp32);
    return rc;
}

static bool same_value(double a, double b)
{
    return a == b || (isnan(a) && isnan(b));
}

/* Is row i of `f` an exact duplicate of the previous output row (row p of
 * `f` when p >= 0, else the stored last row)? Same time, fault label and
 * values (NaN equal to NaN); the sample number is not compared, since readers
 * number the rows themselves when a file has no sample column. */
static bool is_duplicate(const struct tep_prep_clean *ctx, const struct tep_frame *f, size_t i,
                         long p)
{
    double pt = p >= 0 ? f->time_h[p] : ctx->last_t;
    int32_t pf = p >= 0 ? f->fault[p] : ctx->last_fault;
    if (!same_value(f->time_h[i], pt) || f->fault[i] != pf) return false;
    for (size_t c = 0; c < f->ncols; c++) {
        double prev = p >= 0 ? f->cols[c].data[p] : ctx->last_vals[c];
        if (!same_value(f->cols[c].data[i], prev)) return false;
    }
    return true;
}

/* Sweep rows of `f` against the previous output row: drop duplicates, handle
 * non-monotonic time, then check ranges on the rows kept. */
static int sweep(struct tep_prep_clean *ctx, struct tep_frame *f, const int64_t *rownum,
                 struct tep_prep_metrics *m, struct tep_error *err)
{
    size_t n = f->nrows;
    if (grow((void **)&ctx->keep, &ctx->keep_alloc, n, sizeof(bool), err) != 0) return -1;
    bool *keep = ctx->keep;
    long prev = -1; /* previous kept row within f */
    bool have_prev = ctx->have_last;
    double pt = ctx->last_t;
    int64_t prow = ctx->last_row;
    size_t dropped = 0;
    for (size_t i = 0; i < n; i++) {
        double t = f->time_h[i];
        keep[i] = true;
        const char *problem = NULL;
        if (isnan(t)) {
            problem = "time is missing (NaN)";
        } else if (have_prev && t < pt) {
            problem = "time goes backwards";
        } else if (have_prev && t == pt) {
            if (ctx->opt.dedupe && is_duplicate(ctx, f, i, prev)) {
                keep[i] = false;
                dropped++;
                prep_run_count(m, TEP_PREP_DUPLICATES_DROPPED, 1);
                continue;
            }
            problem = ctx->opt.dedupe ? "same time as the previous row but different values"
                                      : "same time as the previous row";
        }
        if (problem) {
            if (ctx->opt.non_monotonic == TEP_PREP_TIME_REJECT)
                return tep_error_set_at(
                    err, TEP_ERR_PARSE, NULL, (long)rownum[i], 0,
                    "clean: run '%s', row %lld (sample %lld, time %.10g h): %s (previous row "
                    "%lld at %.10g h); expected strictly increasing time (clean.non_monotonic: "
                    "repair drops such rows)",
                    ctx->schema->run_id, (long long)rownum[i], (long long)f->sample[i], t, problem,
                    have_prev ? (long long)prow : 0LL, have_prev ? pt : NAN);
            prep_run_count(m, TEP_PREP_NON_MONOTONIC_TIME, 1);
            if (ctx->opt.non_monotonic == TEP_PREP_TIME_REPAIR) {
                keep[i] = false;
                dropped++;
                continue;
            }
            if (isnan(t)) continue; /* allow: keep, but it cannot anchor the order */
        }
        prev = (long)i;
        have_prev = true;
        pt = t;
        prow = rownum[i];
    }
    if (prev >= 0) {
        ctx->have_last = true;
        ctx->last_t = f->time_h[prev];
        ctx->last_sample = f->sample[prev];
        ctx->last_fault = f->fault[prev];
        ctx->last_row = rownum[prev];
        for (size_t c = 0; c < f->ncols; c++)
            ctx->last_vals[c] = f->cols[c].data[prev];
    }
    if (dropped) tep_frame_filter_rows(f, keep);

    if (!ctx->opt.range_check) return 0;
    uint64_t scratch[TEP_PREP_N_COL_COUNTERS] = {0};
    const bool set_missing = ctx->opt.range_action == TEP_PREP_RANGE_ACTION_SET_MISSING;
    for (size_t c = 0; c < f->ncols; c++) {
        int v = f->cols[c].var;
        if (v < 0 || v >= TEP_N_VARS) continue;
        const double lo = tep_catalog[v].range_lo, hi = tep_catalog[v].range_hi;
        double *x = f->cols[c].data;
        uint64_t bad = 0;
        for (size_t i = 0; i < f->nrows; i++) {
            if (x[i] < lo || x[i] > hi) {
                bad++;
                if (set_missing) x[i] = NAN;
            }
        }
        if (!bad) continue;
        uint64_t *cnt = prep_col_counters(m, f->cols[c].name, c, scratch, err);
        if (!cnt) return -1;
        cnt[TEP_PREP_RANGE_VIOLATIONS] += bad;
        if (set_missing) cnt[TEP_PREP_RANGE_SET_MISSING] += bad;
    }
    return 0;
}

/* Count rows that arrive earlier in time than their predecessor. */
static void count_reordered(struct tep_prep_clean *ctx, const struct tep_frame *f,
                            struct tep_prep_metrics *m)
{
    for (size_t i = 0; i < f->nrows; i++) {
        double t = f->time_h[i];
        if (isnan(t)) continue;
        if (ctx->have_arrived && t < ctx->last_arrived_t)
            prep_run_count(m, TEP_PREP_ROWS_REORDERED, 1);
        ctx->have_arrived = true;
        ctx->last_arrived_t = t;
    }
}

/* Rows whose time is NaN cannot be ordered: reject or drop them on arrival
 * (with `allow` they stay and the sweep counts them). */
static int screen_missing_times(struct tep_prep_clean *ctx, struct tep_frame *chunk,
                                struct tep_prep_metrics *m, struct tep_error *err)
{
    size_t n = chunk->nrows, bad = 0;
    if (ctx->opt.non_monotonic == TEP_PREP_TIME_ALLOW) return 0;
    for (size_t i = 0; i < n; i++)
        bad += isnan(chunk->time_h[i]);
    if (!bad) return 0;
    if (grow((void **)&ctx->keep, &ctx->keep_alloc, n, sizeof(bool), err) != 0) return -1;
    size_t out = 0;
    for (size_t i = 0; i < n; i++) {
        ctx->keep[i] = !isnan(chunk->time_h[i]);
        if (ctx->keep[i]) {
            ctx->row[out++] = ctx->row[i];
        } else if (ctx->opt.non_monotonic == TEP_PREP_TIME_REJECT) {
            return tep_error_set_at(err, TEP_ERR_PARSE, NULL, (long)ctx->row[i], 0,
                                    "clean: run '%s', row %lld (sample %lld): time is missing "
                                    "(NaN); expected a time in hours (clean.non_monotonic: "
                                    "repair drops such rows)",
                                    ctx->schema->run_id, (long long)ctx->row[i],
                                    (long long)chunk->sample[i]);
        }
    }
    tep_frame_filter_rows(chunk, ctx->keep);
    prep_run_count(m, TEP_PREP_NON_MONOTONIC_TIME, bad);
    return 0;
}

int tep_prep_clean_process(struct tep_prep_clean *ctx, struct tep_frame *chunk,
                           struct tep_prep_metrics *m, struct tep_error *err)
{
    if (prep_check_chunk("clean", ctx->schema, chunk, err) != 0) return -1;
    count_reordered(ctx, chunk, m);
    if (grow((void **)&ctx->row, &ctx->row_alloc, chunk->nrows, sizeof(int64_t), err) != 0)
        return -1;
    for (size_t i = 0; i < chunk->nrows; i++)
        ctx->row[i] = (int64_t)(ctx->rows_seen + i + 1);
    ctx->rows_seen += chunk->nrows;
    if (screen_missing_times(ctx, chunk, m, err) != 0) return -1;
    const size_t n = chunk->nrows;
    if (!ctx->opt.sort || ctx->opt.reorder_window == 0) {
        if (ctx->opt.sort && !rows_in_order(chunk, 0) && sort_rows(chunk, ctx->row, err) != 0)
            return -1;
        return sweep(ctx, chunk, ctx->row, m, err);
    }

    /* reorder window: add the chunk to the sorted buffer, release all but W rows */
    struct tep_frame *held = ctx->held;
    size_t before = held->nrows;
    if (grow((void **)&ctx->held_row, &ctx->held_row_alloc, before + n, sizeof(int64_t), err))
        return -1;
    if (prep_frame_append_range(held, chunk, 0, n, err) != 0) return -1;
    if (n) memcpy(ctx->held_row + before, ctx->row, n * sizeof(int64_t));
    if (!rows_in_order(held, before) && sort_rows(held, ctx->held_row, err) != 0) return -1;
    size_t w = (size_t)ctx->opt.reorder_window;
    size_t release = held->nrows > w ? held->nrows - w : 0;
    chunk->nrows = 0;
    if (prep_frame_append_range(chunk, held, 0, release, err) != 0) return -1;
    if (grow((void **)&ctx->row, &ctx->row_alloc, release, sizeof(int64_t), err) != 0) return -1;
    if (release) memcpy(ctx->row, ctx->held_row, release * sizeof(int64_t));
    prep_frame_drop_head(held, release);
    if (release && held->nrows)
        memmove(ctx->held_row, ctx->held_row + release, held->nrows * sizeof(int64_t));
    return sweep(ctx, chunk, ctx->row, m, err);
}

int tep_prep_clean_end_run(struct tep_prep_clean *ctx, struct tep_frame *tail_out,
                           struct tep_prep_metrics *m, struct tep_error *err)
{
    if (!ctx->schema) return tep_error_set(err, TEP_ERR_ARG, "clean: end_run without begin_run");
    if (prep_tail_prepare("clean", tail_out, ctx->schema, err) != 0) return -1;
    struct tep_frame *held = ctx->held;
    if (held->nrows == 0) return 0;
    if (prep_frame_append_range(tail_out, held, 0, held->nrows, err) != 0) return -1;
    size_t n = held->nrows;
    if (grow((void **)&ctx->row, &ctx->row_alloc, n, sizeof(int64_t), err) != 0) return -1;
    memcpy(ctx->row, ctx->held_row, n * sizeof(int64_t));
    held->nrows = 0;
    return sweep(ctx, tail_out, ctx->row, m, err);
}

/* vtable glue */
static void *clean_create(const void *opt, struct tep_error *err)
{
    return tep_prep_clean_new(opt, err);
}
static int clean_begin(void *ctx, const struct tep_frame *schema, struct tep_error *err)
{
    return tep_prep_clean_begin_run(ctx, schema, err);
}
static int clean_process(void *ctx, struct tep_frame *chunk, struct tep_prep_metrics *m,
                         struct tep_error *err)
{
    return tep_prep_clean_process(ctx, chunk, m, err);
}
static int clean_end(void *ctx, struct tep_frame *tail, struct tep_prep_metrics *m,
                     struct tep_error *err)
{
    return tep_prep_clean_end_run(ctx, tail, m, err);
}
static void clean_destroy(void *ctx)
{
    tep_prep_clean_free(ctx);
}

#define COPT(field) offsetof(struct tep_prep_clean_options, field)
static const struct tep_cfg_key clean_options[] = {
    {"sort", TEP_CFG_BOOL, "true", COPT(sort),
     "sort rows by (time, sample) within each chunk or the reorder window", NULL,
     TEP_CFG_UNBOUNDED},
    {"reorder_window", TEP_CFG_INT, "0", COPT(reorder_window),
     "rows held back so rows arriving up to this many rows late are put in place", NULL,
     PREP_COUNT_RANGE},
    {"dedupe", TEP_CFG_BOOL, "true", COPT(dedupe),
     "drop rows identical (time, fault and values) to the previous row", NULL, TEP_CFG_UNBOUNDED},
    {"non_monotonic", TEP_CFG_ENUM, "reject", COPT(non_monotonic),
     "time not increasing: fail naming run and row, drop and count, or keep and count",
     "reject|repair|allow", TEP_CFG_UNBOUNDED},
    {"range_check", TEP_CFG_BOOL, "true", COPT(range_check),
     "count values outside the catalogue's physical range", NULL, TEP_CFG_UNBOUNDED},
    {"range_action", TEP_CFG_ENUM, "flag", COPT(range_action),
     "what to do with out-of-range values", "flag|set_missing", TEP_CFG_UNBOUNDED},
    {NULL, 0, NULL, 0, NULL, NULL, 0, 0},
};

const struct tep_prep_step_ops tep_prep_clean_ops = {
    .name = "clean",
    .summary = "sort by time, drop duplicates, repair or reject non-monotonic time, check ranges",
    .options_size = sizeof(struct tep_prep_clean_options),
    .options = clean_options,
    .create = clean_create,
    .begin_run = clean_begin,
    .schema_out = NULL,
    .process = clean_process,
    .end_run = clean_end,
    .destroy = clean_destroy,
};
