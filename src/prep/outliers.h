/* outliers.h - the outlier step: z-score, robust (median/MAD) or Hampel.
 *
 * Every method has a centre c and a scale s per cell; with threshold k the
 * bounds are lo = c - k*s and hi = c + k*s, and a value is an outlier when
 * x < lo or x > hi (NaN never is).
 *   zscore - c = mean, s = std of the fitted normal data (scaler model).
 *   mad    - c = median, s = 1.4826 * MAD of the fitted normal data.
 *            (Columns whose fitted scale is 0 or not finite are skipped.)
 *   hampel - c = median, s = 1.4826 * MAD of the centred window of the
 *            run's raw values x[i-w .. i+w] (truncated at the run's ends;
 *            NaN ignored), Hampel's identifier (F. R. Hampel, "The influence
 *            curve and its role in robust estimation", JASA 69, 1974; as a
 *            filter: Pearson et al., "Generalized Hampel filters", EURASIP J.
 *            Adv. Signal Process. 2016:87). Windows use the raw values, not
 *            earlier replacements. Needs w rows of look-ahead: the step holds
 *            the last w rows of each chunk back. A window whose MAD is 0
 *            flags nothing (no spread, no scale).
 * Actions: clip to lo/hi exactly, set missing, replace by the centre c
 * (`median`, the classic Hampel filter), or drop the row.
 */
#ifndef TEP_PREP_OUTLIERS_H
#define TEP_PREP_OUTLIERS_H

#include "prep/prep.h"

enum tep_prep_outlier_method {
    TEP_PREP_OUTLIER_ZSCORE = 0,
    TEP_PREP_OUTLIER_MAD,
    TEP_PREP_OUTLIER_HAMPEL,
};

enum tep_prep_outlier_action {
    TEP_PREP_OUTLIER_CLIP = 0,
    TEP_PREP_OUTLIER_SET_MISSING,
    TEP_PREP_OUTLIER_DROP,
    TEP_PREP_OUTLIER_MEDIAN, /* replace by the centre */
};

struct tep_prep_scaler;

/* Defaults: tep_prep_outliers_ops.options (tep_prep_outliers_options_init). */
struct tep_prep_outliers_options {
    int method;                          /* enum tep_prep_outlier_method (default mad) */
    double threshold;                    /* k (default 6) */
    int action;                          /* enum tep_prep_outlier_action (default clip) */
    long window;                         /* hampel: half-width w in rows (default 5) */
    char columns[TEP_PREP_COLUMNS_MAX];  /* "" = every catalogue column */
    char model[TEP_PREP_PATH_MAX];       /* zscore/mad: scaler JSON */
    const struct tep_prep_scaler *stats; /* zscore/mad: fitted model (borrowed), or NULL */
};

struct tep_prep_outliers;

void tep_prep_outliers_options_init(struct tep_prep_outliers_options *opt);
struct tep_prep_outliers *tep_prep_outliers_new(const struct tep_prep_outliers_options *opt,
                                                struct tep_error *err);
void tep_prep_outliers_free(struct tep_prep_outliers *ctx);
int tep_prep_outliers_begin_run(struct tep_prep_outliers *ctx, const struct tep_frame *schema,
                                struct tep_error *err);
int tep_prep_outliers_process(struct tep_prep_outliers *ctx, struct tep_frame *chunk,
                              struct tep_prep_metrics *m, struct tep_error *err);
int tep_prep_outliers_end_run(struct tep_prep_outliers *ctx, struct tep_frame *tail_out,
                              struct tep_prep_metrics *m, struct tep_error *err);

#endif
