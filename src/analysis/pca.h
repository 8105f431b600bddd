/* pca.h - PCA and dynamic PCA process monitoring: fit, T^2 / Q scores, limits, contributions.
 *
 * A model is fitted on normal-operation data (row-major, nrows x nvars), standardised with
 * the training mean and sample standard deviation (n - 1). Dynamic PCA (lags L >= 1)
 * augments sample t with its L predecessors, [x(t), x(t-1), ..., x(t-L)]; the first L rows
 * have no full history and are dropped from the fit, and get NaN scores. Eigen-pairs of the
 * correlation matrix come from LAPACK's symmetric solver (dsyevr); the covariance is never
 * inverted, so the near-singular TEP correlation matrix (XMV 7/8 linear in XMEAS 12/15) is
 * fine as long as the kept components have non-negligible variance.
 * Limits: T^2 ~ a(n-1)(n+1)/(n(n-a)) F(a, n-a) (Tracy, Young & Mason 1992, as used by
 * MacGregor & Kourti 1995); Q by Jackson & Mudholkar (1979). Model files: see model_json.c.
 */
#ifndef TEP_ANALYSIS_PCA_H
#define TEP_ANALYSIS_PCA_H

#include <stddef.h>

#include "core/error.h"
#include "core/frame.h"

/* How many principal components to keep. */
enum tep_pca_rule {
    TEP_PCA_RULE_FIXED = 0,    /* exactly opt.ncomp components */
    TEP_PCA_RULE_VARIANCE = 1, /* fewest with cumulative explained variance >= opt.variance */
    TEP_PCA_RULE_PARALLEL = 2, /* Horn's parallel analysis, see tep_pca_parallel_threshold */
};

struct tep_pca_options {
    size_t lags;                  /* 0 = static PCA, L >= 1 = dynamic PCA with L lags */
    enum tep_pca_rule rule;       /* component selection rule */
    size_t ncomp;                 /* TEP_PCA_RULE_FIXED: number of components */
    double variance;              /* TEP_PCA_RULE_VARIANCE: fraction in (0, 1] */
    size_t parallel_draws;        /* TEP_PCA_RULE_PARALLEL: random data sets (default 20) */
    double parallel_quantile;     /* TEP_PCA_RULE_PARALLEL: quantile in (0,1) (default 0.95) */
    unsigned long long seed;      /* TEP_PCA_RULE_PARALLEL: random seed (default 1) */
    double confidence;            /* confidence of both limits, in (0, 1); default 0.99 */
    const char *const *var_names; /* nvars names stored in the model, or NULL */
};

/* Defaults: static PCA, fixed 9 components, 99 % limits, parallel: 20 draws, q 0.95, seed 1. */
void tep_pca_options_default(struct tep_pca_options *opt);

/* A fitted model. dim = nvars * (lags + 1) is the width of the (augmented) sample; the
 * augmented column l*nvars + j is variable j lagged by l samples. */
struct tep_pca_model {
    size_t nvars;         /* variables per raw sample */
    size_t lags;          /* L; 0 for static PCA */
    size_t dim;           /* nvars * (lags + 1) */
    size_t ncomp;         /* a: retained components, 1 <= a < dim */
    size_t ntrain;        /* rows used in the fit (nrows - lags) */
    enum tep_pca_rule rule;
    double confidence;    /* e.g. 0.99 */
    double t2_limit;      /* Hotelling T^2 limit */
    double q_limit;       /* SPE / Q limit */
    double *mean;         /* dim training means */
    double *std;          /* dim training sample standard deviations (> 0) */
    double *eigenvalues;  /* dim eigenvalues of the correlation matrix, descending */
    double *loadings;     /* dim x ncomp, row-major: loadings[i * ncomp + k] = P(i, k) */
    char **var_names;     /* nvars names, or NULL when the fit was given none */
};

/* Fit on x (nrows x nvars, row-major, all finite). On success *out owns a new model. */
int tep_pca_fit(const double *x, size_t nrows, size_t nvars, const struct tep_pca_options *opt,
                struct tep_pca_model **out, struct tep_error *err);

/* Fit on the named value columns of a frame (columns == NULL: every value column). The
 * column names are stored in the model, so tep_pca_scorer_push_frame can find them again. */
int tep_pca_fit_frame(const struct tep_frame *frame, const char *const *columns,
                      size_t ncolumns, const struct tep_pca_options *opt,
                      struct tep_pca_model **out, struct tep_error *err);

/* An empty model (zeroed arrays, no names) of the given shape; NULL if the shape overflows
 * or memory runs out. Used by the fit and the JSON loader. */
struct tep_pca_model *tep_pca_model_new(size_t nvars, size_t lags, size_t ncomp);
void tep_pca_model_free(struct tep_pca_model *model);

/* Check a model's invariants (shape, finite values, std > 0, eigenvalues descending and the
 * kept ones > 0, limits > 0): 0, or -1 with a message naming the first violation. */
int tep_pca_model_check(const struct tep_pca_model *model, struct tep_error *err);

/* Batch scores of x (nrows x model->nvars). t2 and q (either may be NULL) receive nrows
 * values; rows without a full lag history, or with a NaN in their window, get NaN. */
int tep_pca_score(const struct tep_pca_model *model, const double *x, size_t nrows, double *t2,
                  double *q, struct tep_error *err);

/* One variable's share of a statistic. */
struct tep_pca_contrib {
    size_t var;   /* raw variable index 0..nvars-1 */
    double value; /* contribution; the values of all variables add up to the statistic */
};

/* Contributions of each raw variable to T^2 and Q of row `row` of x (row >= lags), ranked
 * largest first (ties by variable index). Q: squared residual of each variable. T^2: the
 * complete decomposition of Alcala & Qin (2009, Automatica 45:1593), c_i = (xi_i' D^1/2 z)^2
 * with D = P diag(1/lambda) P'; both add up exactly to the statistic. For dynamic PCA the
 * contributions of a variable's lagged copies are summed. t2c / q2c: nvars entries each
 * (either may be NULL); t2 / q (may be NULL) receive the statistics. */
int tep_pca_contributions(const struct tep_pca_model *model, const double *x, size_t nrows,
                          size_t row, struct tep_pca_contrib *t2c, struct tep_pca_contrib *qc,
                          double *t2, double *q, struct tep_error *err);

/* Streaming scorer: one sample at a time, no allocation after tep_pca_scorer_new. It copies
 * what it needs from the model (the model may be freed afterwards) and keeps the DPCA lag
 * history in a ring buffer. */
struct tep_pca_scorer;

int tep_pca_scorer_new(const struct tep_pca_model *model, struct tep_pca_scorer **out,
                       struct tep_error *err);
void tep_pca_scorer_free(struct tep_pca_scorer *scorer);

/* Forget the lag history (call between runs). */
void tep_pca_scorer_reset(struct tep_pca_scorer *scorer);

/* Push one sample (nvars values). Returns 1 and the statistics when scored; 0 with NaN
 * statistics while the lag history fills up or when the window holds a NaN. */
int tep_pca_scorer_push(struct tep_pca_scorer *scorer, const double *x, double *t2, double *q);

/* Contributions (as tep_pca_contributions) for the most recently pushed sample. Returns -1
 * when that sample was not scored. */
int tep_pca_scorer_contributions(struct tep_pca_scorer *scorer, struct tep_pca_contrib *t2c,
                                 struct tep_pca_contrib *qc, struct tep_error *err);

/* Push every row of a frame chunk; the model's variables are found by column name (the
 * lag history carries over between chunks of one run). t2 / q receive frame->nrows values. */
int tep_pca_scorer_push_frame(struct tep_pca_scorer *scorer, const struct tep_frame *frame,
                              double *t2, double *q, struct tep_error *err);

/* ---- building blocks, public so they can be tested and reused ---- */

/* Eigen-decomposition of the symmetric n x n row-major matrix a (LAPACK dsyevr): values
 * descending; evecs (n x n row-major, may be NULL) holds eigenvector k in column k, signed
 * so that its largest-magnitude entry is positive. */
int tep_pca_eigh(const double *a, size_t n, double *values, double *evecs,
                 struct tep_error *err);

/* Upper quantile of F(d1, d2) at probability p: gsl_cdf_fdist_Pinv, with a safeguarded
 * Newton/bisection on gsl_cdf_fdist_Q when GSL's inversion does not converge (it does not for
 * e.g. d1 = 9, d2 = 10^4). GSL's abort-on-error handler is switched off (once) for this. */
int tep_pca_f_quantile(double p, double d1, double d2, double *out, struct tep_error *err);

/* T^2 limit a(n-1)(n+1)/(n(n-a)) F_conf(a, n-a) for a components and n training rows. */
int tep_pca_t2_limit(size_t ncomp, size_t n, double confidence, double *out,
                     struct tep_error *err);

/* Jackson-Mudholkar Q limit from all dim eigenvalues (descending) and a kept components:
 * theta_i = sum_{j>a} lambda_j^i, h0 = 1 - 2 theta1 theta3 / (3 theta2^2),
 * Q = theta1 [c sqrt(2 theta2 h0^2)/theta1 + 1 + theta2 h0 (h0-1)/theta1^2]^(1/h0), with c
 * the standard normal quantile at `confidence`. When h0 <= 0 (or the bracket is <= 0) it
 * uses Box's (1954) g chi2(h) approximation, g = theta2/theta1, h = theta1^2/theta2.
 * Negative round-off eigenvalues count as 0. */
int tep_pca_q_limit(const double *eigenvalues, size_t dim, size_t ncomp, double confidence,
                    double *out, struct tep_error *err);

/* Parallel analysis threshold (Horn 1965, with Glorfeld's 1995 quantile variant): for `draws`
 * matrices of independent standard normal data of shape nrows x dim (seeded generator, so the
 * result is reproducible), the `quantile` of the k-th largest correlation eigenvalue, k=1..dim.
 * The rule keeps the leading components whose observed eigenvalue exceeds the threshold, and
 * stops at the first that does not. quantile 0.5 is close to Horn's original mean. Cost: draws
 * x (nrows x dim normal deviates + one correlation matrix), about 0.2 s per draw per 100 000
 * rows of 52 variables on one core; the data matrix of one draw is held in memory. For DPCA
 * the random data are independent columns of the augmented width dim. */
int tep_pca_parallel_threshold(size_t nrows, size_t dim, size_t draws, double quantile,
                               unsigned long long seed, double *threshold,
                               struct tep_error *err);

/* Number of components for a rule from the eigenvalues (descending) of a fit on nrows rows
 * (nrows is used by the parallel rule only). The result is in 1..dim-1. */
int tep_pca_choose_ncomp(const double *eigenvalues, size_t dim, size_t nrows,
                         const struct tep_pca_options *opt, size_t *ncomp,
                         struct tep_error *err);

/* ---- model files (model_json.c) ---- */

/* JSON text of a model (doubles with 17 significant digits, so loading gives back the
 * identical bits). The caller frees the string with free(). */
char *tep_pca_model_to_json(const struct tep_pca_model *model, struct tep_error *err);
int tep_pca_model_from_json(const char *text, struct tep_pca_model **out,
                            struct tep_error *err);

/* Write (through a temporary file and rename) / read a model file. */
int tep_pca_model_save(const struct tep_pca_model *model, const char *path,
                       struct tep_error *err);
int tep_pca_model_load(const char *path, struct tep_pca_model **out, struct tep_error *err);

#endif
