/* clean.h - the clean step: time order, duplicates, physical range.
 *
 * Ordering: rows are sorted by (time, sample) within a bounded reorder
 * window. With reorder_window = W > 0 the step holds the latest W rows back,
 * so a row arriving up to W rows late is put back in place (output is
 * delayed by W rows and flushed at end_run). With W = 0 each chunk is sorted
 * on its own and order across chunks is only checked. Any row whose time
 * does not strictly increase over the previous output row afterwards (or is
 * NaN) is non-monotonic: `reject` fails with an error naming the run and the
 * row (1-based position in the run's input), `repair` drops and counts it,
 * `allow` counts and keeps it.
 * Duplicates: a row with the same time, sample, fault and values (NaN equal
 * to NaN) as the previous output row is dropped and counted (dedupe); a row
 * with the same time but other values is non-monotonic.
 * Range: values of catalogue columns outside tep_catalog[v].range_lo/hi are
 * counted per column, and set to NaN with range_action set_missing.
 */
#ifndef TEP_PREP_CLEAN_H
#define TEP_PREP_CLEAN_H

#include "prep/prep.h"

enum tep_prep_time_policy {
    TEP_PREP_TIME_REJECT = 0,
    TEP_PREP_TIME_REPAIR,
    TEP_PREP_TIME_ALLOW,
};

enum tep_prep_range_action {
    TEP_PREP_RANGE_ACTION_FLAG = 0,    /* count only */
    TEP_PREP_RANGE_ACTION_SET_MISSING, /* count and set to NaN */
};

/* Defaults: tep_prep_clean_ops.options (tep_prep_clean_options_init). */
struct tep_prep_clean_options {
    bool sort;           /* restore time order (default true) */
    long reorder_window; /* rows held back for late arrivals (default 0: per-chunk sort) */
    bool dedupe;         /* drop exact duplicate rows: same time, fault and values (default true) */
    int non_monotonic;   /* enum tep_prep_time_policy (default reject) */
    bool range_check;    /* check catalogue ranges (default true) */
    int range_action;    /* enum tep_prep_range_action (default flag) */
};

struct tep_prep_clean;

void tep_prep_clean_options_init(struct tep_prep_clean_options *opt);
struct tep_prep_clean *tep_prep_clean_new(const struct tep_prep_clean_options *opt,
                                          struct tep_error *err);
void tep_prep_clean_free(struct tep_prep_clean *ctx);
int tep_prep_clean_begin_run(struct tep_prep_clean *ctx, const struct tep_frame *schema,
                             struct tep_error *err);
int tep_prep_clean_process(struct tep_prep_clean *ctx, struct tep_frame *chunk,
                           struct tep_prep_metrics *m, struct tep_error *err);
int tep_prep_clean_end_run(struct tep_prep_clean *ctx, struct tep_frame *tail_out,
                           struct tep_prep_metrics *m, struct tep_error *err);

#endif
