/* test_prep_scaler.c - scaler fit (normal rows only / reference run), robust
 * statistics, JSON save/load round trip, apply, and the normalize step in
 * fit and apply mode.
 *
 * Expected statistics are computed here from the fitting rows alone (two-pass
 * long double mean/std, sorted copies for median, quartiles and MAD), so a
 * fit that let faulty rows in, or a wrong quantile rule, fails.
 */
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "check.h"
#include "core/catalog.h"
#include "prep/scaler.h"
#include "prep_fixture.h"

static uint64_t lcg = 1;
static double uniform01(void)
{
    lcg = lcg * 6364136223846793005ULL + 1442695040888963407ULL;
    return (double)(lcg >> 11) / 9007199254740992.0;
}

/* n rows; every `fault_every`-th row has fault 4 and wild values. */
static struct tep_frame *make_run(const char *run, size_t n, size_t fault_every)
{
    struct tep_frame *f = tep_frame_new(n);
    snprintf(f->run_id, sizeof f->run_id, "%s", run);
    tep_frame_add_column(f, "xmeas_7", tep_xmeas_index(7), NULL);
    tep_frame_add_column(f, "xmeas_9", tep_xmeas_index(9), NULL);
    tep_frame_add_column(f, "note", -1, NULL); /* not a catalogue column: not fitted */
    for (size_t i = 0; i < n; i++) {
        bool faulty = fault_every && i % fault_every == fault_every - 1;
        double vals[3] = {faulty ? 1e6 : 2700 + 0.3 * (uniform01() - 0.5),
                          faulty ? -50 : (uniform01() < 0.05 ? NAN : 120 + uniform01()), 7};
        tep_frame_push_row(f, 0.05 * (double)i, (int64_t)i + 1, faulty ? 4 : 0, vals, NULL);
    }
    return f;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

struct expected {
    uint64_t n;
    double mean, std, min, max, median, mad, q1, q3;
};

/* Statistics of column c over the rows with fault == 0 (or all rows). */
static struct expected expected_stats(const struct tep_frame *f, size_t c, bool normal_only)
{
    struct expected e = {0};
    double *v = malloc(f->nrows * sizeof *v);
    for (size_t i = 0; i < f->nrows; i++) {
        double x = f->cols[c].data[i];
        if (isnan(x) || (normal_only && f->fault[i] != 0)) continue;
        v[e.n++] = x;
    }
    long double sum = 0, ss = 0;
    for (size_t i = 0; i < e.n; i++)
        sum += v[i];
    long double mean = sum / e.n;
    for (size_t i = 0; i < e.n; i++)
        ss += (v[i] - mean) * (v[i] - mean);
    e.mean = (double)mean;
    e.std = (double)sqrtl(ss / (e.n - 1));
    qsort(v, e.n, sizeof *v, cmp_double);
    size_t n = e.n;
    e.min = v[0];
    e.max = v[n - 1];
    e.median = n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
    double h1 = (double)(n - 1) * 0.25, h3 = (double)(n - 1) * 0.75;
    size_t k1 = (size_t)h1, k3 = (size_t)h3;
    e.q1 = v[k1] + (h1 - (double)k1) * (v[k1 + 1] - v[k1]);
    e.q3 = v[k3] + (h3 - (double)k3) * (v[k3 + 1] - v[k3]);
    for (size_t i = 0; i < n; i++)
        v[i] = fabs(v[i] - e.median);
    qsort(v, n, sizeof *v, cmp_double);
    e.mad = n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
    free(v);
    return e;
}

static struct tep_prep_scaler *fit_in_chunks(const struct tep_prep_fit_options *fo,
                                             const struct tep_frame *in, size_t chunk)
{
    struct tep_error err;
    tep_error_clear(&err);
    struct tep_prep_scaler *s = tep_prep_scaler_new(fo, &err);
    struct tep_frame *part = tep_frame_new(chunk);
    tep_frame_copy_schema(part, in, &err);
    for (size_t at = 0; at < in->nrows; at += chunk) {
        part->nrows = 0;
        for (size_t i = at; i < at + chunk && i < in->nrows; i++) {
            double vals[3] = {in->cols[0].data[i], in->cols[1].data[i], in->cols[2].data[i]};
            tep_frame_push_row(part, in->time_h[i], in->sample[i], in->fault[i], vals, &err);
        }
        CHECK(tep_prep_scaler_fit_chunk(s, part, &err) == 0);
    }
    CHECK_MSG(tep_prep_scaler_fit_finish(s, &err) == 0, "%s", err.message);
    tep_frame_free(part);
    return s;
}

static void test_fit_on_normal_rows_only(void)
{
    lcg = 3;
    struct tep_frame *in = make_run("train", 3001, 10); /* 300 faulty rows with wild values */
    struct tep_prep_fit_options fo;
    tep_prep_fit_options_init(&fo);
    struct tep_prep_scaler *s = fit_in_chunks(&fo, in, 1000);
    CHECK_EQ_INT(s->ncols, 2); /* the catalogue columns only */
    CHECK_EQ_INT(s->rows_used, 3001 - 300);
    for (size_t c = 0; c < 2; c++) {
        struct expected e = expected_stats(in, c, true);
        const struct tep_prep_scaler_column *sc = tep_prep_scaler_find(s, in->cols[c].name);
        CHECK(sc != NULL);
        if (!sc) continue;
        CHECK_EQ_INT(sc->count, e.n);
        CHECK_REL(sc->mean, e.mean, 1e-14);
        CHECK_REL(sc->std, e.std, 1e-11);
        CHECK(sc->min == e.min && sc->max == e.max);
        CHECK(sc->median == e.median);
        CHECK(sc->q1 == e.q1);
        CHECK(sc->q3 == e.q3);
        CHECK(sc->mad == e.mad);
        CHECK(sc->robust_exact);
        CHECK(sc->max < 3000); /* a faulty 1e6 would show here */
    }
    /* the same model whatever the chunking */
    size_t sizes[] = {1, 7};
    for (size_t k = 0; k < 2; k++) {
        struct tep_prep_scaler *t = fit_in_chunks(&fo, in, sizes[k]);
        CHECK(memcmp(t->cols, s->cols, s->ncols * sizeof *s->cols) == 0);
        tep_prep_scaler_free(t);
    }
    tep_prep_scaler_free(s);

    /* fit on a named reference run: its faulty rows count, other runs do not */
    fo.fit_on = TEP_PREP_FIT_RUN;
    snprintf(fo.reference_run, sizeof fo.reference_run, "train");
    s = fit_in_chunks(&fo, in, 500);
    struct expected all = expected_stats(in, 0, false);
    CHECK_EQ_INT(s->rows_used, 3001);
    CHECK_REL(s->cols[0].mean, all.mean, 1e-12);
    CHECK(s->cols[0].max == 1e6);
    struct tep_error err;
    struct tep_frame *other = make_run("other", 10, 0);
    CHECK(tep_prep_scaler_fit_chunk(s, other, &err) == -1); /* already final */
    tep_prep_scaler_free(s);
    s = tep_prep_scaler_new(&fo, &err);
    CHECK(tep_prep_scaler_fit_chunk(s, other, &err) == 0); /* ignored: not the reference */
    CHECK(tep_prep_scaler_fit_finish(s, &err) == -1);
    CHECK(strstr(err.message, "no row of reference run 'train'") != NULL);
    tep_prep_scaler_free(s);
    tep_frame_free(other);
    tep_frame_free(in);
}

static void test_robust_stats_by_hand(void)
{
    /* values 1..10 in scrambled order, plus one faulty row: median 5.5,
     * q1 = 3 + 0.25 (type 7: h = 9 * 0.25), q3 = 7.75, MAD: deviations
     * 0.5 0.5 1.5 1.5 2.5 2.5 3.5 3.5 4.5 4.5 -> 2.5; mean 5.5, std sqrt(55/6) */
    const double v[] = {7, 3, 10, 1, 5, 8, 2, 9, 6, 4, 1000};
    struct tep_frame *f = tep_frame_new(11);
    tep_frame_add_column(f, "xmeas_1", 0, NULL);
    for (int i = 0; i < 11; i++)
        tep_frame_push_row(f, i, i + 1, i == 10 ? 2 : 0, &v[i], NULL);
    struct tep_error err;
    struct tep_prep_fit_options fo;
    tep_prep_fit_options_init(&fo);
    struct tep_prep_scaler *s = tep_prep_scaler_new(&fo, &err);
    CHECK(tep_prep_scaler_fit_chunk(s, f, &err) == 0);
    CHECK(tep_prep_scaler_fit_finish(s, &err) == 0);
    const struct tep_prep_scaler_column *c = &s->cols[0];
    CHECK_EQ_INT(c->count, 10);
    CHECK(c->median == 5.5);
    CHECK(c->q1 == 3.25);
    CHECK(c->q3 == 7.75);
    CHECK(c->mad == 2.5);
    CHECK(c->min == 1 && c->max == 10);
    CHECK_REL(c->mean, 5.5, 1e-15);
    CHECK_REL(c->std, sqrt(55.0 / 6.0), 1e-15);
    tep_prep_scaler_free(s);
    tep_frame_free(f);
}

static void test_reservoir_when_buffer_is_small(void)
{
    lcg = 4;
    struct tep_frame *in = make_run("big", 20000, 0);
    struct tep_prep_fit_options fo;
    tep_prep_fit_options_init(&fo);
    fo.robust_buffer = 2000;
    struct tep_prep_scaler *s = fit_in_chunks(&fo, in, 4096);
    struct expected e = expected_stats(in, 0, true);
    CHECK(!s->cols[0].robust_exact);
    CHECK_EQ_INT(s->cols[0].robust_sample, 2000);
    CHECK_REL(s->cols[0].mean, e.mean, 1e-14); /* mean/std still use every value */
    /* uniform +-0.15 around 2700: a 2000-value sample's median is within ~0.01 */
    CHECK_ABS(s->cols[0].median, e.median, 0.02);
    CHECK_ABS(s->cols[0].mad, e.mad, 0.02);
    tep_prep_scaler_free(s);
    tep_frame_free(in);
}

static void test_save_load_round_trip_and_apply(void)
{
    lcg = 5;
    struct tep_frame *in = make_run("train", 999, 0);
    struct tep_prep_fit_options fo;
    tep_prep_fit_options_init(&fo);
    fo.method = TEP_PREP_SCALE_MAD;
    struct tep_prep_scaler *s = fit_in_chunks(&fo, in, 100);
    const char *dir = tep_test_tmpdir("prep_scaler");
    char path[1200];
    snprintf(path, sizeof path, "%s/scaler.json", dir);
    struct tep_error err;
    tep_error_clear(&err);
    CHECK_MSG(tep_prep_scaler_save(s, path, &err) == 0, "%s", err.message);
    struct tep_prep_scaler *l = tep_prep_scaler_load(path, &err);
    CHECK_MSG(l != NULL, "%s", err.message);
    if (l) {
        CHECK_EQ_INT(l->method, TEP_PREP_SCALE_MAD);
        CHECK_EQ_INT(l->rows_used, 999);
        CHECK_EQ_INT(l->ncols, s->ncols);
        for (size_t c = 0; c < s->ncols && c < l->ncols; c++) {
            /* bit-exact, field by field */
            CHECK(memcmp(&l->cols[c], &s->cols[c], sizeof s->cols[c]) == 0);
            CHECK_STR(l->cols[c].name, s->cols[c].name);
        }
    }
    /* apply uses the model's method: (x - median) / (1.4826 MAD) */
    struct tep_frame *test = make_run("test", 50, 0);
    struct tep_frame *copy = make_run("x", 0, 0);
    tep_frame_append(copy, test, &err);
    CHECK(tep_prep_scaler_apply(l, test, &err) == 0);
    const struct tep_prep_scaler_column *p = &s->cols[0];
    for (size_t i = 0; i < 50; i++)
        CHECK(tep_frame_get(test, i, 0) ==
              (tep_frame_get(copy, i, 0) - p->median) / (TEP_PREP_MAD_SCALE * p->mad));
    CHECK(tep_frame_get(test, 3, 2) == 7); /* column not in the model: untouched */
    CHECK(tep_prep_scaler_inverse(l, test, &err) == 0);
    for (size_t i = 0; i < 50; i++)
        CHECK_REL(tep_frame_get(test, i, 0), tep_frame_get(copy, i, 0), 1e-15);

    /* the other methods' centre and scale */
    double c, sc;
    tep_prep_scaler_center_scale(p, TEP_PREP_SCALE_ZSCORE, &c, &sc);
    CHECK(c == p->mean && sc == p->std);
    tep_prep_scaler_center_scale(p, TEP_PREP_SCALE_MINMAX, &c, &sc);
    CHECK(c == p->min && sc == p->max - p->min);
    tep_prep_scaler_center_scale(p, TEP_PREP_SCALE_ROBUST, &c, &sc);
    CHECK(c == p->median && sc == p->q3 - p->q1);
    struct tep_prep_scaler_column flat = *p;
    flat.std = 0;
    tep_prep_scaler_center_scale(&flat, TEP_PREP_SCALE_ZSCORE, &c, &sc);
    CHECK(sc == 1.0); /* constant column: scale 1 */

    /* a model column missing from the data is an error naming it */
    struct tep_frame *narrow = tep_frame_new(1);
    snprintf(narrow->run_id, sizeof narrow->run_id, "narrow");
    tep_frame_add_column(narrow, "xmeas_7", tep_xmeas_index(7), NULL);
    CHECK(tep_prep_scaler_apply(l, narrow, &err) == -1);
    CHECK(strstr(err.message, "run 'narrow' has no column 'xmeas_9'") != NULL);
    tep_frame_free(narrow);
    tep_frame_free(test);
    tep_frame_free(copy);
    tep_prep_scaler_free(l);
    tep_prep_scaler_free(s);
    tep_frame_free(in);
}

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    fputs(text, f);
    fclose(f);
}

static void test_load_errors(void)
{
    const char *dir = tep_test_tmpdir("prep_scaler_bad");
    char path[1200];
    struct tep_error err;
    tep_error_clear(&err);
    snprintf(path, sizeof path, "%s/syntax.json", dir);
    write_file(path, "{\n  \"format\": \"tep-prep-scaler\",\n  \"version\": 1,\n  oops\n}\n");
    CHECK(tep_prep_scaler_load(path, &err) == NULL);
    CHECK_EQ_INT(err.code, TEP_ERR_PARSE);
    CHECK_STR(err.file, path);
    CHECK_EQ_INT(err.line, 4);

    snprintf(path, sizeof path, "%s/format.json", dir);
    write_file(path, "{\"format\": \"something-else\", \"version\": 1}");
    CHECK(tep_prep_scaler_load(path, &err) == NULL);
    CHECK(strstr(err.message, "not a scaler model") != NULL);

    snprintf(path, sizeof path, "%s/field.json", dir);
    write_file(path, "{\"format\": \"tep-prep-scaler\", \"version\": 1, \"method\": \"zscore\", "
                     "\"fit_on\": \"normal\", \"columns\": [{\"name\": \"xmeas_1\", \"mean\": "
                     "1, \"std\": \"wide\"}]}");
    CHECK(tep_prep_scaler_load(path, &err) == NULL);
    CHECK_MSG(strstr(err.message, "columns[0].std is missing or not a number") != NULL, "%s",
              err.message);

    snprintf(path, sizeof path, "%s/method.json", dir);
    write_file(path, "{\"format\": \"tep-prep-scaler\", \"version\": 1, \"method\": \"log\", "
                     "\"fit_on\": \"normal\", \"columns\": []}");
    CHECK(tep_prep_scaler_load(path, &err) == NULL);
    CHECK(strstr(err.message, "method 'log'") != NULL);

    struct tep_prep_fit_options fo;
    tep_prep_fit_options_init(&fo);
    struct tep_prep_scaler *s = tep_prep_scaler_new(&fo, &err);
    lcg = 9;
    struct tep_frame *faulty = make_run("faulty", 10, 1); /* every row faulty */
    CHECK(tep_prep_scaler_fit_chunk(s, faulty, &err) == 0);
    CHECK(tep_prep_scaler_save(s, path, &err) == -1); /* not finished */
    CHECK(tep_prep_scaler_fit_finish(s, &err) == -1);
    CHECK(strstr(err.message, "no normal-operation row (fault == 0)") != NULL);
    tep_frame_free(faulty);
    tep_prep_scaler_free(s);
}

static void test_normalize_step_fit_then_apply(void)
{
    struct tep_error err;
    tep_error_clear(&err);
    const char *dir = tep_test_tmpdir("prep_normalize");
    char path[1200];
    snprintf(path, sizeof path, "%s/model.json", dir);
    lcg = 6;
    struct tep_frame *train = make_run("train", 800, 4);
    struct tep_frame *test = make_run("test", 300, 0);
    for (size_t i = 0; i < test->nrows; i++)
        test->cols[0].data[i] += 50; /* shifted data */

    /* pass 1: fit, configured from YAML through the step's key table; rows pass unchanged */
    const struct tep_prep_step_ops *ops = tep_prep_step_lookup("normalize");
    struct tep_prep_normalize_options opt;
    char yaml[1400];
    snprintf(yaml, sizeof yaml, "mode: fit\nmethod: zscore\nfit_on: normal\nmodel: '%s'\n", path);
    CHECK_MSG(configure_step(ops, &opt, yaml, &err) == 0, "%s", located(&err));
    CHECK_EQ_INT(opt.mode, TEP_PREP_NORMALIZE_FIT);
    CHECK_STR(opt.model, path);
    struct tep_prep_chain *chain = tep_prep_chain_new(&err);
    CHECK(tep_prep_chain_add(chain, ops, &opt, &err) == 0);
    struct tep_frame *out = tep_frame_new(1);
    CHECK(tep_prep_chain_run_frame(chain, train, 64, out, NULL, &err) == 0);
    CHECK(memcmp(out->cols[0].data, train->cols[0].data, 800 * sizeof(double)) == 0);
    struct tep_prep_normalize *nctx = tep_prep_chain_step(chain, 0)->ctx;
    CHECK(tep_prep_normalize_scaler(nctx) == NULL);
    CHECK_MSG(tep_prep_normalize_finish_fit(nctx, &err) == 0, "%s", err.message);
    struct expected e = expected_stats(train, 0, true);
    const struct tep_prep_scaler *fitted = tep_prep_normalize_scaler(nctx);
    CHECK_REL(fitted->cols[0].mean, e.mean, 1e-14);
    const struct tep_prep_scaler_column fitted0 = fitted->cols[0]; /* the chain is freed below */
    tep_frame_free(out);
    tep_prep_chain_free(chain);

    /* pass 2: apply the saved model to a later run: scaled with the training
     * statistics, not the test run's own */
    snprintf(yaml, sizeof yaml, "model: '%s'\n", path);
    CHECK_MSG(configure_step(ops, &opt, yaml, &err) == 0, "%s", located(&err));
    chain = tep_prep_chain_new(&err);
    CHECK(tep_prep_chain_add(chain, ops, &opt, &err) == 0);
    out = tep_frame_new(1);
    CHECK_MSG(tep_prep_chain_run_frame(chain, test, 7, out, NULL, &err) == 0, "%s", err.message);
    const struct tep_prep_scaler *m = tep_prep_normalize_scaler(tep_prep_chain_step(chain, 0)->ctx);
    CHECK(memcmp(&m->cols[0], &fitted0, sizeof fitted0) == 0); /* bit-exact after save/load */
    for (size_t i = 0; i < test->nrows; i++)
        CHECK(tep_frame_get(out, i, 0) ==
              (tep_frame_get(test, i, 0) - m->cols[0].mean) / m->cols[0].std);
    CHECK(tep_frame_get(out, 0, 0) > 100); /* the +50 shift shows up as ~170 sigma */
    tep_frame_free(out);
    tep_prep_chain_free(chain);

    /* apply without a model is a configuration error saying what is expected */
    tep_prep_options_init(ops, &opt);
    CHECK(tep_prep_step_new(ops, &opt, &err) == NULL);
    CHECK(strstr(err.message, "expected normalize.model") != NULL);
    tep_frame_free(train);
    tep_frame_free(test);
}

int main(void)
{
    RUN(test_fit_on_normal_rows_only);
    RUN(test_robust_stats_by_hand);
    RUN(test_reservoir_when_buffer_is_small);
    RUN(test_save_load_round_trip_and_apply);
    RUN(test_load_errors);
    RUN(test_normalize_step_fit_then_apply);
    CHECK_DONE();
}
