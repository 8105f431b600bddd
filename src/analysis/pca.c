/* pca.c - PCA / dynamic PCA monitoring: fit, limits, batch and streaming scores, contributions.
 *
 * The fit standardises the (lag-augmented) training matrix block by block, accumulates the
 * correlation matrix with OpenBLAS dsyrk and takes its eigen-pairs with LAPACK dsyevr; the
 * data are never copied whole, so memory stays O(block x dim + dim^2) for any row count.
 * Batch scoring uses two dgemm calls per block (scores T = Z P, residual Z - T P'); the
 * streaming scorer does the same arithmetic with plain loops on preallocated buffers.
 * Quantiles come from GSL (F, chi-square, normal), with a safeguarded root finder where GSL's
 * own inversion fails to converge. See pca.h for the formulas and their sources.
 */
#include "pca.h"

#include <cblas.h>
#include <float.h>
#include <gsl/gsl_cdf.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_sf_gamma.h>
#include <lapacke.h>
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Rows standardised at a time: 1024 x 52 doubles = 416 kB, comfortably inside L2/L3. */
#define PCA_BLOCK_ROWS 1024

/* A kept eigenvalue must exceed this fraction of the largest one, otherwise T^2 divides by
 * (numerical) zero: the TEP correlation matrix has two eigenvalues near 4e-8. */
#define PCA_MIN_EIG_RATIO 1e-10

void tep_pca_options_default(struct tep_pca_options *opt)
{
    memset(opt, 0, sizeof *opt);
    opt->lags = 0;
    opt->rule = TEP_PCA_RULE_FIXED;
    opt->ncomp = 9;
    opt->variance = 0.90;
    opt->parallel_draws = 20;
    opt->parallel_quantile = 0.95;
    opt->seed = 1;
    opt->confidence = 0.99;
    opt->var_names = NULL;
}

/* ------------------------------------------------------------------------------------------
 * Model allocation and invariants
 */

struct tep_pca_model *tep_pca_model_new(size_t nvars, size_t lags, size_t ncomp)
{
    if (nvars == 0 || ncomp == 0 || lags >= SIZE_MAX / nvars - 1) return NULL;
    size_t dim = nvars * (lags + 1);
    if (dim > (size_t)INT_MAX / 2 || ncomp > dim || dim > SIZE_MAX / sizeof(double) / ncomp)
        return NULL;
    struct tep_pca_model *model = calloc(1, sizeof *model);
    if (!model) return NULL;
    model->nvars = nvars;
    model->lags = lags;
    model->dim = dim;
    model->ncomp = ncomp;
    model->mean = calloc(dim, sizeof(double));
    model->std = calloc(dim, sizeof(double));
    model->eigenvalues = calloc(dim, sizeof(double));
    model->loadings = calloc(dim * ncomp, sizeof(double));
    if (!model->mean || !model->std || !model->eigenvalues || !model->loadings) {
        tep_pca_model_free(model);
        return NULL;
    }
    return model;
}

void tep_pca_model_free(struct tep_pca_model *model)
{
    if (!model) return;
    if (model->var_names) {
        for (size_t j = 0; j < model->nvars; j++) free(model->var_names[j]);
        free(model->var_names);
    }
    free(model->mean);
    free(model->std);
    free(model->eigenvalues);
    free(model->loadings);
    free(model);
}

int tep_pca_model_check(const struct tep_pca_model *m, struct tep_error *err)
{
    if (!m) return tep_error_set(err, TEP_ERR_ARG, "PCA model is NULL");
    if (m->nvars == 0 || m->dim != m->nvars * (m->lags + 1))
        return tep_error_set(err, TEP_ERR_ARG,
                             "PCA model shape is inconsistent: %zu variables x (%zu lags + 1) "
                             "should give dim %zu, found %zu",
                             m->nvars, m->lags, m->nvars * (m->lags + 1), m->dim);
    if (m->ncomp < 1 || m->ncomp >= m->dim)
        return tep_error_set(err, TEP_ERR_ARG,
                             "PCA model keeps %zu components; expected 1..%zu (dim - 1)",
                             m->ncomp, m->dim - 1);
    if (m->ntrain <= m->ncomp)
        return tep_error_set(err, TEP_ERR_ARG,
                             "PCA model was fitted on %zu rows; expected more than its %zu "
                             "components",
                             m->ntrain, m->ncomp);
    if (!(m->confidence > 0.0 && m->confidence < 1.0))
        return tep_error_set(err, TEP_ERR_ARG,
                             "PCA model confidence %g is not in (0, 1) (e.g. 0.99)",
                             m->confidence);
    if (!(isfinite(m->t2_limit) && m->t2_limit > 0.0 && isfinite(m->q_limit) &&
          m->q_limit > 0.0))
        return tep_error_set(err, TEP_ERR_ARG,
                             "PCA model limits T2=%g Q=%g must be finite and positive",
                             m->t2_limit, m->q_limit);
    if (!m->mean || !m->std || !m->eigenvalues || !m->loadings)
        return tep_error_set(err, TEP_ERR_ARG, "PCA model arrays are missing");
    for (size_t i = 0; i < m->dim; i++) {
        if (!isfinite(m->mean[i]))
            return tep_error_set(err, TEP_ERR_ARG, "PCA model mean[%zu] is not finite", i);
        if (!(isfinite(m->std[i]) && m->std[i] > 0.0))
            return tep_error_set(err, TEP_ERR_ARG,
                                 "PCA model std[%zu] = %g; expected a finite value > 0", i,
                                 m->std[i]);
        if (!isfinite(m->eigenvalues[i]))
            return tep_error_set(err, TEP_ERR_ARG, "PCA model eigenvalue %zu is not finite",
                                 i + 1);
        if (i > 0 && m->eigenvalues[i] > m->eigenvalues[i - 1])
            return tep_error_set(err, TEP_ERR_ARG,
                                 "PCA model eigenvalues must be in descending order (%zu: %g "
                                 "> %zu: %g)",
                                 i + 1, m->eigenvalues[i], i, m->eigenvalues[i - 1]);
    }
    if (!(m->eigenvalues[m->ncomp - 1] > 0.0))
        return tep_error_set(err, TEP_ERR_ARG,
                             "PCA model eigenvalue %zu (kept) is %g; expected > 0", m->ncomp,
                             m->eigenvalues[m->ncomp - 1]);
    for (size_t i = 0; i < m->dim * m->ncomp; i++)
        if (!isfinite(m->loadings[i]))
            return tep_error_set(err, TEP_ERR_ARG,
                                 "PCA model loading (%zu, %zu) is not finite", i / m->ncomp + 1,
                                 i % m->ncomp + 1);
    return 0;
}

/* ------------------------------------------------------------------------------------------
 * Quantiles
 */

/* An upper-tail probability Q(x) and density f(x) of a continuous law on (0, inf). */
struct upper_tail_law {
    double (*upper)(double x, double a, double b);
    double (*density)(double x, double a, double b);
    double a, b;
};

/* Densities written out (gsl_randist.h would drag GSL's CBLAS declarations in next to
 * OpenBLAS's): F(d1, d2) and chi-square(k), via log-gamma for large degrees of freedom. */
static double fdist_upper(double x, double a, double b) { return gsl_cdf_fdist_Q(x, a, b); }
static double fdist_density(double x, double a, double b)
{
    double log_f = 0.5 * a * log(a) + 0.5 * b * log(b) + (0.5 * a - 1.0) * log(x) -
                   0.5 * (a + b) * log(b + a * x) - gsl_sf_lnbeta(0.5 * a, 0.5 * b);
    return exp(log_f);
}
static double chisq_upper(double x, double a, double b)
{
    (void)b;
    return gsl_cdf_chisq_Q(x, a);
}
static double chisq_density(double x, double a, double b)
{
    (void)b;
    return exp((0.5 * a - 1.0) * log(x) - 0.5 * x - 0.5 * a * M_LN2 - gsl_sf_lngamma(0.5 * a));
}

/* Solve Q(x) = tail by Newton steps kept inside a shrinking bracket (bisection when a step
 * leaves it). Q is decreasing, so the bracket is [lo, hi] with Q(lo) > tail > Q(hi). */
static int invert_upper_tail(const struct upper_tail_law *law, double tail, double start,
                             double *out)
{
    double lo = 0.0, hi = start > 0.0 && isfinite(start) ? start : 1.0;
    int guard = 0;
    while (law->upper(hi, law->a, law->b) > tail) { /* grow until Q(hi) <= tail */
        lo = hi;
        hi *= 2.0;
        if (++guard > 2000 || !isfinite(hi)) return -1;
    }
    double x = 0.5 * (lo + hi);
    for (int iter = 0; iter < 400; iter++) {
        double qx = law->upper(x, law->a, law->b);
        if (!isfinite(qx)) return -1;
        if (qx == tail) break;
        if (qx > tail)
            lo = x;
        else
            hi = x;
        double f = law->density(x, law->a, law->b);
        double next = (f > 0.0 && isfinite(f)) ? x + (qx - tail) / f : NAN;
        if (!(next > lo && next < hi)) next = 0.5 * (lo + hi); /* NaN also lands here */
        if (fabs(next - x) <= 4.0 * DBL_EPSILON * next || hi - lo <= 4.0 * DBL_EPSILON * hi) {
            x = next;
            break;
        }
        x = next;
    }
    if (!(isfinite(x) && x > 0.0)) return -1;
    *out = x;
    return 0;
}

int tep_pca_f_quantile(double p, double d1, double d2, double *out, struct tep_error *err)
{
    if (!(p > 0.0 && p < 1.0) || !(d1 > 0.0 && isfinite(d1)) || !(d2 > 0.0 && isfinite(d2)))
        return tep_error_set(err, TEP_ERR_ARG,
                             "F quantile: expected 0 < p < 1 and finite degrees of freedom > 0, "
                             "got p=%g d1=%g d2=%g",
                             p, d1, d2);
    /* GSL aborts on failure by default; library code must report instead. */
    gsl_set_error_handler_off();
    double x = gsl_cdf_fdist_Pinv(p, d1, d2);
    if (isfinite(x) && x > 0.0) {
        *out = x;
        return 0;
    }
    /* GSL's Newton iteration gives up for e.g. F(9, 10^4): start from the chi-square limit
     * (d1 F -> chi2(d1) as d2 -> inf) and invert the upper tail ourselves. */
    double start = gsl_cdf_chisq_Qinv(1.0 - p, d1) / d1;
    struct upper_tail_law law = {fdist_upper, fdist_density, d1, d2};
    if (invert_upper_tail(&law, 1.0 - p, start, &x) != 0)
        return tep_error_set(err, TEP_ERR_MATH, "F quantile F_%g(%g, %g) did not converge", p,
                             d1, d2);
    *out = x;
    return 0;
}

static int chisq_quantile(double p, double dof, double *out, struct tep_error *err)
{
    gsl_set_error_handler_off();
    double x = gsl_cdf_chisq_Pinv(p, dof);
    if (isfinite(x) && x > 0.0) {
        *out = x;
        return 0;
    }
    struct upper_tail_law law = {chisq_upper, chisq_density, dof, 0.0};
    if (invert_upper_tail(&law, 1.0 - p, dof, &x) != 0)
        return tep_error_set(err, TEP_ERR_MATH, "chi-square quantile chi2_%g(%g) did not "
                             "converge", p, dof);
    *out = x;
    return 0;
}

int tep_pca_t2_limit(size_t ncomp, size_t n, double confidence, double *out,
                     struct tep_error *err)
{
    if (ncomp < 1 || n <= ncomp)
        return tep_error_set(err, TEP_ERR_ARG,
                             "T2 limit needs 1 <= components < training rows, got %zu "
                             "components and %zu rows",
                             ncomp, n);
    if (!(confidence > 0.0 && confidence < 1.0))
        return tep_error_set(err, TEP_ERR_ARG, "confidence %g is not in (0, 1) (e.g. 0.99)",
                             confidence);
    double f;
    if (tep_pca_f_quantile(confidence, (double)ncomp, (double)(n - ncomp), &f, err) != 0)
        return -1;
    double a = (double)ncomp, nn = (double)n;
    *out = a * (nn - 1.0) * (nn + 1.0) / (nn * (nn - a)) * f;
    return 0;
}

int tep_pca_q_limit(const double *eig, size_t dim, size_t ncomp, double confidence, double *out,
                    struct tep_error *err)
{
    if (!eig || ncomp >= dim)
        return tep_error_set(err, TEP_ERR_ARG,
                             "Q limit needs components < dim, got %zu components of %zu",
                             ncomp, dim);
    if (!(confidence > 0.0 && confidence < 1.0))
        return tep_error_set(err, TEP_ERR_ARG, "confidence %g is not in (0, 1) (e.g. 0.99)",
                             confidence);
    double theta1 = 0.0, theta2 = 0.0, theta3 = 0.0;
    for (size_t j = ncomp; j < dim; j++) {
        double l = eig[j] > 0.0 ? eig[j] : 0.0; /* round-off negatives of a singular matrix */
        theta1 += l;
        theta2 += l * l;
        theta3 += l * l * l;
    }
    if (!(theta1 > 0.0 && theta2 > 0.0))
        return tep_error_set(err, TEP_ERR_MATH,
                             "Q limit: the %zu residual eigenvalues add up to %g; keep fewer "
                             "than %zu components",
                             dim - ncomp, theta1, ncomp);
    double h0 = 1.0 - 2.0 * theta1 * theta3 / (3.0 * theta2 * theta2);
    gsl_set_error_handler_off();
    double c = gsl_cdf_ugaussian_Pinv(confidence);
    if (h0 > 0.0) {
        double bracket = c * sqrt(2.0 * theta2 * h0 * h0) / theta1 + 1.0 +
                         theta2 * h0 * (h0 - 1.0) / (theta1 * theta1);
        if (bracket > 0.0) {
            *out = theta1 * pow(bracket, 1.0 / h0);
            if (isfinite(*out) && *out > 0.0) return 0;
        }
    }
    /* Box (1954): Q ~ g chi2(h), matching the first two moments of the residual sum. */
    double g = theta2 / theta1, h = theta1 * theta1 / theta2, chi = NAN;
    if (chisq_quantile(confidence, h, &chi, err) != 0) return -1;
    *out = g * chi;
    return 0;
}

/* ------------------------------------------------------------------------------------------
 * Eigen-decomposition
 */

int tep_pca_eigh(const double *a, size_t n, double *values, double *evecs, struct tep_error *err)
{
    double *work = NULL, *w = NULL, *z = NULL;
    lapack_int *support = NULL;
    if (!a || !values || n == 0 || n > (size_t)INT_MAX / 2)
        return tep_error_set(err, TEP_ERR_ARG, "eigen-decomposition: bad matrix (n = %zu)", n);
    work = malloc(n * n * sizeof *work);
    w = malloc(n * sizeof *w);
    z = evecs ? malloc(n * n * sizeof *z) : NULL;
    support = malloc(2 * n * sizeof *support);
    if (!work || !w || (evecs && !z) || !support) {
        tep_error_set(err, TEP_ERR_NOMEM, "out of memory for a %zu x %zu eigen-problem", n, n);
        goto fail;
    }
    for (size_t i = 0; i < n * n; i++) {
        if (!isfinite(a[i])) {
            tep_error_set(err, TEP_ERR_MATH, "eigen-decomposition: entry (%zu, %zu) is not "
                          "finite", i / n + 1, i % n + 1);
            goto fail;
        }
        work[i] = a[i];
    }
    lapack_int found = 0, ni = (lapack_int)n;
    double dummy = 0.0;
    lapack_int info = LAPACKE_dsyevr(LAPACK_ROW_MAJOR, evecs ? 'V' : 'N', 'A', 'U', ni, work, ni,
                                     0.0, 0.0, 0, 0, 0.0, &found, w, evecs ? z : &dummy, ni,
                                     support);
    if (info != 0 || (size_t)found != n) {
        tep_error_set(err, TEP_ERR_MATH,
                      "LAPACK dsyevr failed (info %d, %d of %zu eigenvalues)", (int)info,
                      (int)found, n);
        goto fail;
    }
    for (size_t k = 0; k < n; k++) values[k] = w[n - 1 - k]; /* ascending -> descending */
    if (evecs) {
        for (size_t k = 0; k < n; k++) {
            size_t src = n - 1 - k, big = 0;
            for (size_t i = 1; i < n; i++)
                if (fabs(z[i * n + src]) > fabs(z[big * n + src])) big = i;
            double sign = z[big * n + src] < 0.0 ? -1.0 : 1.0;
            for (size_t i = 0; i < n; i++) evecs[i * n + k] = sign * z[i * n + src];
        }
    }
    free(work);
    free(w);
    free(z);
    free(support);
    return 0;
fail:
    free(work);
    free(w);
    free(z);
    free(support);
    return -1;
}

/* ------------------------------------------------------------------------------------------
 * Correlation matrix of the lag-augmented data
 */

/* Training rows and augmented shape: augmented row i (0..n-1) is raw sample i + lags, and its
 * block l holds raw row i + lags - l. */
struct augmented {
    const double *x;
    size_t nrows, nvars, lags, dim, n;
};

/* Standardise augmented rows [i0, i0 + b) into z (b x dim). */
static void standardize_block(const struct augmented *aug, const double *mean, const double *std,
                              size_t i0, size_t b, double *z)
{
    size_t m = aug->nvars;
    for (size_t r = 0; r < b; r++) {
        double *zr = z + r * aug->dim;
        for (size_t l = 0; l <= aug->lags; l++) {
            const double *xr = aug->x + (i0 + r + aug->lags - l) * m;
            const double *mu = mean + l * m, *sd = std + l * m;
            double *zl = zr + l * m;
            for (size_t j = 0; j < m; j++) zl[j] = (xr[j] - mu[j]) / sd[j];
        }
    }
}

/* Mean and sample std (n - 1) of every augmented column, summed per block for accuracy;
 * `block_sum` is nvars scratch doubles. A constant column is an error naming it. */
static int column_moments(const struct augmented *aug, const char *const *names, double *mean,
                          double *std, double *block_sum, struct tep_error *err)
{
    size_t m = aug->nvars, n = aug->n;
    for (size_t l = 0; l <= aug->lags; l++) {
        double *mu = mean + l * m, *ss = std + l * m;
        const double *first = aug->x + (aug->lags - l) * m; /* raw row of augmented row 0 */
        for (int pass = 0; pass < 2; pass++) {
            double *acc = pass == 0 ? mu : ss;
            for (size_t j = 0; j < m; j++) acc[j] = 0.0;
            for (size_t i0 = 0; i0 < n; i0 += PCA_BLOCK_ROWS) {
                size_t b = n - i0 < PCA_BLOCK_ROWS ? n - i0 : PCA_BLOCK_ROWS;
                for (size_t j = 0; j < m; j++) block_sum[j] = 0.0;
                for (size_t r = 0; r < b; r++) {
                    const double *xr = first + (i0 + r) * m;
                    if (pass == 0)
                        for (size_t j = 0; j < m; j++) block_sum[j] += xr[j];
                    else
                        for (size_t j = 0; j < m; j++) {
                            double d = xr[j] - mu[j];
                            block_sum[j] += d * d;
                        }
                }
                for (size_t j = 0; j < m; j++) acc[j] += block_sum[j];
            }
            for (size_t j = 0; j < m; j++)
                acc[j] = pass == 0 ? acc[j] / (double)n : sqrt(acc[j] / (double)(n - 1));
        }
        for (size_t j = 0; j < m; j++) {
            if (!(ss[j] > 1e-12 * fabs(mu[j])) || !isfinite(ss[j])) {
                char label[160];
                if (names && names[j])
                    snprintf(label, sizeof label, "'%s'", names[j]);
                else
                    snprintf(label, sizeof label, "%zu", j + 1);
                return tep_error_set(err, TEP_ERR_MATH,
                                     "variable %s is constant in the training data (mean %g, "
                                     "std %g); it cannot be standardised, leave it out",
                                     label, mu[j], ss[j]);
            }
        }
    }
    return 0;
}

/* corr (dim x dim, full) = Z'Z / (n - 1) of the standardised augmented data. */
static int correlation(const struct augmented *aug, const char *const *names, double *mean,
                       double *std, double *corr, struct tep_error *err)
{
    size_t dim = aug->dim, n = aug->n;
    double *z = NULL, *scratch = NULL;
    z = malloc(PCA_BLOCK_ROWS * dim * sizeof *z);
    scratch = malloc(aug->nvars * sizeof *scratch);
    if (!z || !scratch) {
        tep_error_set(err, TEP_ERR_NOMEM, "out of memory standardising %zu columns", dim);
        goto fail;
    }
    if (column_moments(aug, names, mean, std, scratch, err) != 0) goto fail;
    memset(corr, 0, dim * dim * sizeof *corr);
    for (size_t i0 = 0; i0 < n; i0 += PCA_BLOCK_ROWS) {
        size_t b = n - i0 < PCA_BLOCK_ROWS ? n - i0 : PCA_BLOCK_ROWS;
        standardize_block(aug, mean, std, i0, b, z);
        cblas_dsyrk(CblasRowMajor, CblasUpper, CblasTrans, (int)dim, (int)b, 1.0, z, (int)dim,
                    1.0, corr, (int)dim);
    }
    double scale = 1.0 / (double)(n - 1);
    for (size_t i = 0; i < dim; i++)
        for (size_t j = i; j < dim; j++) {
            corr[i * dim + j] *= scale;
            corr[j * dim + i] = corr[i * dim + j];
        }
    free(z);
    free(scratch);
    return 0;
fail:
    free(z);
    free(scratch);
    return -1;
}

/* ------------------------------------------------------------------------------------------
 * Parallel analysis: a small seeded generator (xoshiro256**, Blackman & Vigna 2018, seeded
 * through splitmix64) and Marsaglia's polar method for normal deviates.
 */

struct normal_rng {
    uint64_t s[4];
    double spare;
    int has_spare;
};

static uint64_t splitmix64(uint64_t *state)
{
    uint64_t z = (*state += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

static void normal_rng_seed(struct normal_rng *rng, unsigned long long seed)
{
    uint64_t st = seed;
    for (int i = 0; i < 4; i++) rng->s[i] = splitmix64(&st);
    rng->has_spare = 0;
}

static uint64_t rotl64(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

static double uniform01(struct normal_rng *rng)
{
    uint64_t *s = rng->s;
    uint64_t result = rotl64(s[1] * 5, 7) * 9, t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl64(s[3], 45);
    return (double)(result >> 11) * 0x1.0p-53;
}

static double normal_draw(struct normal_rng *rng)
{
    if (rng->has_spare) {
        rng->has_spare = 0;
        return rng->spare;
    }
    double u, v, s;
    do {
        u = 2.0 * uniform01(rng) - 1.0;
        v = 2.0 * uniform01(rng) - 1.0;
        s = u * u + v * v;
    } while (s >= 1.0 || s == 0.0);
    double f = sqrt(-2.0 * log(s) / s);
    rng->spare = v * f;
    rng->has_spare = 1;
    return u * f;
}

static int compare_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int tep_pca_parallel_threshold(size_t nrows, size_t dim, size_t draws, double quantile,
                               unsigned long long seed, double *threshold,
                               struct tep_error *err)
{
    double *data = NULL, *mean = NULL, *std = NULL, *corr = NULL, *table = NULL;
    double *column = NULL;
    if (nrows < 3 || dim < 2 || draws < 1 || !(quantile > 0.0 && quantile < 1.0) ||
        !threshold || nrows > SIZE_MAX / sizeof(double) / dim)
        return tep_error_set(err, TEP_ERR_ARG,
                             "parallel analysis needs rows >= 3, dim >= 2, draws >= 1 and 0 < "
                             "quantile < 1 (got %zu, %zu, %zu, %g)",
                             nrows, dim, draws, quantile);
    data = malloc(nrows * dim * sizeof *data);
    mean = malloc(dim * sizeof *mean);
    std = malloc(dim * sizeof *std);
    corr = malloc(dim * dim * sizeof *corr);
    table = malloc(draws * dim * sizeof *table);
    column = malloc(draws * sizeof *column);
    if (!data || !mean || !std || !corr || !table || !column) {
        tep_error_set(err, TEP_ERR_NOMEM, "out of memory for parallel analysis (%zu x %zu)",
                      nrows, dim);
        goto fail;
    }
    struct normal_rng rng;
    normal_rng_seed(&rng, seed);
    struct augmented aug = {data, nrows, dim, 0, dim, nrows};
    for (size_t d = 0; d < draws; d++) {
        for (size_t i = 0; i < nrows * dim; i++) data[i] = normal_draw(&rng);
        if (correlation(&aug, NULL, mean, std, corr, err) != 0 ||
            tep_pca_eigh(corr, dim, table + d * dim, NULL, err) != 0)
            goto fail;
    }
    for (size_t k = 0; k < dim; k++) {
        for (size_t d = 0; d < draws; d++) column[d] = table[d * dim + k];
        qsort(column, draws, sizeof *column, compare_double);
        double h = (double)(draws - 1) * quantile; /* linear interpolation (Hyndman-Fan 7) */
        size_t lo = (size_t)floor(h);
        size_t hi = lo + 1 < draws ? lo + 1 : lo;
        threshold[k] = column[lo] + (h - (double)lo) * (column[hi] - column[lo]);
    }
    free(data);
    free(mean);
    free(std);
    free(corr);
    free(table);
    free(column);
    return 0;
fail:
    tep_error_prefix(err, "parallel analysis: ");
    free(data);
    free(mean);
    free(std);
    free(corr);
    free(table);
    free(column);
    return -1;
}

int tep_pca_choose_ncomp(const double *eig, size_t dim, size_t nrows,
                         const struct tep_pca_options *opt, size_t *ncomp,
                         struct tep_error *err)
{
    double *threshold = NULL;
    size_t a = 0;
    if (!eig || !opt || !ncomp || dim < 2)
        return tep_error_set(err, TEP_ERR_ARG, "component choice needs dim >= 2 eigenvalues");
    switch (opt->rule) {
    case TEP_PCA_RULE_FIXED:
        a = opt->ncomp;
        if (a < 1 || a >= dim)
            return tep_error_set(err, TEP_ERR_ARG,
                                 "number of components %zu is out of range: expected 1..%zu "
                                 "(fewer than the %zu variables)",
                                 a, dim - 1, dim);
        break;
    case TEP_PCA_RULE_VARIANCE: {
        if (!(opt->variance > 0.0 && opt->variance <= 1.0))
            return tep_error_set(err, TEP_ERR_ARG,
                                 "explained-variance fraction %g is not in (0, 1]",
                                 opt->variance);
        double total = 0.0, cum = 0.0;
        for (size_t k = 0; k < dim; k++) total += eig[k] > 0.0 ? eig[k] : 0.0;
        for (a = 0; a < dim - 1;) {
            cum += eig[a] > 0.0 ? eig[a] : 0.0;
            a++;
            if (cum >= opt->variance * total) break;
        }
        break;
    }
    case TEP_PCA_RULE_PARALLEL:
        threshold = malloc(dim * sizeof *threshold);
        if (!threshold) return tep_error_set(err, TEP_ERR_NOMEM, "out of memory");
        if (tep_pca_parallel_threshold(nrows, dim, opt->parallel_draws, opt->parallel_quantile,
                                       opt->seed, threshold, err) != 0)
            goto fail;
        while (a < dim - 1 && eig[a] > threshold[a]) a++;
        if (a == 0) a = 1; /* even the first component is noise-like: keep one */
        free(threshold);
        break;
    default:
        return tep_error_set(err, TEP_ERR_ARG, "unknown component rule %d", (int)opt->rule);
    }
    *ncomp = a;
    return 0;
fail:
    free(threshold);
    return -1;
}

/* ------------------------------------------------------------------------------------------
 * Fit
 */

static int copy_names(struct tep_pca_model *model, const char *const *names,
                      struct tep_error *err)
{
    if (!names) return 0;
    model->var_names = calloc(model->nvars, sizeof *model->var_names);
    if (!model->var_names) return tep_error_set(err, TEP_ERR_NOMEM, "out of memory");
    for (size_t j = 0; j < model->nvars; j++) {
        if (!names[j] || !names[j][0])
            return tep_error_set(err, TEP_ERR_ARG, "variable name %zu is empty", j + 1);
        model->var_names[j] = strdup(names[j]);
        if (!model->var_names[j]) return tep_error_set(err, TEP_ERR_NOMEM, "out of memory");
    }
    return 0;
}

int tep_pca_fit(const double *x, size_t nrows, size_t nvars, const struct tep_pca_options *opt,
                struct tep_pca_model **out, struct tep_error *err)
{
    struct tep_pca_options defaults;
    struct tep_pca_model *model = NULL;
    double *mean = NULL, *std = NULL, *corr = NULL, *eig = NULL, *vecs = NULL;
    if (!opt) {
        tep_pca_options_default(&defaults);
        opt = &defaults;
    }
    if (!out || !x || nvars == 0)
        return tep_error_set(err, TEP_ERR_ARG, "PCA fit: no data (%zu variables)", nvars);
    *out = NULL;
    size_t lags = opt->lags;
    if (lags > 1000 || nvars > (size_t)INT_MAX / 2 / (lags + 1))
        return tep_error_set(err, TEP_ERR_ARG, "PCA fit: %zu variables x %zu lags is too wide",
                             nvars, lags);
    size_t dim = nvars * (lags + 1);
    if (dim < 2)
        return tep_error_set(err, TEP_ERR_ARG, "PCA needs at least 2 variables, got %zu", dim);
    if (nrows < lags + 3)
        return tep_error_set(err, TEP_ERR_ARG,
                             "PCA fit needs at least %zu rows (%zu lags + 3), got %zu", lags + 3,
                             lags, nrows);
    if (!(opt->confidence > 0.0 && opt->confidence < 1.0))
        return tep_error_set(err, TEP_ERR_ARG, "confidence %g is not in (0, 1) (e.g. 0.99)",
                             opt->confidence);
    for (size_t i = 0; i < nrows * nvars; i++)
        if (!isfinite(x[i])) {
            size_t col = i % nvars;
            char label[160];
            if (opt->var_names && opt->var_names[col])
                snprintf(label, sizeof label, "'%s'", opt->var_names[col]);
            else
                snprintf(label, sizeof label, "variable %zu", col + 1);
            return tep_error_set_at(err, TEP_ERR_ARG, NULL, (long)(i / nvars + 1),
                                    (long)(col + 1),
                                    "training value of %s in row %zu is %g; PCA needs complete "
                                    "normal-operation data (drop or impute missing rows first)",
                                    label, i / nvars + 1, x[i]);
        }
    struct augmented aug = {x, nrows, nvars, lags, dim, nrows - lags};
    mean = malloc(dim * sizeof *mean);
    std = malloc(dim * sizeof *std);
    corr = malloc(dim * dim * sizeof *corr);
    eig = malloc(dim * sizeof *eig);
    vecs = malloc(dim * dim * sizeof *vecs);
    if (!mean || !std || !corr || !eig || !vecs) {
        tep_error_set(err, TEP_ERR_NOMEM, "out of memory for a %zu-column PCA", dim);
        goto fail;
    }
    if (correlation(&aug, opt->var_names, mean, std, corr, err) != 0) goto fail;
    if (tep_pca_eigh(corr, dim, eig, vecs, err) != 0) goto fail;
    size_t a;
    if (tep_pca_choose_ncomp(eig, dim, aug.n, opt, &a, err) != 0) goto fail;
    if (a >= aug.n) {
        tep_error_set(err, TEP_ERR_ARG, "%zu components need more than %zu training rows", a,
                      aug.n);
        goto fail;
    }
    if (!(eig[a - 1] > PCA_MIN_EIG_RATIO * eig[0])) {
        tep_error_set(err, TEP_ERR_MATH,
                      "component %zu has eigenvalue %g (largest %g): the data have fewer than "
                      "%zu independent directions; keep fewer components",
                      a, eig[a - 1], eig[0], a);
        goto fail;
    }
    model = tep_pca_model_new(nvars, lags, a);
    if (!model) {
        tep_error_set(err, TEP_ERR_NOMEM, "out of memory for the PCA model");
        goto fail;
    }
    model->ntrain = aug.n;
    model->rule = opt->rule;
    model->confidence = opt->confidence;
    memcpy(model->mean, mean, dim * sizeof *mean);
    memcpy(model->std, std, dim * sizeof *std);
    memcpy(model->eigenvalues, eig, dim * sizeof *eig);
    for (size_t i = 0; i < dim; i++)
        for (size_t k = 0; k < a; k++) model->loadings[i * a + k] = vecs[i * dim + k];
    if (copy_names(model, opt->var_names, err) != 0) goto fail;
    if (tep_pca_t2_limit(a, aug.n, opt->confidence, &model->t2_limit, err) != 0 ||
        tep_pca_q_limit(eig, dim, a, opt->confidence, &model->q_limit, err) != 0)
        goto fail;
    free(mean);
    free(std);
    free(corr);
    free(eig);
    free(vecs);
    *out = model;
    return 0;
fail:
    tep_pca_model_free(model);
    free(mean);
    free(std);
    free(corr);
    free(eig);
    free(vecs);
    return -1;
}

/* Gather the named columns of a frame into a row-major matrix (rows x ncolumns). */
static int frame_matrix(const struct tep_frame *frame, const char *const *columns,
                        size_t ncolumns, double **out, struct tep_error *err)
{
    size_t rows = frame->nrows;
    double *x = malloc((rows ? rows : 1) * ncolumns * sizeof *x);
    if (!x) return tep_error_set(err, TEP_ERR_NOMEM, "out of memory copying a frame");
    for (size_t j = 0; j < ncolumns; j++) {
        int c = tep_frame_find(frame, columns[j]);
        if (c < 0) {
            free(x);
            return tep_error_set(err, TEP_ERR_ARG, "column '%s' is not in the frame (run '%s')",
                                 columns[j], frame->run_id);
        }
        const double *src = frame->cols[c].data;
        for (size_t i = 0; i < rows; i++) x[i * ncolumns + j] = src[i];
    }
    *out = x;
    return 0;
}

int tep_pca_fit_frame(const struct tep_frame *frame, const char *const *columns,
                      size_t ncolumns, const struct tep_pca_options *opt,
                      struct tep_pca_model **out, struct tep_error *err)
{
    const char **all = NULL;
    double *x = NULL;
    struct tep_pca_options local;
    if (!frame || !out) return tep_error_set(err, TEP_ERR_ARG, "PCA fit: no frame");
    if (!columns) {
        ncolumns = frame->ncols;
        all = malloc((ncolumns ? ncolumns : 1) * sizeof *all);
        if (!all) return tep_error_set(err, TEP_ERR_NOMEM, "out of memory");
        for (size_t j = 0; j < ncolumns; j++) all[j] = frame->cols[j].name;
        columns = all;
    }
    if (ncolumns == 0) {
        tep_error_set(err, TEP_ERR_ARG, "PCA fit: the frame has no value columns");
        goto fail;
    }
    if (frame_matrix(frame, columns, ncolumns, &x, err) != 0) goto fail;
    if (opt)
        local = *opt;
    else
        tep_pca_options_default(&local);
    local.var_names = columns;
    if (tep_pca_fit(x, frame->nrows, ncolumns, &local, out, err) != 0) goto fail;
    free(x);
    free(all);
    return 0;
fail:
    if (frame->run_id[0]) tep_error_prefix(err, "run '%s': ", frame->run_id);
    free(x);
    free(all);
    return -1;
}

/* ------------------------------------------------------------------------------------------
 * Batch scores
 */

int tep_pca_score(const struct tep_pca_model *model, const double *x, size_t nrows, double *t2,
                  double *q, struct tep_error *err)
{
    double *z = NULL, *t = NULL;
    if (tep_pca_model_check(model, err) != 0) return -1;
    if (nrows > 0 && !x) return tep_error_set(err, TEP_ERR_ARG, "PCA score: no data");
    size_t lags = model->lags, dim = model->dim, a = model->ncomp;
    for (size_t i = 0; i < nrows && i < lags; i++) {
        if (t2) t2[i] = NAN;
        if (q) q[i] = NAN;
    }
    if (nrows <= lags || (!t2 && !q)) return 0;
    z = malloc(PCA_BLOCK_ROWS * dim * sizeof *z);
    t = malloc(PCA_BLOCK_ROWS * a * sizeof *t);
    if (!z || !t) {
        tep_error_set(err, TEP_ERR_NOMEM, "out of memory scoring %zu columns", dim);
        goto fail;
    }
    struct augmented aug = {x, nrows, model->nvars, lags, dim, nrows - lags};
    const double *p = model->loadings, *lambda = model->eigenvalues;
    for (size_t i0 = 0; i0 < aug.n; i0 += PCA_BLOCK_ROWS) {
        size_t b = aug.n - i0 < PCA_BLOCK_ROWS ? aug.n - i0 : PCA_BLOCK_ROWS;
        standardize_block(&aug, model->mean, model->std, i0, b, z);
        /* T = Z P (b x a) */
        cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)b, (int)a, (int)dim, 1.0, z,
                    (int)dim, p, (int)a, 0.0, t, (int)a);
        if (t2)
            for (size_t r = 0; r < b; r++) {
                double s = 0.0;
                for (size_t k = 0; k < a; k++) s += t[r * a + k] * t[r * a + k] / lambda[k];
                t2[lags + i0 + r] = s;
            }
        if (q) {
            /* residual Z - T P' in place, then its squared norm per row */
            cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)b, (int)dim, (int)a, -1.0,
                        t, (int)a, p, (int)a, 1.0, z, (int)dim);
            for (size_t r = 0; r < b; r++) {
                double s = 0.0;
                for (size_t i = 0; i < dim; i++) s += z[r * dim + i] * z[r * dim + i];
                q[lags + i0 + r] = s;
            }
        }
    }
    free(z);
    free(t);
    return 0;
fail:
    free(z);
    free(t);
    return -1;
}

/* ------------------------------------------------------------------------------------------
 * Contributions (shared by the batch function and the scorer)
 */

/* Model parameters in the layout the per-sample arithmetic wants: pt = P' (a x dim) so that
 * every inner loop runs over dim contiguous doubles. */
struct pca_kernel {
    size_t nvars, lags, dim, ncomp;
    const double *mean, *std, *lambda, *pt;
};

/* Dot product with four partial sums: breaks the chain of dependent additions, which
 * otherwise bounds the one-sample scorer (about 3x faster for dim = 52). */
static double dot4(const double *a, const double *b, size_t n)
{
    double s0 = 0.0, s1 = 0.0, s2 = 0.0, s3 = 0.0;
    size_t c = 0;
    for (; c + 4 <= n; c += 4) {
        s0 += a[c] * b[c];
        s1 += a[c + 1] * b[c + 1];
        s2 += a[c + 2] * b[c + 2];
        s3 += a[c + 3] * b[c + 3];
    }
    for (; c < n; c++) s0 += a[c] * b[c];
    return (s0 + s1) + (s2 + s3);
}

/* Scores t (a), T^2 and residual r (dim) of the standardised sample z. */
static void project(const struct pca_kernel *k, const double *restrict z, double *restrict t,
                    double *restrict r, double *t2, double *q)
{
    size_t dim = k->dim;
    double s2 = 0.0;
    for (size_t c = 0; c < dim; c++) r[c] = z[c];
    for (size_t j = 0; j < k->ncomp; j++) {
        const double *pj = k->pt + j * dim;
        double s = dot4(pj, z, dim);
        t[j] = s;
        s2 += s * s / k->lambda[j];
        size_t c = 0;
        for (; c + 4 <= dim; c += 4) { /* independent updates, unrolled for the -O2 build */
            r[c] -= s * pj[c];
            r[c + 1] -= s * pj[c + 1];
            r[c + 2] -= s * pj[c + 2];
            r[c + 3] -= s * pj[c + 3];
        }
        for (; c < dim; c++) r[c] -= s * pj[c];
    }
    *t2 = s2;
    *q = dot4(r, r, dim);
}

static int compare_contrib(const void *a, const void *b)
{
    const struct tep_pca_contrib *x = a, *y = b;
    if (x->value != y->value) return x->value < y->value ? 1 : -1;
    return (x->var > y->var) - (x->var < y->var);
}

/* Fill ranked contributions from z; scratch t (a), r (dim), w (dim). */
static void contributions(const struct pca_kernel *k, const double *z, double *t, double *r,
                          double *w, struct tep_pca_contrib *t2c, struct tep_pca_contrib *qc,
                          double *t2, double *q)
{
    size_t dim = k->dim, m = k->nvars;
    double st2, sq;
    project(k, z, t, r, &st2, &sq);
    if (t2) *t2 = st2;
    if (q) *q = sq;
    if (t2c) {
        /* w = D^1/2 z = P diag(lambda^-1/2) t; c_i = w_i^2 (Alcala & Qin 2009, CDC) */
        for (size_t c = 0; c < dim; c++) w[c] = 0.0;
        for (size_t j = 0; j < k->ncomp; j++) {
            double u = t[j] / sqrt(k->lambda[j]);
            const double *pj = k->pt + j * dim;
            for (size_t c = 0; c < dim; c++) w[c] += u * pj[c];
        }
        for (size_t v = 0; v < m; v++) {
            t2c[v].var = v;
            t2c[v].value = 0.0;
            for (size_t l = 0; l <= k->lags; l++) t2c[v].value += w[l * m + v] * w[l * m + v];
        }
        qsort(t2c, m, sizeof *t2c, compare_contrib);
    }
    if (qc) {
        for (size_t v = 0; v < m; v++) {
            qc[v].var = v;
            qc[v].value = 0.0;
            for (size_t l = 0; l <= k->lags; l++) qc[v].value += r[l * m + v] * r[l * m + v];
        }
        qsort(qc, m, sizeof *qc, compare_contrib);
    }
}

int tep_pca_contributions(const struct tep_pca_model *model, const double *x, size_t nrows,
                          size_t row, struct tep_pca_contrib *t2c, struct tep_pca_contrib *qc,
                          double *t2, double *q, struct tep_error *err)
{
    double *buf = NULL;
    if (tep_pca_model_check(model, err) != 0) return -1;
    size_t m = model->nvars, dim = model->dim, a = model->ncomp;
    if (!x || row >= nrows || row < model->lags)
        return tep_error_set(err, TEP_ERR_ARG,
                             "contributions: row %zu needs %zu earlier rows and must be < %zu",
                             row, model->lags, nrows);
    buf = malloc((dim * a + 3 * dim + a) * sizeof *buf);
    if (!buf) return tep_error_set(err, TEP_ERR_NOMEM, "out of memory");
    double *pt = buf, *z = pt + dim * a, *r = z + dim, *w = r + dim, *t = w + dim;
    for (size_t i = 0; i < dim; i++)
        for (size_t j = 0; j < a; j++) pt[j * dim + i] = model->loadings[i * a + j];
    for (size_t l = 0; l <= model->lags; l++)
        for (size_t v = 0; v < m; v++) {
            size_t c = l * m + v;
            double value = x[(row - l) * m + v];
            if (!isfinite(value)) {
                tep_error_set_at(err, TEP_ERR_ARG, NULL, (long)(row - l + 1), (long)(v + 1),
                                 "contributions: value is not finite");
                goto fail;
            }
            z[c] = (value - model->mean[c]) / model->std[c];
        }
    struct pca_kernel k = {m, model->lags, dim, a, model->mean, model->std, model->eigenvalues,
                           pt};
    contributions(&k, z, t, r, w, t2c, qc, t2, q);
    free(buf);
    return 0;
fail:
    free(buf);
    return -1;
}

/* ------------------------------------------------------------------------------------------
 * Streaming scorer
 */

struct tep_pca_scorer {
    struct pca_kernel kernel;
    double *block;      /* one allocation holding every array below */
    double *ring;       /* (lags + 1) x nvars raw samples */
    size_t head;        /* ring slot of the newest sample */
    size_t filled;      /* samples in the ring, at most lags + 1 */
    int last_scored;    /* the newest sample was scored */
    double *z, *t, *r, *w, *row;
    char **var_names;   /* nvars names or NULL (for push_frame) */
    int *frame_cols;    /* nvars frame column indexes (push_frame) */
};

int tep_pca_scorer_new(const struct tep_pca_model *model, struct tep_pca_scorer **out,
                       struct tep_error *err)
{
    struct tep_pca_scorer *s = NULL;
    if (!out) return tep_error_set(err, TEP_ERR_ARG, "scorer: no output pointer");
    *out = NULL;
    if (tep_pca_model_check(model, err) != 0) return -1;
    size_t m = model->nvars, dim = model->dim, a = model->ncomp, slots = model->lags + 1;
    size_t total = 5 * dim + 2 * a + dim * a + slots * m + m; /* see the layout below */
    s = calloc(1, sizeof *s);
    if (!s) goto nomem;
    s->block = malloc(total * sizeof *s->block);
    s->frame_cols = malloc(m * sizeof *s->frame_cols);
    if (!s->block || !s->frame_cols) goto nomem;
    double *p = s->block;
    double *mean = p, *std = mean + dim, *lambda = std + dim, *pt = lambda + a;
    s->ring = pt + dim * a;
    s->z = s->ring + slots * m;
    s->r = s->z + dim;
    s->w = s->r + dim;
    s->t = s->w + dim;
    s->row = s->t + a;
    memcpy(mean, model->mean, dim * sizeof *mean);
    memcpy(std, model->std, dim * sizeof *std);
    memcpy(lambda, model->eigenvalues, a * sizeof *lambda);
    for (size_t i = 0; i < dim; i++)
        for (size_t j = 0; j < a; j++) pt[j * dim + i] = model->loadings[i * a + j];
    s->kernel = (struct pca_kernel){m, model->lags, dim, a, mean, std, lambda, pt};
    if (model->var_names) {
        s->var_names = calloc(m, sizeof *s->var_names);
        if (!s->var_names) goto nomem;
        for (size_t j = 0; j < m; j++)
            if (!(s->var_names[j] = strdup(model->var_names[j]))) goto nomem;
    }
    tep_pca_scorer_reset(s);
    *out = s;
    return 0;
nomem:
    tep_pca_scorer_free(s);
    return tep_error_set(err, TEP_ERR_NOMEM, "out of memory for a PCA scorer");
}

void tep_pca_scorer_free(struct tep_pca_scorer *s)
{
    if (!s) return;
    if (s->var_names) {
        for (size_t j = 0; j < s->kernel.nvars; j++) free(s->var_names[j]);
        free(s->var_names);
    }
    free(s->frame_cols);
    free(s->block);
    free(s);
}

void tep_pca_scorer_reset(struct tep_pca_scorer *s)
{
    s->head = 0;
    s->filled = 0;
    s->last_scored = 0;
}

int tep_pca_scorer_push(struct tep_pca_scorer *s, const double *x, double *t2, double *q)
{
    const struct pca_kernel *k = &s->kernel;
    size_t m = k->nvars, slots = k->lags + 1;
    s->head = s->head + 1 < slots ? s->head + 1 : 0;
    memcpy(s->ring + s->head * m, x, m * sizeof *x);
    if (s->filled < slots) s->filled++;
    double st2 = NAN, sq = NAN;
    s->last_scored = 0;
    if (s->filled == slots) {
        size_t slot = s->head;
        for (size_t l = 0; l < slots; l++) { /* block l = sample lagged by l */
            const double *xr = s->ring + slot * m;
            const double *mu = k->mean + l * m, *sd = k->std + l * m;
            double *zl = s->z + l * m;
            for (size_t j = 0; j < m; j++) zl[j] = (xr[j] - mu[j]) / sd[j];
            slot = slot ? slot - 1 : slots - 1;
        }
        project(k, s->z, s->t, s->r, &st2, &sq);
        if (isfinite(st2) && isfinite(sq))
            s->last_scored = 1;
        else
            st2 = sq = NAN;
    }
    if (t2) *t2 = st2;
    if (q) *q = sq;
    return s->last_scored;
}

int tep_pca_scorer_contributions(struct tep_pca_scorer *s, struct tep_pca_contrib *t2c,
                                 struct tep_pca_contrib *qc, struct tep_error *err)
{
    if (!s || !s->last_scored)
        return tep_error_set(err, TEP_ERR_ARG,
                             "contributions: the last sample pushed was not scored (lag history "
                             "not full yet, or a missing value)");
    contributions(&s->kernel, s->z, s->t, s->r, s->w, t2c, qc, NULL, NULL);
    return 0;
}

int tep_pca_scorer_push_frame(struct tep_pca_scorer *s, const struct tep_frame *frame,
                              double *t2, double *q, struct tep_error *err)
{
    if (!s || !frame) return tep_error_set(err, TEP_ERR_ARG, "scorer: no frame");
    size_t m = s->kernel.nvars;
    if (!s->var_names)
        return tep_error_set(err, TEP_ERR_ARG,
                             "the PCA model has no variable names, so frame columns cannot be "
                             "matched; fit it with names (tep_pca_fit_frame)");
    for (size_t j = 0; j < m; j++) {
        s->frame_cols[j] = tep_frame_find(frame, s->var_names[j]);
        if (s->frame_cols[j] < 0)
            return tep_error_set(err, TEP_ERR_ARG,
                                 "column '%s' used by the PCA model is not in the frame (run "
                                 "'%s')",
                                 s->var_names[j], frame->run_id);
    }
    for (size_t i = 0; i < frame->nrows; i++) {
        for (size_t j = 0; j < m; j++) s->row[j] = frame->cols[s->frame_cols[j]].data[i];
        double st2, sq;
        tep_pca_scorer_push(s, s->row, &st2, &sq);
        if (t2) t2[i] = st2;
        if (q) q[i] = sq;
    }
    return 0;
}
