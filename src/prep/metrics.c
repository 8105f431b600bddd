/* metrics.c - data-quality counters of the preprocessing steps (see prep.h).
 *
 * One struct per run: a fixed array of run counters and a growable array of
 * per-column counter rows, found by name. Columns are matched by name so a
 * step can count into metrics without knowing who created them; the `hint`
 * index makes the usual lookup O(1).
 */
#include "prep/prep.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

static const char *const run_counter_names[TEP_PREP_N_RUN_COUNTERS] = {
    [TEP_PREP_ROWS_IN] = "rows_in",
    [TEP_PREP_ROWS_OUT] = "rows_out",
    [TEP_PREP_ROWS_REORDERED] = "rows_reordered",
    [TEP_PREP_DUPLICATES_DROPPED] = "duplicates_dropped",
    [TEP_PREP_NON_MONOTONIC_TIME] = "non_monotonic_time",
    [TEP_PREP_ROWS_DROPPED_MISSING] = "rows_dropped_missing",
    [TEP_PREP_ROWS_DROPPED_OUTLIER] = "rows_dropped_outlier",
};

static const char *const col_counter_names[TEP_PREP_N_COL_COUNTERS] = {
    [TEP_PREP_RANGE_VIOLATIONS] = "range_violations",
    [TEP_PREP_RANGE_SET_MISSING] = "range_set_missing",
    [TEP_PREP_MISSING_IN] = "missing_in",
    [TEP_PREP_MISSING_FILLED] = "missing_filled",
    [TEP_PREP_GAPS_FILLED] = "gaps_filled",
    [TEP_PREP_GAPS_LEFT] = "gaps_left",
    [TEP_PREP_GAP_SAMPLES_LEFT] = "gap_samples_left",
    [TEP_PREP_OUTLIERS_FOUND] = "outliers_found",
    [TEP_PREP_OUTLIERS_CLIPPED] = "outliers_clipped",
    [TEP_PREP_OUTLIERS_SET_MISSING] = "outliers_set_missing",
    [TEP_PREP_OUTLIERS_REPLACED] = "outliers_replaced",
    [TEP_PREP_OUTLIERS_ROW_DROPPED] = "outliers_row_dropped",
};

const char *tep_prep_run_counter_name(enum tep_prep_run_counter c)
{
    return (unsigned)c < TEP_PREP_N_RUN_COUNTERS ? run_counter_names[c] : "?";
}

const char *tep_prep_col_counter_name(enum tep_prep_col_counter c)
{
    return (unsigned)c < TEP_PREP_N_COL_COUNTERS ? col_counter_names[c] : "?";
}

struct tep_prep_metrics *tep_prep_metrics_new(const char *run_id, struct tep_error *err)
{
    struct tep_prep_metrics *m = calloc(1, sizeof *m);
    if (!m) {
        tep_error_set(err, TEP_ERR_NOMEM, "out of memory creating metrics");
        return NULL;
    }
    tep_prep_metrics_reset(m, run_id);
    return m;
}

void tep_prep_metrics_free(struct tep_prep_metrics *m)
{
    if (!m) return;
    free(m->cols);
    free(m);
}

void tep_prep_metrics_reset(struct tep_prep_metrics *m, const char *run_id)
{
    snprintf(m->run_id, sizeof m->run_id, "%s", run_id ? run_id : "");
    memset(m->run, 0, sizeof m->run);
    m->ncols = 0;
}

int tep_prep_metrics_column(struct tep_prep_metrics *m, const char *name, size_t hint,
                            struct tep_error *err)
{
    if (hint < m->ncols && strcmp(m->cols[hint].name, name) == 0) return (int)hint;
    for (size_t i = 0; i < m->ncols; i++)
        if (strcmp(m->cols[i].name, name) == 0) return (int)i;
    if (m->ncols == m->cols_allocated) {
        size_t n = m->cols_allocated ? 2 * m->cols_allocated : 64;
        struct tep_prep_column_metrics *cols = realloc(m->cols, n * sizeof *cols);
        if (!cols)
            return tep_error_set(err, TEP_ERR_NOMEM, "out of memory adding metrics column '%s'",
                                 name);
        m->cols = cols;
        m->cols_allocated = n;
    }
    struct tep_prep_column_metrics *col = &m->cols[m->ncols];
    memset(col, 0, sizeof *col);
    snprintf(col->name, sizeof col->name, "%s", name);
    return (int)m->ncols++;
}

uint64_t tep_prep_metrics_run_value(const struct tep_prep_metrics *m, enum tep_prep_run_counter c)
{
    return (unsigned)c < TEP_PREP_N_RUN_COUNTERS ? m->run[c] : 0;
}

uint64_t tep_prep_metrics_col_value(const struct tep_prep_metrics *m, const char *column,
                                    enum tep_prep_col_counter c)
{
    if ((unsigned)c >= TEP_PREP_N_COL_COUNTERS) return 0;
    uint64_t sum = 0;
    for (size_t i = 0; i < m->ncols; i++) {
        if (!column) {
            sum += m->cols[i].n[c];
        } else if (strcmp(m->cols[i].name, column) == 0) {
            return m->cols[i].n[c];
        }
    }
    return sum;
}

int tep_prep_metrics_add(struct tep_prep_metrics *dst, const struct tep_prep_metrics *src,
                         struct tep_error *err)
{
    for (int c = 0; c < TEP_PREP_N_RUN_COUNTERS; c++)
        dst->run[c] += src->run[c];
    for (size_t i = 0; i < src->ncols; i++) {
        int j = tep_prep_metrics_column(dst, src->cols[i].name, i, err);
        if (j < 0) return -1;
        for (int c = 0; c < TEP_PREP_N_COL_COUNTERS; c++)
            dst->cols[j].n[c] += src->cols[i].n[c];
    }
    return 0;
}

int tep_prep_metrics_foreach(const struct tep_prep_metrics *m, bool include_zero,
                             tep_prep_metrics_visit_fn visit, void *user)
{
    int rc = 0;
    for (int c = 0; c < TEP_PREP_N_RUN_COUNTERS; c++)
        if (include_zero || m->run[c])
            if ((rc = visit(user, "", run_counter_names[c], m->run[c])) != 0) return rc;
    for (int c = 0; c < TEP_PREP_N_COL_COUNTERS; c++) {
        uint64_t total = tep_prep_metrics_col_value(m, NULL, (enum tep_prep_col_counter)c);
        if (include_zero || total)
            if ((rc = visit(user, "", col_counter_names[c], total)) != 0) return rc;
    }
    for (size_t i = 0; i < m->ncols; i++)
        for (int c = 0; c < TEP_PREP_N_COL_COUNTERS; c++)
            if (include_zero || m->cols[i].n[c])
                if ((rc = visit(user, m->cols[i].name, col_counter_names[c], m->cols[i].n[c])) != 0)
                    return rc;
    return 0;
}

void tep_prep_metrics_summary(const struct tep_prep_metrics *m, FILE *out)
{
    const uint64_t *r = m->run;
    fprintf(out, "run '%s': %" PRIu64 " rows in, %" PRIu64 " out", m->run_id, r[TEP_PREP_ROWS_IN],
            r[TEP_PREP_ROWS_OUT]);
    for (int c = TEP_PREP_ROWS_REORDERED; c < TEP_PREP_N_RUN_COUNTERS; c++)
        if (r[c]) fprintf(out, ", %s %" PRIu64, run_counter_names[c], r[c]);
    fputc('\n', out);

    uint64_t total[TEP_PREP_N_COL_COUNTERS];
    bool any = false;
    for (int c = 0; c < TEP_PREP_N_COL_COUNTERS; c++) {
        total[c] = tep_prep_metrics_col_value(m, NULL, (enum tep_prep_col_counter)c);
        any = any || total[c];
    }
    if (!any) return;
    fprintf(out, "  all columns:");
    for (int c = 0; c < TEP_PREP_N_COL_COUNTERS; c++)
        if (total[c]) fprintf(out, " %s %" PRIu64, col_counter_names[c], total[c]);
    fputc('\n', out);
    for (size_t i = 0; i < m->ncols; i++) {
        bool nonzero = false;
        for (int c = 0; c < TEP_PREP_N_COL_COUNTERS; c++)
            nonzero = nonzero || m->cols[i].n[c];
        if (!nonzero) continue;
        fprintf(out, "  %s:", m->cols[i].name);
        for (int c = 0; c < TEP_PREP_N_COL_COUNTERS; c++)
            if (m->cols[i].n[c])
                fprintf(out, " %s %" PRIu64, col_counter_names[c], m->cols[i].n[c]);
        fputc('\n', out);
    }
}
