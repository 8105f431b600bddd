/* prep_fixture.h - shared by the preprocessing tests: run one step over a whole
 * in-memory run in chunks of a given size, collecting its output and metrics. */
#ifndef TEP_TESTS_PREP_FIXTURE_H
#define TEP_TESTS_PREP_FIXTURE_H

#include <math.h>
#include <stdbool.h>

#include "prep/prep.h"

struct result {
    int rc;
    struct tep_error err;
    struct tep_frame *out;
    struct tep_prep_metrics *m;
};

/* `in` through a chain holding only the step `ops` with options `opt`, `chunk` rows at a
 * time; rc and err say how it went (the caller checks). */
static inline struct result run_step(const struct tep_prep_step_ops *ops, const void *opt,
                                     const struct tep_frame *in, size_t chunk)
{
    struct result r = {0};
    tep_error_clear(&r.err);
    struct tep_prep_chain *chain = tep_prep_chain_new(&r.err);
    r.out = tep_frame_new(1);
    r.m = tep_prep_metrics_new(in->run_id, &r.err);
    r.rc = tep_prep_chain_add(chain, ops, opt, &r.err);
    if (r.rc == 0) r.rc = tep_prep_chain_run_frame(chain, in, chunk, r.out, r.m, &r.err);
    tep_prep_chain_free(chain);
    return r;
}

static inline void result_free(struct result *r)
{
    tep_frame_free(r->out);
    tep_prep_metrics_free(r->m);
}

/* Equal, counting NaN equal to NaN. */
static inline bool same(double a, double b) { return a == b || (isnan(a) && isnan(b)); }

#endif
