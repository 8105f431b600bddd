/* frame.c - the columnar data frame (see frame.h for its invariants). */
#include "frame.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "catalog.h"

static int grow_array(void **ptr, size_t elem, size_t old_n, size_t new_n, double fill_nan)
{
    void *p = realloc(*ptr, elem * (new_n ? new_n : 1));
    if (!p) return -1;
    if (fill_nan != 0.0) { /* value columns: fill the new tail with NaN */
        double *d = p;
        for (size_t i = old_n; i < new_n; i++) d[i] = NAN;
    } else {
        memset((char *)p + elem * old_n, 0, elem * (new_n - old_n));
    }
    *ptr = p;
    return 0;
}

struct tep_frame *tep_frame_new(size_t capacity)
{
    struct tep_frame *f = calloc(1, sizeof *f);
    if (!f) return NULL;
    if (tep_frame_reserve(f, capacity ? capacity : 1, NULL) != 0) {
        tep_frame_free(f);
        return NULL;
    }
    return f;
}

void tep_frame_free(struct tep_frame *frame)
{
    if (!frame) return;
    for (size_t c = 0; c < frame->ncols; c++) free(frame->cols[c].data);
    free(frame->cols);
    free(frame->time_h);
    free(frame->sample);
    free(frame->fault);
    free(frame);
}

int tep_frame_reserve(struct tep_frame *frame, size_t capacity, struct tep_error *err)
{
    if (capacity <= frame->capacity) return 0;
    size_t old = frame->capacity;
    if (grow_array((void **)&frame->time_h, sizeof(double), old, capacity, 0.0) ||
        grow_array((void **)&frame->sample, sizeof(int64_t), old, capacity, 0.0) ||
        grow_array((void **)&frame->fault, sizeof(int32_t), old, capacity, 0.0))
        goto fail;
    for (size_t c = 0; c < frame->ncols; c++)
        if (grow_array((void **)&frame->cols[c].data, sizeof(double), old, capacity, NAN))
            goto fail;
    frame->capacity = capacity;
    return 0;
fail:
    return tep_error_set(err, TEP_ERR_NOMEM, "out of memory growing a frame to %zu rows",
                         capacity);
}

int tep_frame_find(const struct tep_frame *frame, const char *name)
{
    for (size_t c = 0; c < frame->ncols; c++)
        if (strcmp(frame->cols[c].name, name) == 0) return (int)c;
    return -1;
}

int tep_frame_add_column(struct tep_frame *frame, const char *name, int var,
                         struct tep_error *err)
{
    if (strlen(name) >= TEP_COLUMN_NAME_MAX)
        return tep_error_set(err, TEP_ERR_ARG, "column name '%.40s...' is longer than %d bytes",
                             name, TEP_COLUMN_NAME_MAX - 1);
    if (tep_frame_find(frame, name) >= 0)
        return tep_error_set(err, TEP_ERR_ARG, "duplicate column name '%s'", name);
    if (frame->ncols == frame->cols_allocated) {
        size_t n = frame->cols_allocated ? 2 * frame->cols_allocated : 64;
        struct tep_column *cols = realloc(frame->cols, n * sizeof *cols);
        if (!cols) goto nomem;
        frame->cols = cols;
        frame->cols_allocated = n;
    }
    double *data = malloc(sizeof(double) * (frame->capacity ? frame->capacity : 1));
    if (!data) goto nomem;
    for (size_t i = 0; i < frame->capacity; i++) data[i] = NAN;
    struct tep_column *col = &frame->cols[frame->ncols];
    snprintf(col->name, sizeof col->name, "%s", name);
    col->var = var;
    col->data = data;
    return (int)frame->ncols++;
nomem:
    return tep_error_set(err, TEP_ERR_NOMEM, "out of memory adding column '%s'", name);
}

int tep_frame_add_catalog_columns(struct tep_frame *frame, struct tep_error *err)
{
    for (int v = 0; v < TEP_N_VARS; v++)
        if (tep_frame_add_column(frame, tep_catalog[v].name, v, err) < 0) return -1;
    return 0;
}

void tep_frame_clear(struct tep_frame *frame) { frame->nrows = 0; }

int tep_frame_push_row(struct tep_frame *frame, double time_h, int64_t sample, int32_t fault,
                       const double *values, struct tep_error *err)
{
    if (frame->nrows == frame->capacity &&
        tep_frame_reserve(frame, frame->capacity ? 2 * frame->capacity : 64, err) != 0)
        return -1;
    size_t r = frame->nrows++;
    frame->time_h[r] = time_h;
    frame->sample[r] = sample;
    frame->fault[r] = fault;
    for (size_t c = 0; c < frame->ncols; c++) frame->cols[c].data[r] = values ? values[c] : NAN;
    return 0;
}

size_t tep_frame_filter_rows(struct tep_frame *frame, const bool *keep)
{
    size_t out = 0;
    for (size_t r = 0; r < frame->nrows; r++) {
        if (!keep[r]) continue;
        if (out != r) {
            frame->time_h[out] = frame->time_h[r];
            frame->sample[out] = frame->sample[r];
            frame->fault[out] = frame->fault[r];
            for (size_t c = 0; c < frame->ncols; c++)
                frame->cols[c].data[out] = frame->cols[c].data[r];
        }
        out++;
    }
    frame->nrows = out;
    return out;
}

int tep_frame_copy_schema(struct tep_frame *dst, const struct tep_frame *src,
                          struct tep_error *err)
{
    if (dst->ncols != 0)
        return tep_error_set(err, TEP_ERR_INTERNAL, "copy_schema needs an empty frame");
    for (size_t c = 0; c < src->ncols; c++)
        if (tep_frame_add_column(dst, src->cols[c].name, src->cols[c].var, err) < 0) return -1;
    memcpy(dst->run_id, src->run_id, sizeof dst->run_id);
    return 0;
}

int tep_frame_append(struct tep_frame *dst, const struct tep_frame *src, struct tep_error *err)
{
    if (dst->ncols != src->ncols)
        return tep_error_set(err, TEP_ERR_INTERNAL, "append: %zu columns vs %zu", dst->ncols,
                             src->ncols);
    for (size_t c = 0; c < src->ncols; c++)
        if (strcmp(dst->cols[c].name, src->cols[c].name) != 0)
            return tep_error_set(err, TEP_ERR_INTERNAL, "append: column %zu is '%s' vs '%s'", c,
                                 dst->cols[c].name, src->cols[c].name);
    size_t need = dst->nrows + src->nrows;
    if (need > dst->capacity) {
        size_t cap = dst->capacity ? dst->capacity : 64;
        while (cap < need) cap *= 2;
        if (tep_frame_reserve(dst, cap, err) != 0) return -1;
    }
    size_t n = src->nrows, at = dst->nrows;
    memcpy(dst->time_h + at, src->time_h, n * sizeof(double));
    memcpy(dst->sample + at, src->sample, n * sizeof(int64_t));
    memcpy(dst->fault + at, src->fault, n * sizeof(int32_t));
    for (size_t c = 0; c < src->ncols; c++)
        memcpy(dst->cols[c].data + at, src->cols[c].data, n * sizeof(double));
    dst->nrows = need;
    return 0;
}

int tep_frame_load_prefix(struct tep_frame *dst, const struct tep_frame *src,
                          struct tep_error *err)
{
    if (dst->ncols == 0 && tep_frame_copy_schema(dst, src, err) != 0) return -1;
    if (dst->ncols < src->ncols)
        return tep_error_set(err, TEP_ERR_INTERNAL, "frame has %zu columns, expected at least %zu",
                             dst->ncols, src->ncols);
    for (size_t c = 0; c < src->ncols; c++)
        if (strcmp(dst->cols[c].name, src->cols[c].name) != 0)
            return tep_error_set(err, TEP_ERR_INTERNAL, "column %zu is '%s', expected '%s'", c,
                                 dst->cols[c].name, src->cols[c].name);
    if (tep_frame_reserve(dst, src->nrows, err) != 0) return -1;
    size_t n = src->nrows;
    memcpy(dst->time_h, src->time_h, n * sizeof(double));
    memcpy(dst->sample, src->sample, n * sizeof(int64_t));
    memcpy(dst->fault, src->fault, n * sizeof(int32_t));
    for (size_t c = 0; c < src->ncols; c++)
        memcpy(dst->cols[c].data, src->cols[c].data, n * sizeof(double));
    dst->nrows = n;
    memcpy(dst->run_id, src->run_id, sizeof dst->run_id);
    return 0;
}
