/* prep_stage.h - the preprocessing stage as a pipeline filter (core/stage.h).
 *
 * Configured from the `preprocessing:` section of config.yaml: either the
 * short form (normalize: true, remove_outliers: true) or the full form, an
 * ordered list of steps, each with its options:
 *
 *   preprocessing:
 *     steps:
 *       - clean: {sort: true, dedupe: true}
 *       - missing: {method: ffill, max_gap: 10}
 *       - outliers: {method: mad, threshold: 6, action: clip}
 *       - normalize: {method: zscore, fit_on: normal}
 *       - features: {rolling: [20], stats: [mean, std], diff: [1], lags: [1]}
 *
 * Steps that scale or judge values by normal-operation statistics (normalize,
 * outliers zscore/mad) share one model fitted on normal data only (fault 0
 * rows, or a named reference run) and saved to preprocessing.model; a later
 * `tep run` loads that file, so later data are scaled the same way. When the
 * model file does not exist yet, the pipeline first streams the inputs through
 * the steps before the first model user and fits it (see pipeline.c).
 */
#ifndef TEP_PREP_PREP_STAGE_H
#define TEP_PREP_PREP_STAGE_H

#include <stdbool.h>

#include "core/config.h"
#include "core/stage.h"
#include "prep/prep.h"

extern const struct tep_stage_plugin tep_prep_stage_plugin;

/* Read `section` (the preprocessing mapping, may be NULL) into the stage's
 * options. Errors name the file, line, column and key. */
int tep_prep_stage_configure(struct tep_stage *stage, struct tep_config *cfg, yaml_node_t *section,
                             struct tep_error *err);

/* True when no model file exists and a model must be fitted before the run. */
bool tep_prep_stage_needs_fit(const struct tep_stage *stage);

/* Model fitting pass: a chain of the steps before the first model user, and a
 * scaler to feed. Call begin, then for each run: fit_begin_run, then per chunk
 * fit_prepare (the chain, in place) and fit_accumulate (the scaler; may run in
 * another thread, in chunk order), then fit_end_run, which puts the rows the
 * chain held back into `tail` for fit_accumulate; then fit_finish (saves the
 * model file). */
int tep_prep_stage_fit_begin(struct tep_stage *stage, struct tep_error *err);
int tep_prep_stage_fit_begin_run(struct tep_stage *stage, const struct tep_frame *schema,
                                 struct tep_error *err);
int tep_prep_stage_fit_prepare(struct tep_stage *stage, struct tep_frame *chunk,
                               struct tep_error *err);
int tep_prep_stage_fit_accumulate(struct tep_stage *stage, const struct tep_frame *chunk,
                                  struct tep_error *err);
int tep_prep_stage_fit_end_run(struct tep_stage *stage, struct tep_frame *tail,
                               struct tep_error *err);
int tep_prep_stage_fit_finish(struct tep_stage *stage, struct tep_error *err);

/* Path of the model file in use (after init). */
const char *tep_prep_stage_model_path(const struct tep_stage *stage);

/* Describe the configured steps ("clean, missing(ffill), ...") for the run summary. */
void tep_prep_stage_describe(const struct tep_stage *stage, char *buf, size_t n);

/* Print the documentation of every step's keys (for `tep run --help-config`). */
void tep_prep_stage_print_help(FILE *out);

#endif
