/* prep_internal.h - helpers shared by the preprocessing steps (not public API).
 *
 * Column selection from an option list, the schema and run checks every step
 * makes on a chunk, row moves between a chunk and a step's hold-back buffer
 * (a frame with the run's columns holding rows not yet released), and
 * metric counters that work when the caller passed no metrics.
 */
#ifndef TEP_PREP_INTERNAL_H
#define TEP_PREP_INTERNAL_H

#include "prep/prep.h"

/* Parse `list` (comma/space separated names, optional [ ]; "" or "all" = every
 * column; with `catalog_only`, "all" means only columns with a catalogue
 * variable) against `schema`. Names may be frame names or catalogue aliases.
 * *idx gets a malloc'd array of frame column indices (caller frees). */
int prep_select_columns(const char *step, const char *list, const struct tep_frame *schema,
                        bool catalog_only, int **idx, size_t *n, struct tep_error *err);

/* A new empty frame with the columns and run id of `schema`. */
struct tep_frame *prep_schema_copy(const struct tep_frame *schema, size_t capacity,
                                   struct tep_error *err);

/* Check that `chunk` belongs to the run `schema` began ("" run ids match any)
 * and has exactly its columns, in order. */
int prep_check_chunk(const char *step, const struct tep_frame *schema,
                     const struct tep_frame *chunk, struct tep_error *err);

/* Append rows [from, from+count) of `src` to `dst` (same columns). */
int prep_frame_append_range(struct tep_frame *dst, const struct tep_frame *src, size_t from,
                            size_t count, struct tep_error *err);

/* Make `dst` hold rows [from, from+count) of `src`: keys and the first
 * src->ncols columns (which must be dst's first columns); dst's other
 * columns keep whatever they held, with room for the rows. */
int prep_frame_copy_rows(struct tep_frame *dst, const struct tep_frame *src, size_t from,
                         size_t count, struct tep_error *err);

/* Remove the first `k` rows of `f`. */
void prep_frame_drop_head(struct tep_frame *f, size_t k);

/* Put the rows of `hold` in front of the rows of `chunk`; `hold` becomes empty. */
int prep_hold_prepend(struct tep_frame *hold, struct tep_frame *chunk, struct tep_error *err);

/* Move rows [from, nrows) of `chunk` to the end of `hold`; chunk keeps [0, from). */
int prep_hold_take_tail(struct tep_frame *hold, struct tep_frame *chunk, size_t from,
                        struct tep_error *err);

/* Make `tail` ready to receive a step's remaining rows: rows cleared; given
 * the columns of `schema` when it has none, else checked against them. */
int prep_tail_prepare(const char *step, struct tep_frame *tail, const struct tep_frame *schema,
                      struct tep_error *err);

/* The counters of column `name` in `m`, or `scratch` (zeroed by the caller
 * once) when `m` is NULL. NULL on out-of-memory (err filled). */
uint64_t *prep_col_counters(struct tep_prep_metrics *m, const char *name, size_t hint,
                            uint64_t *scratch, struct tep_error *err);

static inline void prep_run_count(struct tep_prep_metrics *m, enum tep_prep_run_counter c,
                                  uint64_t delta)
{
    if (m) m->run[c] += delta;
}

/* Ranges of the steps' numeric config keys (struct tep_cfg_key min, max):
 * counts and sizes (max_gap, window, ...) and the items of integer lists
 * (lags, windows). */
#define PREP_COUNT_RANGE 0, 100000000
#define PREP_LIST_ITEM_RANGE 1, 1000000

/* Load a scaler model for a step that names one by path (`model` option) when
 * no in-memory model was given; `owned` receives what must be freed. */
struct tep_prep_scaler;
int prep_model_resolve(const char *step, const struct tep_prep_scaler *given, const char *path,
                       const struct tep_prep_scaler **use, struct tep_prep_scaler **owned,
                       struct tep_error *err);

#endif
