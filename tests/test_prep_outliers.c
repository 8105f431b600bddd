/* test_prep_outliers.c - the outliers step: z-score and MAD from a fitted
 * model, the Hampel filter, and the clip / set-missing / median / drop actions.
 *
 * Clipped values must equal the threshold bound exactly (centre + k*scale,
 * computed here). Hampel output is compared with a brute-force reference
 * (sort each window from scratch) and must not depend on the chunk size.
 */
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "check.h"
#include "prep_fixture.h"
#include "core/catalog.h"
#include "prep/outliers.h"
#include "prep/scaler.h"

static uint64_t lcg = 1;
static double uniform01(void)
{
    lcg = lcg * 6364136223846793005ULL + 1442695040888963407ULL;
    return (double)(lcg >> 11) / 9007199254740992.0;
}

/* Columns xmeas_7 (around 2700), xmeas_9 (around 120) and xmv_5 (constant 22.21). */
static struct tep_frame *make_run(const char *run, size_t n, int32_t fault)
{
    struct tep_frame *f = tep_frame_new(n);
    snprintf(f->run_id, sizeof f->run_id, "%s", run);
    tep_frame_add_column(f, "xmeas_7", tep_xmeas_index(7), NULL);
    tep_frame_add_column(f, "xmeas_9", tep_xmeas_index(9), NULL);
    tep_frame_add_column(f, "xmv_5", tep_xmv_index(5), NULL);
    for (size_t i = 0; i < n; i++) {
        double vals[3] = {2700 + (uniform01() - 0.5), 120 + 0.02 * (uniform01() - 0.5), 22.21};
        tep_frame_push_row(f, 0.05 * (double)(i + 1), (int64_t)i + 1, fault, vals, NULL);
    }
    return f;
}

static struct tep_prep_scaler *fit_normal(void)
{
    struct tep_error err;
    tep_error_clear(&err);
    struct tep_prep_fit_options fo;
    tep_prep_fit_options_init(&fo);
    struct tep_prep_scaler *s = tep_prep_scaler_new(&fo, &err);
    lcg = 11;
    struct tep_frame *normal = make_run("normal", 2000, 0);
    CHECK(tep_prep_scaler_fit_chunk(s, normal, &err) == 0);
    CHECK(tep_prep_scaler_fit_finish(s, &err) == 0);
    tep_frame_free(normal);
    return s;
}

static struct result run_outliers(const struct tep_prep_outliers_options *opt, const struct tep_frame *in,
                           size_t chunk)
{
    struct result r = run_step(&tep_prep_outliers_ops, opt, in, chunk);
    CHECK_MSG(r.rc == 0, "%s", r.err.message);
    return r;
}


static void test_zscore_and_mad_with_model(void)
{
    struct tep_prep_scaler *s = fit_normal();
    lcg = 12;
    struct tep_frame *in = make_run("test", 100, 3);
    in->cols[0].data[10] = 2750; /* far above */
    in->cols[0].data[20] = 2600; /* far below */
    in->cols[1].data[30] = 121;  /* xmeas_9 spike */
    in->cols[2].data[40] = 30;   /* xmv_5: constant in training, scale 0 -> not checked */
    const struct tep_prep_scaler_column *p7 = tep_prep_scaler_find(s, "xmeas_7");
    const struct tep_prep_scaler_column *t9 = tep_prep_scaler_find(s, "xmeas_9");

    struct tep_prep_outliers_options opt;
    tep_prep_outliers_options_init(&opt);
    opt.stats = s;
    opt.method = TEP_PREP_OUTLIER_ZSCORE;
    opt.threshold = 6;
    struct result r = run_outliers(&opt, in, 16);
    CHECK(tep_frame_get(r.out, 10, 0) == p7->mean + 6 * p7->std);
    CHECK(tep_frame_get(r.out, 20, 0) == p7->mean - 6 * p7->std);
    CHECK(tep_frame_get(r.out, 30, 1) == t9->mean + 6 * t9->std);
    CHECK(tep_frame_get(r.out, 40, 2) == 30);
    CHECK_EQ_INT(tep_prep_metrics_col_value(r.m, "xmeas_7", TEP_PREP_OUTLIERS_FOUND), 2);
    CHECK_EQ_INT(tep_prep_metrics_col_value(r.m, "xmeas_7", TEP_PREP_OUTLIERS_CLIPPED), 2);
    CHECK_EQ_INT(tep_prep_metrics_col_value(r.m, NULL, TEP_PREP_OUTLIERS_CLIPPED), 3);
    /* everything else untouched */
    size_t changed = 0;
    for (size_t c = 0; c < 3; c++)
        for (size_t i = 0; i < 100; i++)
            changed += tep_frame_get(r.out, i, c) != tep_frame_get(in, i, c);
    CHECK_EQ_INT(changed, 3);
    result_free(&r);

    /* robust: bounds median +- 6 * 1.4826 * MAD */
    opt.method = TEP_PREP_OUTLIER_MAD;
    r = run_outliers(&opt, in, 7);
    double s7 = TEP_PREP_MAD_SCALE * p7->mad;
    CHECK(tep_frame_get(r.out, 10, 0) == p7->median + 6 * s7);
    CHECK(tep_frame_get(r.out, 20, 0) == p7->median - 6 * s7);
    result_free(&r);

    opt.action = TEP_PREP_OUTLIER_SET_MISSING;
    r = run_outliers(&opt, in, 7);
    CHECK(isnan(tep_frame_get(r.out, 10, 0)) && isnan(tep_frame_get(r.out, 30, 1)));
    CHECK_EQ_INT(tep_prep_metrics_col_value(r.m, NULL, TEP_PREP_OUTLIERS_SET_MISSING), 3);
    result_free(&r);

    opt.action = TEP_PREP_OUTLIER_MEDIAN;
    r = run_outliers(&opt, in, 7);
    CHECK(tep_frame_get(r.out, 10, 0) == p7->median);
    CHECK_EQ_INT(tep_prep_metrics_col_value(r.m, NULL, TEP_PREP_OUTLIERS_REPLACED), 3);
    result_free(&r);

    opt.action = TEP_PREP_OUTLIER_DROP;
    r = run_outliers(&opt, in, 7);
    CHECK_EQ_INT(r.out->nrows, 97);
    CHECK_EQ_INT(tep_prep_metrics_run_value(r.m, TEP_PREP_ROWS_DROPPED_OUTLIER), 3);
    CHECK_EQ_INT(tep_prep_metrics_col_value(r.m, NULL, TEP_PREP_OUTLIERS_ROW_DROPPED), 3);
    bool gone = true;
    for (size_t i = 0; i < r.out->nrows; i++)
        gone = gone && r.out->sample[i] != 11 && r.out->sample[i] != 21 && r.out->sample[i] != 31;
    CHECK(gone);
    result_free(&r);
    tep_frame_free(in);
    tep_prep_scaler_free(s);
}

/* Brute-force Hampel: window [i-w, i+w] within the run, NaN skipped, raw values. */
static void reference_hampel(const double *x, double *out, size_t n, size_t w, double k, int action,
                             bool *dropped)
{
    double *win = malloc((2 * w + 1) * sizeof *win);
    for (size_t i = 0; i < n; i++) {
        out[i] = x[i];
        dropped[i] = false;
        size_t a = i >= w ? i - w : 0, b = i + w < n ? i + w : n - 1, m = 0;
        for (size_t j = a; j <= b; j++)
            if (!isnan(x[j])) win[m++] = x[j];
        if (isnan(x[i]) || m == 0) continue;
        for (size_t p = 1; p < m; p++) /* insertion sort */
            for (size_t q = p; q > 0 && win[q - 1] > win[q]; q--) {
                double t = win[q];
                win[q] = win[q - 1];
                win[q - 1] = t;
            }
        double med = m % 2 ? win[m / 2] : (win[m / 2 - 1] + win[m / 2]) / 2;
        for (size_t p = 0; p < m; p++)
            win[p] = fabs(win[p] - med);
        for (size_t p = 1; p < m; p++)
            for (size_t q = p; q > 0 && win[q - 1] > win[q]; q--) {
                double t = win[q];
                win[q] = win[q - 1];
                win[q - 1] = t;
            }
        double mad = m % 2 ? win[m / 2] : (win[m / 2 - 1] + win[m / 2]) / 2;
        if (mad == 0.0) continue; /* no spread: nothing to judge by */
        double s = TEP_PREP_MAD_SCALE * mad, lo = med - k * s, hi = med + k * s;
        if (x[i] >= lo && x[i] <= hi) continue;
        if (action == TEP_PREP_OUTLIER_CLIP) out[i] = x[i] > hi ? hi : lo;
        if (action == TEP_PREP_OUTLIER_MEDIAN) out[i] = med;
        if (action == TEP_PREP_OUTLIER_DROP) dropped[i] = true;
    }
    free(win);
}

static void test_hampel_against_reference(void)
{
    lcg = 77;
    const size_t n = 3000, w = 4;
    struct tep_frame *in = make_run("hampel", n, 0);
    for (size_t i = 0; i < n; i++) {
        double u = uniform01();
        if (u < 0.01)
            in->cols[1].data[i] = 130; /* spikes */
        else if (u < 0.02)
            in->cols[1].data[i] = NAN;                    /* missing */
        if (uniform01() < 0.01) in->cols[0].data[i] += 5; /* spikes in pressure */
    }
    in->cols[1].data[0] = 140;    /* spike in the first, truncated window */
    in->cols[1].data[n - 1] = 90; /* and in the last */
    const int actions[] = {TEP_PREP_OUTLIER_CLIP, TEP_PREP_OUTLIER_MEDIAN, TEP_PREP_OUTLIER_DROP};
    for (size_t a = 0; a < 3; a++) {
        struct tep_prep_outliers_options opt;
        tep_prep_outliers_options_init(&opt);
        opt.method = TEP_PREP_OUTLIER_HAMPEL;
        opt.window = (int)w;
        opt.threshold = 3;
        opt.action = actions[a];
        snprintf(opt.columns, sizeof opt.columns, "xmeas_7, xmeas_9");
        struct result ref = run_outliers(&opt, in, 1000);
        bool *drop_any = calloc(n, sizeof *drop_any);
        bool *dropped = calloc(n, sizeof *dropped);
        double *want[2];
        uint64_t found = 0;
        for (int c = 0; c < 2; c++) {
            want[c] = malloc(n * sizeof(double));
            reference_hampel(in->cols[c].data, want[c], n, w, 3, actions[a], dropped);
            for (size_t i = 0; i < n; i++) {
                drop_any[i] = drop_any[i] || dropped[i];
                found += dropped[i] || !same(want[c][i], in->cols[c].data[i]);
            }
        }
        if (actions[a] != TEP_PREP_OUTLIER_DROP) {
            CHECK_EQ_INT(ref.out->nrows, n);
            size_t bad = 0;
            for (int c = 0; c < 2; c++)
                for (size_t i = 0; i < n && i < ref.out->nrows; i++)
                    bad += !same(tep_frame_get(ref.out, i, (size_t)c), want[c][i]);
            CHECK_MSG(bad == 0, "action %d: %zu cells differ from the brute-force Hampel",
                      actions[a], bad);
            CHECK(!same(tep_frame_get(ref.out, 0, 1), 140));
            CHECK(!same(tep_frame_get(ref.out, n - 1, 1), 90));
        } else {
            size_t kept = 0;
            for (size_t i = 0; i < n; i++)
                kept += !drop_any[i];
            CHECK_EQ_INT(ref.out->nrows, kept);
            CHECK_EQ_INT(tep_prep_metrics_run_value(ref.m, TEP_PREP_ROWS_DROPPED_OUTLIER),
                         n - kept);
        }
        CHECK(found > 40); /* the spikes were found */
        CHECK_EQ_INT(tep_prep_metrics_col_value(ref.m, NULL, TEP_PREP_OUTLIERS_FOUND), found);
        size_t chunks[] = {1, 7, 1000};
        for (size_t k = 0; k < 3; k++) {
            struct result r = run_outliers(&opt, in, chunks[k]);
            bool eq = r.out->nrows == ref.out->nrows;
            for (size_t c = 0; eq && c < 3; c++)
                eq = memcmp(r.out->cols[c].data, ref.out->cols[c].data,
                            r.out->nrows * sizeof(double)) == 0;
            CHECK_MSG(eq, "hampel action %d: chunk size %zu changes the output", actions[a],
                      chunks[k]);
            result_free(&r);
        }
        free(want[0]);
        free(want[1]);
        free(drop_any);
        free(dropped);
        result_free(&ref);
    }
    tep_frame_free(in);
}

static void test_short_run_and_errors(void)
{
    /* a run shorter than the Hampel half-width: everything decided at end_run */
    lcg = 5;
    struct tep_frame *in = make_run("short", 3, 0);
    in->cols[1].data[1] = 500;
    struct tep_prep_outliers_options opt;
    tep_prep_outliers_options_init(&opt);
    opt.method = TEP_PREP_OUTLIER_HAMPEL;
    opt.window = 5;
    opt.action = TEP_PREP_OUTLIER_MEDIAN;
    struct result r = run_outliers(&opt, in, 1);
    CHECK_EQ_INT(r.out->nrows, 3);
    double a = in->cols[1].data[0], b = in->cols[1].data[2];
    CHECK(tep_frame_get(r.out, 1, 1) == (a < b ? b : a)); /* median of {a, 500, b} */
    result_free(&r);
    tep_frame_free(in);

    struct tep_error err;
    tep_error_clear(&err);
    tep_prep_outliers_options_init(&opt);
    opt.method = TEP_PREP_OUTLIER_ZSCORE;
    CHECK(tep_prep_outliers_new(&opt, &err) == NULL);
    CHECK(strstr(err.message, "needs statistics fitted on normal data") != NULL);
    tep_prep_outliers_options_init(&opt);
    opt.threshold = -1;
    CHECK(tep_prep_outliers_new(&opt, &err) == NULL);
    CHECK(strstr(err.message, "outliers.threshold") != NULL);
}

int main(void)
{
    RUN(test_zscore_and_mad_with_model);
    RUN(test_hampel_against_reference);
    RUN(test_short_run_and_errors);
    CHECK_DONE();
}
