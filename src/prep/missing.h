/* missing.h - the missing-value step: fill NaN cells, or drop their rows.
 *
 * A gap is a run of consecutive NaN cells in one column. A gap is either
 * filled completely or left missing completely: it is left when it is longer
 * than max_gap samples (rows), or when there is nothing to fill from (a gap
 * at the start of a run for ffill/linear; a gap at the end of a run for
 * linear). Gaps left are counted (gaps_left, gap_samples_left).
 *   ffill  - the last valid value before the gap.
 *   linear - straight line in time between the valid values either side
 *            (v0 + (v1 - v0) * (t - t0) / (t1 - t0); by row position when the
 *            times do not increase).
 *   mean   - the column mean of the fitted normal data when a scaler model is
 *            given (`stats` or `model`), else the running mean of the run's
 *            valid values before the gap (no look at later data).
 *   drop   - drop every row with a NaN in a selected column (max_gap unused).
 * Look-ahead: to know a gap's length the step holds rows back while a gap of
 * at most max_gap rows is open (at most max_gap rows per column), and
 * releases them when the gap closes, is known to be too long, or at end_run.
 * max_gap = 0 means no limit and needs no look-ahead for ffill and mean;
 * linear needs a limit. The output is the same whatever the chunk sizes.
 */
#ifndef TEP_PREP_MISSING_H
#define TEP_PREP_MISSING_H

#include "prep/prep.h"

enum tep_prep_fill_method {
    TEP_PREP_FILL_FFILL = 0,
    TEP_PREP_FILL_LINEAR,
    TEP_PREP_FILL_MEAN,
    TEP_PREP_FILL_DROP,
};

struct tep_prep_scaler;

/* Defaults: tep_prep_missing_ops.options (tep_prep_missing_options_init). */
struct tep_prep_missing_options {
    int method;   /* enum tep_prep_fill_method (default ffill) */
    long max_gap; /* longest gap filled, in samples (default 10; 0 = no limit) */
    char columns[TEP_PREP_COLUMNS_MAX];  /* "" = every column */
    char model[TEP_PREP_PATH_MAX];       /* mean: scaler JSON to take means from */
    const struct tep_prep_scaler *stats; /* mean: fitted model (borrowed), or NULL */
};

struct tep_prep_missing;

void tep_prep_missing_options_init(struct tep_prep_missing_options *opt);
struct tep_prep_missing *tep_prep_missing_new(const struct tep_prep_missing_options *opt,
                                              struct tep_error *err);
void tep_prep_missing_free(struct tep_prep_missing *ctx);
int tep_prep_missing_begin_run(struct tep_prep_missing *ctx, const struct tep_frame *schema,
                               struct tep_error *err);
int tep_prep_missing_process(struct tep_prep_missing *ctx, struct tep_frame *chunk,
                             struct tep_prep_metrics *m, struct tep_error *err);
int tep_prep_missing_end_run(struct tep_prep_missing *ctx, struct tep_frame *tail_out,
                             struct tep_prep_metrics *m, struct tep_error *err);

#endif
