/* features.c - the features step (see features.h for names and rules).
 *
 * Per input column the step keeps the last H values of the run (H = the
 * longest lag, difference or window; NaN before the run starts). For a chunk
 * it lays out [those H values | the chunk's values] in one scratch array, so
 * x[i-k] is a plain index for every row, then writes each feature column.
 * Rolling mean/std use sums of deviations from a shift K (the "shifted
 * data" form of the textbook one-pass variance, see T. F. Chan, G. H. Golub,
 * R. J. LeVeque, "Algorithms for computing the sample variance", Amer.
 * Statistician 37(3), 1983): S1 = sum(x-K), S2 = sum((x-K)^2) over the
 * window, updated by adding the new and removing the leaving value. Every W
 * rows (at run rows r with r % W == W-1) the sums are recomputed exactly
 * from the window, with K = the window mean, so rounding error cannot build
 * up over a run and K tracks drifting data: the variance keeps close to full
 * precision even for values like 2700 +- 0.3.
 */
#include "prep/features.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "prep/prep_internal.h"

struct roll_state {
    uint64_t n;   /* valid values in the window */
    double shift; /* K */
    double s1;    /* sum (x - K) */
    double s2;    /* sum (x - K)^2 */
};

struct feat_col {
    int col;                 /* input frame column */
    double *hist;            /* last H values of the run, oldest first */
    struct roll_state *roll; /* one per window */
    double *ewma;            /* one per alpha */
    bool *ewma_have;
};

struct tep_prep_features {
    struct tep_prep_features_options opt;
    struct tep_frame *schema;     /* input columns of the run */
    struct tep_frame *out_schema; /* input + feature columns */
    struct feat_col *cols;
    size_t ncols;
    size_t hist_len; /* H */
    long min_periods[TEP_PREP_LIST_MAX];
    size_t nstats;
    double *ext; /* scratch: H + chunk rows */
    size_t ext_alloc;
    uint64_t rows; /* run rows processed */
};

/* The named list fields must lie exactly over the config lists. */
#define SAME_PLACE(list, count, items)                                                             \
    _Static_assert(offsetof(struct tep_prep_features_options, list.n) ==                           \
                           offsetof(struct tep_prep_features_options, count) &&                    \
                       offsetof(struct tep_prep_features_options, list.v) ==                       \
                           offsetof(struct tep_prep_features_options, items),                      \
                   #items " overlays " #list)
SAME_PLACE(lag_list, nlags, lags);
SAME_PLACE(diff_list, ndiffs, diffs);
SAME_PLACE(rolling_list, nrolling, rolling);
SAME_PLACE(ewma_list, newma, ewma);

void tep_prep_features_options_init(struct tep_prep_features_options *opt)
{
    tep_prep_options_init(&tep_prep_features_ops, opt);
}

struct tep_prep_features *tep_prep_features_new(const struct tep_prep_features_options *opt,
                                                struct tep_error *err)
{
    struct tep_prep_features *ctx = calloc(1, sizeof *ctx);
    if (!ctx) {
        tep_error_set(err, TEP_ERR_NOMEM, "out of memory creating the features step");
        goto fail;
    }
    ctx->opt = *opt;
    if (opt->nlags > TEP_PREP_LIST_MAX || opt->ndiffs > TEP_PREP_LIST_MAX ||
        opt->nrolling > TEP_PREP_LIST_MAX || opt->newma > TEP_PREP_LIST_MAX) {
        tep_error_set(err, TEP_ERR_CONFIG, "features: at most %d entries per list",
                      TEP_PREP_LIST_MAX);
        goto fail;
    }
    size_t h = 0;
    for (size_t i = 0; i < opt->nlags; i++) {
        if (opt->lags[i] < 1) {
            tep_error_set(err, TEP_ERR_CONFIG, "features.lags: %ld is not >= 1", opt->lags[i]);
            goto fail;
        }
        if ((size_t)opt->lags[i] > h) h = (size_t)opt->lags[i];
    }
    for (size_t i = 0; i < opt->ndiffs; i++) {
        if (opt->diffs[i] < 1) {
            tep_error_set(err, TEP_ERR_CONFIG, "features.diff: %ld is not >= 1", opt->diffs[i]);
            goto fail;
        }
        if ((size_t)opt->diffs[i] > h) h = (size_t)opt->diffs[i];
    }
    if (opt->nrolling && !(opt->stats & (TEP_PREP_STAT_MEAN | TEP_PREP_STAT_STD))) {
        tep_error_set(err, TEP_ERR_CONFIG,
                      "features.stats: empty (expected a list of: mean, std) while "
                      "features.rolling is set");
        goto fail;
    }
    for (size_t i = 0; i < opt->nrolling; i++) {
        long w = opt->rolling[i];
        if (w < 1 || w > 1000000) {
            tep_error_set(err, TEP_ERR_CONFIG, "features.rolling: window %ld not in 1..1000000", w);
            goto fail;
        }
        if (opt->min_periods < 0 || opt->min_periods > w) {
            tep_error_set(err, TEP_ERR_CONFIG,
                          "features.min_periods %ld must be in 0..%ld (the window length)",
                          opt->min_periods, w);
            goto fail;
        }
        ctx->min_periods[i] = opt->min_periods ? opt->min_periods : w;
        if ((size_t)w > h) h = (size_t)w;
    }
    for (size_t i = 0; i < opt->newma; i++)
        if (!(opt->ewma[i] > 0 && opt->ewma[i] <= 1)) {
            tep_error_set(err, TEP_ERR_CONFIG, "features.ewma: alpha %g not in (0, 1]",
                          opt->ewma[i]);
            goto fail;
        }
    ctx->hist_len = h;
    ctx->nstats = !!(opt->stats & TEP_PREP_STAT_MEAN) + !!(opt->stats & TEP_PREP_STAT_STD);
    return ctx;
fail:
    tep_prep_features_free(ctx);
    return NULL;
}

static void free_cols(struct tep_prep_features *ctx)
{
    for (size_t i = 0; ctx->cols && i < ctx->ncols; i++) {
        free(ctx->cols[i].hist);
        free(ctx->cols[i].roll);
        free(ctx->cols[i].ewma);
        free(ctx->cols[i].ewma_have);
    }
    free(ctx->cols);
    ctx->cols = NULL;
    ctx->ncols = 0;
}

void tep_prep_features_free(struct tep_prep_features *ctx)
{
    if (!ctx) return;
    free_cols(ctx);
    tep_frame_free(ctx->schema);
    tep_frame_free(ctx->out_schema);
    free(ctx->ext);
    free(ctx);
}

/* Add the feature columns, in the documented order, to `f`. */
static int add_feature_columns(const struct tep_prep_features *ctx, struct tep_frame *f,
                               struct tep_error *err)
{
    const struct tep_prep_features_options *o = &ctx->opt;
    char name[TEP_COLUMN_NAME_MAX * 2];
#define ADD_FEATURE(...)                                                                           \
    do {                                                                                           \
        snprintf(name, sizeof name, __VA_ARGS__);                                                  \
        if (tep_frame_add_column(f, name, -1, err) < 0) return -1;                                 \
    } while (0)
    for (size_t i = 0; i < o->nlags; i++)
        for (size_t k = 0; k < ctx->ncols; k++)
            ADD_FEATURE("%s__lag%ld", ctx->schema->cols[ctx->cols[k].col].name, o->lags[i]);
    for (size_t i = 0; i < o->ndiffs; i++)
        for (size_t k = 0; k < ctx->ncols; k++)
            ADD_FEATURE("%s__diff%ld", ctx->schema->cols[ctx->cols[k].col].name, o->diffs[i]);
    for (size_t i = 0; i < o->nrolling; i++)
        for (size_t k = 0; k < ctx->ncols; k++) {
            const char *base = ctx->schema->cols[ctx->cols[k].col].name;
            if (o->stats & TEP_PREP_STAT_MEAN) ADD_FEATURE("%s__roll%ld_mean", base, o->rolling[i]);
            if (o->stats & TEP_PREP_STAT_STD) ADD_FEATURE("%s__roll%ld_std", base, o->rolling[i]);
        }
    for (size_t i = 0; i < o->newma; i++)
        for (size_t k = 0; k < ctx->ncols; k++)
            ADD_FEATURE("%s__ewma%g", ctx->schema->cols[ctx->cols[k].col].name, o->ewma[i]);
#undef ADD_FEATURE
    return 0;
}

int tep_prep_features_begin_run(struct tep_prep_features *ctx, const struct tep_frame *schema,
                                struct tep_error *err)
{
    int *idx = NULL;
    size_t n = 0;
    const struct tep_prep_features_options *o = &ctx->opt;
    free_cols(ctx);
    tep_frame_free(ctx->schema);
    tep_frame_free(ctx->out_schema);
    ctx->out_schema = NULL;
    ctx->schema = prep_schema_copy(schema, 1, err);
    if (!ctx->schema) goto fail;
    if (prep_select_columns("features", o->columns, schema, false, &idx, &n, err) != 0) goto fail;
    ctx->cols = calloc(n ? n : 1, sizeof *ctx->cols);
    if (!ctx->cols) goto nomem;
    ctx->ncols = n;
    for (size_t k = 0; k < n; k++) {
        struct feat_col *fc = &ctx->cols[k];
        fc->col = idx[k];
        fc->hist = malloc((ctx->hist_len ? ctx->hist_len : 1) * sizeof *fc->hist);
        fc->roll = calloc(o->nrolling ? o->nrolling : 1, sizeof *fc->roll);
        fc->ewma = calloc(o->newma ? o->newma : 1, sizeof *fc->ewma);
        fc->ewma_have = calloc(o->newma ? o->newma : 1, sizeof *fc->ewma_have);
        if (!fc->hist || !fc->roll || !fc->ewma || !fc->ewma_have) goto nomem;
        for (size_t j = 0; j < ctx->hist_len; j++)
            fc->hist[j] = NAN;
    }
    ctx->out_schema = prep_schema_copy(schema, 1, err);
    if (!ctx->out_schema || add_feature_columns(ctx, ctx->out_schema, err) != 0) {
        tep_error_prefix(err, "features: run '%s'", schema->run_id);
        goto fail;
    }
    ctx->rows = 0;
    free(idx);
    return 0;
nomem:
    tep_error_set(err, TEP_ERR_NOMEM, "out of memory in the features step");
fail:
    free(idx);
    return -1;
}

int tep_prep_features_schema_out(struct tep_prep_features *ctx, struct tep_frame *schema,
                                 struct tep_error *err)
{
    if (!ctx->schema)
        return tep_error_set(err, TEP_ERR_ARG, "features: schema_out before begin_run");
    return add_feature_columns(ctx, schema, err);
}

/* Exact sums of the window e[first .. last] (indices relative to e, may be
 * negative): shift K = the window mean, S1/S2 of deviations from it. */
static void rolling_recompute(struct roll_state *st, const double *e, ptrdiff_t first,
                              ptrdiff_t last)
{
    double sum = 0;
    uint64_t cnt = 0;
    for (ptrdiff_t j = first; j <= last; j++)
        if (!isnan(e[j])) {
            sum += e[j];
            cnt++;
        }
    st->n = cnt;
    st->s1 = 0;
    st->s2 = 0;
    if (!cnt) return;
    st->shift = sum / (double)cnt;
    for (ptrdiff_t j = first; j <= last; j++)
        if (!isnan(e[j])) {
            double d = e[j] - st->shift;
            st->s1 += d;
            st->s2 += d * d;
        }
}

/* One rolling statistic over window w for rows e[0..n) (e[-H..-1] = history),
 * writing mean / std (either may be NULL). `row0` is the run row of e[0].
 * The state is worked on in a local copy: the outputs are double arrays the
 * compiler would otherwise have to assume alias it. */
static void rolling(struct roll_state *state, const double *e, size_t n, uint64_t row0, size_t w,
                    uint64_t min_periods, double *mean, double *std)
{
    struct roll_state st = *state;
    const uint64_t min_std = min_periods > 2 ? min_periods : 2;
    const double inv_w = 1.0 / (double)w, inv_w1 = w > 1 ? 1.0 / (double)(w - 1) : 0;
    size_t phase = (size_t)(row0 % w); /* recompute when phase == w-1 */
    for (size_t i = 0; i < n; i++) {
        if (phase == w - 1) {
            rolling_recompute(&st, e, (ptrdiff_t)i + 1 - (ptrdiff_t)w, (ptrdiff_t)i);
            phase = 0;
        } else {
            phase++;
            const double xin = e[i], xout = e[(ptrdiff_t)i - (ptrdiff_t)w];
            if (!isnan(xin)) {
                if (st.n == 0) { /* empty window: restart the shift at this value */
                    st.shift = xin;
                    st.s1 = 0;
                    st.s2 = 0;
                }
                double d = xin - st.shift;
                st.n++;
                st.s1 += d;
                st.s2 += d * d;
            }
            if (!isnan(xout)) {
                double d = xout - st.shift;
                st.n--;
                st.s1 -= d;
                st.s2 -= d * d;
                if (st.n == 0) {
                    st.s1 = 0;
                    st.s2 = 0;
                }
            }
        }
        const uint64_t cnt = st.n;
        if (cnt == w) { /* full window (the usual case): multiply by 1/w, 1/(w-1) */
            if (mean) mean[i] = st.shift + st.s1 * inv_w;
            if (std) {
                double var = (st.s2 - st.s1 * st.s1 * inv_w) * inv_w1;
                std[i] = cnt >= min_std ? sqrt(var > 0 ? var : 0) : NAN;
            }
            continue;
        }
        if (mean) mean[i] = cnt >= min_periods && cnt ? st.shift + st.s1 / (double)cnt : NAN;
        if (std) {
            if (cnt >= min_std) {
                double var = (st.s2 - st.s1 * st.s1 / (double)cnt) / (double)(cnt - 1);
                std[i] = sqrt(var > 0 ? var : 0);
            } else {
                std[i] = NAN;
            }
        }
    }
    *state = st;
}

/* out[r] = x[r] - back[r]; `restrict` lets the compiler vectorise it. */
static void difference(double *restrict out, const double *restrict x, const double *restrict back,
                       size_t n)
{
    for (size_t r = 0; r < n; r++)
        out[r] = x[r] - back[r];
}

/* Check the chunk's columns and add the feature columns when absent. */
static int prepare_chunk(struct tep_prep_features *ctx, struct tep_frame *chunk,
                         struct tep_error *err)
{
    if (chunk->ncols == ctx->out_schema->ncols)
        return prep_check_chunk("features", ctx->out_schema, chunk, err);
    if (prep_check_chunk("features", ctx->schema, chunk, err) != 0) return -1;
    return add_feature_columns(ctx, chunk, err);
}

int tep_prep_features_process(struct tep_prep_features *ctx, struct tep_frame *chunk,
                              struct tep_prep_metrics *m, struct tep_error *err)
{
    (void)m;
    if (!ctx->schema) return tep_error_set(err, TEP_ERR_ARG, "features: process before begin_run");
    if (prepare_chunk(ctx, chunk, err) != 0) return -1;
    const struct tep_prep_features_options *o = &ctx->opt;
    const size_t n = chunk->nrows, h = ctx->hist_len, nc = ctx->ncols;
    if (n == 0) return 0;
    if (h + n > ctx->ext_alloc) {
        double *e = realloc(ctx->ext, (h + n) * sizeof *e);
        if (!e) return tep_error_set(err, TEP_ERR_NOMEM, "features: out of memory");
        ctx->ext = e;
        ctx->ext_alloc = h + n;
    }
    const size_t off_diff = ctx->schema->ncols + o->nlags * nc;
    const size_t off_roll = off_diff + o->ndiffs * nc;
    const size_t off_ewma = off_roll + o->nrolling * nc * ctx->nstats;
    struct tep_column *cols = chunk->cols;
    for (size_t k = 0; k < nc; k++) {
        struct feat_col *fc = &ctx->cols[k];
        double *e = ctx->ext + h; /* e[i] = row i of the chunk, e[-j] = j rows earlier */
        memcpy(ctx->ext, fc->hist, h * sizeof(double));
        memcpy(e, cols[fc->col].data, n * sizeof(double));
        for (size_t i = 0; i < o->nlags; i++)
            memcpy(cols[ctx->schema->ncols + i * nc + k].data, e - o->lags[i], n * sizeof(double));
        for (size_t i = 0; i < o->ndiffs; i++)
            difference(cols[off_diff + i * nc + k].data, e, e - o->diffs[i], n);
        for (size_t i = 0; i < o->nrolling; i++) {
            size_t at = off_roll + (i * nc + k) * ctx->nstats;
            double *mean = (o->stats & TEP_PREP_STAT_MEAN) ? cols[at++].data : NULL;
            double *std = (o->stats & TEP_PREP_STAT_STD) ? cols[at].data : NULL;
            rolling(&fc->roll[i], e, n, ctx->rows, (size_t)o->rolling[i],
                    (uint64_t)ctx->min_periods[i], mean, std);
        }
        for (size_t i = 0; i < o->newma; i++) {
            double *out = cols[off_ewma + i * nc + k].data;
            const double a = o->ewma[i], b = 1.0 - a;
            double s = fc->ewma[i];
            bool have = fc->ewma_have[i];
            for (size_t r = 0; r < n; r++) {
                if (!isnan(e[r])) {
                    s = have ? a * e[r] + b * s : e[r];
                    have = true;
                }
                out[r] = have ? s : NAN;
            }
            fc->ewma[i] = s;
            fc->ewma_have[i] = have;
        }
        memcpy(fc->hist, ctx->ext + n, h * sizeof(double)); /* the last H values */
    }
    ctx->rows += n;
    return 0;
}

int tep_prep_features_end_run(struct tep_prep_features *ctx, struct tep_frame *tail_out,
                              struct tep_prep_metrics *m, struct tep_error *err)
{
    (void)m;
    if (!ctx->out_schema)
        return tep_error_set(err, TEP_ERR_ARG, "features: end_run without begin_run");
    return prep_tail_prepare("features", tail_out, ctx->out_schema, err);
}

/* vtable glue */
static void *features_create(const void *opt, struct tep_error *err)
{
    return tep_prep_features_new(opt, err);
}
static int features_begin(void *ctx, const struct tep_frame *schema, struct tep_error *err)
{
    return tep_prep_features_begin_run(ctx, schema, err);
}
static int features_schema(void *ctx, struct tep_frame *schema, struct tep_error *err)
{
    return tep_prep_features_schema_out(ctx, schema, err);
}
static int features_process(void *ctx, struct tep_frame *chunk, struct tep_prep_metrics *m,
                            struct tep_error *err)
{
    return tep_prep_features_process(ctx, chunk, m, err);
}
static int features_end(void *ctx, struct tep_frame *tail, struct tep_prep_metrics *m,
                        struct tep_error *err)
{
    return tep_prep_features_end_run(ctx, tail, m, err);
}
static void features_destroy(void *ctx)
{
    tep_prep_features_free(ctx);
}

#define FOPT(field) offsetof(struct tep_prep_features_options, field)
static const struct tep_cfg_key features_options[] = {
    {"columns", TEP_CFG_COLUMNS, "", FOPT(columns),
     "columns to derive features from (empty or all: every column)", NULL, TEP_CFG_UNBOUNDED},
    {"lags", TEP_CFG_INT_LIST, "", FOPT(lag_list), "lags k: <col>__lag<k> = x[i-k]", NULL,
     PREP_LIST_ITEM_RANGE},
    {"diff", TEP_CFG_INT_LIST, "", FOPT(diff_list), "differences k: <col>__diff<k> = x[i] - x[i-k]",
     NULL, PREP_LIST_ITEM_RANGE},
    {"rolling", TEP_CFG_INT_LIST, "", FOPT(rolling_list),
     "window lengths W: <col>__roll<W>_mean / _std over x[i-W+1..i]", NULL, PREP_LIST_ITEM_RANGE},
    {"stats", TEP_CFG_FLAGS, "mean, std", FOPT(stats), "rolling statistics to output", "mean|std",
     TEP_CFG_UNBOUNDED},
    {"min_periods", TEP_CFG_INT, "0", FOPT(min_periods),
     "valid values a window needs before it gives a value (0 = the window length)", NULL,
     PREP_COUNT_RANGE},
    {"ewma", TEP_CFG_DOUBLE_LIST, "", FOPT(ewma_list),
     "EWMA alphas: <col>__ewma<alpha> = alpha x[i] + (1-alpha) s[i-1]", NULL, TEP_CFG_UNBOUNDED},
    {NULL, 0, NULL, 0, NULL, NULL, 0, 0},
};

const struct tep_prep_step_ops tep_prep_features_ops = {
    .name = "features",
    .summary = "add lag, difference, rolling mean/std and EWMA columns",
    .options_size = sizeof(struct tep_prep_features_options),
    .options = features_options,
    .create = features_create,
    .begin_run = features_begin,
    .schema_out = features_schema,
    .process = features_process,
    .end_run = features_end,
    .destroy = features_destroy,
};
