/* test_prep_chain.c - the step interface as a whole: a chain of all five
 * steps on a messy run (late rows, duplicates, gaps, spikes) gives the same
 * bits and counters for chunk sizes 1, 7 and 1000, and the same result as
 * running the steps one after another on the whole run; options read from
 * YAML through each step's key table, and through the preprocessing stage;
 * metrics iteration and summary.
 */
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "check.h"
#include "core/catalog.h"
#include "prep/clean.h"
#include "prep/features.h"
#include "prep/missing.h"
#include "prep/outliers.h"
#include "prep/prep_stage.h"
#include "prep/scaler.h"
#include "prep_fixture.h"

static uint64_t lcg = 1;
static double uniform01(void)
{
    lcg = lcg * 6364136223846793005ULL + 1442695040888963407ULL;
    return (double)(lcg >> 11) / 9007199254740992.0;
}

/* A run of n samples of all 53 variables (noise, 1 % missing, 0.3 % spikes),
 * delivered messily: samples 50k+11/50k+13 swapped with their neighbours
 * two rows away, an exact duplicate after every 97th row, and sample 40
 * again 20 rows late with other values. */
static struct tep_frame *messy_run(const char *run, size_t n, int32_t fault)
{
    struct tep_frame *clean = tep_frame_new(n);
    tep_frame_add_catalog_columns(clean, NULL);
    double vals[TEP_N_VARS];
    for (size_t i = 0; i < n; i++) {
        for (int v = 0; v < TEP_N_VARS; v++) {
            const struct tep_var_info *info = &tep_catalog[v];
            double sigma = info->noise_sigma > 0 ? info->noise_sigma : 0.5;
            vals[v] = info->base_value + sigma * (uniform01() - 0.5) * 3;
            if (uniform01() < 0.01) vals[v] = NAN;
            if (uniform01() < 0.003) vals[v] = info->base_value + 40 * sigma;
        }
        tep_frame_push_row(clean, 0.05 * (double)(i + 1), (int64_t)i + 1, fault, vals, NULL);
    }
    struct tep_frame *f = tep_frame_new(n + 32);
    tep_frame_copy_schema(f, clean, NULL);
    snprintf(f->run_id, sizeof f->run_id, "%s", run);
    for (size_t i = 0; i < n; i++) {
        size_t src = i;
        if (i % 50 == 10 && i + 2 < n)
            src = i + 2;
        else if (i % 50 == 12)
            src = i - 2;
        for (int v = 0; v < TEP_N_VARS; v++)
            vals[v] = clean->cols[v].data[src];
        tep_frame_push_row(f, clean->time_h[src], clean->sample[src], fault, vals, NULL);
        if (i % 97 == 5)
            tep_frame_push_row(f, clean->time_h[src], clean->sample[src], fault, vals, NULL);
        if (i == 60 && n > 60) {
            for (int v = 0; v < TEP_N_VARS; v++)
                vals[v] = clean->cols[v].data[39] + 1;
            tep_frame_push_row(f, clean->time_h[39], clean->sample[39], fault, vals, NULL);
        }
    }
    tep_frame_free(clean);
    return f;
}

static struct tep_prep_scaler *fit_scaler(void)
{
    struct tep_error err;
    tep_error_clear(&err);
    struct tep_prep_fit_options fo;
    tep_prep_fit_options_init(&fo);
    struct tep_prep_scaler *s = tep_prep_scaler_new(&fo, &err);
    lcg = 100;
    struct tep_frame *normal = messy_run("normal", 500, 0);
    for (size_t c = 0; c < normal->ncols; c++) /* no spikes or gaps in the training data */
        for (size_t i = 0; i < normal->nrows; i++)
            if (isnan(normal->cols[c].data[i]) ||
                fabs(normal->cols[c].data[i] - tep_catalog[c].base_value) >
                    10 * fmax(tep_catalog[c].noise_sigma, 0.5))
                normal->cols[c].data[i] = tep_catalog[c].base_value;
    CHECK(tep_prep_scaler_fit_chunk(s, normal, &err) == 0);
    CHECK(tep_prep_scaler_fit_finish(s, &err) == 0);
    tep_frame_free(normal);
    return s;
}

/* The five steps, configured as a config file would. */
static void add_steps(struct tep_prep_chain *chain, const struct tep_prep_scaler *s, size_t first,
                      size_t last)
{
    struct tep_error err;
    tep_error_clear(&err);
    struct tep_prep_clean_options co;
    tep_prep_clean_options_init(&co);
    co.reorder_window = 4;
    co.non_monotonic = TEP_PREP_TIME_REPAIR;
    struct tep_prep_missing_options mo;
    tep_prep_missing_options_init(&mo);
    mo.method = TEP_PREP_FILL_LINEAR;
    mo.max_gap = 5;
    struct tep_prep_outliers_options oo;
    tep_prep_outliers_options_init(&oo);
    oo.method = TEP_PREP_OUTLIER_HAMPEL;
    oo.window = 3;
    oo.threshold = 6;
    struct tep_prep_normalize_options no;
    tep_prep_normalize_options_init(&no);
    no.scaler = s;
    struct tep_prep_features_options fo;
    tep_prep_features_options_init(&fo);
    fo.rolling[fo.nrolling++] = 20;
    fo.diffs[fo.ndiffs++] = 1;
    fo.lags[fo.nlags++] = 2;
    const struct tep_prep_step_ops *ops[] = {&tep_prep_clean_ops, &tep_prep_missing_ops,
                                             &tep_prep_outliers_ops, &tep_prep_normalize_ops,
                                             &tep_prep_features_ops};
    const void *opts[] = {&co, &mo, &oo, &no, &fo};
    for (size_t i = first; i <= last; i++)
        CHECK_MSG(tep_prep_chain_add(chain, ops[i], opts[i], &err) == 0, "%s", err.message);
}

static struct tep_frame *run_chain(const struct tep_prep_scaler *s, const struct tep_frame *in,
                                   size_t chunk, size_t first, size_t last,
                                   struct tep_prep_metrics *m)
{
    struct tep_error err;
    tep_error_clear(&err);
    struct tep_prep_chain *chain = tep_prep_chain_new(&err);
    add_steps(chain, s, first, last);
    struct tep_frame *out = tep_frame_new(1);
    CHECK_MSG(tep_prep_chain_run_frame(chain, in, chunk, out, m, &err) == 0, "%s", err.message);
    tep_prep_chain_free(chain);
    return out;
}

static bool frames_identical(const struct tep_frame *a, const struct tep_frame *b)
{
    if (a->nrows != b->nrows || a->ncols != b->ncols) return false;
    if (memcmp(a->time_h, b->time_h, a->nrows * sizeof(double)) ||
        memcmp(a->sample, b->sample, a->nrows * sizeof(int64_t)))
        return false;
    for (size_t c = 0; c < a->ncols; c++)
        if (strcmp(a->cols[c].name, b->cols[c].name) ||
            memcmp(a->cols[c].data, b->cols[c].data, a->nrows * sizeof(double)))
            return false;
    return true;
}

static void test_full_chain_chunk_invariance(void)
{
    struct tep_prep_scaler *s = fit_scaler();
    lcg = 200;
    struct tep_frame *in = messy_run("run-3", 800, 1);
    struct tep_error err;
    struct tep_prep_metrics *mref = tep_prep_metrics_new("run-3", &err);
    struct tep_frame *ref = run_chain(s, in, 1000, 0, 4, mref);
    size_t dups = 0;
    for (size_t i = 0; i < 800; i++)
        dups += i % 97 == 5;
    CHECK_EQ_INT(tep_prep_metrics_run_value(mref, TEP_PREP_ROWS_IN), in->nrows);
    CHECK_EQ_INT(tep_prep_metrics_run_value(mref, TEP_PREP_DUPLICATES_DROPPED), dups);
    CHECK_EQ_INT(tep_prep_metrics_run_value(mref, TEP_PREP_NON_MONOTONIC_TIME), 1);
    CHECK_EQ_INT(ref->nrows, 800);
    CHECK_EQ_INT(tep_prep_metrics_run_value(mref, TEP_PREP_ROWS_OUT), 800);
    CHECK_EQ_INT(ref->ncols, 53 + 53 * 4);
    bool ordered = true;
    for (size_t i = 0; i < ref->nrows; i++)
        ordered = ordered && ref->sample[i] == (int64_t)i + 1;
    CHECK(ordered);
    CHECK(tep_prep_metrics_col_value(mref, NULL, TEP_PREP_MISSING_FILLED) > 250);
    CHECK(tep_prep_metrics_col_value(mref, NULL, TEP_PREP_OUTLIERS_CLIPPED) > 60);
    size_t sizes[] = {1, 7, 999};
    for (size_t k = 0; k < 3; k++) {
        struct tep_prep_metrics *m = tep_prep_metrics_new("run-3", &err);
        struct tep_frame *got = run_chain(s, in, sizes[k], 0, 4, m);
        CHECK_MSG(frames_identical(got, ref), "chunk size %zu changes the chain's output",
                  sizes[k]);
        bool same_counts = memcmp(m->run, mref->run, sizeof m->run) == 0 && m->ncols == mref->ncols;
        for (size_t c = 0; same_counts && c < m->ncols; c++)
            same_counts = memcmp(&m->cols[c], &mref->cols[c], sizeof m->cols[c]) == 0;
        CHECK_MSG(same_counts, "chunk size %zu changes the metrics", sizes[k]);
        tep_frame_free(got);
        tep_prep_metrics_free(m);
    }
    /* step by step on the whole run = the chain on 7-row chunks */
    struct tep_frame *cur = in;
    for (size_t step = 0; step < 5; step++) {
        struct tep_frame *next = run_chain(s, cur, cur->nrows, step, step, NULL);
        if (cur != in) tep_frame_free(cur);
        cur = next;
    }
    CHECK(frames_identical(cur, ref));
    tep_frame_free(cur);
    tep_frame_free(ref);
    tep_frame_free(in);
    tep_prep_metrics_free(mref);
    tep_prep_scaler_free(s);
}

static void test_option_parsing(void)
{
    struct tep_error err;
    tep_error_clear(&err);
    const struct tep_prep_step_ops *mops = tep_prep_step_lookup("missing");
    CHECK(mops == &tep_prep_missing_ops);
    CHECK(tep_prep_step_lookup("Features") == &tep_prep_features_ops);
    CHECK(tep_prep_step_lookup("smooth") == NULL);
    struct tep_prep_missing_options mo;
    CHECK_MSG(configure_step(mops, &mo,
                             "method: linear\nmax_gap: 10\ncolumns: [xmeas_1, 'xmeas_9']",
                             &err) == 0,
              "%s", located(&err));
    CHECK_EQ_INT(mo.method, TEP_PREP_FILL_LINEAR);
    CHECK_EQ_INT(mo.max_gap, 10);
    CHECK_STR(mo.columns, "xmeas_1,xmeas_9");
    /* one string of names gives the same list; empty and "all" are kept as written */
    CHECK(configure_step(mops, &mo, "columns: xmeas_1, xmeas_9", &err) == 0);
    CHECK_STR(mo.columns, "xmeas_1,xmeas_9");
    CHECK(configure_step(mops, &mo, "columns: all", &err) == 0);
    CHECK_STR(mo.columns, "all");
    CHECK(configure_step(mops, &mo, "columns:", &err) == 0);
    CHECK_STR(mo.columns, "");
    /* a column list is not bound to TEP_CFG_LIST_MAX items, only to its bytes */
    char cols[8192] = "columns: [xmeas_1";
    for (int v = 2; v <= 41; v++)
        snprintf(cols + strlen(cols), sizeof cols - strlen(cols), ", xmeas_%d", v);
    strcat(cols, "]");
    CHECK_MSG(configure_step(mops, &mo, cols, &err) == 0, "%s", located(&err));
    CHECK_EQ_INT(strlen(mo.columns), strlen(cols) - strlen("columns: [") - 1 - 40);
    CHECK(strncmp(mo.columns, "xmeas_1,xmeas_2,", 16) == 0);
    snprintf(cols, sizeof cols, "columns: [a, %0*d]", TEP_PREP_COLUMNS_MAX - 2, 1);
    CHECK(configure_step(mops, &mo, cols, &err) == -1);
    CHECK_STR(located(&err), "step.yaml:1:14: missing.columns[1]: column list is longer than "
                             "4095 bytes");
    CHECK(configure_step(mops, &mo, "max_gap: 3\nmethod: spline", &err) == -1);
    CHECK_STR(located(&err), "step.yaml:2:9: missing.method: expected one of "
                             "ffill|linear|mean|drop, got 'spline'");
    CHECK(configure_step(mops, &mo, "max_gap: -3", &err) == -1);
    CHECK_STR(located(&err),
              "step.yaml:1:10: missing.max_gap: value -3 is out of range: expected 0..100000000");
    CHECK(configure_step(mops, &mo, "limit: 3", &err) == -1);
    CHECK_STR(located(&err), "step.yaml:1:1: missing: unknown key 'limit' (expected one of: "
                             "method, max_gap, columns, model)");

    const struct tep_prep_step_ops *fops = &tep_prep_features_ops;
    struct tep_prep_features_options fo;
    CHECK(configure_step(fops, &fo, "rolling: [20, 50]\nstats: [std]\newma: 0.2, 0.5", &err) == 0);
    CHECK_EQ_INT(fo.nrolling, 2);
    CHECK_EQ_INT(fo.rolling[1], 50);
    CHECK_EQ_INT(fo.stats, TEP_PREP_STAT_STD);
    CHECK_EQ_INT(fo.newma, 2);
    CHECK(fo.ewma[1] == 0.5);
    CHECK(configure_step(fops, &fo, "stats: mean", &err) == 0); /* a scalar: a one-item list */
    CHECK_EQ_INT(fo.stats, TEP_PREP_STAT_MEAN);
    CHECK(configure_step(fops, &fo, "stats: std mean\nlags:", &err) == 0);
    CHECK_EQ_INT(fo.stats, TEP_PREP_STAT_MEAN | TEP_PREP_STAT_STD);
    CHECK_EQ_INT(fo.nlags, 0);
    CHECK(configure_step(fops, &fo, "stats: []", &err) == 0);
    CHECK_EQ_INT(fo.stats, 0);
    CHECK(configure_step(fops, &fo, "lags: [2]", &err) == 0);
    CHECK_EQ_INT(fo.stats, TEP_PREP_STAT_MEAN | TEP_PREP_STAT_STD); /* the default */
    CHECK(configure_step(fops, &fo, "lags: [0]", &err) == -1);
    CHECK_STR(located(&err),
              "step.yaml:1:8: features.lags[0]: value 0 is out of range: expected 1..1000000");
    CHECK(configure_step(fops, &fo, "stats: [mean, median]", &err) == -1);
    CHECK_STR(located(&err),
              "step.yaml:1:15: features.stats[1]: expected one of mean|std, got 'median'");
    CHECK(configure_step(fops, &fo, "stats: {mean: 1}", &err) == -1);
    CHECK_STR(located(&err), "step.yaml:1:8: features.stats: expected a list of mean|std");
    char items[200] = "1", many[256];
    for (int i = 2; i <= TEP_PREP_LIST_MAX; i++)
        snprintf(items + strlen(items), sizeof items - strlen(items), ",%d", i);
    snprintf(many, sizeof many, "diff: [%s]", items); /* 32 items are fine */
    CHECK(configure_step(fops, &fo, many, &err) == 0);
    strcat(items, ",33");
    snprintf(many, sizeof many, "diff: %s", items);
    CHECK(configure_step(fops, &fo, many, &err) == -1);
    CHECK_STR(located(&err), "step.yaml:1:7: features.diff: at most 32 items");
    snprintf(many, sizeof many, "diff: [%s]", items);
    CHECK(configure_step(fops, &fo, many, &err) == -1);
    CHECK_STR(located(&err), "step.yaml:1:7: features.diff: at most 32 items");
    CHECK(configure_step(fops, &fo, "diff: [1, 2]", &err) == 0);
    CHECK_EQ_INT(fo.ndiffs, 2);

    const struct tep_prep_step_ops *cops = &tep_prep_clean_ops;
    struct tep_prep_clean_options co;
    CHECK(configure_step(cops, &co, "dedupe: no", &err) == 0);
    CHECK(!co.dedupe);
    CHECK(configure_step(cops, &co, "sort: maybe", &err) == -1);
    CHECK_STR(located(&err), "step.yaml:1:7: clean.sort: expected true or false, got 'maybe'");
    CHECK(configure_step(cops, &co, "non_monotonic: REPAIR", &err) == 0);
    CHECK_EQ_INT(co.non_monotonic, TEP_PREP_TIME_REPAIR);
    struct tep_prep_outliers_options oo;
    CHECK(configure_step(&tep_prep_outliers_ops, &oo, "threshold: 4.5", &err) == 0);
    CHECK(oo.threshold == 4.5);
    CHECK(configure_step(&tep_prep_outliers_ops, &oo, "threshold: nan", &err) == -1);
    CHECK_STR(located(&err), "step.yaml:1:12: outliers.threshold: expected a number, got 'nan'");
    /* a run id longer than a frame holds */
    struct tep_prep_normalize_options no;
    char longrun[TEP_RUN_ID_MAX + 32];
    snprintf(longrun, sizeof longrun, "reference_run: %0*d", TEP_RUN_ID_MAX, 7);
    CHECK(configure_step(&tep_prep_normalize_ops, &no, longrun, &err) == -1);
    char want_long[128];
    snprintf(want_long, sizeof want_long,
             "step.yaml:1:16: normalize.reference_run: string is longer than %d bytes",
             TEP_RUN_ID_MAX - 1);
    CHECK_STR(located(&err), want_long);

    /* every table entry has a key, a help text and a default that parses */
    const struct tep_prep_step_ops *all[] = {cops, mops, &tep_prep_outliers_ops,
                                             &tep_prep_normalize_ops, fops};
    for (size_t i = 0; i < 5; i++) {
        for (const struct tep_cfg_key *k = all[i]->options; k->name; k++)
            CHECK(k->help && k->help[0] && k->default_value);
        void *opts = calloc(1, all[i]->options_size);
        CHECK_MSG(tep_config_defaults(all[i]->options, opts, &err) == 0, "%s", err.message);
        free(opts);
    }
}

/* The preprocessing stage reads each step's mapping with the step's key table:
 * "- clean:" means the defaults, and a bad option is located and named by its
 * step's place in the list. */
static void test_stage_configuration(void)
{
    struct tep_error err;
    tep_error_clear(&err);
    struct tep_config cfg;
    const char *yaml = "preprocessing:\n"
                       "  steps:\n"
                       "    - clean:\n"
                       "    - missing: {method: linear, max_gap: 4}\n"
                       "    - outliers:\n"
                       "        method: hampel\n"
                       "        threshold: high\n";
    CHECK(tep_config_load_string(&cfg, "bad.yaml", yaml, &err) == 0);
    struct tep_stage stage = {.plugin = &tep_prep_stage_plugin};
    stage.options = calloc(1, tep_prep_stage_plugin.options_size);
    yaml_node_t *section = tep_config_child(&cfg, tep_config_root(&cfg), "preprocessing");
    CHECK(tep_prep_stage_configure(&stage, &cfg, section, &err) == -1);
    CHECK_STR(located(&err), "bad.yaml:7:20: preprocessing.steps[2].outliers.threshold: expected "
                             "a number, got 'high'");
    tep_prep_stage_plugin.destroy(&stage);
    tep_config_free(&cfg);

    CHECK(tep_config_load_string(&cfg, "good.yaml",
                                 "preprocessing:\n  steps:\n    - clean:\n"
                                 "    - features: {lags: [1]}\n",
                                 &err) == 0);
    section = tep_config_child(&cfg, tep_config_root(&cfg), "preprocessing");
    CHECK_MSG(tep_prep_stage_configure(&stage, &cfg, section, &err) == 0, "%s", located(&err));
    char described[128];
    tep_prep_stage_describe(&stage, described, sizeof described);
    CHECK_STR(described, "clean, features");
    tep_prep_stage_plugin.destroy(&stage);
    tep_config_free(&cfg);
    free(stage.options);

    /* the help lists every step's keys with form, default and meaning */
    char help[32768] = "";
    FILE *f = fmemopen(help, sizeof help, "w");
    tep_prep_stage_print_help(f);
    fclose(f);
    char reference_run_help[128];
    snprintf(reference_run_help, sizeof reference_run_help,
             "  preprocessing.steps[].normalize.reference_run a string of 0..%d bytes (default: "
             "none)\n",
             TEP_RUN_ID_MAX - 1);
    const char *lines[] = {
        "  preprocessing.steps[].features           step: add lag, difference, rolling mean/std "
        "and EWMA columns\n",
        "  preprocessing.steps[].features.stats     a list of mean|std (default: mean, std)\n"
        "      rolling statistics to output\n",
        "  preprocessing.steps[].missing.max_gap    a whole number, 0..100000000 (default: 10)\n",
        "  preprocessing.steps[].missing.columns    column names (a list or a comma list) "
        "(default: empty)\n      columns to fill (empty or all: every column)\n",
        "  preprocessing.steps[].clean.non_monotonic reject|repair|allow (default: reject)\n",
        reference_run_help,
    };
    for (size_t i = 0; i < sizeof lines / sizeof *lines; i++)
        CHECK_MSG(strstr(help, lines[i]) != NULL, "no '%s' in:\n%s", lines[i], help);
    const struct tep_prep_step_ops *all[] = {&tep_prep_clean_ops, &tep_prep_missing_ops,
                                             &tep_prep_outliers_ops, &tep_prep_normalize_ops,
                                             &tep_prep_features_ops};
    for (size_t i = 0; i < 5; i++)
        for (const struct tep_cfg_key *k = all[i]->options; k->name; k++) {
            char full[128];
            snprintf(full, sizeof full, "  preprocessing.steps[].%s.%s ", all[i]->name, k->name);
            CHECK_MSG(strstr(help, full) && strstr(help, k->help), "%s", full);
        }
}

struct visit_count {
    size_t calls;
    uint64_t dup_value;
    uint64_t xmeas9_range;
};

static int visit(void *user, const char *column, const char *name, uint64_t value)
{
    struct visit_count *v = user;
    v->calls++;
    if (!column[0] && strcmp(name, "duplicates_dropped") == 0) v->dup_value = value;
    if (strcmp(column, "xmeas_9") == 0 && strcmp(name, "range_violations") == 0)
        v->xmeas9_range = value;
    return 0;
}

static void test_metrics(void)
{
    struct tep_error err;
    struct tep_prep_metrics *m = tep_prep_metrics_new("r", &err);
    m->run[TEP_PREP_ROWS_IN] = 10;
    m->run[TEP_PREP_DUPLICATES_DROPPED] = 2;
    int c = tep_prep_metrics_column(m, "xmeas_9", 0, &err);
    m->cols[c].n[TEP_PREP_RANGE_VIOLATIONS] = 3;
    int d = tep_prep_metrics_column(m, "xmv_1", 5, &err);
    m->cols[d].n[TEP_PREP_RANGE_VIOLATIONS] = 4;
    CHECK_EQ_INT(tep_prep_metrics_column(m, "xmeas_9", 7, &err), c);
    CHECK_EQ_INT(tep_prep_metrics_col_value(m, NULL, TEP_PREP_RANGE_VIOLATIONS), 7);
    struct visit_count v = {0};
    CHECK(tep_prep_metrics_foreach(m, false, visit, &v) == 0);
    CHECK_EQ_INT(v.calls, 2 + 1 + 2); /* rows_in, duplicates; range total; 2 columns */
    CHECK_EQ_INT(v.dup_value, 2);
    CHECK_EQ_INT(v.xmeas9_range, 3);
    struct visit_count all = {0};
    tep_prep_metrics_foreach(m, true, visit, &all);
    CHECK_EQ_INT(all.calls, TEP_PREP_N_RUN_COUNTERS + 3 * TEP_PREP_N_COL_COUNTERS);

    struct tep_prep_metrics *sum = tep_prep_metrics_new("all", &err);
    CHECK(tep_prep_metrics_add(sum, m, &err) == 0);
    CHECK(tep_prep_metrics_add(sum, m, &err) == 0);
    CHECK_EQ_INT(tep_prep_metrics_col_value(sum, "xmv_1", TEP_PREP_RANGE_VIOLATIONS), 8);
    CHECK_EQ_INT(tep_prep_metrics_run_value(sum, TEP_PREP_ROWS_IN), 20);

    char buf[2048] = "";
    FILE *f = fmemopen(buf, sizeof buf, "w");
    tep_prep_metrics_summary(m, f);
    fclose(f);
    CHECK_MSG(strstr(buf, "run 'r': 10 rows in, 0 out, duplicates_dropped 2") != NULL, "%s", buf);
    CHECK(strstr(buf, "  xmeas_9: range_violations 3") != NULL);
    CHECK(strstr(buf, "all columns: range_violations 7") != NULL);
    tep_prep_metrics_free(sum);
    tep_prep_metrics_free(m);
}

int main(void)
{
    RUN(test_full_chain_chunk_invariance);
    RUN(test_option_parsing);
    RUN(test_stage_configuration);
    RUN(test_metrics);
    CHECK_DONE();
}
