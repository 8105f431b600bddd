/* step.c - the step registry and generic step handles (prep.h).
 *
 * A step's options are described by its table of struct tep_cfg_key, so the
 * config loader needs no per-step code: tep_config_apply reads a step's YAML
 * mapping into its options struct, and the defaults come from the same table.
 */
#include "prep/prep.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const struct tep_prep_step_ops *const all_steps[] = {
    &tep_prep_clean_ops,     &tep_prep_missing_ops,  &tep_prep_outliers_ops,
    &tep_prep_normalize_ops, &tep_prep_features_ops,
};

const struct tep_prep_step_ops *tep_prep_step_lookup(const char *name)
{
    for (size_t i = 0; i < sizeof all_steps / sizeof all_steps[0]; i++)
        if (strcasecmp(all_steps[i]->name, name) == 0) return all_steps[i];
    return NULL;
}

void tep_prep_options_init(const struct tep_prep_step_ops *ops, void *options)
{
    memset(options, 0, ops->options_size);
    /* a default that does not parse is a bug in the table, caught by the tests */
    tep_config_defaults(ops->options, options, NULL);
}

struct tep_prep_step *tep_prep_step_new(const struct tep_prep_step_ops *ops, const void *options,
                                        struct tep_error *err)
{
    void *defaults = NULL;
    struct tep_prep_step *step = calloc(1, sizeof *step);
    if (!step) {
        tep_error_set(err, TEP_ERR_NOMEM, "out of memory creating step '%s'", ops->name);
        goto fail;
    }
    if (!options) {
        defaults = calloc(1, ops->options_size);
        if (!defaults) {
            tep_error_set(err, TEP_ERR_NOMEM, "out of memory creating step '%s'", ops->name);
            goto fail;
        }
        tep_prep_options_init(ops, defaults);
        options = defaults;
    }
    step->ops = ops;
    step->ctx = ops->create(options, err);
    if (!step->ctx) goto fail;
    free(defaults);
    return step;
fail:
    free(defaults);
    free(step);
    return NULL;
}

void tep_prep_step_free(struct tep_prep_step *step)
{
    if (!step) return;
    step->ops->destroy(step->ctx);
    free(step);
}
