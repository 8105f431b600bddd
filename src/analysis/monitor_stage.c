/* monitor_stage.c - the `monitor` filter stage: every row of a run scored with a saved
 * PCA / DPCA model, as columns <prefix>t2, <prefix>q and <prefix>alarm (monitor.h).
 *
 * One streaming scorer and one alarm state per stage instance carry the DPCA lag history and
 * the runs of alarms from chunk to chunk; begin_run starts both afresh. The arithmetic is the
 * scorer's (tep_pca_scorer_push_frame) and the rule tep_monitor_alarm_push, as in
 * tep_monitor_score, so batch analysis and this stage agree bit for bit.
 */
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/monitor.h"

/* The longest suffix is "alarm": a prefix leaves room for it in a column name. */
#define MONITOR_PREFIX_MAX (TEP_COLUMN_NAME_MAX - 1 - 5)

struct monitor_options {
    char model[TEP_CFG_STRING_MAX];
    long consecutive;
    char prefix[MONITOR_PREFIX_MAX + 1];
};

static const struct tep_cfg_key monitor_keys[] = {
    {"model", TEP_CFG_STRING, "", offsetof(struct monitor_options, model),
     "PCA / DPCA model file written by `tep analyze --model-out` (required)", NULL,
     TEP_CFG_UNBOUNDED},
    {"consecutive", TEP_CFG_INT, "1", offsetof(struct monitor_options, consecutive),
     "alarm when T2 or Q exceeds its limit on this many samples in a row", NULL, 1, 1000},
    {"prefix", TEP_CFG_STRING, "", offsetof(struct monitor_options, prefix),
     "prefix of the added columns <prefix>t2, <prefix>q, <prefix>alarm", NULL, 0,
     MONITOR_PREFIX_MAX},
    {NULL, 0, NULL, 0, NULL, NULL, 0, 0},
};

enum { COL_T2, COL_Q, COL_ALARM, NCOLS };
static const char *const column_suffix[NCOLS] = {"t2", "q", "alarm"};

struct monitor_ctx {
    struct tep_pca_model *model;
    struct tep_pca_scorer *scorer;
    struct tep_monitor_alarm alarm;
    char column[NCOLS][TEP_COLUMN_NAME_MAX];
};

static const char *stage_name(const struct tep_stage *stage)
{
    return stage->name[0] ? stage->name : "monitor";
}

static void monitor_destroy(struct tep_stage *stage)
{
    struct monitor_ctx *c = stage->ctx;
    if (!c) return;
    tep_pca_scorer_free(c->scorer);
    tep_pca_model_free(c->model);
    free(c);
    stage->ctx = NULL;
}

static int monitor_init(struct tep_stage *stage, struct tep_error *err)
{
    const struct monitor_options *o = stage->options;
    struct monitor_ctx *c = calloc(1, sizeof *c);
    stage->ctx = c;
    if (!c) return tep_error_set(err, TEP_ERR_NOMEM, "out of memory");
    if (!o->model[0]) {
        tep_error_set(err, TEP_ERR_CONFIG,
                      "%s.model: required: the path of a model saved by `tep analyze "
                      "--model-out`",
                      stage_name(stage));
        goto fail;
    }
    if (tep_pca_model_load(o->model, &c->model, err) != 0) goto fail_config;
    if (!c->model->var_names) {
        tep_error_set_at(err, TEP_ERR_CONFIG, o->model, 0, 0,
                         "the model names no variables, so frame columns cannot be matched");
        goto fail_config;
    }
    if (tep_pca_scorer_new(c->model, &c->scorer, err) != 0) goto fail;
    for (int i = 0; i < NCOLS; i++)
        snprintf(c->column[i], sizeof c->column[i], "%s%s", o->prefix, column_suffix[i]);
    tep_monitor_alarm_init(&c->alarm, (size_t)o->consecutive);
    return 0;
fail_config: /* a model file that cannot serve is the configuration's fault */
    if (err) err->code = TEP_ERR_CONFIG;
    tep_error_prefix(err, "%s.model", stage_name(stage));
fail:
    monitor_destroy(stage);
    return -1;
}

static int monitor_begin_run(struct tep_stage *stage, struct tep_run_meta *meta,
                             struct tep_error *err)
{
    (void)meta;
    (void)err;
    struct monitor_ctx *c = stage->ctx;
    const struct monitor_options *o = stage->options;
    tep_pca_scorer_reset(c->scorer);
    tep_monitor_alarm_init(&c->alarm, (size_t)o->consecutive);
    return 0;
}

static long monitor_process(struct tep_stage *stage, struct tep_frame *frame,
                            struct tep_run_meta *meta, struct tep_error *err)
{
    (void)meta;
    struct monitor_ctx *c = stage->ctx;
    int col[NCOLS];
    /* a reused frame has the columns from an earlier chunk; the inputs only produce TEP
     * variables and the other filters name theirs after them, so the names are ours */
    for (int i = 0; i < NCOLS; i++) {
        col[i] = tep_frame_find(frame, c->column[i]);
        if (col[i] < 0 && (col[i] = tep_frame_add_column(frame, c->column[i], -1, err)) < 0)
            goto fail;
    }
    double *t2 = frame->cols[col[COL_T2]].data, *q = frame->cols[col[COL_Q]].data;
    double *alarm = frame->cols[col[COL_ALARM]].data;
    if (tep_pca_scorer_push_frame(c->scorer, frame, t2, q, err) != 0) goto fail;
    for (size_t i = 0; i < frame->nrows; i++) {
        int a =
            tep_monitor_alarm_push(&c->alarm, t2[i], q[i], c->model->t2_limit, c->model->q_limit);
        alarm[i] = a == TEP_ALARM_UNSCORED ? NAN : a == TEP_ALARM_ON ? 1.0 : 0.0;
    }
    return (long)frame->nrows;
fail:
    tep_error_prefix(err, "%s", stage_name(stage));
    return -1;
}

/* No row is held back: the tail gets none. */
static int monitor_end_run(struct tep_stage *stage, struct tep_run_meta *meta,
                           struct tep_frame *tail, struct tep_error *err)
{
    (void)stage;
    (void)meta;
    (void)tail;
    (void)err;
    return 0;
}

const struct tep_stage_plugin tep_monitor_stage_plugin = {
    .name = "monitor",
    .description = "T2, Q and an alarm flag for every row, from a saved PCA / DPCA model",
    .kind = TEP_STAGE_FILTER,
    .config_keys = monitor_keys,
    .options_size = sizeof(struct monitor_options),
    .init = monitor_init,
    .begin_run = monitor_begin_run,
    .process = monitor_process,
    .end_run = monitor_end_run,
    .destroy = monitor_destroy,
};
