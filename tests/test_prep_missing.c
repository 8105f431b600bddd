/* test_prep_missing.c - the missing step: ffill, linear, mean, drop; max_gap.
 *
 * A hand-made column checks exact filled values and gap counts for every
 * method; a random run with gaps of random lengths is compared with a
 * whole-array reference written here (find each gap, decide it, fill it),
 * for chunk sizes 1, 7 and 1000 (the look-ahead crosses chunk boundaries).
 */
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "check.h"
#include "prep_fixture.h"
#include "core/catalog.h"
#include "prep/missing.h"
#include "prep/scaler.h"

#define N_HAND 23
/* xmeas_9: leading gap (1), gap of 1, gap of 3, gap of 12, trailing gap of 2 */
static double hand_value(size_t i)
{
    switch (i) {
    case 1:
        return 1.0;
    case 3:
        return 3.0;
    case 7:
        return 7.0;
    case 20:
        return 20.0;
    default:
        return NAN;
    }
}

static struct tep_frame *hand_run(void)
{
    struct tep_frame *f = tep_frame_new(N_HAND);
    snprintf(f->run_id, sizeof f->run_id, "hand");
    tep_frame_add_column(f, "xmeas_9", tep_xmeas_index(9), NULL);
    tep_frame_add_column(f, "xmv_1", tep_xmv_index(1), NULL);
    tep_frame_add_column(f, "xmv_2", tep_xmv_index(2), NULL);
    for (size_t i = 0; i < N_HAND; i++) {
        double vals[3] = {hand_value(i), 10.0 + (double)i, i == 5 ? NAN : 1.0};
        tep_frame_push_row(f, (double)i * 0.25, (int64_t)i + 1, 0, vals, NULL); /* exact times */
    }
    return f;
}

static struct result run_missing(const struct tep_prep_missing_options *opt, const struct tep_frame *in,
                           size_t chunk)
{
    struct result r = run_step(&tep_prep_missing_ops, opt, in, chunk);
    CHECK_MSG(r.rc == 0, "%s", r.err.message);
    return r;
}


/* Expected xmeas_9 column and counters for one method on the hand run. */
struct hand_case {
    const char *label;
    int method;
    int max_gap;
    double want[N_HAND];
    uint64_t filled, gaps_filled, gaps_left, samples_left;
};

static void check_hand_case(const struct hand_case *hc, const struct tep_prep_scaler *stats)
{
    struct tep_frame *in = hand_run();
    struct tep_prep_missing_options opt;
    tep_prep_missing_options_init(&opt);
    opt.method = hc->method;
    opt.max_gap = hc->max_gap;
    opt.stats = stats;
    snprintf(opt.columns, sizeof opt.columns, "xmeas_9, xmv_1");
    size_t chunks[] = {1, 2, 5, 7, 100};
    for (size_t c = 0; c < sizeof chunks / sizeof chunks[0]; c++) {
        struct result r = run_missing(&opt, in, chunks[c]);
        CHECK_EQ_INT(r.out->nrows, N_HAND);
        for (size_t i = 0; i < N_HAND && i < r.out->nrows; i++) {
            CHECK_MSG(same(tep_frame_get(r.out, i, 0), hc->want[i]),
                      "%s, chunk %zu, row %zu: got %.17g want %.17g", hc->label, chunks[c], i,
                      tep_frame_get(r.out, i, 0), hc->want[i]);
            CHECK_EQ_INT(r.out->sample[i], i + 1);
            CHECK(tep_frame_get(r.out, i, 1) == 10.0 + (double)i);
        }
        CHECK(isnan(tep_frame_get(r.out, 5, 2))); /* xmv_2 not selected: untouched */
        const struct tep_prep_metrics *m = r.m;
        CHECK_EQ_INT(tep_prep_metrics_col_value(m, "xmeas_9", TEP_PREP_MISSING_IN), 19);
        CHECK_EQ_INT(tep_prep_metrics_col_value(m, "xmeas_9", TEP_PREP_MISSING_FILLED), hc->filled);
        CHECK_EQ_INT(tep_prep_metrics_col_value(m, "xmeas_9", TEP_PREP_GAPS_FILLED),
                     hc->gaps_filled);
        CHECK_EQ_INT(tep_prep_metrics_col_value(m, "xmeas_9", TEP_PREP_GAPS_LEFT), hc->gaps_left);
        CHECK_EQ_INT(tep_prep_metrics_col_value(m, "xmeas_9", TEP_PREP_GAP_SAMPLES_LEFT),
                     hc->samples_left);
        CHECK_EQ_INT(tep_prep_metrics_col_value(m, "xmv_2", TEP_PREP_MISSING_IN), 0);
        CHECK_EQ_INT(tep_prep_metrics_run_value(m, TEP_PREP_ROWS_OUT), N_HAND);
        result_free(&r);
    }
    tep_frame_free(in);
}

#define X NAN
static void test_hand_cases(void)
{
    static const struct hand_case cases[] = {
        {"ffill",
         TEP_PREP_FILL_FFILL,
         10,
         {X, 1, 1, 3, 3, 3, 3, 7, X, X, X, X, X, X, X, X, X, X, X, X, 20, 20, 20},
         6,
         3,
         2,
         13},
        {"ffill no limit",
         TEP_PREP_FILL_FFILL,
         0,
         {X, 1, 1, 3, 3, 3, 3, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 20, 20, 20},
         18,
         4,
         1,
         1},
        {"ffill max_gap 12",
         TEP_PREP_FILL_FFILL,
         12,
         {X, 1, 1, 3, 3, 3, 3, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 20, 20, 20},
         18,
         4,
         1,
         1},
        {"ffill max_gap 2",
         TEP_PREP_FILL_FFILL,
         2,
         {X, 1, 1, 3, X, X, X, 7, X, X, X, X, X, X, X, X, X, X, X, X, 20, 20, 20},
         3,
         2,
         3,
         16},
        {"linear",
         TEP_PREP_FILL_LINEAR,
         10,
         {X, 1, 2, 3, 4, 5, 6, 7, X, X, X, X, X, X, X, X, X, X, X, X, 20, X, X},
         4,
         2,
         3,
         15},
        {"mean (running)",
         TEP_PREP_FILL_MEAN,
         10,
         {X, 1, 1, 3, 2, 2, 2, 7, X, X, X, X, X, X, X, X, X, X, X, X, 20, 7.75, 7.75},
         6,
         3,
         2,
         13},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        check_hand_case(&cases[i], NULL);
}

static void test_mean_from_model_and_drop(void)
{
    /* a scaler fitted on a normal run where xmeas_9 is 42 and xmv_1 is 10 */
    struct tep_error err;
    tep_error_clear(&err);
    struct tep_prep_fit_options fo;
    tep_prep_fit_options_init(&fo);
    struct tep_prep_scaler *s = tep_prep_scaler_new(&fo, &err);
    struct tep_frame *normal = tep_frame_new(4);
    tep_frame_add_column(normal, "xmeas_9", tep_xmeas_index(9), NULL);
    tep_frame_add_column(normal, "xmv_1", tep_xmv_index(1), NULL);
    tep_frame_add_column(normal, "xmv_2", tep_xmv_index(2), NULL);
    for (int i = 0; i < 4; i++) {
        double vals[3] = {42, 10, 1};
        tep_frame_push_row(normal, i, i + 1, 0, vals, NULL);
    }
    CHECK(tep_prep_scaler_fit_chunk(s, normal, &err) == 0);
    CHECK(tep_prep_scaler_fit_finish(s, &err) == 0);
    const struct hand_case model_case = {
        "mean (model)",
        TEP_PREP_FILL_MEAN,
        10,
        {42, 1, 42, 3, 42, 42, 42, 7, X, X, X, X, X, X, X, X, X, X, X, X, 20, 42, 42},
        7,
        4,
        1,
        12};
    check_hand_case(&model_case, s);

    /* drop: every row with a NaN in xmeas_9 or xmv_1 goes */
    struct tep_frame *in = hand_run();
    struct tep_prep_missing_options opt;
    tep_prep_missing_options_init(&opt);
    opt.method = TEP_PREP_FILL_DROP;
    struct result r = run_missing(&opt, in, 3);
    /* all three columns are selected by default; only rows 1, 3, 7, 20 have
     * xmeas_9 (and xmv_2's NaN at row 5 is in a row already dropped) */
    CHECK_EQ_INT(r.out->nrows, 4);
    const int64_t kept[] = {2, 4, 8, 21};
    for (size_t i = 0; i < 4 && i < r.out->nrows; i++)
        CHECK_EQ_INT(r.out->sample[i], kept[i]);
    CHECK_EQ_INT(tep_prep_metrics_run_value(r.m, TEP_PREP_ROWS_DROPPED_MISSING), N_HAND - 4);
    CHECK_EQ_INT(tep_prep_metrics_col_value(r.m, "xmeas_9", TEP_PREP_MISSING_IN), 19);
    CHECK_EQ_INT(tep_prep_metrics_col_value(r.m, "xmv_2", TEP_PREP_MISSING_IN), 1);
    result_free(&r);
    tep_frame_free(in);
    tep_frame_free(normal);
    tep_prep_scaler_free(s);
}

/* ---- random runs against a whole-array reference */

static uint64_t lcg = 1;
static double uniform01(void)
{
    lcg = lcg * 6364136223846793005ULL + 1442695040888963407ULL;
    return (double)(lcg >> 11) / 9007199254740992.0;
}

static struct tep_frame *random_run(size_t n)
{
    struct tep_frame *f = tep_frame_new(n);
    snprintf(f->run_id, sizeof f->run_id, "random");
    const char *names[] = {"xmeas_1", "xmeas_7", "xmv_3"};
    for (int c = 0; c < 3; c++)
        tep_frame_add_column(f, names[c], tep_catalog_lookup(names[c]), NULL);
    for (size_t i = 0; i < n; i++)
        tep_frame_push_row(f, 0.05 * (double)i + 0.001 * uniform01(), (int64_t)i + 1, 0, NULL,
                           NULL);
    for (int c = 0; c < 3; c++) {
        double *x = f->cols[c].data;
        for (size_t i = 0; i < n;) {
            if (uniform01() < 0.03) { /* a gap of 1..15 samples */
                size_t len = 1 + (size_t)(uniform01() * 15);
                for (size_t j = i; j < n && j < i + len; j++)
                    x[j] = NAN;
                i += len;
            } else {
                x[i] = 100.0 * c + 10 * uniform01();
                i++;
            }
        }
    }
    return f;
}

/* Fill column x (times t) the way missing.h describes, from scratch. */
static void reference_fill(double *x, const double *t, size_t n, int method, size_t max_gap,
                           uint64_t *filled, uint64_t *left)
{
    double *orig = malloc(n * sizeof *orig);
    memcpy(orig, x, n * sizeof *orig);
    for (size_t a = 0; a < n; a++) {
        if (!isnan(orig[a])) continue;
        size_t b = a;
        while (b < n && isnan(orig[b]))
            b++; /* gap [a, b) */
        size_t len = b - a;
        bool ok = max_gap == 0 || len <= max_gap;
        if (method == TEP_PREP_FILL_FFILL) ok = ok && a > 0;
        if (method == TEP_PREP_FILL_LINEAR) ok = ok && a > 0 && b < n;
        double sum = 0;
        uint64_t cnt = 0;
        for (size_t j = 0; j < a; j++)
            if (!isnan(orig[j])) {
                sum += orig[j];
                cnt++;
            }
        if (method == TEP_PREP_FILL_MEAN) ok = ok && cnt > 0;
        for (size_t j = a; j < b && ok; j++) {
            if (method == TEP_PREP_FILL_FFILL) x[j] = orig[a - 1];
            if (method == TEP_PREP_FILL_MEAN) x[j] = sum / (double)cnt;
            if (method == TEP_PREP_FILL_LINEAR)
                x[j] =
                    orig[a - 1] + (orig[b] - orig[a - 1]) * (t[j] - t[a - 1]) / (t[b] - t[a - 1]);
        }
        *(ok ? filled : left) += len;
        a = b;
    }
    free(orig);
}

static void test_random_against_reference(void)
{
    lcg = 2024;
    struct tep_frame *in = random_run(5000);
    const int methods[] = {TEP_PREP_FILL_FFILL, TEP_PREP_FILL_LINEAR, TEP_PREP_FILL_MEAN};
    for (size_t mi = 0; mi < 3; mi++) {
        struct tep_prep_missing_options opt;
        tep_prep_missing_options_init(&opt);
        opt.method = methods[mi];
        opt.max_gap = 8;
        struct result ref = run_missing(&opt, in, 1000);
        for (int c = 0; c < 3; c++) {
            double *want = malloc(in->nrows * sizeof *want);
            memcpy(want, in->cols[c].data, in->nrows * sizeof *want);
            uint64_t filled = 0, left = 0;
            reference_fill(want, in->time_h, in->nrows, opt.method, 8, &filled, &left);
            CHECK(filled > 100 && left > 100); /* both kinds of gap occur */
            size_t bad = 0;
            for (size_t i = 0; i < in->nrows; i++) {
                double got = tep_frame_get(ref.out, i, (size_t)c);
                bool ok = opt.method == TEP_PREP_FILL_LINEAR && !isnan(want[i])
                              ? fabs(got - want[i]) <= 1e-12 * fabs(want[i])
                              : same(got, want[i]);
                bad += !ok;
            }
            CHECK_MSG(bad == 0, "method %d column %d: %zu cells differ from the reference",
                      opt.method, c, bad);
            const char *name = in->cols[c].name;
            CHECK_EQ_INT(tep_prep_metrics_col_value(ref.m, name, TEP_PREP_MISSING_FILLED), filled);
            CHECK_EQ_INT(tep_prep_metrics_col_value(ref.m, name, TEP_PREP_GAP_SAMPLES_LEFT), left);
            free(want);
        }
        /* same bits, same counters for any chunking */
        size_t chunks[] = {1, 7, 1000};
        for (size_t k = 0; k < 3; k++) {
            struct result r = run_missing(&opt, in, chunks[k]);
            bool eq = r.out->nrows == ref.out->nrows;
            for (size_t c = 0; eq && c < 3; c++)
                eq = memcmp(r.out->cols[c].data, ref.out->cols[c].data,
                            r.out->nrows * sizeof(double)) == 0;
            CHECK_MSG(eq, "method %d: chunk size %zu changes the output", opt.method, chunks[k]);
            for (int cn = 0; cn < TEP_PREP_N_COL_COUNTERS; cn++)
                CHECK_EQ_INT(tep_prep_metrics_col_value(r.m, NULL, cn),
                             tep_prep_metrics_col_value(ref.m, NULL, cn));
            result_free(&r);
        }
        result_free(&ref);
    }
    tep_frame_free(in);
}

static void test_bad_options(void)
{
    struct tep_error err;
    tep_error_clear(&err);
    struct tep_prep_missing_options opt;
    tep_prep_missing_options_init(&opt);
    opt.method = TEP_PREP_FILL_LINEAR;
    opt.max_gap = 0;
    CHECK(tep_prep_missing_new(&opt, &err) == NULL);
    CHECK(strstr(err.message, "max_gap must be >= 1 for method linear") != NULL);
    tep_prep_missing_options_init(&opt);
    opt.method = TEP_PREP_FILL_MEAN;
    snprintf(opt.model, sizeof opt.model, "/nonexistent/scaler.json");
    CHECK(tep_prep_missing_new(&opt, &err) == NULL);
    CHECK_EQ_INT(err.code, TEP_ERR_PARSE);
    CHECK_STR(err.file, "/nonexistent/scaler.json");
    /* unknown column in the list: named in the error */
    tep_prep_missing_options_init(&opt);
    snprintf(opt.columns, sizeof opt.columns, "xmeas_9, no_such_column");
    struct tep_prep_missing *m = tep_prep_missing_new(&opt, &err);
    struct tep_frame *in = hand_run();
    CHECK(tep_prep_missing_begin_run(m, in, &err) == -1);
    CHECK(strstr(err.message, "run 'hand' has no column 'no_such_column'") != NULL);
    tep_frame_free(in);
    tep_prep_missing_free(m);
}

int main(void)
{
    RUN(test_hand_cases);
    RUN(test_mean_from_model_and_drop);
    RUN(test_random_against_reference);
    RUN(test_bad_options);
    CHECK_DONE();
}
