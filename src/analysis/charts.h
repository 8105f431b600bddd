/* charts.h - univariate EWMA and CUSUM charts, one per variable, as baseline detectors.
 *
 * Each variable is standardised with the training mean and sample std (n - 1), x~ = (x-mu)/s.
 * EWMA (Roberts 1959): z_t = lambda x~_t + (1 - lambda) z_{t-1}, z_0 = 0; statistic |z_t|.
 * CUSUM (Page 1954, tabular two-sided form): C+_t = max(0, C+_{t-1} + x~_t - k),
 * C-_t = max(0, C-_{t-1} - x~_t - k), C_0 = 0; statistic max(C+, C-).
 * A sample alarms when ANY variable's statistic exceeds that variable's limit. The per-row
 * output is the largest ratio statistic / limit, so "alarm" is simply ratio > 1.
 * Limits (enum tep_chart_limits): TEP data are strongly autocorrelated, so textbook constants
 * (which assume independent samples) give far too many alarms, and m charts tested together
 * raise the false alarm rate about m-fold. The default (MODEL) therefore scales each limit by
 * the variable's own training behaviour and gives each chart a Bonferroni share (1-conf)/m of
 * the family risk. Multivariate statistics (PCA T^2 / Q) need no such correction.
 */
#ifndef TEP_ANALYSIS_CHARTS_H
#define TEP_ANALYSIS_CHARTS_H

#include <stddef.h>

#include "core/error.h"

enum tep_chart_kind {
    TEP_CHART_EWMA = 0,
    TEP_CHART_CUSUM = 1,
};

enum tep_chart_limits {
    /* With p = (1 - confidence) / (2 m) per side and chart (Bonferroni over m variables):
     * EWMA: z_(1-p) s_z, where s_z is the root mean square of the variable's EWMA statistic over
     * the training rows (so it includes the autocorrelation; for independent data it tends
     * to sqrt(lambda / (2 - lambda))) and z the standard normal quantile: L = 3.729 for m = 52.
     * CUSUM: h = s2 / (2k) ln(1/p), the diffusion approximation to the stationary tail of a
     * reflected random walk with drift -k, P(C > h) ~ exp(-2 k h / s2) (Siegmund 1985,
     * ch. 2), where s2 is the long-run variance of the standardised variable, estimated by
     * batch means of sqrt(n) rows (1 for independent data). Needs k > 0. */
    TEP_CHART_LIMITS_MODEL = 0,
    /* limit_j = the 1 - (1 - confidence)/m quantile (linear interpolation) of variable j's
     * statistic over the training rows. Only sensible with n >> m / (1 - confidence) rows
     * (5200 for 52 variables at 99 %): below that it is about the training maximum, which a
     * new run exceeds with probability ~ m/n per sample. */
    TEP_CHART_LIMITS_QUANTILE = 1,
    /* EWMA: L sqrt(lambda / (2 - lambda)) (asymptotic std of z for independent data);
     * CUSUM: h. Both in training-std units, identical for every variable. */
    TEP_CHART_LIMITS_FIXED = 2,
};

struct tep_chart_options {
    enum tep_chart_kind kind;
    enum tep_chart_limits limits;
    double lambda;     /* EWMA weight in (0, 1]; default 0.2 (Montgomery; Lucas & Saccucci) */
    double L;          /* EWMA width for FIXED limits; default 3 */
    double k;          /* CUSUM allowance in std units, half the shift to detect; default 0.5 */
    double h;          /* CUSUM decision interval for FIXED limits; default 5 (ARL0 ~ 465) */
    double confidence; /* MODEL / QUANTILE limits: family confidence in (0,1); default 0.99 */
};

/* Defaults for a chart kind (values above, MODEL limits). */
void tep_chart_options_default(struct tep_chart_options *opt, enum tep_chart_kind kind);

struct tep_chart_model {
    enum tep_chart_kind kind;
    size_t nvars;
    double lambda; /* EWMA weight (EWMA only) */
    double k;      /* CUSUM allowance (CUSUM only) */
    double *mean;  /* nvars training means */
    double *std;   /* nvars training sample std (> 0) */
    double *limit; /* nvars limits on each variable's statistic (> 0) */
};

/* Fit on x (nrows x nvars, row-major, finite). *out owns a new model. */
int tep_chart_fit(const double *x, size_t nrows, size_t nvars,
                  const struct tep_chart_options *opt, struct tep_chart_model **out,
                  struct tep_error *err);
void tep_chart_model_free(struct tep_chart_model *model);

/* Run the charts over x (nrows x nvars) from a zero state; ratio[i] = max_j stat_j / limit_j
 * (NaN when the whole row is missing; a missing value leaves that variable's chart as it was).
 * worst (may be NULL) receives the variable attaining the maximum. */
int tep_chart_run(const struct tep_chart_model *model, const double *x, size_t nrows,
                  double *ratio, size_t *worst, struct tep_error *err);

/* Streaming use: state per run, no allocation after tep_chart_state_new. */
struct tep_chart_state;
int tep_chart_state_new(const struct tep_chart_model *model, struct tep_chart_state **out,
                        struct tep_error *err);
void tep_chart_state_free(struct tep_chart_state *state);
void tep_chart_state_reset(struct tep_chart_state *state);
/* Push one sample; returns the ratio as in tep_chart_run, *worst (may be NULL) its variable. */
double tep_chart_state_push(struct tep_chart_state *state, const double *x, size_t *worst);

#endif
