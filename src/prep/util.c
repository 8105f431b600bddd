/* util.c - helpers shared by the preprocessing steps (see prep_internal.h).
 *
 * Column-list parsing, chunk/schema checks, moving rows between a chunk and a
 * step's hold-back frame, and metric counters that tolerate NULL metrics.
 * Row moves are column by column memmove/memcpy, so holding rows back costs
 * one copy per held cell.
 */
#include "prep/prep_internal.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/catalog.h"
#include "prep/scaler.h"

/* Column index in `schema` for a user-given name: exact frame name first,
 * then the catalogue alias (reactor_pressure, XMEAS(7), ...). */
static int find_column(const struct tep_frame *schema, const char *name)
{
    int c = tep_frame_find(schema, name);
    if (c >= 0) return c;
    int v = tep_catalog_lookup(name);
    if (v < 0) return -1;
    for (size_t i = 0; i < schema->ncols; i++)
        if (schema->cols[i].var == v) return (int)i;
    return -1;
}

int prep_select_columns(const char *step, const char *list, const struct tep_frame *schema,
                        bool catalog_only, int **idx, size_t *n, struct tep_error *err)
{
    *idx = NULL;
    *n = 0;
    int *out = malloc(sizeof(int) * (schema->ncols ? schema->ncols : 1));
    char *copy = strdup(list ? list : "");
    if (!out || !copy) {
        tep_error_set(err, TEP_ERR_NOMEM, "%s: out of memory selecting columns", step);
        goto fail;
    }
    size_t count = 0;
    bool any_named = false;
    for (char *save = NULL, *tok = strtok_r(copy, ", \t[]\"'", &save); tok;
         tok = strtok_r(NULL, ", \t[]\"'", &save)) {
        if (strcasecmp(tok, "all") == 0) continue;
        any_named = true;
        int c = find_column(schema, tok);
        if (c < 0) {
            tep_error_set(err, TEP_ERR_CONFIG,
                          "%s.columns: run '%s' has no column '%s' (expected a column name such "
                          "as '%s' or a catalogue alias)",
                          step, schema->run_id, tok,
                          schema->ncols ? schema->cols[0].name : "xmeas_1");
            goto fail;
        }
        bool dup = false;
        for (size_t i = 0; i < count; i++)
            dup = dup || out[i] == c;
        if (!dup) out[count++] = c;
    }
    if (!any_named)
        for (size_t c = 0; c < schema->ncols; c++)
            if (!catalog_only || schema->cols[c].var >= 0) out[count++] = (int)c;
    free(copy);
    *idx = out;
    *n = count;
    return 0;
fail:
    free(out);
    free(copy);
    return -1;
}

struct tep_frame *prep_schema_copy(const struct tep_frame *schema, size_t capacity,
                                   struct tep_error *err)
{
    struct tep_frame *f = tep_frame_new(capacity ? capacity : 1);
    if (!f) {
        tep_error_set(err, TEP_ERR_NOMEM, "out of memory copying the schema of run '%s'",
                      schema->run_id);
        return NULL;
    }
    if (tep_frame_copy_schema(f, schema, err) != 0) {
        tep_frame_free(f);
        return NULL;
    }
    return f;
}

int prep_check_chunk(const char *step, const struct tep_frame *schema,
                     const struct tep_frame *chunk, struct tep_error *err)
{
    if (!schema)
        return tep_error_set(err, TEP_ERR_ARG, "%s: process called before begin_run", step);
    if (chunk->run_id[0] && schema->run_id[0] && strcmp(chunk->run_id, schema->run_id) != 0)
        return tep_error_set(err, TEP_ERR_ARG,
                             "%s: a chunk of run '%s' arrived while run '%s' is open (call "
                             "end_run and begin_run between runs)",
                             step, chunk->run_id, schema->run_id);
    if (chunk->ncols != schema->ncols)
        return tep_error_set(err, TEP_ERR_ARG,
                             "%s: run '%s': chunk has %zu columns, expected the %zu columns given "
                             "to begin_run",
                             step, schema->run_id, chunk->ncols, schema->ncols);
    for (size_t c = 0; c < chunk->ncols; c++)
        if (strcmp(chunk->cols[c].name, schema->cols[c].name) != 0)
            return tep_error_set_at(err, TEP_ERR_ARG, NULL, 0, (long)c + 1,
                                    "%s: run '%s': column %zu is '%s', expected '%s'", step,
                                    schema->run_id, c + 1, chunk->cols[c].name,
                                    schema->cols[c].name);
    return 0;
}

static int reserve_rows(struct tep_frame *f, size_t need, struct tep_error *err)
{
    if (need <= f->capacity) return 0;
    size_t cap = f->capacity ? f->capacity : 64;
    while (cap < need)
        cap *= 2;
    return tep_frame_reserve(f, cap, err);
}

int prep_frame_append_range(struct tep_frame *dst, const struct tep_frame *src, size_t from,
                            size_t count, struct tep_error *err)
{
    if (count == 0) return 0;
    if (reserve_rows(dst, dst->nrows + count, err) != 0) return -1;
    size_t at = dst->nrows;
    memcpy(dst->time_h + at, src->time_h + from, count * sizeof(double));
    memcpy(dst->sample + at, src->sample + from, count * sizeof(int64_t));
    memcpy(dst->fault + at, src->fault + from, count * sizeof(int32_t));
    for (size_t c = 0; c < src->ncols; c++)
        memcpy(dst->cols[c].data + at, src->cols[c].data + from, count * sizeof(double));
    dst->nrows += count;
    return 0;
}

int prep_frame_copy_rows(struct tep_frame *dst, const struct tep_frame *src, size_t from,
                         size_t count, struct tep_error *err)
{
    if (dst->ncols < src->ncols)
        return tep_error_set(err, TEP_ERR_INTERNAL, "copy_rows: %zu columns into %zu", src->ncols,
                             dst->ncols);
    if (reserve_rows(dst, count, err) != 0) return -1;
    memcpy(dst->time_h, src->time_h + from, count * sizeof(double));
    memcpy(dst->sample, src->sample + from, count * sizeof(int64_t));
    memcpy(dst->fault, src->fault + from, count * sizeof(int32_t));
    for (size_t c = 0; c < src->ncols; c++)
        memcpy(dst->cols[c].data, src->cols[c].data + from, count * sizeof(double));
    dst->nrows = count;
    return 0;
}

void prep_frame_drop_head(struct tep_frame *f, size_t k)
{
    if (k == 0) return;
    if (k >= f->nrows) {
        f->nrows = 0;
        return;
    }
    size_t rest = f->nrows - k;
    memmove(f->time_h, f->time_h + k, rest * sizeof(double));
    memmove(f->sample, f->sample + k, rest * sizeof(int64_t));
    memmove(f->fault, f->fault + k, rest * sizeof(int32_t));
    for (size_t c = 0; c < f->ncols; c++)
        memmove(f->cols[c].data, f->cols[c].data + k, rest * sizeof(double));
    f->nrows = rest;
}

int prep_hold_prepend(struct tep_frame *hold, struct tep_frame *chunk, struct tep_error *err)
{
    size_t h = hold->nrows, n = chunk->nrows;
    if (h == 0) return 0;
    if (reserve_rows(chunk, n + h, err) != 0) return -1;
    memmove(chunk->time_h + h, chunk->time_h, n * sizeof(double));
    memmove(chunk->sample + h, chunk->sample, n * sizeof(int64_t));
    memmove(chunk->fault + h, chunk->fault, n * sizeof(int32_t));
    memcpy(chunk->time_h, hold->time_h, h * sizeof(double));
    memcpy(chunk->sample, hold->sample, h * sizeof(int64_t));
    memcpy(chunk->fault, hold->fault, h * sizeof(int32_t));
    for (size_t c = 0; c < chunk->ncols; c++) {
        memmove(chunk->cols[c].data + h, chunk->cols[c].data, n * sizeof(double));
        memcpy(chunk->cols[c].data, hold->cols[c].data, h * sizeof(double));
    }
    chunk->nrows = n + h;
    hold->nrows = 0;
    return 0;
}

int prep_hold_take_tail(struct tep_frame *hold, struct tep_frame *chunk, size_t from,
                        struct tep_error *err)
{
    if (from >= chunk->nrows) return 0;
    if (prep_frame_append_range(hold, chunk, from, chunk->nrows - from, err) != 0) return -1;
    chunk->nrows = from;
    return 0;
}

int prep_tail_prepare(const char *step, struct tep_frame *tail, const struct tep_frame *schema,
                      struct tep_error *err)
{
    tail->nrows = 0;
    if (tail->ncols == 0) {
        if (tep_frame_copy_schema(tail, schema, err) != 0) return -1;
        return 0;
    }
    if (prep_check_chunk(step, schema, tail, err) != 0) {
        tep_error_prefix(err, "tail frame given to end_run");
        return -1;
    }
    return 0;
}

uint64_t *prep_col_counters(struct tep_prep_metrics *m, const char *name, size_t hint,
                            uint64_t *scratch, struct tep_error *err)
{
    if (!m) return scratch;
    int i = tep_prep_metrics_column(m, name, hint, err);
    return i < 0 ? NULL : m->cols[i].n;
}

int prep_model_resolve(const char *step, const struct tep_prep_scaler *given, const char *path,
                       const struct tep_prep_scaler **use, struct tep_prep_scaler **owned,
                       struct tep_error *err)
{
    *owned = NULL;
    *use = given;
    if (given || !path || !path[0]) return 0;
    *owned = tep_prep_scaler_load(path, err);
    if (!*owned) {
        tep_error_prefix(err, "%s.model", step);
        return -1;
    }
    *use = *owned;
    return 0;
}
