/* prep_fixture.h - shared by the preprocessing tests: run one step over a whole
 * in-memory run in chunks of a given size, collecting its output and metrics;
 * configure a step from YAML text as config.yaml would. */
#ifndef TEP_TESTS_PREP_FIXTURE_H
#define TEP_TESTS_PREP_FIXTURE_H

#include <math.h>
#include <stdbool.h>

#include "core/config.h"
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

/* Fill `opt` (an options struct of `ops`) from `yaml`, the step's mapping as
 * config.yaml gives it under "- name:" ("method: linear\nmax_gap: 10"); the
 * defaults first, then the keys given. Errors come from tep_config_apply, at
 * "step.yaml" line/column, with the key path "<step>.<key>". */
static inline int configure_step(const struct tep_prep_step_ops *ops, void *opt, const char *yaml,
                                 struct tep_error *err)
{
    struct tep_config cfg;
    tep_prep_options_init(ops, opt);
    if (tep_config_load_string(&cfg, "step.yaml", yaml, err) != 0) return -1;
    int rc = tep_config_apply(&cfg, tep_config_root(&cfg), ops->options, opt, ops->name, NULL, err);
    tep_config_free(&cfg);
    return rc;
}

/* An error as the CLI prints it: "file:line:column: message". */
static inline const char *located(const struct tep_error *err)
{
    static char buf[1600];
    return tep_error_format(err, buf, sizeof buf);
}

/* Equal, counting NaN equal to NaN. */
static inline bool same(double a, double b) { return a == b || (isnan(a) && isnan(b)); }

#endif
