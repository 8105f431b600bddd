/* cmd_analyze.c - `tep analyze` and `tep report`: fault detection with PCA / dynamic PCA
 * on any source collection reads (Braatz .dat, CSV, NDJSON) or on runs of a store (the
 * SQLite file or the PostgreSQL tables), scored with the TEP literature's metrics,
 * written as a table, JSON and an HTML report. */
#include <getopt.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "analysis/metrics.h"
#include "analysis/pca.h"
#include "cli/cli_util.h"
#include "cli/commands.h"
#include "core/atomic_file.h"
#include "core/catalog.h"
#include "core/text.h"
#include "io/reader.h"
#include "store/store_read.h"
#include "viz/report.h"
#include "viz/svg.h"

/* One data set: its rows and what we know about where they came from. */
struct dataset {
    char label[TEP_RUN_ID_MAX]; /* file name or run id */
    char source[1200];
    struct tep_frame *frame;
    int fault;
    double onset_h;
    double shutdown_h;
    char shutdown_reason[96];
    bool from_store;
};

struct scored {
    double *t2, *q;
    struct tep_detection d_t2, d_q;
};

struct published_row {
    bool present;
    double fdr_t2, fdr_q, far_t2, far_q, delay_t2_min, delay_q_min; /* percent / minutes */
};

static bool is_file(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/* Load FILE (any reader format) or a run of the store ("run:ID" or an id). */
static int load_dataset(const char *spec, const struct tep_store_ref *store, struct dataset *ds,
                        struct tep_error *err)
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
        tep_error_set(err, TEP_ERR_ARG, "'%s': no such file, and no run '%s' in the store %s",
                      spec, run, store->display);
    free(runs);
    return rc;
}

static void dataset_free(struct dataset *ds) { tep_frame_free(ds->frame); }

/* The default variables: the 52 of the classic data sets (XMEAS 1-41, XMV 1-11) that the
 * training data has and that vary there (a constant column cannot be standardised). */
static int choose_columns(const struct tep_frame *train, const char *list, char names[][TEP_COLUMN_NAME_MAX],
                          size_t *n, struct tep_error *err)
{
    *n = 0;
    if (list) {
        char buf[8192];
        snprintf(buf, sizeof buf, "%s", list);
        for (char *save = NULL, *tok = strtok_r(buf, ", ", &save); tok; tok = strtok_r(NULL, ", ", &save)) {
            int v = tep_catalog_lookup(tok);
            const char *name = v >= 0 ? tep_catalog[v].name : tok;
            if (tep_frame_find(train, name) < 0)
                return tep_error_set(err, TEP_ERR_ARG, "--columns: the training data has no column '%s'", tok);
            if (*n >= TEP_N_VARS * 4) return tep_error_set(err, TEP_ERR_ARG, "--columns: too many");
            snprintf(names[(*n)++], TEP_COLUMN_NAME_MAX, "%s", name);
        }
        return 0;
    }
    for (int v = 0; v < TEP_N_XMEAS + 11; v++) {
        int c = tep_frame_find(train, tep_catalog[v].name);
        if (c < 0) continue;
        const double *x = train->cols[c].data;
        double first = NAN;
        bool varies = false;
        for (size_t r = 0; r < train->nrows && !varies; r++) {
            if (isnan(x[r])) continue;
            if (isnan(first)) first = x[r];
            else if (x[r] != first) varies = true;
        }
        if (!varies) continue;
        snprintf(names[(*n)++], TEP_COLUMN_NAME_MAX, "%s", tep_catalog[v].name);
    }
    if (*n < 2) return tep_error_set(err, TEP_ERR_ARG, "the training data has fewer than 2 varying TEP variables");
    return 0;
}

static int score_dataset(const struct tep_pca_model *model, const struct dataset *ds, size_t k,
                         struct scored *out, struct tep_error *err)
{
    size_t n = ds->frame->nrows;
    out->t2 = malloc(sizeof(double) * (n ? n : 1));
    out->q = malloc(sizeof(double) * (n ? n : 1));
    struct tep_pca_scorer *scorer = NULL;
    if (!out->t2 || !out->q) return tep_error_set(err, TEP_ERR_NOMEM, "out of memory");
    if (tep_pca_scorer_new(model, &scorer, err) != 0) return -1;
    int rc = tep_pca_scorer_push_frame(scorer, ds->frame, out->t2, out->q, err);
    tep_pca_scorer_free(scorer);
    if (rc != 0) {
        tep_error_prefix(err, "scoring %s", ds->label);
        return -1;
    }
    if (tep_metrics_from_stat(out->t2, model->t2_limit, ds->frame->fault, n, k, &out->d_t2, err) ||
        tep_metrics_from_stat(out->q, model->q_limit, ds->frame->fault, n, k, &out->d_q, err))
        return -1;
    return 0;
}

/* Xiao, Kordon & Sen (2023) table layout: fault,FDR_T2_pct,FDR_SPE_pct,FDR_DAE_pct,FAR_T2_pct,... */
static int read_published(const char *path, struct published_row *rows, int max, struct tep_error *err)
{
    FILE *f = fopen(path, "r");
    if (!f) return tep_error_set_errno(err, TEP_ERR_IO, "cannot open published table", path);
    char line[1024];
    long lineno = 1;
    if (!fgets(line, sizeof line, f) || strncmp(line, "fault,FDR_T2_pct,FDR_SPE_pct", 28) != 0) {
        fclose(f);
        return tep_error_set_at(err, TEP_ERR_PARSE, path, 1, 1,
                                "expected the header fault,FDR_T2_pct,FDR_SPE_pct,FDR_DAE_pct,"
                                "FAR_T2_pct,FAR_SPE_pct,FAR_DAE_pct,delay_T2_min,delay_SPE_min,...");
    }
    while (fgets(line, sizeof line, f)) {
        lineno++;
        int fault;
        double v[9];
        if (sscanf(line, "%d,%lf,%lf,%lf,%lf,%lf,%lf,%lf,%lf,%lf", &fault, &v[0], &v[1], &v[2], &v[3],
                   &v[4], &v[5], &v[6], &v[7], &v[8]) != 10) {
            fclose(f);
            return tep_error_set_at(err, TEP_ERR_PARSE, path, lineno, 1, "expected 10 numbers");
        }
        if (fault < 0 || fault >= max) continue;
        rows[fault] = (struct published_row){true, v[0], v[1], v[3], v[4], v[6], v[7]};
    }
    fclose(f);
    return 0;
}

/* "12.3%", or "-" when the rate is undefined (no faulty / no normal samples). */
static const char *rate_text(double fraction, char *buf, size_t n)
{
    if (isnan(fraction))
        snprintf(buf, n, "-");
    else
        snprintf(buf, n, "%.1f%%", 100.0 * fraction);
    return buf;
}

static void print_table(FILE *out, const struct dataset *tests, const struct scored *sc,
                        size_t ntests, double interval_min, const struct published_row *pub)
{
    int width = 14;
    for (size_t i = 0; i < ntests; i++)
        if ((int)strlen(tests[i].label) > width) width = (int)strlen(tests[i].label);
    fprintf(out, "%-*s %5s | %7s %7s | %7s %7s | %9s %9s", width, "test", "fault", "FDR T2", "FDR Q",
           "FAR T2", "FAR Q", "delay T2", "delay Q");
    if (pub) fprintf(out, " | published: FDR T2  FDR Q  FAR T2  FAR Q");
    fprintf(out, "\n");
    for (size_t i = 0; i < ntests; i++) {
        const struct scored *s = &sc[i];
        char dt2[32] = "-", dq[32] = "-";
        if (s->d_t2.delay >= 0) snprintf(dt2, sizeof dt2, "%.0f min", s->d_t2.delay * interval_min);
        if (s->d_q.delay >= 0) snprintf(dq, sizeof dq, "%.0f min", s->d_q.delay * interval_min);
        char r[4][16];
        fprintf(out, "%-*s %5d | %7s %7s | %7s %7s | %9s %9s", width, tests[i].label, tests[i].fault,
               rate_text(s->d_t2.fdr, r[0], 16), rate_text(s->d_q.fdr, r[1], 16),
               rate_text(s->d_t2.far, r[2], 16), rate_text(s->d_q.far, r[3], 16), dt2, dq);
        if (pub && tests[i].fault > 0 && tests[i].fault < 64 && pub[tests[i].fault].present) {
            const struct published_row *p = &pub[tests[i].fault];
            fprintf(out, " |             %5.1f  %5.1f  %5.1f  %5.1f", p->fdr_t2, p->fdr_q, p->far_t2,
                   p->far_q);
        }
        fprintf(out, "\n");
    }
}

static json_t *json_rate(double v) { return isnan(v) ? json_null() : json_real(v); }

static int write_json(const char *path, const struct tep_pca_model *model, const char *method,
                      const struct dataset *tests, const struct scored *sc, size_t ntests,
                      size_t consecutive, struct tep_error *err)
{
    json_t *vars = json_array();
    for (size_t i = 0; model->var_names && i < model->nvars; i++)
        json_array_append_new(vars, json_string(model->var_names[i]));
    json_t *root = json_pack(
        "{s:{s:s,s:I,s:I,s:I,s:f,s:f,s:f,s:f,s:o,s:I},s:[]}", "model", "method", method,
        "components", (json_int_t)model->ncomp, "lags", (json_int_t)model->lags, "n_train",
        (json_int_t)model->ntrain, "alpha", 1.0 - model->confidence, "confidence",
        model->confidence, "t2_limit", model->t2_limit, "q_limit", model->q_limit, "variables",
        vars, "consecutive", (json_int_t)consecutive, "results");
    if (!root) return tep_error_set(err, TEP_ERR_NOMEM, "out of memory");
    json_t *results = json_object_get(root, "results");
    for (size_t i = 0; i < ntests; i++) {
        const struct scored *s = &sc[i];
        json_t *r = json_pack("{s:s,s:i,s:o,s:o,s:o,s:o,s:o,s:o,s:I,s:I,s:o}", "file",
                              tests[i].label, "fault", tests[i].fault, "fdr_t2", json_rate(s->d_t2.fdr),
                              "fdr_q", json_rate(s->d_q.fdr), "far_t2", json_rate(s->d_t2.far),
                              "far_q", json_rate(s->d_q.far), "delay_t2",
                              s->d_t2.delay >= 0 ? json_integer(s->d_t2.delay) : json_null(),
                              "delay_q", s->d_q.delay >= 0 ? json_integer(s->d_q.delay) : json_null(),
                              "n_normal", (json_int_t)s->d_t2.n_normal, "n_faulty",
                              (json_int_t)s->d_t2.n_faulty, "onset",
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

static int add_chart(struct tep_report *rep, const struct dataset *ds, const double *stat,
                     double limit, const char *what, size_t k, struct tep_error *err)
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
                         const struct dataset *ds, const struct scored *s, struct tep_error *err)
{
    long det = s->d_q.delay >= 0 && (s->d_t2.delay < 0 || s->d_q.delay <= s->d_t2.delay)
                   ? s->d_q.delay
                   : s->d_t2.delay;
    if (det < 0 || s->d_t2.onset < 0) return 0;
    size_t row = (size_t)(s->d_t2.onset + det);
    size_t nv = model->nvars;
    struct tep_pca_scorer *scorer = NULL;
    double *x = malloc(sizeof(double) * nv), *qv = calloc(nv, sizeof(double)),
           *t2v = calloc(nv, sizeof(double));
    struct tep_pca_contrib *t2c = malloc(sizeof *t2c * nv), *qc = malloc(sizeof *qc * nv);
    int rc = -1;
    if (!x || !qv || !t2v || !t2c || !qc) {
        tep_error_set(err, TEP_ERR_NOMEM, "out of memory");
        goto done;
    }
    /* replay the run up to the detecting sample, then ask for its contributions */
    if (tep_pca_scorer_new(model, &scorer, err) != 0) goto done;
    int col[4096];
    for (size_t v = 0; v < nv && v < 4096; v++) col[v] = tep_frame_find(ds->frame, model->var_names[v]);
    for (size_t r = 0; r <= row; r++) {
        for (size_t v = 0; v < nv; v++) x[v] = col[v] >= 0 ? ds->frame->cols[col[v]].data[r] : NAN;
        double t2, q;
        tep_pca_scorer_push(scorer, x, &t2, &q);
    }
    if (tep_pca_scorer_contributions(scorer, t2c, qc, err) != 0) goto done;
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
        series[ns++] = (struct tep_svg_series){NULL, ds->frame->cols[c].var, ds->frame->cols[c].data};
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
    tep_pca_scorer_free(scorer);
    free(x);
    free(qv);
    free(t2v);
    free(t2c);
    free(qc);
    return rc;
}

static int write_report(const char *path, const struct tep_store_ref *store,
                        const struct tep_pca_model *model,
                        const char *method, const struct dataset *train,
                        const struct dataset *tests, const struct scored *sc, size_t ntests,
                        size_t k, const struct published_row *pub, size_t max_charts,
                        struct tep_error *err)
{
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
    snprintf(text, sizeof text, "%s on %zu variables%s, %zu components, %.0f %% limits: T\xC2\xB2 %.4g, Q %.4g",
             method, model->nvars, model->lags ? " with lags" : "", model->ncomp,
             100 * model->confidence, model->t2_limit, model->q_limit);
    if (tep_report_add_fact(rep, "Monitoring model", text, err) != 0) goto done;
    snprintf(text, sizeof text, "%s: %zu samples", train->label, train->frame->nrows);
    if (tep_report_add_fact(rep, "Training data", text, err) != 0) goto done;
    snprintf(text, sizeof text, "a sample is in alarm when its statistic exceeds the limit%s",
             k > 1 ? "; a detection needs that many alarms in a row" : "");
    if (tep_report_add_fact(rep, "Alarm rule", text, err) != 0) goto done;
    for (size_t i = 0; i <= ntests; i++) {
        const struct dataset *ds = i == 0 ? train : &tests[i - 1];
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
            if (tep_store_load_quality(store, ds->label, feed_quality, &q, err) != 0) goto done;
        }
    }
    double interval_min = 3.0;
    if (train->frame->nrows > 1)
        interval_min = (train->frame->time_h[1] - train->frame->time_h[0]) * 60.0;
    for (size_t i = 0; i < ntests; i++) {
        struct tep_svg_detection_row row;
        memset(&row, 0, sizeof row);
        row.label = tests[i].label;
        row.fault = tests[i].fault;
        row.t2 = rates_of(&sc[i].d_t2, interval_min);
        row.q = rates_of(&sc[i].d_q, interval_min);
        if (pub && tests[i].fault > 0 && tests[i].fault < 64 && pub[tests[i].fault].present) {
            const struct published_row *p = &pub[tests[i].fault];
            row.has_published = true;
            row.published_t2 = (struct tep_svg_rates){.fdr = p->fdr_t2 / 100, .far = p->far_t2 / 100,
                                                      .delay_min = p->delay_t2_min};
            row.published_q = (struct tep_svg_rates){.fdr = p->fdr_q / 100, .far = p->far_q / 100,
                                                     .delay_min = p->delay_q_min};
        }
        if (tep_report_add_detection(rep, &row, err) != 0) goto done;
    }
    bool diagnosed = false;
    for (size_t i = 0; i < ntests; i++) {
        if (i < max_charts &&
            (add_chart(rep, &tests[i], sc[i].t2, model->t2_limit, "Hotelling T\xC2\xB2", k, err) != 0 ||
             add_chart(rep, &tests[i], sc[i].q, model->q_limit, "Q (SPE)", k, err) != 0))
            goto done;
        if (!diagnosed && tests[i].fault > 0 && (sc[i].d_q.delay >= 0 || sc[i].d_t2.delay >= 0)) {
            if (add_diagnosis(rep, model, &tests[i], &sc[i], err) != 0) goto done;
            diagnosed = true;
        }
    }
    rc = tep_report_write(rep, path, err);
done:
    tep_report_free(rep);
    return rc;
}

static void analyze_usage(FILE *out, const char *cmd)
{
    if (strcmp(cmd, "report") == 0)
        fputs("usage: tep report [--store data/tep.db|postgresql://...|pg:CONNINFO] [--train RUN]\n"
              "                  [--out report.html] [options]\n"
              "An HTML report of the runs in the store (SQLite or PostgreSQL): run summary,\n"
              "data-quality metrics, PCA control charts, contributions and the detection table.\n"
              "Trains on --train or the first normal run (fault 0), tests every run. Takes the\n"
              "options of analyze.\n",
              out);
    else
        fputs("usage: tep analyze --train FILE|RUN --test FILE|RUN... [options]\n"
              "Fault detection with PCA / dynamic PCA: fit on normal operation, score the tests\n"
              "with T^2 and Q, print FDR, FAR and detection delay per test.\n\n",
              out);
    fputs("  --train SRC          training data: a file (Braatz .dat, CSV, NDJSON, Parquet) or a run of the\n"
          "                       store (its id, or run:ID)\n"
          "  --test SRC...        test data (repeatable; every argument after it until the next\n"
          "                       option is a test)\n"
          "  --store STORE        store for run ids: a SQLite file (default data/tep.db), a\n"
          "                       PostgreSQL URI (postgresql://user@host/db) or pg:CONNINFO\n"
          "                       (key=value; pg: alone = the PG* environment variables)\n"
          "  --schema S           PostgreSQL: schema of the tables (default: the search_path)\n"
          "  --table-prefix P     PostgreSQL: prefix of the table names (storage.table_prefix)\n"
          "  --method pca|dpca    (default pca)\n"
          "  --components N       components kept (default 9)\n"
          "  --variance F         keep the fewest components explaining fraction F instead\n"
          "  --parallel           choose components by parallel analysis instead\n"
          "  --lags L             dynamic PCA lags (default 2 for dpca)\n"
          "  --alpha A            1 - confidence of both limits (default 0.01)\n"
          "  --columns LIST       variables (default: XMEAS 1-41 and XMV 1-11 that vary in training)\n"
          "  --consecutive K      alarms in a row that make a detection (default 1)\n"
          "  --model FILE         use a saved model instead of training\n"
          "  --model-out FILE     save the fitted model (JSON)\n"
          "  --published CSV      show a published table (fault,FDR_T2_pct,...) next to ours\n"
          "  --json OUT.json      results as JSON (rates as fractions, delays in samples)\n"
          "  --report OUT.html    a self-contained HTML report\n"
          "  --charts N           control charts for the first N tests in the report (default 8)\n"
          "Outputs go to a temporary file renamed into place; '-' is standard output (then the\n"
          "table goes to stderr), and a device, FIFO or socket is written into directly.\n",
          out);
}

static int run_analysis(int argc, char **argv, bool report_mode)
{
    const char *cmd = report_mode ? "report" : "analyze";
    static const struct option options[] = {
        {"train", required_argument, 0, 't'},      {"test", required_argument, 0, 'T'},
        {"store", required_argument, 0, 's'},      {"method", required_argument, 0, 'm'},
        {"components", required_argument, 0, 'c'}, {"variance", required_argument, 0, 'v'},
        {"parallel", no_argument, 0, 'P'},         {"lags", required_argument, 0, 'l'},
        {"alpha", required_argument, 0, 'a'},      {"columns", required_argument, 0, 'C'},
        {"consecutive", required_argument, 0, 'k'}, {"model", required_argument, 0, 'M'},
        {"model-out", required_argument, 0, 'O'},  {"published", required_argument, 0, 'p'},
        {"json", required_argument, 0, 'j'},       {"report", required_argument, 0, 'r'},
        {"out", required_argument, 0, 'r'},        {"charts", required_argument, 0, 'n'},
        {"schema", required_argument, 0, 'S'},     {"table-prefix", required_argument, 0, 'X'},
        {"help", no_argument, 0, 'h'},             {0, 0, 0, 0}};
    const char *train_spec = NULL, *store_spec = "data/tep.db", *columns = NULL, *model_in = NULL,
               *schema = NULL, *table_prefix = NULL,
               *model_out = NULL, *published = NULL, *json_out = NULL, *report_out = NULL;
    /* every --test is an argument, so argc bounds their number: none is dropped */
    const char **test_specs = calloc((size_t)argc + 1, sizeof *test_specs);
    char **owned_specs = NULL; /* report mode's "run:ID" for every stored run, and the train id */
    size_t ntests = 0, nowned = 0;
    struct tep_pca_options popt;
    tep_pca_options_default(&popt);
    bool dpca = false, lags_given = false;
    long k = 1, max_charts = 8;
    double alpha = 0.01;
    struct tep_error err;
    tep_error_clear(&err);
    struct dataset train = {0};
    struct dataset *tests = NULL;
    struct scored *sc = NULL;
    struct published_row pub[64];
    struct tep_pca_model *model = NULL;
    char(*names)[TEP_COLUMN_NAME_MAX] = NULL;
    struct tep_store_ref store;
    int rc = 2; /* while parsing: a usage error */
    if (!test_specs) goto fail_nomem;
    if (report_mode) report_out = "report.html";
    optind = 1;
    int c;
    while ((c = getopt_long(argc, argv, "", options, NULL)) != -1) {
        long n;
        double d;
        switch (c) {
        case 't': train_spec = optarg; break;
        case 'T':
            test_specs[ntests++] = optarg;
            while (optind < argc && argv[optind][0] != '-')
                test_specs[ntests++] = argv[optind++];
            break;
        case 's': store_spec = optarg; break;
        case 'S': schema = optarg; break;
        case 'X': table_prefix = optarg; break;
        case 'm':
            if (strcmp(optarg, "pca") == 0) dpca = false;
            else if (strcmp(optarg, "dpca") == 0) dpca = true;
            else {
                fprintf(stderr, "tep %s: --method: expected pca or dpca, got '%s'\n", cmd, optarg);
                goto done;
            }
            break;
        case 'c':
            if (tep_cli_long(cmd, "--components", optarg, &n)) goto done;
            if (n < 1 || n > 10000) {
                fprintf(stderr, "tep %s: --components: expected 1..10000\n", cmd);
                goto done;
            }
            popt.rule = TEP_PCA_RULE_FIXED;
            popt.ncomp = (size_t)n;
            break;
        case 'v':
            if (tep_cli_double(cmd, "--variance", optarg, &d)) goto done;
            if (!(d > 0 && d <= 1)) {
                fprintf(stderr, "tep %s: --variance: expected a fraction in (0, 1]\n", cmd);
                goto done;
            }
            popt.rule = TEP_PCA_RULE_VARIANCE;
            popt.variance = d;
            break;
        case 'P': popt.rule = TEP_PCA_RULE_PARALLEL; break;
        case 'l':
            if (tep_cli_long(cmd, "--lags", optarg, &n)) goto done;
            if (n < 0 || n > 100) {
                fprintf(stderr, "tep %s: --lags: expected 0..100\n", cmd);
                goto done;
            }
            popt.lags = (size_t)n;
            lags_given = true;
            break;
        case 'a':
            if (tep_cli_double(cmd, "--alpha", optarg, &alpha)) goto done;
            if (!(alpha > 0 && alpha < 0.5)) {
                fprintf(stderr, "tep %s: --alpha: expected a probability in (0, 0.5)\n", cmd);
                goto done;
            }
            break;
        case 'C': columns = optarg; break;
        case 'k':
            if (tep_cli_long(cmd, "--consecutive", optarg, &k)) goto done;
            if (k < 1 || k > 1000) {
                fprintf(stderr, "tep %s: --consecutive: expected 1..1000\n", cmd);
                goto done;
            }
            break;
        case 'M': model_in = optarg; break;
        case 'O': model_out = optarg; break;
        case 'p': published = optarg; break;
        case 'j': json_out = optarg; break;
        case 'r': report_out = optarg; break;
        case 'n':
            if (tep_cli_long(cmd, "--charts", optarg, &max_charts)) goto done;
            break;
        case 'h':
            analyze_usage(stdout, cmd);
            rc = 0;
            goto done;
        default:
            analyze_usage(stderr, cmd);
            goto done;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "tep %s: unexpected argument '%s'\n", cmd, argv[optind]);
        goto done;
    }
    /* "-" is standard output (tep_atomic_open); then the table goes to stderr */
    int to_stdout = (json_out && strcmp(json_out, "-") == 0) +
                    (report_out && strcmp(report_out, "-") == 0) +
                    (model_out && strcmp(model_out, "-") == 0);
    if (to_stdout > 1) {
        fprintf(stderr, "tep %s: only one of --json, --report/--out and --model-out may be '-' "
                        "(standard output)\n", cmd);
        goto done;
    }
    FILE *table_out = to_stdout ? stderr : stdout;
    if (dpca && !lags_given) popt.lags = 2;
    if (!dpca && lags_given && popt.lags > 0) dpca = true;
    popt.confidence = 1.0 - alpha;
    rc = 1;
    if (tep_store_ref_parse(store_spec, schema, table_prefix, &store, &err) != 0) goto fail;
    memset(pub, 0, sizeof pub);
    if (report_mode && (!train_spec || ntests == 0)) {
        /* default: train on the first normal run of the store, test every run */
        struct tep_store_run *runs = NULL;
        size_t nruns = 0;
        if (tep_store_list_runs(&store, &runs, &nruns, &err) != 0) goto fail;
        /* the train id and a "run:ID" per stored run, owned here */
        owned_specs = calloc(nruns + 1, sizeof *owned_specs);
        const char **all =
            ntests == 0 ? realloc(test_specs, (nruns + 1) * sizeof *all) : test_specs;
        if (all) test_specs = all;
        bool out_of_memory = !owned_specs || !all;
        for (size_t i = 0; i < nruns && !train_spec && !out_of_memory; i++)
            if (runs[i].fault == 0) {
                owned_specs[nowned] = strdup(runs[i].run_id);
                out_of_memory = !owned_specs[nowned];
                if (!out_of_memory) train_spec = owned_specs[nowned++];
            }
        bool test_every_run = ntests == 0;
        for (size_t j = 0; test_every_run && j < nruns && !out_of_memory; j++) {
            char *spec;
            out_of_memory = asprintf(&spec, "run:%s", runs[j].run_id) < 0;
            if (!out_of_memory) test_specs[ntests++] = owned_specs[nowned++] = spec;
        }
        free(runs);
        if (out_of_memory) goto fail_nomem;
        if (!train_spec) {
            tep_error_set_at(&err, TEP_ERR_ARG, store.display, 0, 0,
                             "no normal run (fault 0) to train on; give --train");
            goto fail;
        }
    }
    if (!train_spec && !model_in) {
        fprintf(stderr, "tep %s: --train FILE|RUN (or --model FILE) is required\n", cmd);
        rc = 2;
        goto done;
    }
    if (ntests == 0) {
        fprintf(stderr, "tep %s: at least one --test FILE|RUN is required\n", cmd);
        rc = 2;
        goto done;
    }
    tests = calloc(ntests, sizeof *tests);
    sc = calloc(ntests, sizeof *sc);
    if (!tests || !sc) goto fail_nomem;
    if (train_spec && load_dataset(train_spec, &store, &train, &err) != 0) goto fail;
    if (model_in) {
        if (tep_pca_model_load(model_in, &model, &err) != 0) goto fail;
    } else {
        names = calloc(TEP_N_VARS * 4, sizeof *names);
        if (!names) goto fail_nomem;
        size_t nnames = 0;
        if (choose_columns(train.frame, columns, names, &nnames, &err) != 0) goto fail;
        const char *cols[TEP_N_VARS * 4];
        for (size_t i = 0; i < nnames; i++) cols[i] = names[i];
        /* train on normal rows only: the rows labelled fault 0 */
        struct tep_frame *normal = tep_frame_new(train.frame->nrows + 1);
        if (!normal || tep_frame_copy_schema(normal, train.frame, &err) != 0 ||
            tep_frame_append(normal, train.frame, &err) != 0) {
            tep_frame_free(normal);
            goto fail;
        }
        bool *keep = malloc(sizeof(bool) * (normal->nrows + 1));
        if (!keep) {
            tep_frame_free(normal);
            goto fail_nomem;
        }
        for (size_t r = 0; r < normal->nrows; r++) keep[r] = normal->fault[r] == 0;
        tep_frame_filter_rows(normal, keep);
        free(keep);
        int frc = tep_pca_fit_frame(normal, cols, nnames, &popt, &model, &err);
        tep_frame_free(normal);
        if (frc != 0) goto fail;
    }
    if (model_out && tep_pca_model_save(model, model_out, &err) != 0) goto fail;
    for (size_t i = 0; i < ntests; i++) {
        if (load_dataset(test_specs[i], &store, &tests[i], &err) != 0) goto fail;
        if (score_dataset(model, &tests[i], (size_t)k, &sc[i], &err) != 0) goto fail;
    }
    if (published && read_published(published, pub, 64, &err) != 0) goto fail;
    double interval_min = 3.0;
    if (tests[0].frame->nrows > 1)
        interval_min = (tests[0].frame->time_h[1] - tests[0].frame->time_h[0]) * 60.0;
    const char *method = dpca ? "dpca" : "pca";
    fprintf(table_out, "model: %s, %zu variables, %zu lags, %zu components, %.0f %% limits: T2 %.6g, Q %.6g "
           "(trained on %zu normal samples)\n",
           method, model->nvars, model->lags, model->ncomp, 100 * model->confidence,
           model->t2_limit, model->q_limit, model->ntrain);
    print_table(table_out, tests, sc, ntests, interval_min, published ? pub : NULL);
    if (json_out && write_json(json_out, model, method, tests, sc, ntests, (size_t)k, &err) != 0)
        goto fail;
    if (report_out &&
        write_report(report_out, &store, model, method, &train, tests, sc, ntests, (size_t)k,
                     published ? pub : NULL, (size_t)(max_charts < 0 ? 0 : max_charts), &err) != 0)
        goto fail;
    if (report_out && strcmp(report_out, "-") != 0)
        fprintf(stderr, "tep %s: report written to %s\n", cmd, report_out);
    if (json_out && strcmp(json_out, "-") != 0)
        fprintf(stderr, "tep %s: results written to %s\n", cmd, json_out);
    rc = 0;
    goto done;
fail_nomem:
    tep_error_set(&err, TEP_ERR_NOMEM, "out of memory");
fail:
    tep_cli_report(cmd, &err);
    rc = err.code == TEP_ERR_ARG ? 2 : 1;
done:
    dataset_free(&train);
    for (size_t i = 0; tests && i < ntests; i++)
        dataset_free(&tests[i]);
    for (size_t i = 0; sc && i < ntests; i++) { /* sc may be NULL when tests is not */
        free(sc[i].t2);
        free(sc[i].q);
    }
    free(tests);
    free(sc);
    free(names);
    tep_pca_model_free(model);
    free(test_specs);
    for (size_t i = 0; i < nowned; i++)
        free(owned_specs[i]);
    free(owned_specs);
    return rc;
}

int tep_cmd_analyze(int argc, char **argv) { return run_analysis(argc, argv, false); }
int tep_cmd_report(int argc, char **argv) { return run_analysis(argc, argv, true); }
