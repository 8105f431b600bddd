/* chain.c - run an ordered list of preprocessing steps as one (see prep.h).
 *
 * begin_run passes each step the schema the steps before it produce. At
 * end_run, step i's held-back rows are pushed through steps i+1..n-1 before
 * those steps are flushed in turn, so every row reaches the output exactly
 * once and in order.
 */
#include "prep/prep.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "prep/prep_internal.h"

struct tep_prep_chain {
    struct tep_prep_step **steps;
    size_t nsteps;
    size_t allocated;
    struct tep_frame *out_schema; /* columns the chain outputs for the open run */
    size_t in_ncols;              /* columns of the run's input */
    size_t *view_ncols;           /* per step: columns it sees of a reused output chunk */
};

static double cpu_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

struct tep_prep_chain *tep_prep_chain_new(struct tep_error *err)
{
    struct tep_prep_chain *chain = calloc(1, sizeof *chain);
    if (!chain) tep_error_set(err, TEP_ERR_NOMEM, "out of memory creating a prep chain");
    return chain;
}

void tep_prep_chain_free(struct tep_prep_chain *chain)
{
    if (!chain) return;
    for (size_t i = 0; i < chain->nsteps; i++)
        tep_prep_step_free(chain->steps[i]);
    free(chain->steps);
    free(chain->view_ncols);
    tep_frame_free(chain->out_schema);
    free(chain);
}

int tep_prep_chain_add_step(struct tep_prep_chain *chain, struct tep_prep_step *step,
                            struct tep_error *err)
{
    if (chain->nsteps == chain->allocated) {
        size_t n = chain->allocated ? 2 * chain->allocated : 8;
        struct tep_prep_step **steps = realloc(chain->steps, n * sizeof *steps);
        if (!steps) {
            tep_prep_step_free(step);
            return tep_error_set(err, TEP_ERR_NOMEM, "out of memory adding a prep step");
        }
        chain->steps = steps;
        chain->allocated = n;
    }
    chain->steps[chain->nsteps++] = step;
    return 0;
}

int tep_prep_chain_add(struct tep_prep_chain *chain, const struct tep_prep_step_ops *ops,
                       const void *options, struct tep_error *err)
{
    struct tep_prep_step *step = tep_prep_step_new(ops, options, err);
    if (!step) return -1;
    return tep_prep_chain_add_step(chain, step, err);
}

size_t tep_prep_chain_size(const struct tep_prep_chain *chain)
{
    return chain->nsteps;
}

struct tep_prep_step *tep_prep_chain_step(struct tep_prep_chain *chain, size_t i)
{
    return i < chain->nsteps ? chain->steps[i] : NULL;
}

int tep_prep_chain_begin_run(struct tep_prep_chain *chain, const struct tep_frame *schema,
                             struct tep_frame *schema_out, struct tep_error *err)
{
    tep_frame_free(chain->out_schema);
    free(chain->view_ncols);
    chain->view_ncols = calloc(chain->nsteps ? chain->nsteps : 1, sizeof *chain->view_ncols);
    chain->out_schema = prep_schema_copy(schema, 1, err);
    if (!chain->out_schema || !chain->view_ncols) {
        if (chain->out_schema) tep_error_set(err, TEP_ERR_NOMEM, "out of memory in a prep chain");
        return -1;
    }
    chain->in_ncols = schema->ncols;
    for (size_t i = 0; i < chain->nsteps; i++) {
        struct tep_prep_step *s = chain->steps[i];
        size_t before = chain->out_schema->ncols;
        if (s->ops->begin_run(s->ctx, chain->out_schema, err) != 0 ||
            (s->ops->schema_out && s->ops->schema_out(s->ctx, chain->out_schema, err) != 0)) {
            tep_error_prefix(err, "run '%s': begin_run of step %zu (%s)", schema->run_id, i + 1,
                             s->ops->name);
            return -1;
        }
        /* a step that adds columns sees them (and overwrites them); others see their input */
        chain->view_ncols[i] =
            chain->out_schema->ncols > before ? chain->out_schema->ncols : before;
    }
    if (schema_out && tep_frame_copy_schema(schema_out, chain->out_schema, err) != 0) return -1;
    return 0;
}

/* After a step ran on `view` (a shallow copy of `chunk` showing fewer
 * columns), carry its row count and any reallocation back to `chunk`, and
 * grow the columns the view did not show to the new capacity. */
static int sync_view(struct tep_frame *chunk, const struct tep_frame *view, size_t expect_ncols,
                     struct tep_error *err)
{
    chunk->nrows = view->nrows;
    chunk->time_h = view->time_h;
    chunk->sample = view->sample;
    chunk->fault = view->fault;
    if (view->ncols != expect_ncols || view->cols != chunk->cols)
        return tep_error_set(err, TEP_ERR_INTERNAL,
                             "prep chain: a step changed the columns of a reused chunk");
    if (view->capacity != chunk->capacity) {
        for (size_t c = view->ncols; c < chunk->ncols; c++) {
            double *d = realloc(chunk->cols[c].data, view->capacity * sizeof(double));
            if (!d)
                return tep_error_set(err, TEP_ERR_NOMEM,
                                     "out of memory growing a chunk to %zu "
                                     "rows",
                                     view->capacity);
            for (size_t r = chunk->capacity; r < view->capacity; r++)
                d[r] = NAN;
            chunk->cols[c].data = d;
        }
        chunk->capacity = view->capacity;
    }
    return 0;
}

int tep_prep_chain_process(struct tep_prep_chain *chain, struct tep_frame *chunk,
                           struct tep_prep_metrics *m, struct tep_error *err)
{
    if (!chain->out_schema)
        return tep_error_set(err, TEP_ERR_ARG, "prep chain: process without begin_run");
    prep_run_count(m, TEP_PREP_ROWS_IN, chunk->nrows);
    const bool reuse = chunk->ncols != chain->in_ncols && chunk->ncols == chain->out_schema->ncols;
    for (size_t i = 0; i < chain->nsteps; i++) {
        struct tep_prep_step *s = chain->steps[i];
        double t0 = cpu_now();
        int rc;
        if (reuse) {
            struct tep_frame view = *chunk;
            view.ncols = chain->view_ncols[i];
            rc = s->ops->process(s->ctx, &view, m, err);
            /* carry reallocations back even when the step failed */
            struct tep_error sync_err;
            if (sync_view(chunk, &view, chain->view_ncols[i], &sync_err) != 0 && rc == 0) {
                if (err) *err = sync_err;
                rc = -1;
            }
        } else {
            rc = s->ops->process(s->ctx, chunk, m, err);
        }
        s->cpu_seconds += cpu_now() - t0;
        if (rc != 0) return -1;
    }
    prep_run_count(m, TEP_PREP_ROWS_OUT, chunk->nrows);
    return 0;
}

int tep_prep_chain_end_run(struct tep_prep_chain *chain, struct tep_frame *tail_out,
                           struct tep_prep_metrics *m, struct tep_error *err)
{
    struct tep_frame *scratch = NULL;
    if (!chain->out_schema)
        return tep_error_set(err, TEP_ERR_ARG, "prep chain: end_run without begin_run");
    if (prep_tail_prepare("prep chain", tail_out, chain->out_schema, err) != 0) goto fail;
    for (size_t i = 0; i < chain->nsteps; i++) {
        scratch = tep_frame_new(1);
        if (!scratch) {
            tep_error_set(err, TEP_ERR_NOMEM, "out of memory flushing the prep chain");
            goto fail;
        }
        struct tep_prep_step *s = chain->steps[i];
        double t0 = cpu_now();
        int rc = s->ops->end_run(s->ctx, scratch, m, err);
        s->cpu_seconds += cpu_now() - t0;
        if (rc != 0) goto fail;
        for (size_t j = i + 1; j < chain->nsteps && scratch->nrows; j++) {
            struct tep_prep_step *t = chain->steps[j];
            t0 = cpu_now();
            rc = t->ops->process(t->ctx, scratch, m, err);
            t->cpu_seconds += cpu_now() - t0;
            if (rc != 0) goto fail;
        }
        if (scratch->nrows) {
            if (tep_frame_append(tail_out, scratch, err) != 0) goto fail;
            prep_run_count(m, TEP_PREP_ROWS_OUT, scratch->nrows);
        }
        tep_frame_free(scratch);
        scratch = NULL;
    }
    tep_frame_free(chain->out_schema);
    chain->out_schema = NULL;
    return 0;
fail:
    tep_frame_free(scratch);
    return -1;
}

int tep_prep_chain_run_frame(struct tep_prep_chain *chain, const struct tep_frame *in,
                             size_t chunk_rows, struct tep_frame *out, struct tep_prep_metrics *m,
                             struct tep_error *err)
{
    struct tep_frame *chunk = NULL;
    if (chunk_rows == 0) return tep_error_set(err, TEP_ERR_ARG, "run_frame: chunk_rows is 0");
    if (out->ncols != 0)
        return tep_error_set(err, TEP_ERR_ARG, "run_frame: the output frame must have no columns");
    if (tep_prep_chain_begin_run(chain, in, out, err) != 0) goto fail;
    snprintf(out->run_id, sizeof out->run_id, "%s", in->run_id);
    chunk = prep_schema_copy(in, chunk_rows, err);
    if (!chunk) goto fail;
    for (size_t at = 0; at < in->nrows; at += chunk_rows) {
        size_t n = in->nrows - at < chunk_rows ? in->nrows - at : chunk_rows;
        /* after the first call the chunk has the output columns: refill the
         * input columns only and let the chain overwrite the others */
        if (prep_frame_copy_rows(chunk, in, at, n, err) != 0) goto fail;
        if (tep_prep_chain_process(chain, chunk, m, err) != 0) goto fail;
        if (tep_frame_append(out, chunk, err) != 0) goto fail;
    }
    tep_frame_free(chunk);
    chunk = tep_frame_new(1);
    if (!chunk) {
        tep_error_set(err, TEP_ERR_NOMEM, "run_frame: out of memory");
        goto fail;
    }
    if (tep_prep_chain_end_run(chain, chunk, m, err) != 0) goto fail;
    if (tep_frame_append(out, chunk, err) != 0) goto fail;
    tep_frame_free(chunk);
    return 0;
fail:
    tep_frame_free(chunk);
    return -1;
}
