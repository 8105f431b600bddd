/* monitor.h - process monitoring with PCA / dynamic PCA as a library, and the `monitor`
 * filter stage that applies it to every row of a pipeline run.
 *
 * The computational steps behind `tep analyze`, `tep report`, `tep run`'s analysis: section
 * and the stage: choose the variables, fit a model on the normal rows (fault 0) of a frame,
 * score a frame (T^2 and Q per row, pca.h), the k-consecutive alarm rule and the detection
 * metrics of a scored run (metrics.h). Reading runs, JSON results and the HTML report are the
 * analysis job's (pipeline/analysis_job.h); this layer includes only core/ (and pca/metrics).
 */
#ifndef TEP_ANALYSIS_MONITOR_H
#define TEP_ANALYSIS_MONITOR_H

#include <stddef.h>

#include "analysis/metrics.h"
#include "analysis/pca.h"
#include "core/catalog.h"
#include "core/error.h"
#include "core/frame.h"
#include "core/stage.h"

/* Most variables a model may be fitted on. */
#define TEP_MONITOR_MAX_VARS (TEP_N_VARS * 4)

/* The variables of a model, fitted on `train`. list == NULL: the 52 of the classic data sets
 * (XMEAS 1-41, XMV 1-11) that `train` has and that vary there (a constant column cannot be
 * standardised; at least 2 are needed). Otherwise a comma- or blank-separated list of column
 * names, catalogue names or their aliases ("XMEAS(3)" = xmeas_3), each a column of `train`.
 * `names` has room for TEP_MONITOR_MAX_VARS names; *n receives how many were chosen. */
int tep_monitor_choose_columns(const struct tep_frame *train, const char *list,
                               char (*names)[TEP_COLUMN_NAME_MAX], size_t *n,
                               struct tep_error *err);

/* Fit a PCA (opt->lags == 0) or dynamic PCA model on the rows of `train` labelled fault 0,
 * on the named columns (stored in the model, so the scorer finds them again by name). The
 * training frame is not changed. On success *out owns a new model. */
int tep_monitor_fit(const struct tep_frame *train, const char *const *columns, size_t ncolumns,
                    const struct tep_pca_options *opt, struct tep_pca_model **out,
                    struct tep_error *err);

/* The alarm rule: a sample is in alarm when T^2 or Q has exceeded its limit (strictly) on it
 * and on the consecutive - 1 samples before it. A sample without statistics (DPCA warm-up, a
 * NaN in its window) breaks both runs and is unscored. The state carries over between chunks
 * of a run; initialise it again for the next run. */
struct tep_monitor_alarm {
    size_t consecutive; /* k >= 1 */
    size_t run_t2;      /* samples in a row with T^2 over its limit, up to the current one */
    size_t run_q;       /* the same for Q */
};

void tep_monitor_alarm_init(struct tep_monitor_alarm *alarm, size_t consecutive);

/* Push one sample's statistics; returns TEP_ALARM_ON, TEP_ALARM_NONE or (both NaN)
 * TEP_ALARM_UNSCORED. */
int tep_monitor_alarm_push(struct tep_monitor_alarm *alarm, double t2, double q, double t2_limit,
                           double q_limit);

/* One run scored: statistics, alarm series and detection metrics. */
struct tep_monitor_scores {
    size_t n;                       /* rows of the scored frame */
    double *t2, *q;                 /* n statistics each; NaN where unscored */
    signed char *alarm;             /* n codes of the alarm rule above (TEP_ALARM_*) */
    struct tep_detection d_t2, d_q; /* metrics.h: FDR, FAR, delay, onset per statistic, with
                                     * the same `consecutive` */
};

/* Score every row of `frame` (one whole run, from its first row) with `model`, whose
 * variables are found by column name. On failure nothing stays allocated in *out. */
int tep_monitor_score(const struct tep_pca_model *model, const struct tep_frame *frame,
                      size_t consecutive, struct tep_monitor_scores *out, struct tep_error *err);
void tep_monitor_scores_free(struct tep_monitor_scores *scores);

/* Contributions of each variable to T^2 and Q at row `row` of a run (`frame` from the run's
 * first row): the rows up to it are pushed through a scorer, so a DPCA model has its lag
 * history, then tep_pca_scorer_contributions ranks them (pca.h). t2c and qc: model->nvars
 * entries each. Fails when that row is not scored (warm-up, a NaN in its window). */
int tep_monitor_contributions(const struct tep_pca_model *model, const struct tep_frame *frame,
                              size_t row, struct tep_pca_contrib *t2c, struct tep_pca_contrib *qc,
                              struct tep_error *err);

/* The `monitor` filter stage (monitor_stage.c). Keys:
 *   model:        path of a model saved by `tep analyze --model-out` (required; a missing or
 *                 invalid file is a configuration error)
 *   consecutive:  k of the alarm rule (default 1)
 *   prefix:       prefix of the added column names (default none)
 * It adds three columns to every chunk, computed with the saved model exactly as
 * tep_monitor_score computes them: <prefix>t2 (Hotelling T^2), <prefix>q (Q, the squared
 * prediction error) and <prefix>alarm (1 in alarm, 0 not, missing when unscored). The DPCA lag
 * history and the alarm runs carry over from chunk to chunk (rows an earlier filter releases
 * at its end_run reach this stage through process like any chunk) and start afresh with each
 * run. It holds no row back. The model's variables must be columns of the frame. */
extern const struct tep_stage_plugin tep_monitor_stage_plugin;

#endif
