/* analysis_job.c - the analysis job (analysis_job.h): data sets from files or a store, the
 * model fitted on normal rows or loaded, every test scored with analysis/monitor.h, and the
 * outputs: the model file, the JSON results and the self-contained HTML report (viz/).
 * Moved here from the `tep analyze` command so that `tep analyze`, `tep report` and
 * `tep run`'s analysis: section run the same code; the outputs are those of that command.
 */
#include "pipeline/analysis_job.h"

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/atomic_file.h"
#include "core/text.h"
#include "io/reader.h"
#include "viz/report.h"
#include "viz/svg.h"

static bool is_file(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/* Load FILE (any reader format) or a run of the store ("run:ID" or an id). */
static int load_dataset(const char *spec, const struct tep_store_ref *store,
                        struct tep_analysis_dataset *ds, struct tep_error *err)
{
    memset(ds, 0, sizeof *ds);
    ds->onset_h = NAN;
    ds->shutdown_h = NAN;
    ds->frame = tep_frame_new(1024);
    if (!ds->frame) return tep_error_set(err, TEP_ERR_NOMEM, "out of memory");
    const char *run = strncmp(spec, "run:", 4) == 0 ? spec + 4 : NULL;
    if (!run && is_file(spec)) {
        struct tep_reader *r = tep_reader_open(spec, NULL, err);
        struct tep_frame *chunk = tep_frame_new(1024);
        if (!r || !chunk) {
            tep_reader_close(r);
            tep_frame_free(chunk);
            return -1;
        }
        long n;
        while ((n = tep_reader_next(r, chunk, err)) > 0) {
            if (ds->frame->ncols == 0 && tep_frame_copy_schema(ds->frame, chunk, err) != 0) break;
            if (tep_frame_append(ds->frame, chunk, err) != 0) {
                n = -1;
                break;
            }
        }
        const struct tep_lineage *l = tep_reader_lineage(r);
        const char *slash = strrchr(spec, '/');
        /* any file name may be read; shown escaped (a name need not be UTF-8, and the
         * table, the JSON and the report all show it) */
        tep_text_escape_line(slash ? slash + 1 : spec, ds->label, sizeof ds->label);
        snprintf(ds->source, sizeof ds->source, "file %s (%s, sha256 %.12s...)", spec,
                 tep_format_name(l->format), l->sha256);
        ds->fault = l->fault > 0 ? l->fault : 0;
        ds->onset_h = l->fault_onset_h;
        tep_reader_close(r);
        tep_frame_free(chunk);
        return n < 0 ? -1 : 0;
    }
    if (!run) run = spec;
    struct tep_store_run *runs = NULL;
    size_t nruns = 0;
    if (tep_store_list_runs(store, &runs, &nruns, err) != 0) {
        tep_error_prefix(err, "'%s' is not a file; looking it up as a run of the store", spec);
        return -1;
    }
    int rc = -1;
    for (size_t i = 0; i < nruns; i++) {
        if (strcmp(runs[i].run_id, run) != 0) continue;
        snprintf(ds->label, sizeof ds->label, "%s", run);
        snprintf(ds->source, sizeof ds->source, "store %s, run %s (%s)", store->display, run,
                 runs[i].source);
        ds->fault = runs[i].fault;
        ds->onset_h = runs[i].fault_onset_h;
        ds->shutdown_h = runs[i].shutdown_h;
        snprintf(ds->shutdown_reason, sizeof ds->shutdown_reason, "%s", runs[i].shutdown_reason);
        ds->from_store = true;
        rc = tep_store_load_run(store, run, ds->frame, err);
        break;
    }
    if (rc != 0 && err->code == TEP_OK)
        tep_error_set(err, TEP_ERR_ARG, "'%s': no such file, and no run '%s' in the store %s", spec,
                      run, store->display);
    free(runs);
    return rc;
}

/* Xiao, Kordon & Sen (2023) table layout:
 * fault,FDR_T2_pct,FDR_SPE_pct,FDR_DAE_pct,FAR_T2_pct,... */
static int read_published(const char *path, struct tep_analysis_published *rows, int max,
                          struct tep_error *err)
{
    FILE *f = fopen(path, "r");
    if (!f) return tep_error_set_errno(err, TEP_ERR_IO, "cannot open published table", path);
    char line[1024];
    long lineno = 1;
    if (!fgets(line, sizeof line, f) || strncmp(line, "fault,FDR_T2_pct,FDR_SPE_pct", 28) != 0) {
        fclose(f);
        return tep_error_set_at(
            err, TEP_ERR_PARSE, path, 1, 1,
            "expected the header fault,FDR_T2_pct,FDR_SPE_pct,FDR_DAE_pct,"
            "FAR_T2_pct,FAR_SPE_pct,FAR_DAE_pct,delay_T2_min,delay_SPE_min,...");
    }
    while (fgets(line, sizeof line, f)) {
        lineno++;
        int fault;
        double v[9];
        if (sscanf(line, "%d,%lf,%lf,%lf,%lf,%lf,%lf,%lf,%lf,%lf", &fault, &v[0], &v[1], &v[2],
                   &v[3], &v[4], &v[5], &v[6], &v[7], &v[8]) != 10) {
            fclose(f);
            return tep_error_set_at(err, TEP_ERR_PARSE, path, lineno, 1, "expected 10 numbers");
        }
        if (fault < 0 || fault >= max) continue;
        rows[fault] = (struct tep_analysis_published){true, v[0], v[1], v[3], v[4], v[6], v[7]};
    }
    fclose(f);
    return 0;
}

static json_t *json_rate(double v)
{
    return isnan(v) ? json_null() : json_real(v);
}

static int write_json(const char *path, const struct tep_pca_model *model, const char *method,
                      const struct tep_analysis_dataset *tests, const struct tep_monitor_scores *sc,
                      size_t ntests, size_t consecutive, struct tep_error *err)
{
    json_t *vars = json_array();
    for (size_t i = 0; model->var_names && i < model->nvars; i++)
        json_array_append_new(vars, json_string(model->var_names[i]));
    json_t *root = json_pack("{s:{s:s,s:I,s:I,s:I,s:f,s:f,s:f,s:f,s:o,s:I},s:[]}", "model",
                             "method", method, "components", (json_int_t)model->ncomp, "lags",
                             (json_int_t)model->lags, "n_train", (json_int_t)model->ntrain, "alpha",
                             1.0 - model->confidence, "confidence", model->confidence, "t2_limit",
                             model->t2_limit, "q_limit", model->q_limit, "variables", vars,
                             "consecutive", (json_int_t)consecutive, "results");
    if (!root) return tep_error_set(err, TEP_ERR_NOMEM, "out of memory");
    json_t *results = json_object_get(root, "results");
    for (size_t i = 0; i < ntests; i++) {
        const struct tep_monitor_scores *s = &sc[i];
        json_t *r = json_pack(
            "{s:s,s:i,s:o,s:o,s:o,s:o,s:o,s:o,s:I,s:I,s:o}", "file", tests[i].label, "fault",
            tests[i].fault, "fdr_t2", json_rate(s->d_t2.fdr), "fdr_q", json_rate(s->d_q.fdr),
            "far_t2", json_rate(s->d_t2.far), "far_q", json_rate(s->d_q.far), "delay_t2",
            s->d_t2.delay >= 0 ? json_integer(s->d_t2.delay) : json_null(), "delay_q",
            s->d_q.delay >= 0 ? json_integer(s->d_q.delay) : json_null(), "n_normal",
            (json_int_t)s->d_t2.n_normal, "n_faulty", (json_int_t)s->d_t2.n_faulty, "onset",
            s->d_t2.onset >= 0 ? json_integer(s->d_t2.onset + 1) : json_null());
        if (!r || json_array_append_new(results, r) != 0) { /* never a result left out */
            json_decref(root);
            return tep_error_set(err, TEP_ERR_NOMEM, "cannot build the JSON result of %s",
                                 tests[i].label);
        }
    }
    char *text = json_dumps(root, JSON_INDENT(2) | JSON_REAL_PRECISION(17));
    json_decref(root);
    if (!text) return tep_error_set(err, TEP_ERR_NOMEM, "out of memory");
    struct tep_atomic_file af;
    int rc = tep_atomic_open(&af, path, 0, err);
    if (rc == 0) {
        fputs(text, af.file);
        fputc('\n', af.file);
        rc = tep_atomic_commit(&af, err);
    }
    free(text);
    return rc;
}

static struct tep_svg_rates rates_of(const struct tep_detection *d, double interval_min)
{
    struct tep_svg_rates r;
    memset(&r, 0, sizeof r);
    r.fdr = d->fdr;
    r.far = d->far;
    r.delay_min = d->delay >= 0 ? d->delay * interval_min : NAN;
    return r;
}

struct quality_feed {
    struct tep_report *report;
    const char *run_id;
    struct tep_error *err;
};

static int feed_quality(void *user, const char *column, const char *metric, long long value)
{
    struct quality_feed *q = user;
    struct tep_report_quality item;
    memset(&item, 0, sizeof item);
    item.run_id = q->run_id;
    item.column = strcmp(column, "*") == 0 ? NULL : column;
    item.metric = metric;
    char text[32];
    snprintf(text, sizeof text, "%lld", value);
    item.value = text;
    item.level = value > 0 && (strstr(metric, "violation") || strstr(metric, "gaps_left"))
                     ? TEP_REPORT_WARN
                     : TEP_REPORT_OK;
    return tep_report_add_quality(q->report, &item, q->err);
}

static int add_chart(struct tep_report *rep, const struct tep_analysis_dataset *ds,
                     const double *stat, double limit, const char *what, size_t k,
                     struct tep_error *err)
{
    struct tep_svg_control_spec cs;
    tep_svg_control_defaults(&cs);
    char title[TEP_RUN_ID_MAX + 256]; /* a run id whole, never cut inside a character */
    snprintf(title, sizeof title, "%s \xE2\x80\x94 %s", what, ds->label);
    cs.title = title;
    cs.stat_label = what;
    cs.limit_label = "control limit";
    cs.time_h = ds->frame->time_h;
    cs.stat = stat;
    cs.n = ds->frame->nrows;
    cs.limit = limit;
    cs.log_scale = true;
    cs.fault = ds->frame->fault;
    cs.consecutive = k;
    cs.shutdown_h = ds->shutdown_h;
    cs.height = 180;
    char *svg = tep_svg_control_chart(&cs, err);
    if (!svg) return -1;
    int rc = tep_report_add_figure(rep, TEP_REPORT_MONITORING, svg, NULL, err);
    free(svg);
    return rc;
}

/* Contributions and trends at the first detection of the first detected faulty run. */
static int add_diagnosis(struct tep_report *rep, const struct tep_pca_model *model,
                         const struct tep_analysis_dataset *ds, const struct tep_monitor_scores *s,
                         struct tep_error *err)
{
    long det = s->d_q.delay >= 0 && (s->d_t2.delay < 0 || s->d_q.delay <= s->d_t2.delay)
                   ? s->d_q.delay
                   : s->d_t2.delay;
    if (det < 0 || s->d_t2.onset < 0) return 0;
    size_t row = (size_t)(s->d_t2.onset + det);
    size_t nv = model->nvars;
    double *qv = calloc(nv, sizeof(double)), *t2v = calloc(nv, sizeof(double));
    struct tep_pca_contrib *t2c = malloc(sizeof *t2c * nv), *qc = malloc(sizeof *qc * nv);
    int rc = -1;
    if (!qv || !t2v || !t2c || !qc) {
        tep_error_set(err, TEP_ERR_NOMEM, "out of memory");
        goto done;
    }
    if (tep_monitor_contributions(model, ds->frame, row, t2c, qc, err) != 0) goto done;
    for (size_t v = 0; v < nv; v++) {
        t2v[t2c[v].var] = t2c[v].value;
        qv[qc[v].var] = qc[v].value;
    }
    char subtitle[TEP_RUN_ID_MAX + 256];
    snprintf(subtitle, sizeof subtitle, "run %s, sample %zu at %.2f h (first detection)", ds->label,
             row + 1, ds->frame->time_h[row]);
    struct tep_svg_contrib_spec ct;
    memset(&ct, 0, sizeof ct);
    ct.names = (const char *const *)model->var_names;
    ct.nvars = nv;
    ct.top_n = 10;
    ct.subtitle = subtitle;
    ct.title = "Contributions to Q";
    ct.value_label = "contribution to Q (squared residual, standardised units)";
    ct.value = qv;
    char *svg = tep_svg_contributions(&ct, err);
    if (!svg || tep_report_add_figure(rep, TEP_REPORT_CONTRIBUTIONS, svg, NULL, err) != 0) {
        free(svg);
        goto done;
    }
    free(svg);
    ct.title = "Contributions to T\xC2\xB2";
    ct.value_label = "contribution to T\xC2\xB2 (Alcala & Qin decomposition)";
    ct.value = t2v;
    svg = tep_svg_contributions(&ct, err);
    if (!svg || tep_report_add_figure(rep, TEP_REPORT_CONTRIBUTIONS, svg, NULL, err) != 0) {
        free(svg);
        goto done;
    }
    free(svg);
    /* trend of the three largest Q contributors */
    struct tep_svg_series series[3];
    size_t ns = 0;
    for (size_t k = 0; k < 3 && k < nv; k++) {
        int c = tep_frame_find(ds->frame, model->var_names[qc[k].var]);
        if (c < 0) continue;
        series[ns++] =
            (struct tep_svg_series){NULL, ds->frame->cols[c].var, ds->frame->cols[c].data};
    }
    struct tep_svg_trend_spec ts;
    tep_svg_trend_defaults(&ts);
    ts.title = "Largest contributors at the first detection";
    ts.subtitle = ds->label;
    ts.time_h = ds->frame->time_h;
    ts.n = ds->frame->nrows;
    ts.series = series;
    ts.nseries = ns;
    ts.onset_h = ds->frame->time_h[s->d_t2.onset];
    ts.shutdown_h = ds->shutdown_h;
    if (ns > 0) {
        svg = tep_svg_trend(&ts, err);
        if (!svg || tep_report_add_figure(rep, TEP_REPORT_TRENDS, svg, NULL, err) != 0) {
            free(svg);
            goto done;
        }
        free(svg);
    }
    rc = 0;
done:
    free(qv);
    free(t2v);
    free(t2c);
    free(qc);
    return rc;
}

static int write_report(const struct tep_analysis_job *job, const struct tep_analysis_result *res,
                        struct tep_error *err)
{
    const struct tep_pca_model *model = res->model;
    const struct tep_analysis_dataset *train = &res->train, *tests = res->tests;
    const struct tep_monitor_scores *sc = res->scores;
    const struct tep_analysis_published *pub = res->has_published ? res->published : NULL;
    size_t ntests = res->ntests, k = job->consecutive;
    struct tep_report_info info = {
        .title = NULL,
        .subtitle = "Fault detection with principal component analysis, monitored on normal "
                    "operation",
        .published_source = pub ? "Xiao, Kordon & Sen (PHM 2023), PCA with 9 components" : NULL,
    };
    struct tep_report *rep = tep_report_new(&info, err);
    if (!rep) return -1;
    int rc = -1;
    char text[TEP_RUN_ID_MAX + 256];
    snprintf(text, sizeof text,
             "%s on %zu variables%s, %zu components, %.0f %% limits: T\xC2\xB2 %.4g, Q %.4g",
             res->method, model->nvars, model->lags ? " with lags" : "", model->ncomp,
             100 * model->confidence, model->t2_limit, model->q_limit);
    if (tep_report_add_fact(rep, "Monitoring model", text, err) != 0) goto done;
    if (train->frame) {
        snprintf(text, sizeof text, "%s: %zu samples", train->label, train->frame->nrows);
    } else { /* a saved model, no training data given */
        char path[TEP_RUN_ID_MAX];
        tep_text_escape_line(job->model_in, path, sizeof path);
        snprintf(text, sizeof text, "the saved model %s, fitted on %zu samples", path,
                 model->ntrain);
    }
    if (tep_report_add_fact(rep, "Training data", text, err) != 0) goto done;
    snprintf(text, sizeof text, "a sample is in alarm when its statistic exceeds the limit%s",
             k > 1 ? "; a detection needs that many alarms in a row" : "");
    if (tep_report_add_fact(rep, "Alarm rule", text, err) != 0) goto done;
    for (size_t i = train->frame ? 0 : 1; i <= ntests; i++) {
        const struct tep_analysis_dataset *ds = i == 0 ? train : &tests[i - 1];
        struct tep_report_run run;
        tep_report_run_init(&run);
        run.run_id = ds->label;
        run.role = i == 0 ? "training (normal)" : "test";
        run.source = ds->source;
        run.rows = ds->frame->nrows;
        if (ds->frame->nrows > 1)
            run.interval_s = (ds->frame->time_h[1] - ds->frame->time_h[0]) * 3600.0;
        run.hours = ds->frame->nrows ? ds->frame->time_h[ds->frame->nrows - 1] : NAN;
        run.fault = ds->fault;
        run.onset_h = ds->onset_h;
        run.shutdown_h = ds->shutdown_h;
        run.shutdown_reason = ds->shutdown_reason[0] ? ds->shutdown_reason : NULL;
        if (tep_report_add_run(rep, &run, err) != 0) goto done;
        if (ds->from_store) {
            struct quality_feed q = {rep, ds->label, err};
            if (tep_store_load_quality(&res->store, ds->label, feed_quality, &q, err) != 0)
                goto done;
        }
    }
    double interval_min = res->interval_min; /* the training data's, when there are some */
    if (train->frame && train->frame->nrows > 1)
        interval_min = (train->frame->time_h[1] - train->frame->time_h[0]) * 60.0;
    else if (train->frame)
        interval_min = 3.0;
    for (size_t i = 0; i < ntests; i++) {
        struct tep_svg_detection_row row;
        memset(&row, 0, sizeof row);
        row.label = tests[i].label;
        row.fault = tests[i].fault;
        row.t2 = rates_of(&sc[i].d_t2, interval_min);
        row.q = rates_of(&sc[i].d_q, interval_min);
        if (pub && tests[i].fault > 0 && tests[i].fault < TEP_ANALYSIS_PUBLISHED_MAX &&
            pub[tests[i].fault].present) {
            const struct tep_analysis_published *p = &pub[tests[i].fault];
            row.has_published = true;
            row.published_t2 = (struct tep_svg_rates){
                .fdr = p->fdr_t2 / 100, .far = p->far_t2 / 100, .delay_min = p->delay_t2_min};
            row.published_q = (struct tep_svg_rates){
                .fdr = p->fdr_q / 100, .far = p->far_q / 100, .delay_min = p->delay_q_min};
        }
        if (tep_report_add_detection(rep, &row, err) != 0) goto done;
    }
    bool diagnosed = false;
    for (size_t i = 0; i < ntests; i++) {
        if (i < job->max_charts &&
            (add_chart(rep, &tests[i], sc[i].t2, model->t2_limit, "Hotelling T\xC2\xB2", k, err) !=
                 0 ||
             add_chart(rep, &tests[i], sc[i].q, model->q_limit, "Q (SPE)", k, err) != 0))
            goto done;
        if (!diagnosed && tests[i].fault > 0 && (sc[i].d_q.delay >= 0 || sc[i].d_t2.delay >= 0)) {
            if (add_diagnosis(rep, model, &tests[i], &sc[i], err) != 0) goto done;
            diagnosed = true;
        }
    }
    rc = tep_report_write(rep, job->report_out, err);
done:
    tep_report_free(rep);
    return rc;
}

void tep_analysis_job_defaults(struct tep_analysis_job *job)
{
    memset(job, 0, sizeof *job);
    job->store = "data/tep.db";
    tep_pca_options_default(&job->pca);
    job->consecutive = 1;
    job->max_charts = 8;
}

/* `tep report`'s defaults: the first normal run of the store to train on (unless given) and,
 * without tests, every stored run as "run:ID". The strings go to *owned (*nowned of them). */
static int store_defaults(const struct tep_store_ref *store, const char **train,
                          const char ***tests, size_t *ntests, char ***owned, size_t *nowned,
                          struct tep_error *err)
{
    struct tep_store_run *runs = NULL;
    size_t nruns = 0;
    if (tep_store_list_runs(store, &runs, &nruns, err) != 0) return -1;
    int rc = -1;
    bool test_every_run = *ntests == 0;
    *owned = calloc(nruns + 1, sizeof **owned);
    if (!*owned) goto fail_nomem;
    if (test_every_run) {
        *tests = calloc(nruns + 1, sizeof **tests);
        if (!*tests) goto fail_nomem;
    }
    for (size_t i = 0; i < nruns && !*train; i++)
        if (runs[i].fault == 0) {
            if (!((*owned)[*nowned] = strdup(runs[i].run_id))) goto fail_nomem;
            *train = (*owned)[(*nowned)++];
        }
    for (size_t j = 0; test_every_run && j < nruns; j++) {
        char *spec;
        if (asprintf(&spec, "run:%s", runs[j].run_id) < 0) goto fail_nomem;
        (*tests)[(*ntests)++] = (*owned)[(*nowned)++] = spec;
    }
    if (!*train) {
        tep_error_set_at(err, TEP_ERR_ARG, store->display, 0, 0,
                         "no normal run (fault 0) to train on; give --train");
        goto done;
    }
    rc = 0;
    goto done;
fail_nomem:
    tep_error_set(err, TEP_ERR_NOMEM, "out of memory");
done:
    free(runs);
    return rc;
}

/* Fit on the training data's normal rows, with the variables the job names (or the
 * default ones). */
static int fit_model(const struct tep_analysis_job *job, const struct tep_frame *train,
                     struct tep_pca_model **model, struct tep_error *err)
{
    char(*names)[TEP_COLUMN_NAME_MAX] = calloc(TEP_MONITOR_MAX_VARS, sizeof *names);
    const char **columns = calloc(TEP_MONITOR_MAX_VARS, sizeof *columns);
    size_t n = 0;
    int rc = -1;
    if (!names || !columns) {
        tep_error_set(err, TEP_ERR_NOMEM, "out of memory");
        goto done;
    }
    if (tep_monitor_choose_columns(train, job->columns, names, &n, err) != 0) {
        if (job->columns) tep_error_prefix(err, "--columns");
        goto done;
    }
    for (size_t i = 0; i < n; i++)
        columns[i] = names[i];
    rc = tep_monitor_fit(train, columns, n, &job->pca, model, err);
done:
    free(columns);
    free(names);
    return rc;
}

int tep_analysis_job_score(const struct tep_analysis_job *job, struct tep_analysis_result *res,
                           struct tep_error *err)
{
    memset(res, 0, sizeof *res);
    res->method = job->dpca ? "dpca" : "pca";
    res->interval_min = 3.0;
    const char *train = job->train;
    const char **tests = (const char **)job->tests;
    size_t ntests = job->ntests, nowned = 0;
    char **owned = NULL; /* the store's defaults */
    int rc = -1;
    if (!(job->pca.confidence > 0.5 && job->pca.confidence < 1.0)) {
        tep_error_set(err, TEP_ERR_ARG, "alpha %g: expected a probability in (0, 0.5)",
                      1.0 - job->pca.confidence);
        goto done;
    }
    if (job->consecutive < 1 || job->consecutive > 1000) {
        tep_error_set(err, TEP_ERR_ARG, "consecutive alarms %zu: expected 1..1000",
                      job->consecutive);
        goto done;
    }
    if (tep_store_ref_parse(job->store, job->schema, job->table_prefix, &res->store, err) != 0)
        goto done;
    if (job->store_defaults && (!train || ntests == 0) &&
        store_defaults(&res->store, &train, &tests, &ntests, &owned, &nowned, err) != 0)
        goto done;
    if (!train && !job->model_in) {
        tep_error_set(err, TEP_ERR_ARG, "--train FILE|RUN (or --model FILE) is required");
        goto done;
    }
    if (ntests == 0) {
        tep_error_set(err, TEP_ERR_ARG, "at least one --test FILE|RUN is required");
        goto done;
    }
    res->tests = calloc(ntests, sizeof *res->tests);
    res->scores = calloc(ntests, sizeof *res->scores);
    if (!res->tests || !res->scores) {
        tep_error_set(err, TEP_ERR_NOMEM, "out of memory");
        goto done;
    }
    res->ntests = ntests;
    if (train && load_dataset(train, &res->store, &res->train, err) != 0) goto done;
    if (job->model_in) {
        if (tep_pca_model_load(job->model_in, &res->model, err) != 0) goto done;
    } else if (fit_model(job, res->train.frame, &res->model, err) != 0) {
        goto done;
    }
    if (job->model_out && tep_pca_model_save(res->model, job->model_out, err) != 0) goto done;
    for (size_t i = 0; i < ntests; i++) {
        if (load_dataset(tests[i], &res->store, &res->tests[i], err) != 0) goto done;
        if (tep_monitor_score(res->model, res->tests[i].frame, job->consecutive, &res->scores[i],
                              err) != 0) {
            tep_error_prefix(err, "scoring %s", res->tests[i].label);
            goto done;
        }
    }
    if (job->published &&
        read_published(job->published, res->published, TEP_ANALYSIS_PUBLISHED_MAX, err) != 0)
        goto done;
    res->has_published = job->published != NULL;
    const struct tep_frame *first = res->tests[0].frame;
    if (first->nrows > 1) res->interval_min = (first->time_h[1] - first->time_h[0]) * 60.0;
    rc = 0;
done:
    if (owned && tests != job->tests) free(tests);
    for (size_t i = 0; i < nowned; i++)
        free(owned[i]);
    free(owned);
    return rc;
}

int tep_analysis_job_write(const struct tep_analysis_job *job,
                           const struct tep_analysis_result *res, struct tep_error *err)
{
    if (job->json_out && write_json(job->json_out, res->model, res->method, res->tests, res->scores,
                                    res->ntests, job->consecutive, err) != 0)
        return -1;
    if (job->report_out && write_report(job, res, err) != 0) return -1;
    return 0;
}

void tep_analysis_result_free(struct tep_analysis_result *res)
{
    if (!res) return;
    tep_frame_free(res->train.frame);
    for (size_t i = 0; res->tests && i < res->ntests; i++)
        tep_frame_free(res->tests[i].frame);
    for (size_t i = 0; res->scores && i < res->ntests; i++)
        tep_monitor_scores_free(&res->scores[i]);
    free(res->tests);
    free(res->scores);
    tep_pca_model_free(res->model);
    memset(res, 0, sizeof *res);
}
