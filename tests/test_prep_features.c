/* test_prep_features.c - the features step: lags, diffs, rolling mean/std, EWMA.
 *
 * Values are checked against brute-force references computed here (each
 * window summed from scratch in long double), the output is checked to be
 * bit-identical for chunk sizes 1, 7 and 1000, and rolling std is checked
 * for accuracy on data with a large offset (2700 +- 0.3) over a long run.
 */
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "check.h"
#include "core/catalog.h"
#include "prep/features.h"

/* A run with the named catalogue columns and values from gen(row, col). */
static struct tep_frame *make_run(const char *run, size_t n, size_t ncols, const char *const *names,
                                  double (*gen)(size_t r, size_t c))
{
    struct tep_frame *f = tep_frame_new(n ? n : 1);
    snprintf(f->run_id, sizeof f->run_id, "%s", run);
    for (size_t c = 0; c < ncols; c++)
        tep_frame_add_column(f, names[c], tep_catalog_lookup(names[c]), NULL);
    double *row = malloc(sizeof(double) * (ncols ? ncols : 1));
    for (size_t r = 0; r < n; r++) {
        for (size_t c = 0; c < ncols; c++)
            row[c] = gen(r, c);
        tep_frame_push_row(f, (double)(r + 1) / 20.0, (int64_t)r + 1, 0, row, NULL);
    }
    free(row);
    return f;
}

/* Run `in` through one features step with the given chunk size. */
static struct tep_frame *run_features(const struct tep_prep_features_options *opt,
                                      const struct tep_frame *in, size_t chunk)
{
    struct tep_error err;
    tep_error_clear(&err);
    struct tep_prep_chain *chain = tep_prep_chain_new(&err);
    struct tep_frame *out = tep_frame_new(1);
    int rc = tep_prep_chain_add(chain, &tep_prep_features_ops, opt, &err);
    if (rc == 0) rc = tep_prep_chain_run_frame(chain, in, chunk, out, NULL, &err);
    CHECK_MSG(rc == 0, "%s", err.message);
    tep_prep_chain_free(chain);
    return out;
}

static bool same_or_both_nan(double a, double b)
{
    return a == b || (isnan(a) && isnan(b));
}

static const double known[] = {1, 2, 4, 7, 11, NAN, 16, 22, 29, 37, 46, 56};
#define NKNOWN (sizeof known / sizeof known[0])

static double gen_known(size_t r, size_t c)
{
    return c == 0 ? known[r] : 100.0 - (double)r;
}

static void test_names_and_known_values(void)
{
    const char *names[] = {"xmeas_9", "xmv_1"};
    struct tep_frame *in = make_run("known", NKNOWN, 2, names, gen_known);
    struct tep_prep_features_options opt;
    tep_prep_features_options_init(&opt);
    snprintf(opt.columns, sizeof opt.columns, "xmeas_9");
    opt.lags[opt.nlags++] = 1;
    opt.diffs[opt.ndiffs++] = 2;
    opt.rolling[opt.nrolling++] = 3;
    opt.ewma[opt.newma++] = 0.2;
    struct tep_frame *out = run_features(&opt, in, 4);
    CHECK_EQ_INT(out->nrows, NKNOWN);
    CHECK_EQ_INT(out->ncols, 2 + 5);
    const char *want[] = {"xmeas_9",
                          "xmv_1",
                          "xmeas_9__lag1",
                          "xmeas_9__diff2",
                          "xmeas_9__roll3_mean",
                          "xmeas_9__roll3_std",
                          "xmeas_9__ewma0.2"};
    for (size_t c = 0; c < 7 && c < out->ncols; c++)
        CHECK_STR(out->cols[c].name, want[c]);
    CHECK_EQ_INT(out->cols[2].var, -1);

    double s = NAN;
    bool have = false;
    for (size_t i = 0; i < NKNOWN; i++) {
        double lag = i >= 1 ? known[i - 1] : NAN;
        double diff = i >= 2 ? known[i] - known[i - 2] : NAN;
        CHECK(same_or_both_nan(tep_frame_get(out, i, 2), lag));
        CHECK(same_or_both_nan(tep_frame_get(out, i, 3), diff));
        /* window of 3, min_periods 3: any NaN or missing row -> NaN */
        double mean = NAN, sd = NAN;
        if (i >= 2 && !isnan(known[i]) && !isnan(known[i - 1]) && !isnan(known[i - 2])) {
            long double m = ((long double)known[i] + known[i - 1] + known[i - 2]) / 3;
            long double ss = 0;
            for (size_t j = i - 2; j <= i; j++)
                ss += (known[j] - m) * (known[j] - m);
            mean = (double)m;
            sd = (double)sqrtl(ss / 2);
        }
        double got_mean = tep_frame_get(out, i, 4), got_sd = tep_frame_get(out, i, 5);
        if (isnan(mean)) {
            CHECK_MSG(isnan(got_mean) && isnan(got_sd), "row %zu: expected NaN", i);
        } else {
            CHECK_REL(got_mean, mean, 1e-14);
            CHECK_REL(got_sd, sd, 1e-12);
        }
        if (!isnan(known[i])) {
            s = have ? 0.2 * known[i] + 0.8 * s : known[i];
            have = true;
        }
        CHECK(same_or_both_nan(tep_frame_get(out, i, 6), s));
    }
    /* spot values by hand: rows 2..4 = (4,7,11): mean 22/3, squares 100/9+1/9+121/9, var 37/3 */
    CHECK_REL(tep_frame_get(out, 4, 4), 22.0 / 3.0, 1e-15);
    CHECK_REL(tep_frame_get(out, 4, 5), sqrt(37.0 / 3.0), 1e-14);
    CHECK(isnan(tep_frame_get(out, 1, 4))); /* first W-1 rows: NaN */
    CHECK(isnan(tep_frame_get(out, 6, 4))); /* window holds the NaN at row 5 */
    CHECK_REL(tep_frame_get(out, 8, 4), (16.0 + 22 + 29) / 3, 1e-15);
    CHECK_EQ_INT(tep_frame_get(out, 3, 3), 7 - 2); /* diff2 at row 3 */
    tep_frame_free(in);
    tep_frame_free(out);
}

static void test_min_periods(void)
{
    const char *names[] = {"xmeas_9", "xmv_1"};
    struct tep_frame *in = make_run("minp", NKNOWN, 2, names, gen_known);
    struct tep_prep_features_options opt;
    tep_prep_features_options_init(&opt);
    snprintf(opt.columns, sizeof opt.columns, "xmeas_9");
    opt.rolling[opt.nrolling++] = 3;
    opt.min_periods = 1;
    struct tep_frame *out = run_features(&opt, in, 5);
    CHECK_EQ_INT(tep_frame_get(out, 0, 2), 1.0); /* mean of {1} */
    CHECK(isnan(tep_frame_get(out, 0, 3)));      /* std needs 2 values */
    CHECK_REL(tep_frame_get(out, 1, 2), 1.5, 1e-15);
    CHECK_REL(tep_frame_get(out, 1, 3), sqrt(0.5), 1e-14);
    /* row 6: window rows 4..6 = (11, NaN, 16) -> mean 13.5, std sqrt(12.5) */
    CHECK_REL(tep_frame_get(out, 6, 2), 13.5, 1e-14);
    CHECK_REL(tep_frame_get(out, 6, 3), sqrt(12.5), 1e-13);
    tep_frame_free(in);
    tep_frame_free(out);
}

static uint64_t lcg_state = 12345;
static double uniform01(void)
{
    lcg_state = lcg_state * 6364136223846793005ULL + 1442695040888963407ULL;
    return (double)(lcg_state >> 11) / 9007199254740992.0;
}
static double gauss(void)
{
    double u = uniform01(), v = uniform01();
    return sqrt(-2 * log(u + 1e-300)) * cos(2 * M_PI * v);
}

static double gen_random(size_t r, size_t c)
{
    if (uniform01() < 0.02) return NAN;
    return (double)c * 10 + gauss() + 0.001 * (double)r;
}

static void test_chunk_size_invariance(void)
{
    const char *names[] = {"xmeas_1", "xmeas_7", "xmv_3"};
    lcg_state = 99;
    struct tep_frame *in = make_run("chunks", 3000, 3, names, gen_random);
    struct tep_prep_features_options opt;
    tep_prep_features_options_init(&opt);
    opt.lags[opt.nlags++] = 1;
    opt.lags[opt.nlags++] = 3;
    opt.diffs[opt.ndiffs++] = 1;
    opt.diffs[opt.ndiffs++] = 25;
    opt.rolling[opt.nrolling++] = 5;
    opt.rolling[opt.nrolling++] = 20;
    opt.min_periods = 3;
    opt.ewma[opt.newma++] = 0.2;
    opt.ewma[opt.newma++] = 1.0;
    struct tep_frame *ref = run_features(&opt, in, 1000);
    CHECK_EQ_INT(ref->ncols, 3 + 3 * (2 + 2 + 4 + 2));
    size_t sizes[] = {1, 7, 999, 3000, 5000};
    for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
        struct tep_frame *got = run_features(&opt, in, sizes[s]);
        CHECK_EQ_INT(got->nrows, ref->nrows);
        CHECK_EQ_INT(got->ncols, ref->ncols);
        bool same = got->nrows == ref->nrows && got->ncols == ref->ncols;
        for (size_t c = 0; same && c < ref->ncols; c++)
            same = memcmp(got->cols[c].data, ref->cols[c].data, ref->nrows * sizeof(double)) == 0;
        CHECK_MSG(same, "chunk size %zu gives different output", sizes[s]);
        tep_frame_free(got);
    }
    tep_frame_free(in);
    tep_frame_free(ref);
}

static double gen_offset(size_t r, size_t c)
{
    (void)c;
    /* reactor-pressure-like: 2700 + slow drift + noise 0.3, a step at row 60000 */
    return 2700.0 + 5e-5 * (double)r + (r >= 60000 ? 40.0 : 0.0) + 0.3 * gauss();
}

static void test_rolling_accuracy_large_offset(void)
{
    const char *names[] = {"xmeas_7"};
    const size_t n = 100000, w = 20;
    lcg_state = 7;
    struct tep_frame *in = make_run("offset", n, 1, names, gen_offset);
    struct tep_prep_features_options opt;
    tep_prep_features_options_init(&opt);
    opt.rolling[opt.nrolling++] = (int)w;
    struct tep_frame *out = run_features(&opt, in, 4096);
    const double *x = in->cols[0].data;
    double worst_mean = 0, worst_std = 0;
    for (size_t i = w - 1; i < n; i++) {
        long double m = 0, ss = 0;
        for (size_t j = i + 1 - w; j <= i; j++)
            m += x[j];
        m /= w;
        for (size_t j = i + 1 - w; j <= i; j++)
            ss += (x[j] - m) * (x[j] - m);
        double sd = (double)sqrtl(ss / (w - 1));
        double em = fabs(tep_frame_get(out, i, 1) - (double)m) / (double)m;
        double es = fabs(tep_frame_get(out, i, 2) - sd) / sd;
        if (em > worst_mean) worst_mean = em;
        if (es > worst_std) worst_std = es;
    }
    fprintf(stderr, "  rolling-20 on 2700+-0.3, %zu rows: worst rel. error mean %.2e, std %.2e\n",
            n, worst_mean, worst_std);
    CHECK(worst_mean < 1e-14);
    CHECK(worst_std < 1e-12);
    tep_frame_free(in);
    tep_frame_free(out);
}

static void test_reused_chunk_and_errors(void)
{
    struct tep_error err;
    tep_error_clear(&err);
    struct tep_prep_features_options opt;
    tep_prep_features_options_init(&opt);
    opt.rolling[opt.nrolling++] = 0;
    CHECK(tep_prep_features_new(&opt, &err) == NULL);
    CHECK(strstr(err.message, "features.rolling") != NULL);
    tep_prep_features_options_init(&opt);
    opt.ewma[opt.newma++] = 1.5;
    CHECK(tep_prep_features_new(&opt, &err) == NULL);
    CHECK(strstr(err.message, "alpha 1.5") != NULL);

    /* the same frame object reused for every chunk, features overwritten */
    tep_prep_features_options_init(&opt);
    opt.diffs[opt.ndiffs++] = 1;
    struct tep_prep_features *f = tep_prep_features_new(&opt, &err);
    const char *names[] = {"xmeas_9", "xmv_1"};
    struct tep_frame *in = make_run("reuse", NKNOWN, 2, names, gen_known);
    CHECK(tep_prep_features_begin_run(f, in, &err) == 0);
    struct tep_frame *chunk = tep_frame_new(4);
    tep_frame_copy_schema(chunk, in, &err);
    for (size_t at = 0; at < NKNOWN; at += 4) {
        chunk->nrows = 0;
        for (size_t r = at; r < at + 4 && r < NKNOWN; r++) {
            double vals[4] = {known[r], 100.0 - (double)r, NAN, NAN};
            tep_frame_push_row(chunk, in->time_h[r], in->sample[r], 0, vals, &err);
        }
        CHECK(tep_prep_features_process(f, chunk, NULL, &err) == 0);
        CHECK_EQ_INT(chunk->ncols, 4);
        for (size_t i = 0; i < chunk->nrows; i++) {
            size_t r = at + i;
            CHECK(same_or_both_nan(tep_frame_get(chunk, i, 2), r ? known[r] - known[r - 1] : NAN));
            CHECK(same_or_both_nan(tep_frame_get(chunk, i, 3), r ? -1.0 : NAN));
        }
    }
    /* a chunk with foreign columns is refused, naming the column */
    struct tep_frame *bad = tep_frame_new(2);
    snprintf(bad->run_id, sizeof bad->run_id, "reuse");
    tep_frame_add_column(bad, "xmeas_9", 8, NULL);
    tep_frame_add_column(bad, "xmeas_10", 9, NULL);
    CHECK(tep_prep_features_process(f, bad, NULL, &err) == -1);
    CHECK(strstr(err.message, "'xmeas_10', expected 'xmv_1'") != NULL);
    tep_frame_free(bad);
    tep_frame_free(chunk);
    tep_frame_free(in);
    tep_prep_features_free(f);
}

int main(void)
{
    RUN(test_names_and_known_values);
    RUN(test_min_periods);
    RUN(test_chunk_size_invariance);
    RUN(test_rolling_accuracy_large_offset);
    RUN(test_reused_chunk_and_errors);
    CHECK_DONE();
}
