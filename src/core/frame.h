/* frame.h - the columnar data frame every pipeline stage reads and writes.
 *
 * A frame holds a chunk of rows of one run: three key columns (time in hours
 * since the run's start, the 1-based sample index, the fault label) and any
 * number of named value columns, each one contiguous array of doubles with
 * NaN for a missing value. Stages process a run as a sequence of chunks of
 * bounded size, so memory stays bounded whatever the input size.
 *
 * Invariants: every column array has room for `capacity` rows; rows
 * [0, nrows) are valid; column names are unique within a frame.
 */
#ifndef TEP_CORE_FRAME_H
#define TEP_CORE_FRAME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"

#define TEP_COLUMN_NAME_MAX 96
/* Run ids: up to 1023 bytes, so a file name (255 bytes at most on Linux) or a path
 * below data.input_dir fits whole, with a "#run" suffix for multi-run files. */
#define TEP_RUN_ID_MAX 1024

struct tep_column {
    char name[TEP_COLUMN_NAME_MAX]; /* "xmeas_9", "xmeas_9__roll20_mean" */
    int var;                        /* catalogue index, or -1 for a derived column */
    double *data;                   /* capacity doubles; NaN = missing */
};

struct tep_frame {
    char run_id[TEP_RUN_ID_MAX]; /* the run these rows belong to ("" if none yet) */
    size_t nrows;                /* rows in use */
    size_t capacity;             /* rows allocated in every array */
    size_t ncols;                /* value columns in use */
    size_t cols_allocated;
    struct tep_column *cols;
    double *time_h;  /* hours since the run started */
    int64_t *sample; /* 1-based sample index within the run */
    int32_t *fault;  /* fault label: 0 = normal operation, k = IDV(k) active */
};

/* A frame with no columns and room for `capacity` rows; NULL if out of memory. */
struct tep_frame *tep_frame_new(size_t capacity);
void tep_frame_free(struct tep_frame *frame);

/* Add a value column (filled with NaN); returns its index, or -1 (duplicate name,
 * name too long, out of memory). `var` is the catalogue index or -1. */
int tep_frame_add_column(struct tep_frame *frame, const char *name, int var,
                         struct tep_error *err);

/* Add the 53 catalogue columns xmeas_1..xmeas_41, xmv_1..xmv_12 (in that order). */
int tep_frame_add_catalog_columns(struct tep_frame *frame, struct tep_error *err);

/* Index of the column called `name`, or -1. */
int tep_frame_find(const struct tep_frame *frame, const char *name);

/* Grow every array to at least `capacity` rows (never shrinks). */
int tep_frame_reserve(struct tep_frame *frame, size_t capacity, struct tep_error *err);

/* Drop all rows, keep the columns and the allocation. */
void tep_frame_clear(struct tep_frame *frame);

/* Append one row; `values` has ncols entries (NULL = all missing). Grows as needed. */
int tep_frame_push_row(struct tep_frame *frame, double time_h, int64_t sample, int32_t fault,
                       const double *values, struct tep_error *err);

/* Keep only rows whose keep[i] is true, preserving order. Returns rows kept. */
size_t tep_frame_filter_rows(struct tep_frame *frame, const bool *keep);

/* Make `dst` an empty frame with the same columns (names, var) as `src`. */
int tep_frame_copy_schema(struct tep_frame *dst, const struct tep_frame *src,
                          struct tep_error *err);

/* Append all rows of `src` to `dst`; the column names must match in order. */
int tep_frame_append(struct tep_frame *dst, const struct tep_frame *src, struct tep_error *err);

/* Replace the rows of `dst` with those of `src`. `dst` either has no columns
 * (it gets src's) or starts with src's columns, in order; columns after them
 * (added by later stages) are left for those stages to fill. */
int tep_frame_load_prefix(struct tep_frame *dst, const struct tep_frame *src,
                          struct tep_error *err);

/* Convenience accessor: value of column `col` in row `row`. */
static inline double tep_frame_get(const struct tep_frame *f, size_t row, size_t col)
{
    return f->cols[col].data[row];
}

#endif
