/* test_metrics.c - detection metrics and the univariate EWMA / CUSUM charts.
 *
 * Metrics on hand-made alarm sequences (exact counts, rates, delays with k consecutive
 * alarms, unscored samples, runs straddling the onset, pooling, bad input); charts on short
 * sequences whose statistics are worked out by hand in the comments, plus the empirical
 * (training-quantile, Bonferroni) limits recomputed here.
 */
#include "analysis/charts.h"
#include "analysis/metrics.h"
#include "check.h"

/* labels: 5 normal samples, then 10 faulty (onset at index 5) */
static const int32_t labels15[15] = {0, 0, 0, 0, 0, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3};

static void test_counts_and_delays(void)
{
    /*                               normal     | faulty: 5  6  7  8  9 10 11 12 13 14 */
    const signed char alarm[15] = {0, 1, 0, 0, 1, 0, 0, 1, 0, 1, 1, 1, 0, 1, 1};
    struct tep_detection d;
    struct tep_error err;
    CHECK(tep_metrics_from_alarms(alarm, labels15, 15, 1, &d, &err) == 0);
    CHECK_EQ_INT(d.n_normal, 5);
    CHECK_EQ_INT(d.n_faulty, 10);
    CHECK_EQ_INT(d.n_unscored, 0);
    CHECK_EQ_INT(d.false_alarms, 2);
    CHECK_EQ_INT(d.detections, 6);
    CHECK(d.far == 0.4 && d.fdr == 0.6);
    CHECK_EQ_INT(d.onset, 5);
    CHECK_EQ_INT(d.delay, 2); /* first alarm at index 7 */
    CHECK(tep_metrics_from_alarms(alarm, labels15, 15, 2, &d, &err) == 0);
    CHECK_EQ_INT(d.delay, 4); /* first pair starts at 9 */
    CHECK(tep_metrics_from_alarms(alarm, labels15, 15, 3, &d, &err) == 0);
    CHECK_EQ_INT(d.delay, 4); /* 9, 10, 11 */
    CHECK_EQ_INT(d.detections, 6); /* the rates do not depend on k */
    CHECK(tep_metrics_from_alarms(alarm, labels15, 15, 4, &d, &err) == 0);
    CHECK_EQ_INT(d.delay, -1); /* no run of 4 */
}

static void test_run_straddling_onset(void)
{
    /* alarms 3..6 form one run, but only 5 and 6 are at or after the onset */
    const signed char alarm[15] = {0, 0, 0, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 1, 0};
    struct tep_detection d;
    struct tep_error err;
    CHECK(tep_metrics_from_alarms(alarm, labels15, 15, 2, &d, &err) == 0);
    CHECK_EQ_INT(d.delay, 0); /* 5, 6 */
    CHECK(tep_metrics_from_alarms(alarm, labels15, 15, 3, &d, &err) == 0);
    CHECK_EQ_INT(d.delay, 6); /* 11, 12, 13: the run 3..6 started before the onset */
    CHECK_EQ_INT(d.false_alarms, 2);
    CHECK_EQ_INT(d.detections, 5);
}

static void test_unscored(void)
{
    /* DPCA-like warm-up (first 2 unscored) and a NaN inside an alarm run */
    const double stat[15] = {NAN, NAN, 0.5, 2.0, 0.1, 3.0, 3.0, NAN, 3.0, 3.0, 0.0,
                             1.0, 1.5, 1.5, 1.5};
    signed char alarm[15];
    tep_metrics_alarms(stat, 15, 1.0, alarm);
    const signed char expect[15] = {-1, -1, 0, 1, 0, 1, 1, -1, 1, 1, 0, 0, 1, 1, 1};
    CHECK(memcmp(alarm, expect, sizeof alarm) == 0); /* 1.0 is not above the limit 1.0 */
    struct tep_detection a, s;
    struct tep_error err;
    CHECK(tep_metrics_from_alarms(alarm, labels15, 15, 3, &a, &err) == 0);
    CHECK(tep_metrics_from_stat(stat, 1.0, labels15, 15, 3, &s, &err) == 0);
    CHECK(memcmp(&a, &s, sizeof a) == 0);
    CHECK_EQ_INT(a.n_unscored, 3);
    CHECK_EQ_INT(a.n_normal, 3);
    CHECK_EQ_INT(a.n_faulty, 9);
    CHECK_EQ_INT(a.false_alarms, 1);
    CHECK_EQ_INT(a.detections, 7);
    CHECK_REL(a.far, 1.0 / 3.0, 1e-15);
    CHECK_REL(a.fdr, 7.0 / 9.0, 1e-15);
    CHECK_EQ_INT(a.delay, 7); /* 5,6 then NaN breaks; 8,9 then 0; 12,13,14 */
}

static void test_no_fault_and_pool(void)
{
    const int32_t normal[6] = {0, 0, 0, 0, 0, 0};
    const signed char alarm[6] = {0, 1, 0, 0, 0, 0};
    struct tep_detection d, total;
    struct tep_error err;
    CHECK(tep_metrics_from_alarms(alarm, normal, 6, 1, &d, &err) == 0);
    CHECK(d.onset == -1 && d.delay == -1 && isnan(d.fdr));
    CHECK_REL(d.far, 1.0 / 6.0, 1e-15);
    memset(&total, 0, sizeof total);
    tep_metrics_pool(&total, &d);
    const signed char alarm2[15] = {0, 1, 0, 0, 1, 0, 0, 1, 0, 1, 1, 1, 0, 1, 1};
    struct tep_detection d2;
    CHECK(tep_metrics_from_alarms(alarm2, labels15, 15, 1, &d2, &err) == 0);
    tep_metrics_pool(&total, &d2);
    CHECK_EQ_INT(total.n_normal, 11);
    CHECK_EQ_INT(total.false_alarms, 3);
    CHECK_EQ_INT(total.n_faulty, 10);
    CHECK_EQ_INT(total.detections, 6);
    CHECK_REL(total.far, 3.0 / 11.0, 1e-15);
    CHECK(total.delay == -1 && total.onset == -1);
    /* a fault label that returns to 0 after the onset: those samples are normal again */
    const int32_t back[6] = {0, 1, 1, 0, 0, 1};
    const signed char al[6] = {1, 0, 1, 1, 0, 1};
    CHECK(tep_metrics_from_alarms(al, back, 6, 1, &d, &err) == 0);
    CHECK(d.n_normal == 3 && d.false_alarms == 2 && d.n_faulty == 3 && d.detections == 2);
    CHECK(d.onset == 1 && d.delay == 1);
}

static void test_metric_errors(void)
{
    const signed char alarm[4] = {0, 1, 2, 0};
    const int32_t labels[4] = {0, 0, 1, 1};
    const int32_t negative[4] = {0, -1, 1, 1};
    struct tep_detection d;
    struct tep_error err;
    CHECK(tep_metrics_from_alarms(alarm, labels, 4, 1, &d, &err) == -1);
    CHECK(err.code == TEP_ERR_ARG && err.line == 3);
    const signed char ok[4] = {0, 1, 1, 0};
    CHECK(tep_metrics_from_alarms(ok, negative, 4, 1, &d, &err) == -1 && err.line == 2);
    CHECK(tep_metrics_from_alarms(ok, labels, 4, 0, &d, &err) == -1);
    CHECK(tep_metrics_from_alarms(NULL, labels, 4, 1, &d, &err) == -1);
    const double stat[4] = {0, 1, 2, 3};
    CHECK(tep_metrics_from_stat(stat, NAN, labels, 4, 1, &d, &err) == -1);
    CHECK(tep_metrics_from_alarms(NULL, NULL, 0, 1, &d, &err) == 0 && d.n_normal == 0);
}

/* ---- charts ---- */

/* training [1 2 3 4 5]: mean 3, sample std sqrt(2.5) */
static const double train5[5] = {1, 2, 3, 4, 5};

static void test_ewma_fixed(void)
{
    struct tep_chart_options opt;
    tep_chart_options_default(&opt, TEP_CHART_EWMA);
    opt.limits = TEP_CHART_LIMITS_FIXED;
    opt.lambda = 0.5;
    opt.L = 3.0;
    struct tep_chart_model *m = NULL;
    struct tep_error err;
    CHECK(tep_chart_fit(train5, 5, 1, &opt, &m, &err) == 0);
    if (!m) return;
    double s = sqrt(2.5);
    CHECK_REL(m->mean[0], 3.0, 1e-15);
    CHECK_REL(m->std[0], s, 1e-15);
    CHECK_REL(m->limit[0], sqrt(3.0), 1e-15); /* 3 sqrt(0.5 / 1.5) */
    /* standardised inputs 0, 2, 2, 0, -4: z = 0, 1, 1.5, 0.75, -1.625 */
    double x[5] = {3.0, 3.0 + 2 * s, 3.0 + 2 * s, 3.0, 3.0 - 4 * s}, ratio[5];
    CHECK(tep_chart_run(m, x, 5, ratio, NULL, &err) == 0);
    double z[5] = {0, 1, 1.5, 0.75, 1.625};
    for (int i = 0; i < 5; i++) CHECK_ABS(ratio[i], z[i] / sqrt(3.0), 1e-14);
    tep_chart_model_free(m);
}

static void test_cusum_fixed_two_vars(void)
{
    /* two variables; the second (training 10, 20, ..., 50: mean 30, std 10 sqrt(2.5)) drives */
    double train[10], s = sqrt(2.5);
    for (int i = 0; i < 5; i++) {
        train[2 * i] = train5[i];
        train[2 * i + 1] = 10.0 * train5[i];
    }
    struct tep_chart_options opt;
    tep_chart_options_default(&opt, TEP_CHART_CUSUM);
    opt.limits = TEP_CHART_LIMITS_FIXED;
    opt.k = 0.5;
    opt.h = 2.0;
    struct tep_chart_model *m = NULL;
    struct tep_error err;
    CHECK(tep_chart_fit(train, 5, 2, &opt, &m, &err) == 0);
    if (!m) return;
    /* var 2 standardised: 0, 1, 1, 1, -3, 0.5 -> C+ 0 .5 1 1.5 0 0, C- 0 0 0 0 2.5 1.5
     * -> statistic 0 .5 1 1.5 2.5 1.5 -> ratio /2; var 1 stays at its mean (0) */
    double v[6] = {0, 1, 1, 1, -3, 0.5}, x[12], ratio[6];
    size_t worst[6];
    for (int i = 0; i < 6; i++) {
        x[2 * i] = 3.0;
        x[2 * i + 1] = 30.0 + 10.0 * s * v[i];
    }
    x[2 * 5] = NAN; /* a missing value in var 1 leaves its chart as it was */
    CHECK(tep_chart_run(m, x, 6, ratio, worst, &err) == 0);
    double expect[6] = {0, 0.25, 0.5, 0.75, 1.25, 0.75};
    for (int i = 0; i < 6; i++) CHECK_ABS(ratio[i], expect[i], 1e-14);
    for (int i = 1; i < 6; i++) CHECK_EQ_INT(worst[i], 1);
    /* as metrics: alarm only at index 4 */
    const int32_t lab[6] = {0, 0, 0, 1, 1, 1};
    struct tep_detection d;
    CHECK(tep_metrics_from_stat(ratio, 1.0, lab, 6, 1, &d, &err) == 0);
    CHECK(d.false_alarms == 0 && d.detections == 1 && d.delay == 1);
    /* a row with every value missing is unscored */
    double gap[2] = {NAN, NAN};
    struct tep_chart_state *st = NULL;
    CHECK(tep_chart_state_new(m, &st, &err) == 0);
    CHECK(isnan(tep_chart_state_push(st, gap, NULL)));
    tep_chart_state_free(st);
    tep_chart_model_free(m);
}

static void test_empirical_limits(void)
{
    /* EWMA lambda 0.5 on the training data itself, one variable: the limit is the
     * 1 - 0.01/1 quantile of |z| with linear interpolation: sorted[3] + 0.96 (sorted[4]-[3]) */
    struct tep_chart_options opt;
    tep_chart_options_default(&opt, TEP_CHART_EWMA);
    opt.lambda = 0.5;
    opt.limits = TEP_CHART_LIMITS_QUANTILE;
    struct tep_chart_model *m = NULL;
    struct tep_error err;
    CHECK(tep_chart_fit(train5, 5, 1, &opt, &m, &err) == 0);
    double s = sqrt(2.5), z = 0.0, stat[5];
    for (int i = 0; i < 5; i++) {
        z = 0.5 * (train5[i] - 3.0) / s + 0.5 * z;
        stat[i] = fabs(z);
    }
    /* |z| = 0.632, 0.632, 0.316, 0.158, 0.712: sorted 0.158 0.316 0.632 0.632 0.712 */
    CHECK_REL(m->limit[0], stat[0] + 0.96 * (stat[4] - stat[0]), 1e-14);
    CHECK_REL(m->limit[0], 0.70835, 1e-4);
    tep_chart_model_free(m);

    /* Bonferroni: with 4 variables the quantile level is 1 - 0.01/4 = 0.9975; CUSUM k = 0 on
     * 401 rows of a sawtooth; the chart statistic of each variable is recomputed here */
    enum { N = 401, V = 4 };
    double *x = malloc(N * V * sizeof *x);
    for (int i = 0; i < N; i++)
        for (int j = 0; j < V; j++) x[i * V + j] = (double)((i * (j + 3)) % 17) + 0.1 * j;
    tep_chart_options_default(&opt, TEP_CHART_CUSUM);
    opt.k = 0.25;
    opt.limits = TEP_CHART_LIMITS_QUANTILE;
    CHECK(tep_chart_fit(x, N, V, &opt, &m, &err) == 0);
    for (int j = 0; m && j < V; j++) {
        double mu = 0.0, ss = 0.0, up = 0.0, down = 0.0, col[N];
        for (int i = 0; i < N; i++) mu += x[i * V + j] / N;
        for (int i = 0; i < N; i++) ss += pow(x[i * V + j] - mu, 2);
        double sd = sqrt(ss / (N - 1));
        for (int i = 0; i < N; i++) {
            double v = (x[i * V + j] - mu) / sd;
            up = fmax(0.0, up + v - 0.25);
            down = fmax(0.0, down - v - 0.25);
            col[i] = fmax(up, down);
        }
        for (int a = 1; a < N; a++) /* insertion sort */
            for (int b = a; b > 0 && col[b - 1] > col[b]; b--) {
                double t = col[b];
                col[b] = col[b - 1];
                col[b - 1] = t;
            }
        /* position 400 x 0.9975 = 399: the second largest value */
        CHECK_REL(m->limit[j], col[399], 1e-9);
        CHECK_REL(m->mean[j], mu, 1e-12);
    }
    /* on its own training data, at most 1 % of rows alarm */
    double *ratio = malloc(N * sizeof *ratio);
    int alarms = 0;
    CHECK(m && tep_chart_run(m, x, N, ratio, NULL, &err) == 0);
    for (int i = 0; i < N; i++) alarms += ratio[i] > 1.0;
    CHECK(alarms <= 4);
    free(ratio);
    free(x);
    tep_chart_model_free(m);
}

static void test_model_limits(void)
{
    /* EWMA: z_(1 - 0.01/2) times the RMS of the training EWMA statistic (one variable) */
    struct tep_chart_options opt;
    tep_chart_options_default(&opt, TEP_CHART_EWMA);
    opt.lambda = 0.5;
    struct tep_chart_model *m = NULL;
    struct tep_error err;
    CHECK(tep_chart_fit(train5, 5, 1, &opt, &m, &err) == 0);
    double s = sqrt(2.5), z = 0.0, ss = 0.0;
    for (int i = 0; i < 5; i++) {
        z = 0.5 * (train5[i] - 3.0) / s + 0.5 * z;
        ss += z * z;
    }
    CHECK(m && m->limit[0] > 0.0);
    if (m) CHECK_REL(m->limit[0], 2.575829303548901 * sqrt(ss / 5.0), 1e-12);
    tep_chart_model_free(m);
    m = NULL;
    /* Bonferroni over 52 variables: L = z_(1 - 0.01/104) = 3.7289 (scipy norm.isf) */
    enum { N = 60, V = 52 };
    double *x = malloc(N * V * sizeof *x);
    for (int i = 0; i < N; i++)
        for (int j = 0; j < V; j++) x[i * V + j] = sin(0.7 * i + j) + 0.01 * j * i;
    CHECK(tep_chart_fit(x, N, V, &opt, &m, &err) == 0);
    for (int j = 0; m && j < V; j += 17) {
        double zz = 0.0, sq = 0.0;
        for (int i = 0; i < N; i++) {
            zz = 0.5 * (x[i * V + j] - m->mean[j]) / m->std[j] + 0.5 * zz;
            sq += zz * zz;
        }
        CHECK_REL(m->limit[j], 3.728912782896057 * sqrt(sq / N), 1e-10);
    }
    tep_chart_model_free(m);
    m = NULL;
    free(x);
    /* CUSUM on 1..9: mean 5, std sqrt(7.5); batches of 3 have standardised means -3/s, 0, 3/s,
     * variance 9/7.5 = 1.2, long-run variance 3 x 1.2 = 3.6; h = 3.6 / (2 x 0.5) ln(200) */
    const double nine[9] = {1, 2, 3, 4, 5, 6, 7, 8, 9};
    tep_chart_options_default(&opt, TEP_CHART_CUSUM);
    CHECK(tep_chart_fit(nine, 9, 1, &opt, &m, &err) == 0);
    if (m) CHECK_REL(m->limit[0], 3.6 * log(200.0), 1e-12);
    tep_chart_model_free(m);
}

static void test_chart_errors(void)
{
    struct tep_chart_options opt;
    struct tep_chart_model *m = NULL;
    struct tep_error err;
    double constant[6] = {1, 5, 1, 6, 1, 7};
    tep_chart_options_default(&opt, TEP_CHART_EWMA);
    CHECK(tep_chart_fit(constant, 3, 2, &opt, &m, &err) == -1 && strstr(err.message, "constant"));
    opt.lambda = 0.0;
    CHECK(tep_chart_fit(train5, 5, 1, &opt, &m, &err) == -1 && strstr(err.message, "lambda"));
    tep_chart_options_default(&opt, TEP_CHART_CUSUM);
    double bad[5] = {1, 2, NAN, 4, 5};
    CHECK(tep_chart_fit(bad, 5, 1, &opt, &m, &err) == -1 && err.line == 3);
    opt.k = 5.0; /* statistic never leaves 0 on this training set */
    opt.limits = TEP_CHART_LIMITS_QUANTILE;
    CHECK(tep_chart_fit(train5, 5, 1, &opt, &m, &err) == -1 && strstr(err.message, "lower"));
    CHECK(m == NULL);
    opt.limits = TEP_CHART_LIMITS_MODEL;
    opt.k = 0.0; /* model limits divide by k */
    CHECK(tep_chart_fit(train5, 5, 1, &opt, &m, &err) == -1 && strstr(err.message, "k must"));
    opt.k = 0.5;
    opt.confidence = 1.0;
    CHECK(tep_chart_fit(train5, 5, 1, &opt, &m, &err) == -1);
    CHECK(tep_chart_fit(train5, 2, 1, &opt, &m, &err) == -1);
}

int main(void)
{
    RUN(test_counts_and_delays);
    RUN(test_run_straddling_onset);
    RUN(test_unscored);
    RUN(test_no_fault_and_pool);
    RUN(test_metric_errors);
    RUN(test_ewma_fixed);
    RUN(test_cusum_fixed_two_vars);
    RUN(test_empirical_limits);
    RUN(test_model_limits);
    RUN(test_chart_errors);
    CHECK_DONE();
}
