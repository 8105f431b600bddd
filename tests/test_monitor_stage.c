/* test_monitor_stage.c - the `monitor` filter stage scores exactly as `tep analyze` does.
 *
 * The analysis job (the code behind `tep analyze`) trains on the Braatz d00.dat, scores
 * d01_te.dat and d06_te.dat and saves its model (--model-out); the stage, driven through its
 * plugin callbacks with that model file, scores the same runs cut into chunks of 1, 7, 160
 * rows and the whole run (the last chunk in a fresh frame, as rows an earlier filter releases
 * at its end_run arrive). T^2 and Q must equal the job's bit for bit (memcmp), for PCA and
 * DPCA (2 lags), and the alarm column the job's alarm series for k = 1 and k = 3; both runs
 * go through one stage instance, so the state must start afresh with each run. Also: the
 * alarm rule on a hand-made series, and the configuration / data errors the stage reports.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/monitor.h"
#include "check.h"
#include "core/config.h"
#include "pipeline/analysis_job.h"

#define NRUNS 2       /* d01_te.dat, d06_te.dat */
#define LATE_FROM 860 /* a third run: d01_te.dat from sample 861, in alarm from its start */

/* A stage instance configured from YAML text, as the runner does with a config section. */
static int stage_open(struct tep_stage *st, const char *yaml, struct tep_error *err)
{
    memset(st, 0, sizeof *st);
    st->plugin = &tep_monitor_stage_plugin;
    snprintf(st->name, sizeof st->name, "monitor");
    st->options = calloc(1, st->plugin->options_size);
    struct tep_config cfg;
    memset(&cfg, 0, sizeof cfg);
    if (!st->options || tep_config_load_string(&cfg, "monitor.yaml", yaml, err) != 0) {
        tep_config_free(&cfg);
        return -1;
    }
    int rc = tep_config_apply(&cfg, tep_config_root(&cfg), st->plugin->config_keys, st->options,
                              "monitor", NULL, err);
    tep_config_free(&cfg);
    if (rc != 0) return -1;
    return st->plugin->init(st, err);
}

static void stage_close(struct tep_stage *st)
{
    if (st->plugin->destroy) st->plugin->destroy(st);
    free(st->options);
    st->options = NULL;
}

/* Rows [from, to) of `src` in a new frame with its columns. */
static struct tep_frame *slice(const struct tep_frame *src, size_t from, size_t to)
{
    struct tep_frame *f = tep_frame_new(to - from + 1);
    double *row = malloc(sizeof(double) * (src->ncols + 1));
    if (!f || !row || tep_frame_copy_schema(f, src, NULL) != 0) goto fail;
    for (size_t r = from; r < to; r++) {
        for (size_t c = 0; c < src->ncols; c++)
            row[c] = src->cols[c].data[r];
        if (tep_frame_push_row(f, src->time_h[r], src->sample[r], src->fault[r], row, NULL) != 0)
            goto fail;
    }
    free(row);
    return f;
fail:
    free(row);
    tep_frame_free(f);
    return NULL;
}

/* Copy the stage's three columns of `f` into t2 / q / alarm at `at`. */
static void collect(const struct tep_frame *f, double *t2, double *q, double *alarm, size_t at)
{
    int ct2 = tep_frame_find(f, "t2"), cq = tep_frame_find(f, "q"), ca = tep_frame_find(f, "alarm");
    CHECK(ct2 >= 0 && cq >= 0 && ca >= 0);
    if (ct2 < 0 || cq < 0 || ca < 0) return;
    memcpy(t2 + at, f->cols[ct2].data, sizeof(double) * f->nrows);
    memcpy(q + at, f->cols[cq].data, sizeof(double) * f->nrows);
    memcpy(alarm + at, f->cols[ca].data, sizeof(double) * f->nrows);
}

/* One run through the stage in chunks of `chunk` rows: every chunk but the last in one
 * reused frame, the last in a fresh one; then end_run, which must add no row. */
static int stage_run(struct tep_stage *st, const struct tep_frame *run, size_t chunk, double *t2,
                     double *q, double *alarm)
{
    struct tep_error err;
    tep_error_clear(&err);
    struct tep_run_meta meta;
    memset(&meta, 0, sizeof meta);
    snprintf(meta.run_id, sizeof meta.run_id, "%s", run->run_id);
    struct tep_frame *reused = tep_frame_new(chunk), *part = NULL, *tail = tep_frame_new(4);
    int rc = -1;
    if (!reused || !tail || st->plugin->begin_run(st, &meta, &err) != 0) goto done;
    for (size_t from = 0; from < run->nrows; from += chunk) {
        size_t to = from + chunk < run->nrows ? from + chunk : run->nrows;
        bool last = to == run->nrows;
        part = slice(run, from, to);
        if (!part) goto done;
        struct tep_frame *f = part;
        if (!last) {
            if (tep_frame_load_prefix(reused, part, &err) != 0) goto done;
            f = reused;
        }
        if (st->plugin->process(st, f, &meta, &err) != (long)(to - from)) goto done;
        collect(f, t2, q, alarm, from);
        tep_frame_free(part);
        part = NULL;
    }
    if (st->plugin->end_run(st, &meta, tail, &err) != 0) goto done;
    CHECK_EQ_INT(tail->nrows, 0);
    rc = 0;
done:
    if (rc != 0) fprintf(stderr, "stage: %s\n", err.message);
    tep_frame_free(part);
    tep_frame_free(reused);
    tep_frame_free(tail);
    return rc;
}

/* The stage's alarm column (1, 0, NaN) against the job's codes (1, 0, -1). */
static bool same_alarms(const double *column, const signed char *codes, size_t n,
                        size_t *first_diff)
{
    for (size_t i = 0; i < n; i++) {
        bool same = codes[i] == TEP_ALARM_UNSCORED
                        ? isnan(column[i])
                        : column[i] == (codes[i] == TEP_ALARM_ON ? 1.0 : 0.0);
        if (!same) {
            *first_diff = i;
            return false;
        }
    }
    return true;
}

static size_t count_code(const signed char *codes, size_t n, int code)
{
    size_t c = 0;
    for (size_t i = 0; i < n; i++)
        c += codes[i] == code;
    return c;
}

/* Score with the job and with the stage; compare. */
static void compare(size_t lags, size_t k)
{
    fprintf(stderr, "-- %s, k = %zu\n", lags ? "DPCA, 2 lags" : "PCA", k);
    const char *dir = tep_test_tmpdir("test_monitor_stage");
    char model_path[1200];
    snprintf(model_path, sizeof model_path, "%s/model.json", dir);
    const char *tests[NRUNS] = {tep_data_path("braatz/d01_te.dat"),
                                tep_data_path("braatz/d06_te.dat")};
    struct tep_analysis_job job;
    tep_analysis_job_defaults(&job);
    job.train = tep_data_path("braatz/d00.dat");
    job.tests = tests;
    job.ntests = NRUNS;
    job.dpca = lags > 0;
    job.pca.lags = lags;
    job.consecutive = k;
    job.model_out = model_path;
    struct tep_analysis_result res;
    struct tep_error err;
    tep_error_clear(&err);
    int rc = tep_analysis_job_score(&job, &res, &err);
    CHECK_MSG(rc == 0, "analysis job: %s", err.message);
    if (rc != 0) {
        tep_analysis_result_free(&res);
        return;
    }
    /* the job is `tep analyze`: its figures for fault 1 (cli_analyze.sh checks them too) */
    const struct tep_monitor_scores *s1 = &res.scores[0];
    CHECK_EQ_INT(s1->n, 960);
    if (lags == 0) {
        CHECK_EQ_INT(s1->d_t2.detections, 794); /* of 800 faulty samples */
        CHECK_EQ_INT(s1->d_t2.false_alarms, 2); /* of 160 normal ones */
    } else {
        CHECK_EQ_INT(s1->d_q.detections, 798);
        CHECK_EQ_INT(s1->d_q.false_alarms, 16);
        CHECK_EQ_INT(count_code(s1->alarm, s1->n, TEP_ALARM_UNSCORED), 2); /* warm-up */
    }
    /* the alarm series is not trivial: both codes occur among the normal and faulty rows */
    CHECK(count_code(s1->alarm, 160, TEP_ALARM_NONE) > 100);
    CHECK(count_code(s1->alarm + 160, 800, TEP_ALARM_ON) > 700);

    /* contributions at sample 201 add up to its statistics (the report's diagnosis); a DPCA
     * warm-up row has none */
    size_t nv = res.model->nvars;
    struct tep_pca_contrib *t2c = calloc(nv, sizeof *t2c), *qc = calloc(nv, sizeof *qc);
    CHECK(t2c && qc &&
          tep_monitor_contributions(res.model, res.tests[0].frame, 200, t2c, qc, &err) == 0);
    double t2_sum = 0, q_sum = 0;
    for (size_t v = 0; t2c && qc && v < nv; v++) {
        t2_sum += t2c[v].value;
        q_sum += qc[v].value;
    }
    CHECK_REL(t2_sum, s1->t2[200], 1e-9);
    CHECK_REL(q_sum, s1->q[200], 1e-9);
    CHECK(qc && qc[0].value >= qc[nv - 1].value); /* ranked */
    if (lags)
        CHECK(tep_monitor_contributions(res.model, res.tests[0].frame, 1, t2c, qc, &err) != 0);
    free(t2c);
    free(qc);

    char yaml[1400];
    snprintf(yaml, sizeof yaml, "model: %s\nconsecutive: %zu\n", model_path, k);
    struct tep_stage st;
    tep_error_clear(&err);
    if (stage_open(&st, yaml, &err) != 0) {
        CHECK_MSG(0, "monitor stage init: %s", err.message);
        stage_close(&st);
        tep_analysis_result_free(&res);
        return;
    }
    /* the third run starts where the first ends: in alarm, so alarm runs carried over from
     * it would alarm at once, where a fresh state waits k samples */
    struct tep_frame *late = slice(res.tests[0].frame, LATE_FROM, res.tests[0].frame->nrows);
    struct tep_monitor_scores late_want = {0};
    CHECK(late && tep_monitor_score(res.model, late, k, &late_want, &err) == 0);
    if (late)
        snprintf(late->run_id, sizeof late->run_id, "d01_te.dat from sample %d", LATE_FROM + 1);
    CHECK(late_want.alarm && late_want.alarm[0] == (lags     ? TEP_ALARM_UNSCORED
                                                    : k == 1 ? TEP_ALARM_ON
                                                             : TEP_ALARM_NONE));
    const size_t chunks[] = {1, 7, 160, 0 /* the whole run */};
    for (size_t c = 0; late && c < sizeof chunks / sizeof chunks[0]; c++) {
        for (size_t r = 0; r <= NRUNS; r++) { /* one instance for every run: state reset */
            const struct tep_frame *run = r < NRUNS ? res.tests[r].frame : late;
            const struct tep_monitor_scores *want = r < NRUNS ? &res.scores[r] : &late_want;
            const char *label = r < NRUNS ? res.tests[r].label : late->run_id;
            size_t n = run->nrows, chunk = chunks[c] ? chunks[c] : n;
            double *t2 = calloc(n, sizeof *t2), *q = calloc(n, sizeof *q),
                   *alarm = calloc(n, sizeof *alarm);
            CHECK(t2 && q && alarm);
            if (t2 && q && alarm && stage_run(&st, run, chunk, t2, q, alarm) == 0) {
                size_t diff = 0;
                CHECK_MSG(memcmp(t2, want->t2, sizeof(double) * n) == 0,
                          "%s, chunks of %zu: T2 differs from tep analyze", label, chunk);
                CHECK_MSG(memcmp(q, want->q, sizeof(double) * n) == 0,
                          "%s, chunks of %zu: Q differs from tep analyze", label, chunk);
                CHECK_MSG(same_alarms(alarm, want->alarm, n, &diff),
                          "%s, chunks of %zu: alarm of row %zu is %g, the job's %d", label, chunk,
                          diff, alarm[diff], want->alarm[diff]);
            } else {
                CHECK_MSG(0, "%s: the stage failed", label);
            }
            free(t2);
            free(q);
            free(alarm);
        }
    }
    if (st.plugin->finish) CHECK(st.plugin->finish(&st, &err) == 0);
    stage_close(&st);
    tep_monitor_scores_free(&late_want);
    tep_frame_free(late);
    tep_analysis_result_free(&res);
}

static void test_pca_k1(void)
{
    compare(0, 1);
}
static void test_pca_k3(void)
{
    compare(0, 3);
}
static void test_dpca_k1(void)
{
    compare(2, 1);
}
static void test_dpca_k3(void)
{
    compare(2, 3);
}

/* The rule by hand: limits 1 and 1, k = 2. */
static void test_alarm_rule(void)
{
    const double t2[] = {2, 2, 0, 2, 2, 2, NAN, 2, 0, 0, 0};
    const double q[] = {0, 0, 0, 0, 0, 2, NAN, 2, 2, 2, 0.5};
    const int want[] = {0, 1, 0, 0, 1, 1, TEP_ALARM_UNSCORED, 0, 1, 1, 0};
    struct tep_monitor_alarm a;
    tep_monitor_alarm_init(&a, 2);
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++)
        CHECK_MSG(tep_monitor_alarm_push(&a, t2[i], q[i], 1.0, 1.0) == want[i], "sample %zu", i);
    tep_monitor_alarm_init(&a, 1); /* k = 1: every sample over a limit */
    CHECK_EQ_INT(tep_monitor_alarm_push(&a, 1.0, 0.0, 1.0, 1.0), TEP_ALARM_NONE); /* strictly */
    CHECK_EQ_INT(tep_monitor_alarm_push(&a, 0.0, 1.5, 1.0, 1.0), TEP_ALARM_ON);
}

/* What a user can get wrong: no model, a missing model file, a bad k, a missing variable. */
static void test_errors(void)
{
    struct tep_stage st;
    struct tep_error err;
    tep_error_clear(&err);
    CHECK(stage_open(&st, "consecutive: 2\n", &err) != 0);
    CHECK_EQ_INT(err.code, TEP_ERR_CONFIG);
    CHECK_MSG(strstr(err.message, "monitor.model: required") != NULL, "%s", err.message);
    stage_close(&st);

    tep_error_clear(&err);
    CHECK(stage_open(&st, "model: no/such/model.json\n", &err) != 0);
    CHECK_EQ_INT(err.code, TEP_ERR_CONFIG);
    char text[TEP_ERROR_FILE_MAX + TEP_ERROR_MESSAGE_MAX + 64];
    tep_error_format(&err, text, sizeof text); /* as the command line shows it */
    CHECK_MSG(strstr(text, "monitor.model") && strstr(text, "no/such/model.json") &&
                  strstr(text, "No such file"),
              "%s", text);
    stage_close(&st);

    tep_error_clear(&err);
    CHECK(stage_open(&st, "model: m.json\nconsecutive: 0\n", &err) != 0);
    CHECK_MSG(strstr(err.message, "consecutive") != NULL, "%s", err.message);
    stage_close(&st);

    /* a model on xmeas_1 and xmeas_9; a frame without xmeas_9 */
    const char *dir = tep_test_tmpdir("test_monitor_stage_errors");
    char path[1200], yaml[1400];
    snprintf(path, sizeof path, "%s/small.json", dir);
    struct tep_frame *train = tep_frame_new(64);
    CHECK(train && tep_frame_add_column(train, "xmeas_1", 0, &err) == 0 &&
          tep_frame_add_column(train, "xmeas_9", 8, &err) == 1);
    for (int i = 0; train && i < 50; i++) {
        double v[2] = {sin(i * 0.7), cos(i * 1.3) + 0.1 * i};
        CHECK(tep_frame_push_row(train, i * 0.05, i + 1, 0, v, &err) == 0);
    }
    struct tep_pca_options opt;
    tep_pca_options_default(&opt);
    opt.ncomp = 1;
    const char *cols[] = {"xmeas_1", "xmeas_9"};
    struct tep_pca_model *model = NULL;
    CHECK(train && tep_monitor_fit(train, cols, 2, &opt, &model, &err) == 0);
    CHECK(model && tep_pca_model_save(model, path, &err) == 0);
    tep_pca_model_free(model);
    snprintf(yaml, sizeof yaml, "model: %s\n", path);
    tep_error_clear(&err);
    CHECK_MSG(stage_open(&st, yaml, &err) == 0, "%s", err.message);
    struct tep_frame *f = tep_frame_new(8);
    CHECK(f && tep_frame_add_column(f, "xmeas_1", 0, &err) == 0);
    CHECK(f && tep_frame_push_row(f, 0.05, 1, 0, (double[]){1.0}, &err) == 0);
    struct tep_run_meta meta;
    memset(&meta, 0, sizeof meta);
    snprintf(f->run_id, sizeof f->run_id, "r1.csv");
    CHECK(st.ctx && st.plugin->begin_run(&st, &meta, &err) == 0);
    CHECK(st.ctx && st.plugin->process(&st, f, &meta, &err) == -1);
    CHECK_MSG(strstr(err.message, "'xmeas_9'") && strstr(err.message, "not in the frame") &&
                  strstr(err.message, "r1.csv"),
              "%s", err.message);
    stage_close(&st);
    tep_frame_free(f);
    tep_frame_free(train);
}

int main(void)
{
    RUN(test_alarm_rule);
    RUN(test_pca_k1);
    RUN(test_pca_k3);
    RUN(test_dpca_k1);
    RUN(test_dpca_k3);
    RUN(test_errors);
    CHECK_DONE();
}
