/* features.h - the features step: lags, differences, rolling mean/std, EWMA.
 *
 * New columns are appended to each chunk, named <column>__<feature>:
 *   xmeas_9__lag1          x[i-1]                       (lags: [1])
 *   xmeas_9__diff1         x[i] - x[i-1]                (diff: [1])
 *   xmeas_9__roll20_mean   mean of x[i-19..i]           (rolling: [20], stats: [mean])
 *   xmeas_9__roll20_std    sample std (n-1) of x[i-19..i] (stats: [std])
 *   xmeas_9__ewma0.2       s[i] = 0.2 x[i] + 0.8 s[i-1], s = x at the first
 *                          valid value; NaN inputs leave s unchanged
 *                          (alpha printed with %g)   (ewma: [0.2])
 * Order: all lag columns (per lag, per column), then diffs, then rolling
 * (per window: per column mean then std), then EWMA.
 * Rows before the run's start count as missing: lags and diffs are NaN for
 * the first k rows; a rolling statistic is NaN until its window holds
 * `min_periods` valid values (default: the window length, so the first W-1
 * rows of a run are NaN, as pandas' rolling(W)); NaN values inside a window
 * are skipped. std needs 2 valid values.
 * All state (the last values, window sums) is carried across chunks, and
 * every value is computed by the same operations whatever the chunk size, so
 * the output is bit-identical for any chunking.
 */
#ifndef TEP_PREP_FEATURES_H
#define TEP_PREP_FEATURES_H

#include "prep/prep.h"

enum tep_prep_feature_stat {
    TEP_PREP_STAT_MEAN = 1u << 0,
    TEP_PREP_STAT_STD = 1u << 1,
};

/* Defaults: tep_prep_features_ops.options (tep_prep_features_options_init).
 * Each list is the struct tep_cfg_int_list / tep_cfg_double_list the config
 * table fills (lag_list, ...), overlaid with named fields of the same layout,
 * so code can also write opt.lags[opt.nlags++] = 1. */
struct tep_prep_features_options {
    char columns[TEP_PREP_COLUMNS_MAX]; /* "" = every column of the run */
    union {
        struct tep_cfg_int_list lag_list;
        struct {
            size_t nlags;
            long lags[TEP_PREP_LIST_MAX];
        };
    };
    union {
        struct tep_cfg_int_list diff_list;
        struct {
            size_t ndiffs;
            long diffs[TEP_PREP_LIST_MAX];
        };
    };
    union {
        struct tep_cfg_int_list rolling_list;
        struct {
            size_t nrolling;
            long rolling[TEP_PREP_LIST_MAX]; /* window lengths W >= 2 */
        };
    };
    unsigned stats;   /* enum tep_prep_feature_stat bits (default mean|std) */
    long min_periods; /* 0 = the window length */
    union {
        struct tep_cfg_double_list ewma_list;
        struct {
            size_t newma;
            double ewma[TEP_PREP_LIST_MAX]; /* alphas in (0, 1] */
        };
    };
};

struct tep_prep_features;

void tep_prep_features_options_init(struct tep_prep_features_options *opt);
struct tep_prep_features *tep_prep_features_new(const struct tep_prep_features_options *opt,
                                                struct tep_error *err);
void tep_prep_features_free(struct tep_prep_features *ctx);
int tep_prep_features_begin_run(struct tep_prep_features *ctx, const struct tep_frame *schema,
                                struct tep_error *err);
/* Append the feature columns to `schema` (a frame with the run's columns). */
int tep_prep_features_schema_out(struct tep_prep_features *ctx, struct tep_frame *schema,
                                 struct tep_error *err);
/* The chunk may have the run's columns only (features are added) or already
 * the output columns (e.g. a reused frame; they are overwritten). */
int tep_prep_features_process(struct tep_prep_features *ctx, struct tep_frame *chunk,
                              struct tep_prep_metrics *m, struct tep_error *err);
int tep_prep_features_end_run(struct tep_prep_features *ctx, struct tep_frame *tail_out,
                              struct tep_prep_metrics *m, struct tep_error *err);

#endif
