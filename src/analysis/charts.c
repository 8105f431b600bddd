/* charts.c - per-variable EWMA and CUSUM charts with training-data limits (see charts.h).
 *
 * One recursion (update_statistics) serves the fit, which runs the charts over the training
 * rows to place empirical limits, and the scoring paths (batch and streaming), so the limits
 * are always set on exactly the statistic that is later compared with them.
 */
#include "charts.h"

#include <gsl/gsl_cdf.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

void tep_chart_options_default(struct tep_chart_options *opt, enum tep_chart_kind kind)
{
    memset(opt, 0, sizeof *opt);
    opt->kind = kind;
    opt->limits = TEP_CHART_LIMITS_MODEL;
    opt->lambda = 0.2;
    opt->L = 3.0;
    opt->k = 0.5;
    opt->h = 5.0;
    opt->confidence = 0.99;
}

void tep_chart_model_free(struct tep_chart_model *model)
{
    if (!model) return;
    free(model->mean);
    free(model->std);
    free(model->limit);
    free(model);
}

struct tep_chart_state {
    enum tep_chart_kind kind;
    size_t nvars;
    double lambda, k;
    double *block; /* one allocation: mean, std, limit, up, down, stat (nvars each) */
    double *mean, *std, *limit;
    double *up;    /* EWMA: z; CUSUM: C+ */
    double *down;  /* CUSUM: C- */
    double *stat;  /* current statistic per variable */
};

void tep_chart_state_reset(struct tep_chart_state *s)
{
    for (size_t j = 0; j < s->nvars; j++) s->up[j] = s->down[j] = s->stat[j] = 0.0;
}

/* Advance every variable's chart by one sample (a NaN leaves that chart unchanged).
 * Returns the number of finite values in x. */
static size_t update_statistics(struct tep_chart_state *s, const double *x)
{
    size_t seen = 0;
    for (size_t j = 0; j < s->nvars; j++) {
        if (isnan(x[j])) continue;
        seen++;
        double v = (x[j] - s->mean[j]) / s->std[j];
        if (s->kind == TEP_CHART_EWMA) {
            s->up[j] = s->lambda * v + (1.0 - s->lambda) * s->up[j];
            s->stat[j] = fabs(s->up[j]);
        } else {
            s->up[j] = fmax(0.0, s->up[j] + v - s->k);
            s->down[j] = fmax(0.0, s->down[j] - v - s->k);
            s->stat[j] = fmax(s->up[j], s->down[j]);
        }
    }
    return seen;
}

/* A state with its own copy of the standardisation; limits may be NULL (fit time). */
static struct tep_chart_state *state_alloc(enum tep_chart_kind kind, size_t nvars, double lambda,
                                           double k, const double *mean, const double *std,
                                           const double *limit)
{
    struct tep_chart_state *s = calloc(1, sizeof *s);
    if (!s) return NULL;
    s->block = malloc(6 * nvars * sizeof *s->block);
    if (!s->block) {
        free(s);
        return NULL;
    }
    s->kind = kind;
    s->nvars = nvars;
    s->lambda = lambda;
    s->k = k;
    s->mean = s->block;
    s->std = s->mean + nvars;
    s->limit = s->std + nvars;
    s->up = s->limit + nvars;
    s->down = s->up + nvars;
    s->stat = s->down + nvars;
    memcpy(s->mean, mean, nvars * sizeof *mean);
    memcpy(s->std, std, nvars * sizeof *std);
    for (size_t j = 0; j < nvars; j++) s->limit[j] = limit ? limit[j] : 1.0;
    tep_chart_state_reset(s);
    return s;
}

void tep_chart_state_free(struct tep_chart_state *s)
{
    if (!s) return;
    free(s->block);
    free(s);
}

int tep_chart_state_new(const struct tep_chart_model *m, struct tep_chart_state **out,
                        struct tep_error *err)
{
    if (!m || !out || m->nvars == 0)
        return tep_error_set(err, TEP_ERR_ARG, "chart state: no model");
    *out = state_alloc(m->kind, m->nvars, m->lambda, m->k, m->mean, m->std, m->limit);
    if (!*out) return tep_error_set(err, TEP_ERR_NOMEM, "out of memory for a chart state");
    return 0;
}

double tep_chart_state_push(struct tep_chart_state *s, const double *x, size_t *worst)
{
    if (update_statistics(s, x) == 0) {
        if (worst) *worst = 0;
        return NAN;
    }
    double best = -1.0;
    size_t arg = 0;
    for (size_t j = 0; j < s->nvars; j++) {
        double r = s->stat[j] / s->limit[j];
        if (r > best) {
            best = r;
            arg = j;
        }
    }
    if (worst) *worst = arg;
    return best;
}

static int compare_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static int check_options(const struct tep_chart_options *opt, struct tep_error *err)
{
    if (opt->kind != TEP_CHART_EWMA && opt->kind != TEP_CHART_CUSUM)
        return tep_error_set(err, TEP_ERR_ARG, "chart kind %d is not EWMA or CUSUM",
                             (int)opt->kind);
    if (opt->limits != TEP_CHART_LIMITS_MODEL && opt->limits != TEP_CHART_LIMITS_QUANTILE &&
        opt->limits != TEP_CHART_LIMITS_FIXED)
        return tep_error_set(err, TEP_ERR_ARG, "chart limit rule %d is unknown",
                             (int)opt->limits);
    if (opt->kind == TEP_CHART_EWMA && !(opt->lambda > 0.0 && opt->lambda <= 1.0))
        return tep_error_set(err, TEP_ERR_ARG, "EWMA lambda %g is not in (0, 1]", opt->lambda);
    if (opt->kind == TEP_CHART_CUSUM && !(opt->k >= 0.0 && isfinite(opt->k)))
        return tep_error_set(err, TEP_ERR_ARG, "CUSUM k %g must be >= 0", opt->k);
    if (opt->limits == TEP_CHART_LIMITS_FIXED) {
        double width = opt->kind == TEP_CHART_EWMA ? opt->L : opt->h;
        if (!(width > 0.0 && isfinite(width)))
            return tep_error_set(err, TEP_ERR_ARG, "chart %s = %g must be > 0",
                                 opt->kind == TEP_CHART_EWMA ? "L" : "h", width);
    } else if (!(opt->confidence > 0.0 && opt->confidence < 1.0)) {
        return tep_error_set(err, TEP_ERR_ARG, "chart confidence %g is not in (0, 1)",
                             opt->confidence);
    }
    if (opt->limits == TEP_CHART_LIMITS_MODEL && opt->kind == TEP_CHART_CUSUM && !(opt->k > 0.0))
        return tep_error_set(err, TEP_ERR_ARG,
                             "CUSUM k must be > 0 for model-based limits (h = s2/(2k) ln(1/p))");
    return 0;
}

/* MODEL limits (see charts.h): p = (1 - confidence) / (2m) per side and chart. */
static int model_limits(const double *x, size_t nrows, struct tep_chart_model *m,
                        double confidence, struct tep_error *err)
{
    size_t nv = m->nvars;
    double p = (1.0 - confidence) / (2.0 * (double)nv);
    if (m->kind == TEP_CHART_EWMA) {
        double width = gsl_cdf_ugaussian_Qinv(p); /* upper p quantile, 3.73 for m = 52 */
        for (size_t j = 0; j < nv; j++) {
            double z = 0.0, sum_sq = 0.0;
            for (size_t i = 0; i < nrows; i++) {
                double v = (x[i * nv + j] - m->mean[j]) / m->std[j];
                z = m->lambda * v + (1.0 - m->lambda) * z;
                sum_sq += z * z;
            }
            m->limit[j] = width * sqrt(sum_sq / (double)nrows);
        }
        return 0;
    }
    /* CUSUM: long-run variance by non-overlapping batch means of b = floor(sqrt(n)) rows */
    size_t b = (size_t)floor(sqrt((double)nrows)), nb = nrows / b;
    if (nb < 2)
        return tep_error_set(err, TEP_ERR_ARG,
                             "CUSUM limits need at least 4 training rows for batch means");
    for (size_t j = 0; j < nv; j++) {
        double sum = 0.0, sum_sq = 0.0;
        for (size_t g = 0; g < nb; g++) {
            double bm = 0.0;
            for (size_t i = g * b; i < (g + 1) * b; i++)
                bm += (x[i * nv + j] - m->mean[j]) / m->std[j];
            bm /= (double)b;
            sum += bm;
            sum_sq += bm * bm;
        }
        double mean_bm = sum / (double)nb;
        double s2 = (double)b * (sum_sq - (double)nb * mean_bm * mean_bm) / (double)(nb - 1);
        if (!(s2 > 1e-3)) s2 = 1e-3; /* strongly anti-correlated (or degenerate) series */
        m->limit[j] = s2 / (2.0 * m->k) * log(1.0 / p);
    }
    return 0;
}

int tep_chart_fit(const double *x, size_t nrows, size_t nvars,
                  const struct tep_chart_options *opt, struct tep_chart_model **out,
                  struct tep_error *err)
{
    struct tep_chart_options defaults;
    struct tep_chart_model *m = NULL;
    struct tep_chart_state *s = NULL;
    double *history = NULL;
    if (!opt) {
        tep_chart_options_default(&defaults, TEP_CHART_EWMA);
        opt = &defaults;
    }
    if (!out || !x || nvars == 0 || nrows < 3)
        return tep_error_set(err, TEP_ERR_ARG,
                             "chart fit needs at least 3 rows and 1 variable (got %zu x %zu)",
                             nrows, nvars);
    *out = NULL;
    if (check_options(opt, err) != 0) return -1;
    for (size_t i = 0; i < nrows * nvars; i++)
        if (!isfinite(x[i]))
            return tep_error_set_at(err, TEP_ERR_ARG, NULL, (long)(i / nvars + 1),
                                    (long)(i % nvars + 1),
                                    "chart training value is %g; training data must be complete",
                                    x[i]);
    m = calloc(1, sizeof *m);
    if (!m) goto nomem;
    m->kind = opt->kind;
    m->nvars = nvars;
    m->lambda = opt->kind == TEP_CHART_EWMA ? opt->lambda : 0.0;
    m->k = opt->kind == TEP_CHART_CUSUM ? opt->k : 0.0;
    m->mean = calloc(nvars, sizeof *m->mean);
    m->std = calloc(nvars, sizeof *m->std);
    m->limit = calloc(nvars, sizeof *m->limit);
    if (!m->mean || !m->std || !m->limit) goto nomem;
    for (size_t j = 0; j < nvars; j++) {
        double sum = 0.0, ss = 0.0;
        for (size_t i = 0; i < nrows; i++) sum += x[i * nvars + j];
        double mu = sum / (double)nrows;
        for (size_t i = 0; i < nrows; i++) ss += (x[i * nvars + j] - mu) * (x[i * nvars + j] - mu);
        double sd = sqrt(ss / (double)(nrows - 1));
        if (!(sd > 1e-12 * fabs(mu))) {
            tep_error_set(err, TEP_ERR_MATH,
                          "chart variable %zu is constant in the training data (mean %g); "
                          "leave it out",
                          j + 1, mu);
            goto fail;
        }
        m->mean[j] = mu;
        m->std[j] = sd;
    }
    if (opt->limits == TEP_CHART_LIMITS_FIXED) {
        double limit = opt->kind == TEP_CHART_EWMA
                           ? opt->L * sqrt(opt->lambda / (2.0 - opt->lambda))
                           : opt->h;
        for (size_t j = 0; j < nvars; j++) m->limit[j] = limit;
    } else if (opt->limits == TEP_CHART_LIMITS_MODEL) {
        if (model_limits(x, nrows, m, opt->confidence, err) != 0) goto fail;
    } else {
        s = state_alloc(m->kind, nvars, m->lambda, m->k, m->mean, m->std, NULL);
        history = malloc(nrows * nvars * sizeof *history); /* column-major: var j, row i */
        if (!s || !history) goto nomem;
        for (size_t i = 0; i < nrows; i++) {
            update_statistics(s, x + i * nvars);
            for (size_t j = 0; j < nvars; j++) history[j * nrows + i] = s->stat[j];
        }
        double level = 1.0 - (1.0 - opt->confidence) / (double)nvars;
        for (size_t j = 0; j < nvars; j++) {
            double *col = history + j * nrows;
            qsort(col, nrows, sizeof *col, compare_double);
            double hpos = (double)(nrows - 1) * level;
            size_t lo = (size_t)floor(hpos), hi = lo + 1 < nrows ? lo + 1 : lo;
            m->limit[j] = col[lo] + (hpos - (double)lo) * (col[hi] - col[lo]);
            if (!(m->limit[j] > 0.0)) {
                tep_error_set(err, TEP_ERR_MATH,
                              "chart variable %zu: its statistic is 0 on the training data, so "
                              "no limit can be placed (lower the CUSUM k)",
                              j + 1);
                goto fail;
            }
        }
    }
    tep_chart_state_free(s);
    free(history);
    *out = m;
    return 0;
nomem:
    tep_error_set(err, TEP_ERR_NOMEM, "out of memory fitting %zu charts", nvars);
fail:
    tep_chart_state_free(s);
    free(history);
    tep_chart_model_free(m);
    return -1;
}

int tep_chart_run(const struct tep_chart_model *m, const double *x, size_t nrows, double *ratio,
                  size_t *worst, struct tep_error *err)
{
    struct tep_chart_state *s = NULL;
    if (!ratio || (nrows > 0 && !x))
        return tep_error_set(err, TEP_ERR_ARG, "chart run: missing data or output");
    if (tep_chart_state_new(m, &s, err) != 0) return -1;
    for (size_t i = 0; i < nrows; i++)
        ratio[i] = tep_chart_state_push(s, x + i * m->nvars, worst ? worst + i : NULL);
    tep_chart_state_free(s);
    return 0;
}
