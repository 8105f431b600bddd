/* monitor.c - the monitoring steps of monitor.h: variable choice, the fit on normal rows,
 * scoring a run, the k-consecutive alarm rule and its metrics.
 *
 * Scores come from the streaming scorer (tep_pca_scorer_push_frame), the same code the
 * `monitor` stage runs chunk by chunk, so a run scored whole here and the same run scored
 * by the stage in chunks of any size give the same bits.
 */
#include "analysis/monitor.h"

#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int tep_monitor_choose_columns(const struct tep_frame *train, const char *list,
                               char (*names)[TEP_COLUMN_NAME_MAX], size_t *n, struct tep_error *err)
{
    *n = 0;
    if (list) {
        char *buf = strdup(list);
        if (!buf) return tep_error_set(err, TEP_ERR_NOMEM, "out of memory");
        int rc = 0;
        for (char *save = NULL, *tok = strtok_r(buf, ", ", &save); tok && rc == 0;
             tok = strtok_r(NULL, ", ", &save)) {
            int v = tep_catalog_lookup(tok);
            const char *name = v >= 0 ? tep_catalog[v].name : tok;
            if (tep_frame_find(train, name) < 0)
                rc = tep_error_set(err, TEP_ERR_ARG, "the training data has no column '%s'", tok);
            else if (*n >= TEP_MONITOR_MAX_VARS)
                rc = tep_error_set(err, TEP_ERR_ARG, "too many (more than %d) columns",
                                   TEP_MONITOR_MAX_VARS);
            else
                snprintf(names[(*n)++], TEP_COLUMN_NAME_MAX, "%s", name);
        }
        free(buf);
        return rc;
    }
    for (int v = 0; v < TEP_N_XMEAS + 11; v++) {
        int c = tep_frame_find(train, tep_catalog[v].name);
        if (c < 0) continue;
        const double *x = train->cols[c].data;
        double first = NAN;
        bool varies = false;
        for (size_t r = 0; r < train->nrows && !varies; r++) {
            if (isnan(x[r])) continue;
            if (isnan(first))
                first = x[r];
            else if (x[r] != first)
                varies = true;
        }
        if (!varies) continue;
        snprintf(names[(*n)++], TEP_COLUMN_NAME_MAX, "%s", tep_catalog[v].name);
    }
    if (*n < 2)
        return tep_error_set(err, TEP_ERR_ARG,
                             "the training data has fewer than 2 varying TEP variables");
    return 0;
}

int tep_monitor_fit(const struct tep_frame *train, const char *const *columns, size_t ncolumns,
                    const struct tep_pca_options *opt, struct tep_pca_model **out,
                    struct tep_error *err)
{
    bool *keep = NULL;
    struct tep_frame *normal = tep_frame_new(train->nrows + 1);
    if (!normal) goto fail_nomem;
    if (tep_frame_copy_schema(normal, train, err) != 0 || tep_frame_append(normal, train, err) != 0)
        goto fail;
    keep = malloc(sizeof(bool) * (normal->nrows + 1));
    if (!keep) goto fail_nomem;
    for (size_t r = 0; r < normal->nrows; r++)
        keep[r] = normal->fault[r] == 0;
    tep_frame_filter_rows(normal, keep);
    if (tep_pca_fit_frame(normal, columns, ncolumns, opt, out, err) != 0) goto fail;
    free(keep);
    tep_frame_free(normal);
    return 0;
fail_nomem:
    tep_error_set(err, TEP_ERR_NOMEM, "out of memory");
fail:
    free(keep);
    tep_frame_free(normal);
    return -1;
}

void tep_monitor_alarm_init(struct tep_monitor_alarm *alarm, size_t consecutive)
{
    alarm->consecutive = consecutive ? consecutive : 1;
    alarm->run_t2 = 0;
    alarm->run_q = 0;
}

/* Extend or break one statistic's run of samples over the limit. */
static size_t run_after(size_t run, double stat, double limit)
{
    return !isnan(stat) && stat > limit ? run + 1 : 0;
}

int tep_monitor_alarm_push(struct tep_monitor_alarm *alarm, double t2, double q, double t2_limit,
                           double q_limit)
{
    alarm->run_t2 = run_after(alarm->run_t2, t2, t2_limit);
    alarm->run_q = run_after(alarm->run_q, q, q_limit);
    if (isnan(t2) && isnan(q)) return TEP_ALARM_UNSCORED;
    return alarm->run_t2 >= alarm->consecutive || alarm->run_q >= alarm->consecutive
               ? TEP_ALARM_ON
               : TEP_ALARM_NONE;
}

int tep_monitor_score(const struct tep_pca_model *model, const struct tep_frame *frame,
                      size_t consecutive, struct tep_monitor_scores *out, struct tep_error *err)
{
    memset(out, 0, sizeof *out);
    struct tep_pca_scorer *scorer = NULL;
    size_t n = frame->nrows;
    out->n = n;
    out->t2 = malloc(sizeof(double) * (n ? n : 1));
    out->q = malloc(sizeof(double) * (n ? n : 1));
    out->alarm = malloc(n ? n : 1);
    if (!out->t2 || !out->q || !out->alarm) {
        tep_error_set(err, TEP_ERR_NOMEM, "out of memory");
        goto fail;
    }
    if (tep_pca_scorer_new(model, &scorer, err) != 0) goto fail;
    if (tep_pca_scorer_push_frame(scorer, frame, out->t2, out->q, err) != 0) goto fail;
    tep_pca_scorer_free(scorer);
    scorer = NULL;
    struct tep_monitor_alarm rule;
    tep_monitor_alarm_init(&rule, consecutive);
    for (size_t i = 0; i < n; i++)
        out->alarm[i] = (signed char)tep_monitor_alarm_push(&rule, out->t2[i], out->q[i],
                                                            model->t2_limit, model->q_limit);
    if (tep_metrics_from_stat(out->t2, model->t2_limit, frame->fault, n, consecutive, &out->d_t2,
                              err) != 0 ||
        tep_metrics_from_stat(out->q, model->q_limit, frame->fault, n, consecutive, &out->d_q,
                              err) != 0)
        goto fail;
    return 0;
fail:
    tep_pca_scorer_free(scorer);
    tep_monitor_scores_free(out);
    return -1;
}

int tep_monitor_contributions(const struct tep_pca_model *model, const struct tep_frame *frame,
                              size_t row, struct tep_pca_contrib *t2c, struct tep_pca_contrib *qc,
                              struct tep_error *err)
{
    size_t nv = model->nvars;
    int *col = malloc(sizeof(int) * (nv ? nv : 1));
    double *x = malloc(sizeof(double) * (nv ? nv : 1));
    struct tep_pca_scorer *scorer = NULL;
    int rc = -1;
    if (!col || !x) {
        tep_error_set(err, TEP_ERR_NOMEM, "out of memory");
        goto done;
    }
    if (row >= frame->nrows || !model->var_names) {
        tep_error_set(err, TEP_ERR_ARG,
                      "contributions: no row %zu in run '%s' (%zu rows), or "
                      "a model without variable names",
                      row + 1, frame->run_id, frame->nrows);
        goto done;
    }
    for (size_t v = 0; v < nv; v++)
        col[v] = tep_frame_find(frame, model->var_names[v]);
    if (tep_pca_scorer_new(model, &scorer, err) != 0) goto done;
    for (size_t r = 0; r <= row; r++) {
        for (size_t v = 0; v < nv; v++)
            x[v] = col[v] >= 0 ? frame->cols[col[v]].data[r] : NAN;
        double t2, q;
        tep_pca_scorer_push(scorer, x, &t2, &q);
    }
    rc = tep_pca_scorer_contributions(scorer, t2c, qc, err);
done:
    tep_pca_scorer_free(scorer);
    free(x);
    free(col);
    return rc;
}

void tep_monitor_scores_free(struct tep_monitor_scores *scores)
{
    if (!scores) return;
    free(scores->t2);
    free(scores->q);
    free(scores->alarm);
    memset(scores, 0, sizeof *scores);
}
