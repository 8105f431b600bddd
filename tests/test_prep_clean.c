/* test_prep_clean.c - the clean step: ordering, reorder window, duplicates,
 * non-monotonic time (reject names run and row; repair drops and counts),
 * and catalogue range checks. Expected outputs and counts are worked out by
 * hand from the small runs built here.
 */
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "check.h"
#include "prep_fixture.h"
#include "core/catalog.h"
#include "prep/clean.h"

/* A run with columns xmeas_9, xmv_1 and a derived column "extra"; rows are
 * given as sample numbers s: time = s/20 h, xmeas_9 = 120 + s/100,
 * xmv_1 = 50 + s, extra = 1e9. */
static struct tep_frame *run_from_samples(const char *run, const int *samples, size_t n)
{
    struct tep_frame *f = tep_frame_new(n ? n : 1);
    snprintf(f->run_id, sizeof f->run_id, "%s", run);
    tep_frame_add_column(f, "xmeas_9", tep_xmeas_index(9), NULL);
    tep_frame_add_column(f, "xmv_1", tep_xmv_index(1), NULL);
    tep_frame_add_column(f, "extra", -1, NULL);
    for (size_t i = 0; i < n; i++) {
        double s = samples[i];
        double vals[3] = {120 + s / 100, 50 + s, 1e9};
        tep_frame_push_row(f, s / 20.0, samples[i], 0, vals, NULL);
    }
    return f;
}

static struct result run_clean(const struct tep_prep_clean_options *opt, const struct tep_frame *in,
                           size_t chunk)
{
    struct result r = run_step(&tep_prep_clean_ops, opt, in, chunk);
    return r;
}

static void check_samples(const struct tep_frame *f, const int *want, size_t n)
{
    CHECK_EQ_INT(f->nrows, n);
    for (size_t i = 0; i < n && i < f->nrows; i++) {
        CHECK_EQ_INT(f->sample[i], want[i]);
        CHECK(f->time_h[i] == want[i] / 20.0);
        CHECK(tep_frame_get(f, i, 1) == 50.0 + want[i]); /* values moved with their row */
    }
}

static void test_sort_within_chunk(void)
{
    const int arrive[] = {3, 1, 2, 5, 4, 6};
    const int want[] = {1, 2, 3, 4, 5, 6};
    struct tep_frame *in = run_from_samples("sort", arrive, 6);
    struct tep_prep_clean_options opt;
    tep_prep_clean_options_init(&opt);
    struct result r = run_clean(&opt, in, 6);
    CHECK_MSG(r.rc == 0, "%s", r.err.message);
    check_samples(r.out, want, 6);
    /* arrivals earlier than their predecessor: 1 (after 3) and 4 (after 5) */
    CHECK_EQ_INT(tep_prep_metrics_run_value(r.m, TEP_PREP_ROWS_REORDERED), 2);
    CHECK_EQ_INT(tep_prep_metrics_run_value(r.m, TEP_PREP_ROWS_IN), 6);
    CHECK_EQ_INT(tep_prep_metrics_run_value(r.m, TEP_PREP_ROWS_OUT), 6);
    result_free(&r);
    tep_frame_free(in);
}

static void test_reject_names_run_and_row(void)
{
    /* chunk 1 = samples 1..5, chunk 2 starts with sample 4 again (different values
     * would not matter: time 0.2 h < 0.25 h) */
    const int arrive[] = {1, 2, 3, 4, 5, 4, 6};
    struct tep_frame *in = run_from_samples("run-17", arrive, 7);
    in->cols[0].data[5] = 99; /* not an exact duplicate */
    struct tep_prep_clean_options opt;
    tep_prep_clean_options_init(&opt);
    struct result r = run_clean(&opt, in, 5);
    CHECK_EQ_INT(r.rc, -1);
    CHECK_EQ_INT(r.err.code, TEP_ERR_PARSE);
    CHECK_EQ_INT(r.err.line, 6);
    CHECK_MSG(strstr(r.err.message, "run 'run-17', row 6 (sample 4, time 0.2 h)") != NULL, "%s",
              r.err.message);
    CHECK_MSG(strstr(r.err.message, "previous row 5 at 0.25 h") != NULL, "%s", r.err.message);
    CHECK(strstr(r.err.message, "expected strictly increasing time") != NULL);
    result_free(&r);

    /* repair: the row is dropped and counted */
    opt.non_monotonic = TEP_PREP_TIME_REPAIR;
    r = run_clean(&opt, in, 5);
    CHECK_MSG(r.rc == 0, "%s", r.err.message);
    const int want[] = {1, 2, 3, 4, 5, 6};
    check_samples(r.out, want, 6);
    CHECK_EQ_INT(tep_prep_metrics_run_value(r.m, TEP_PREP_NON_MONOTONIC_TIME), 1);
    CHECK_EQ_INT(tep_prep_metrics_run_value(r.m, TEP_PREP_DUPLICATES_DROPPED), 0);
    result_free(&r);

    /* allow: kept and counted */
    opt.non_monotonic = TEP_PREP_TIME_ALLOW;
    r = run_clean(&opt, in, 5);
    CHECK_EQ_INT(r.out->nrows, 7);
    CHECK_EQ_INT(tep_prep_metrics_run_value(r.m, TEP_PREP_NON_MONOTONIC_TIME), 1);
    result_free(&r);
    tep_frame_free(in);
}

static void test_nan_time(void)
{
    const int arrive[] = {1, 2, 3, 4};
    struct tep_frame *in = run_from_samples("nan-time", arrive, 4);
    in->time_h[2] = NAN;
    struct tep_prep_clean_options opt;
    tep_prep_clean_options_init(&opt);
    opt.sort = false;
    struct result r = run_clean(&opt, in, 10);
    CHECK_EQ_INT(r.rc, -1);
    CHECK_EQ_INT(r.err.line, 3);
    CHECK(strstr(r.err.message, "time is missing (NaN)") != NULL);
    result_free(&r);
    opt.non_monotonic = TEP_PREP_TIME_REPAIR;
    r = run_clean(&opt, in, 10);
    const int want[] = {1, 2, 4};
    check_samples(r.out, want, 3);
    result_free(&r);
    /* with a reorder window the row is caught on arrival, not when it leaves */
    opt.sort = true;
    opt.reorder_window = 3;
    opt.non_monotonic = TEP_PREP_TIME_REJECT;
    r = run_clean(&opt, in, 1);
    CHECK_EQ_INT(r.rc, -1);
    CHECK_EQ_INT(r.err.line, 3);
    CHECK_EQ_INT(r.out->nrows, 0); /* failed while rows 1, 2 were still held */
    result_free(&r);
    opt.non_monotonic = TEP_PREP_TIME_REPAIR;
    r = run_clean(&opt, in, 1);
    check_samples(r.out, want, 3);
    CHECK_EQ_INT(tep_prep_metrics_run_value(r.m, TEP_PREP_NON_MONOTONIC_TIME), 1);
    result_free(&r);
    tep_frame_free(in);
}

static void test_reorder_window(void)
{
    /* sample 5 arrives 3 rows late; with a window of 3 it is put back in place,
     * whatever the chunk size */
    const int arrive[] = {1, 2, 3, 4, 6, 7, 8, 5, 9, 10, 12, 11, 13};
    const int want[] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13};
    struct tep_frame *in = run_from_samples("window", arrive, 13);
    struct tep_prep_clean_options opt;
    tep_prep_clean_options_init(&opt);
    opt.reorder_window = 3;
    size_t chunks[] = {1, 2, 7, 100};
    for (size_t c = 0; c < 4; c++) {
        struct result r = run_clean(&opt, in, chunks[c]);
        CHECK_MSG(r.rc == 0, "chunk %zu: %s", chunks[c], r.err.message);
        check_samples(r.out, want, 13);
        CHECK_EQ_INT(tep_prep_metrics_run_value(r.m, TEP_PREP_ROWS_REORDERED), 2);
        CHECK_EQ_INT(tep_prep_metrics_run_value(r.m, TEP_PREP_ROWS_OUT), 13);
        result_free(&r);
    }
    /* a row 4 rows late is beyond the window: rejected with its input row number */
    const int late[] = {1, 2, 3, 4, 6, 7, 8, 9, 5, 10};
    tep_frame_free(in);
    in = run_from_samples("window", late, 10);
    struct result r = run_clean(&opt, in, 1);
    CHECK_EQ_INT(r.rc, -1);
    CHECK_EQ_INT(r.err.line, 9);
    CHECK_MSG(strstr(r.err.message, "row 9 (sample 5") != NULL, "%s", r.err.message);
    result_free(&r);
    opt.non_monotonic = TEP_PREP_TIME_REPAIR;
    r = run_clean(&opt, in, 4);
    const int kept[] = {1, 2, 3, 4, 6, 7, 8, 9, 10};
    check_samples(r.out, kept, 9);
    CHECK_EQ_INT(tep_prep_metrics_run_value(r.m, TEP_PREP_NON_MONOTONIC_TIME), 1);
    result_free(&r);
    tep_frame_free(in);
}

static void test_duplicates(void)
{
    /* chunks of 8 rows. Exact duplicates: 3 (adjacent), 4 (arrives after 5 in
     * the same chunk: sorting makes it adjacent), 7 (across the chunk
     * boundary). Sample 10 appears twice with different values: not a
     * duplicate but non-monotonic (input row 13). */
    const int arrive[] = {1, 2, 3, 3, 4, 5, 4, 7, /**/ 7, 8, 9, 10, 10, 11};
    struct tep_frame *in = run_from_samples("dups", arrive, 14);
    in->cols[0].data[12] += 0.5;
    struct tep_prep_clean_options opt;
    tep_prep_clean_options_init(&opt);
    opt.non_monotonic = TEP_PREP_TIME_REPAIR;
    struct result r = run_clean(&opt, in, 8);
    CHECK_MSG(r.rc == 0, "%s", r.err.message);
    const int want[] = {1, 2, 3, 4, 5, 7, 8, 9, 10, 11};
    check_samples(r.out, want, 10);
    CHECK_EQ_INT(tep_prep_metrics_run_value(r.m, TEP_PREP_DUPLICATES_DROPPED), 3);
    CHECK_EQ_INT(tep_prep_metrics_run_value(r.m, TEP_PREP_NON_MONOTONIC_TIME), 1);
    CHECK(tep_frame_get(r.out, 8, 0) == 120 + 10 / 100.0); /* the first sample 10 is kept */
    result_free(&r);

    /* reject: the conflicting sample 10 is an error that says why */
    opt.non_monotonic = TEP_PREP_TIME_REJECT;
    r = run_clean(&opt, in, 8);
    CHECK_EQ_INT(r.rc, -1);
    CHECK_EQ_INT(r.err.line, 13);
    CHECK(strstr(r.err.message, "same time as the previous row but different values") != NULL);
    result_free(&r);

    /* dedupe off: exact duplicates are non-monotonic rows too */
    opt.dedupe = false;
    opt.non_monotonic = TEP_PREP_TIME_REPAIR;
    r = run_clean(&opt, in, 8);
    check_samples(r.out, want, 10);
    CHECK_EQ_INT(tep_prep_metrics_run_value(r.m, TEP_PREP_DUPLICATES_DROPPED), 0);
    CHECK_EQ_INT(tep_prep_metrics_run_value(r.m, TEP_PREP_NON_MONOTONIC_TIME), 4);
    result_free(&r);
    tep_frame_free(in);
}

static void test_range_check(void)
{
    const int arrive[] = {1, 2, 3, 4, 5};
    struct tep_frame *in = run_from_samples("range", arrive, 5);
    const struct tep_var_info *t9 = &tep_catalog[tep_xmeas_index(9)];
    in->cols[0].data[1] = t9->range_hi + 1; /* 176.06 > 175.06 */
    in->cols[0].data[3] = t9->range_lo - 1; /* below -0.06 */
    in->cols[0].data[4] = t9->range_hi;     /* on the bound: fine */
    in->cols[1].data[2] = 110.5;            /* valve command beyond 110 % */
    in->cols[1].data[0] = NAN;              /* missing is not a violation */
    struct tep_prep_clean_options opt;
    tep_prep_clean_options_init(&opt);
    struct result r = run_clean(&opt, in, 2);
    CHECK_EQ_INT(tep_prep_metrics_col_value(r.m, "xmeas_9", TEP_PREP_RANGE_VIOLATIONS), 2);
    CHECK_EQ_INT(tep_prep_metrics_col_value(r.m, "xmv_1", TEP_PREP_RANGE_VIOLATIONS), 1);
    CHECK_EQ_INT(tep_prep_metrics_col_value(r.m, "extra", TEP_PREP_RANGE_VIOLATIONS), 0);
    CHECK_EQ_INT(tep_prep_metrics_col_value(r.m, NULL, TEP_PREP_RANGE_VIOLATIONS), 3);
    CHECK_EQ_INT(tep_prep_metrics_col_value(r.m, NULL, TEP_PREP_RANGE_SET_MISSING), 0);
    CHECK(tep_frame_get(r.out, 1, 0) == t9->range_hi + 1); /* flag only: value kept */
    result_free(&r);

    opt.range_action = TEP_PREP_RANGE_ACTION_SET_MISSING;
    r = run_clean(&opt, in, 2);
    CHECK(isnan(tep_frame_get(r.out, 1, 0)));
    CHECK(isnan(tep_frame_get(r.out, 3, 0)));
    CHECK(tep_frame_get(r.out, 4, 0) == t9->range_hi);
    CHECK(isnan(tep_frame_get(r.out, 2, 1)));
    CHECK(tep_frame_get(r.out, 0, 2) == 1e9);
    CHECK_EQ_INT(tep_prep_metrics_col_value(r.m, NULL, TEP_PREP_RANGE_SET_MISSING), 3);
    result_free(&r);
    tep_frame_free(in);
}

static void test_bad_input(void)
{
    struct tep_error err;
    tep_error_clear(&err);
    struct tep_prep_clean_options opt;
    tep_prep_clean_options_init(&opt);
    opt.reorder_window = -2;
    CHECK(tep_prep_clean_new(&opt, &err) == NULL);
    CHECK(strstr(err.message, "clean.reorder_window") != NULL);

    tep_prep_clean_options_init(&opt);
    struct tep_prep_clean *c = tep_prep_clean_new(&opt, &err);
    const int s[] = {1, 2};
    struct tep_frame *a = run_from_samples("a", s, 2);
    struct tep_frame *b = run_from_samples("b", s, 2);
    CHECK(tep_prep_clean_process(c, a, NULL, &err) == -1); /* before begin_run */
    CHECK(tep_prep_clean_begin_run(c, a, &err) == 0);
    CHECK(tep_prep_clean_process(c, b, NULL, &err) == -1); /* another run's chunk */
    CHECK(strstr(err.message, "chunk of run 'b' arrived while run 'a' is open") != NULL);
    CHECK(tep_prep_clean_process(c, a, NULL, &err) == 0);
    tep_prep_clean_free(c);
    tep_frame_free(a);
    tep_frame_free(b);
}

int main(void)
{
    RUN(test_sort_within_chunk);
    RUN(test_reject_names_run_and_row);
    RUN(test_nan_time);
    RUN(test_reorder_window);
    RUN(test_duplicates);
    RUN(test_range_check);
    RUN(test_bad_input);
    CHECK_DONE();
}
