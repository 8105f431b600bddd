/* prep.h - the preprocessing stage: streaming steps over the chunks of a run.
 *
 * A step transforms a run's frames chunk by chunk, in place, and keeps the
 * state it needs across the chunks of one run (rolling windows, last values,
 * rows held back until a look-ahead value arrives). Every step has the same
 * life cycle, exposed as a vtable (struct tep_prep_step_ops) so a pipeline can
 * hold a list of steps: new(options) -> begin_run(schema) -> process(chunk)...
 * -> end_run(tail) -> [begin_run of the next run ...] -> free.
 * Steps count data-quality facts into struct tep_prep_metrics (per run, per
 * column). The concrete steps live in clean.h, missing.h, outliers.h,
 * scaler.h (normalize) and features.h; tep_prep_chain runs a list of them.
 */
#ifndef TEP_PREP_PREP_H
#define TEP_PREP_PREP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "core/config.h"
#include "core/error.h"
#include "core/frame.h"

/* Room for a comma-separated column list in an options struct ("" = all columns);
 * the config type TEP_CFG_COLUMNS fills it. */
#define TEP_PREP_COLUMNS_MAX TEP_CFG_COLUMNS_MAX
/* Room for a file path in an options struct (a TEP_CFG_STRING). */
#define TEP_PREP_PATH_MAX TEP_CFG_STRING_MAX
/* Most entries in an integer or double list option (lags, windows, ...). */
#define TEP_PREP_LIST_MAX TEP_CFG_LIST_MAX

/* ------------------------------------------------------------------ metrics */

/* Counters about whole rows of a run. */
enum tep_prep_run_counter {
    TEP_PREP_ROWS_IN = 0,          /* rows given to the chain (tep_prep_chain_process) */
    TEP_PREP_ROWS_OUT,             /* rows the chain handed back, tail included */
    TEP_PREP_ROWS_REORDERED,       /* clean: rows that arrived earlier in time than their
                                      predecessor (out of order on arrival) */
    TEP_PREP_DUPLICATES_DROPPED,   /* clean: exact duplicate samples dropped */
    TEP_PREP_NON_MONOTONIC_TIME,   /* clean: rows whose time did not increase (or was NaN);
                                      dropped with `repair`, kept with `allow` */
    TEP_PREP_ROWS_DROPPED_MISSING, /* missing(method drop): rows dropped */
    TEP_PREP_ROWS_DROPPED_OUTLIER, /* outliers(action drop): rows dropped */
    TEP_PREP_N_RUN_COUNTERS
};

/* Counters about the cells of one column. */
enum tep_prep_col_counter {
    TEP_PREP_RANGE_VIOLATIONS = 0, /* clean: values outside the catalogue's physical range */
    TEP_PREP_RANGE_SET_MISSING,    /* clean: of those, values set to NaN */
    TEP_PREP_MISSING_IN,           /* missing: NaN cells seen */
    TEP_PREP_MISSING_FILLED,       /* missing: NaN cells filled */
    TEP_PREP_GAPS_FILLED,          /* missing: gaps (runs of consecutive NaN) filled */
    TEP_PREP_GAPS_LEFT,            /* missing: gaps left missing (longer than max_gap, or
                                      nothing to fill from) */
    TEP_PREP_GAP_SAMPLES_LEFT,     /* missing: NaN cells in the gaps left */
    TEP_PREP_OUTLIERS_FOUND,       /* outliers: cells flagged */
    TEP_PREP_OUTLIERS_CLIPPED,     /* outliers: set to the threshold bound */
    TEP_PREP_OUTLIERS_SET_MISSING, /* outliers: set to NaN */
    TEP_PREP_OUTLIERS_REPLACED,    /* outliers: replaced by the centre (median / mean) */
    TEP_PREP_OUTLIERS_ROW_DROPPED, /* outliers: flagged cells whose row was dropped */
    TEP_PREP_N_COL_COUNTERS
};

struct tep_prep_column_metrics {
    char name[TEP_COLUMN_NAME_MAX];
    uint64_t n[TEP_PREP_N_COL_COUNTERS];
};

/* Data-quality counters of one run: run totals plus one row of counters per
 * column (columns are added on first use, by name). */
struct tep_prep_metrics {
    char run_id[TEP_RUN_ID_MAX];
    uint64_t run[TEP_PREP_N_RUN_COUNTERS];
    size_t ncols;
    size_t cols_allocated;
    struct tep_prep_column_metrics *cols;
};

/* Empty metrics for `run_id` (may be NULL or ""); NULL on failure. */
struct tep_prep_metrics *tep_prep_metrics_new(const char *run_id, struct tep_error *err);
void tep_prep_metrics_free(struct tep_prep_metrics *m);

/* Zero every counter, forget the columns and set a new run id. */
void tep_prep_metrics_reset(struct tep_prep_metrics *m, const char *run_id);

/* Index of the counters of column `name`, added if new. `hint` is where the
 * column probably is (its frame index) to skip the search; -1 on failure. */
int tep_prep_metrics_column(struct tep_prep_metrics *m, const char *name, size_t hint,
                            struct tep_error *err);

/* Snake-case names: "rows_in", "duplicates_dropped", "missing_filled", ... */
const char *tep_prep_run_counter_name(enum tep_prep_run_counter c);
const char *tep_prep_col_counter_name(enum tep_prep_col_counter c);

uint64_t tep_prep_metrics_run_value(const struct tep_prep_metrics *m, enum tep_prep_run_counter c);
/* Value for column `column`, or the sum over all columns when `column` is NULL;
 * 0 for a column never seen. */
uint64_t tep_prep_metrics_col_value(const struct tep_prep_metrics *m, const char *column,
                                    enum tep_prep_col_counter c);

/* Add every counter of `src` into `dst` (columns matched by name). */
int tep_prep_metrics_add(struct tep_prep_metrics *dst, const struct tep_prep_metrics *src,
                         struct tep_error *err);

/* Visit every (column, name, value): first the run counters and the column
 * counters summed over columns (column = ""), then each column's counters.
 * Zero values are skipped unless `include_zero`. A non-zero return from
 * `visit` stops the walk and is returned. Suits one SQLite row per call. */
typedef int (*tep_prep_metrics_visit_fn)(void *user, const char *column, const char *name,
                                         uint64_t value);
int tep_prep_metrics_foreach(const struct tep_prep_metrics *m, bool include_zero,
                             tep_prep_metrics_visit_fn visit, void *user);

/* Write a compact human summary (a few lines, non-zero columns only) to `out`. */
void tep_prep_metrics_summary(const struct tep_prep_metrics *m, FILE *out);

/* ----------------------------------------------------------- step interface */

struct tep_prep_metrics;

struct tep_prep_step_ops {
    const char *name;    /* config key of the step: "clean", "missing", ... */
    const char *summary; /* one line */
    size_t options_size; /* sizeof the step's options struct */
    /* The step's config keys (core/config.h): where each goes in the options
     * struct, its type, range, default and help. tep_config_apply fills an
     * options struct from the step's YAML mapping; the defaults come from here
     * only (tep_prep_options_init). */
    const struct tep_cfg_key *options;
    void *(*create)(const void *options, struct tep_error *err);
    /* Start a run; `schema` is a frame with the run's columns (rows ignored)
     * and its run_id. Resets all per-run state. */
    int (*begin_run)(void *ctx, const struct tep_frame *schema, struct tep_error *err);
    /* Add the columns this step will add to `schema` (NULL if it adds none). */
    int (*schema_out)(void *ctx, struct tep_frame *schema, struct tep_error *err);
    /* Transform `chunk` in place: may drop rows, hold rows back for later
     * (returning fewer), release earlier held rows (returning more), change
     * values, add columns. `m` may be NULL. A step that adds columns must
     * also accept a chunk that already has them (and overwrite them). */
    int (*process)(void *ctx, struct tep_frame *chunk, struct tep_prep_metrics *m,
                   struct tep_error *err);
    /* End the run: put the rows still held back into `tail_out` (caller-owned;
     * its rows are replaced; when it has no columns it gets the step's output
     * columns, otherwise its columns must be those). */
    int (*end_run)(void *ctx, struct tep_frame *tail_out, struct tep_prep_metrics *m,
                   struct tep_error *err);
    void (*destroy)(void *ctx);
};

/* The built-in steps, in the order a pipeline usually runs them. */
extern const struct tep_prep_step_ops tep_prep_clean_ops;
extern const struct tep_prep_step_ops tep_prep_missing_ops;
extern const struct tep_prep_step_ops tep_prep_outliers_ops;
extern const struct tep_prep_step_ops tep_prep_normalize_ops;
extern const struct tep_prep_step_ops tep_prep_features_ops;

/* The step called `name` ("clean", "missing", "outliers", "normalize",
 * "features"), or NULL. */
const struct tep_prep_step_ops *tep_prep_step_lookup(const char *name);

/* Fill `options` (ops->options_size bytes) with the defaults of the step's key
 * table; fields outside the table (borrowed models) become zero / NULL. */
void tep_prep_options_init(const struct tep_prep_step_ops *ops, void *options);

/* A step instance: its ops plus its context. */
struct tep_prep_step {
    const struct tep_prep_step_ops *ops;
    void *ctx;
    double cpu_seconds; /* thread CPU time in process/end_run, summed by the chain */
};

/* Create a step; `options` NULL = the step's defaults. */
struct tep_prep_step *tep_prep_step_new(const struct tep_prep_step_ops *ops, const void *options,
                                        struct tep_error *err);
void tep_prep_step_free(struct tep_prep_step *step);

/* -------------------------------------------------------------------- chain */

/* An ordered list of steps run as one: rows a step releases at end_run are
 * passed through the steps after it, so nothing held back is lost. */
struct tep_prep_chain;

struct tep_prep_chain *tep_prep_chain_new(struct tep_error *err);
void tep_prep_chain_free(struct tep_prep_chain *chain);

/* Append a new step made from `ops` and `options` (NULL = defaults). */
int tep_prep_chain_add(struct tep_prep_chain *chain, const struct tep_prep_step_ops *ops,
                       const void *options, struct tep_error *err);
/* Append an existing step; the chain takes ownership (also on failure). */
int tep_prep_chain_add_step(struct tep_prep_chain *chain, struct tep_prep_step *step,
                            struct tep_error *err);
size_t tep_prep_chain_size(const struct tep_prep_chain *chain);
/* The i-th step (to reach a step's own API, e.g. tep_prep_normalize_finish_fit). */
struct tep_prep_step *tep_prep_chain_step(struct tep_prep_chain *chain, size_t i);

/* Begin a run in every step. `schema_out` (may be NULL; must have no columns)
 * receives the columns the chain will output. */
int tep_prep_chain_begin_run(struct tep_prep_chain *chain, const struct tep_frame *schema,
                             struct tep_frame *schema_out, struct tep_error *err);
/* Run `chunk` through every step in place; counts rows_in / rows_out.
 * `chunk` has the run's columns (the chain's new columns are added to it), or
 * already has all the chain's output columns, e.g. the frame of the previous
 * call reused: then only the run's columns are read and the rest are
 * overwritten, which saves allocating the new columns for every chunk. */
int tep_prep_chain_process(struct tep_prep_chain *chain, struct tep_frame *chunk,
                           struct tep_prep_metrics *m, struct tep_error *err);
/* Flush every step in order; `tail_out` receives the remaining output rows
 * (rows replaced; columns set as in tep_prep_step_ops.end_run). */
int tep_prep_chain_end_run(struct tep_prep_chain *chain, struct tep_frame *tail_out,
                           struct tep_prep_metrics *m, struct tep_error *err);

/* Run the whole in-memory run `in` through the chain in chunks of
 * `chunk_rows` rows (begin_run, process..., end_run) and append every output
 * row to `out` (which must have no columns; it gets the output columns). */
int tep_prep_chain_run_frame(struct tep_prep_chain *chain, const struct tep_frame *in,
                             size_t chunk_rows, struct tep_frame *out, struct tep_prep_metrics *m,
                             struct tep_error *err);

#endif
