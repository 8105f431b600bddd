/* prep_stage.c - the preprocessing chain as a pipeline filter (see prep_stage.h). */
#include "prep/prep_stage.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/log.h"
#include "prep/outliers.h"
#include "prep/scaler.h"

#define MAX_STEPS 16

struct step_spec {
    const struct tep_prep_step_ops *ops;
    void *options; /* ops->options_size bytes */
};

struct prep_stage_options {
    bool normalize;       /* short form: add normalize {zscore, fit on normal} */
    bool remove_outliers; /* short form: add outliers {mad, 6, clip} */
    char model[TEP_CFG_STRING_MAX];
    bool refit;
};

struct prep_stage_ctx {
    struct step_spec steps[MAX_STEPS];
    size_t nsteps;
    int first_model_user;              /* index of the first step needing the model, or -1 */
    char model_path[TEP_CFG_STRING_MAX];
    struct tep_prep_scaler *scaler;    /* loaded or fitted model */
    bool needs_fit;
    struct tep_prep_chain *chain;      /* the run chain (built once the model is known) */
    bool run_begun;
    struct tep_prep_chain *fit_chain;  /* fit pass: the steps before the first model user */
};

static const struct tep_cfg_key prep_keys[] = {
    {"normalize", TEP_CFG_BOOL, "false", offsetof(struct prep_stage_options, normalize),
     "short form: z-score scaling with statistics of normal operation (when no steps are given)",
     NULL, TEP_CFG_UNBOUNDED},
    {"remove_outliers", TEP_CFG_BOOL, "false", offsetof(struct prep_stage_options, remove_outliers),
     "short form: clip values beyond 6 robust sigmas (median/MAD of normal operation)", NULL,
     TEP_CFG_UNBOUNDED},
    {"model", TEP_CFG_STRING, "", offsetof(struct prep_stage_options, model),
     "normal-operation statistics file (JSON); default <data.output_dir>/scaler.json. Loaded "
     "when it exists, else fitted on this run's normal data and saved",
     NULL, TEP_CFG_UNBOUNDED},
    {"refit", TEP_CFG_BOOL, "false", offsetof(struct prep_stage_options, refit),
     "fit the model again even when the model file exists", NULL, TEP_CFG_UNBOUNDED},
    {NULL, 0, NULL, 0, NULL, NULL, 0, 0},
};

static struct prep_stage_ctx *ctx_of(struct tep_stage *stage, struct tep_error *err)
{
    if (!stage->ctx) {
        stage->ctx = calloc(1, sizeof(struct prep_stage_ctx));
        if (!stage->ctx) tep_error_set(err, TEP_ERR_NOMEM, "out of memory");
    }
    return stage->ctx;
}

static int add_step(struct prep_stage_ctx *c, const struct tep_prep_step_ops *ops,
                    struct tep_error *err)
{
    if (c->nsteps == MAX_STEPS)
        return tep_error_set(err, TEP_ERR_CONFIG, "preprocessing: at most %d steps", MAX_STEPS);
    void *opts = calloc(1, ops->options_size);
    if (!opts) return tep_error_set(err, TEP_ERR_NOMEM, "out of memory");
    tep_prep_options_init(ops, opts);
    c->steps[c->nsteps].ops = ops;
    c->steps[c->nsteps].options = opts;
    c->nsteps++;
    return 0;
}

static int configure_step(struct tep_config *cfg, struct prep_stage_ctx *c, yaml_node_t *item,
                          size_t index, struct tep_error *err)
{
    if (item->type != YAML_MAPPING_NODE ||
        item->data.mapping.pairs.top - item->data.mapping.pairs.start != 1)
        return tep_config_error_at(cfg, item, err,
                                   "preprocessing.steps[%zu]: expected one step, written as "
                                   "'- name: {options}' (clean, missing, outliers, normalize, "
                                   "features)",
                                   index);
    yaml_node_pair_t *pair = item->data.mapping.pairs.start;
    yaml_node_t *knode = yaml_document_get_node(&cfg->doc, pair->key);
    yaml_node_t *vnode = yaml_document_get_node(&cfg->doc, pair->value);
    const char *name = tep_config_scalar(knode);
    const struct tep_prep_step_ops *ops = name ? tep_prep_step_lookup(name) : NULL;
    if (!ops)
        return tep_config_error_at(cfg, knode, err,
                                   "preprocessing.steps[%zu]: unknown step '%s' (expected clean, "
                                   "missing, outliers, normalize or features)",
                                   index, name ? name : "?");
    if (add_step(c, ops, err) != 0) return -1;
    /* "- clean:" (no mapping) keeps the defaults */
    char where[128];
    snprintf(where, sizeof where, "preprocessing.steps[%zu].%s", index, ops->name);
    return tep_config_apply(cfg, vnode, ops->options, c->steps[c->nsteps - 1].options, where, NULL,
                            err);
}

int tep_prep_stage_configure(struct tep_stage *stage, struct tep_config *cfg, yaml_node_t *section,
                             struct tep_error *err)
{
    struct prep_stage_options *o = stage->options;
    struct prep_stage_ctx *c = ctx_of(stage, err);
    if (!c) return -1;
    static const char *const handled[] = {"steps", NULL};
    if (tep_config_apply(cfg, section, prep_keys, o, "preprocessing", handled, err) != 0) return -1;
    yaml_node_t *steps = tep_config_child(cfg, section, "steps");
    if (steps) {
        if (steps->type != YAML_SEQUENCE_NODE)
            return tep_config_error_at(cfg, steps, err,
                                       "preprocessing.steps: expected a list of steps");
        for (size_t i = 0; i < tep_config_seq_len(steps); i++)
            if (configure_step(cfg, c, tep_config_seq_item(cfg, steps, i), i, err) != 0) return -1;
    }
    bool has_normalize = false, has_outliers = false;
    for (size_t i = 0; i < c->nsteps; i++) {
        if (c->steps[i].ops == &tep_prep_normalize_ops) has_normalize = true;
        if (c->steps[i].ops == &tep_prep_outliers_ops) has_outliers = true;
    }
    /* the design's short form: a default chain when no steps are listed */
    if (!steps && (o->normalize || o->remove_outliers)) {
        if (add_step(c, &tep_prep_clean_ops, err) || add_step(c, &tep_prep_missing_ops, err))
            return -1;
    }
    if (o->remove_outliers && !has_outliers && add_step(c, &tep_prep_outliers_ops, err)) return -1;
    if (o->normalize && !has_normalize && add_step(c, &tep_prep_normalize_ops, err)) return -1;
    return 0;
}

/* Does step i read the normal-operation model? */
static bool uses_model(const struct step_spec *s)
{
    if (s->ops == &tep_prep_outliers_ops) {
        const struct tep_prep_outliers_options *o = s->options;
        return (o->method == TEP_PREP_OUTLIER_ZSCORE || o->method == TEP_PREP_OUTLIER_MAD) &&
               !o->model[0];
    }
    if (s->ops == &tep_prep_normalize_ops) {
        const struct tep_prep_normalize_options *o = s->options;
        return o->mode == TEP_PREP_NORMALIZE_APPLY && !o->model[0];
    }
    return false;
}

static int prep_init(struct tep_stage *stage, struct tep_error *err)
{
    struct prep_stage_options *o = stage->options;
    struct prep_stage_ctx *c = ctx_of(stage, err);
    if (!c) return -1;
    c->first_model_user = -1;
    for (size_t i = 0; i < c->nsteps; i++)
        if (uses_model(&c->steps[i])) {
            c->first_model_user = (int)i;
            break;
        }
    if (o->model[0])
        snprintf(c->model_path, sizeof c->model_path, "%s", o->model);
    else
        snprintf(c->model_path, sizeof c->model_path, "%s/scaler.json",
                 stage->env && stage->env->output_dir[0] ? stage->env->output_dir : ".");
    if (c->first_model_user < 0) return 0;
    if (!o->refit && access(c->model_path, R_OK) == 0) {
        c->scaler = tep_prep_scaler_load(c->model_path, err);
        if (!c->scaler) return -1;
        tep_info("prep", "using the normal-operation model %s", c->model_path);
    } else {
        c->needs_fit = true;
    }
    return 0;
}

bool tep_prep_stage_needs_fit(const struct tep_stage *stage)
{
    const struct prep_stage_ctx *c = stage->ctx;
    return c && c->needs_fit;
}

const char *tep_prep_stage_model_path(const struct tep_stage *stage)
{
    const struct prep_stage_ctx *c = stage->ctx;
    return c && c->first_model_user >= 0 ? c->model_path : NULL;
}

int tep_prep_stage_fit_begin(struct tep_stage *stage, struct tep_error *err)
{
    struct prep_stage_ctx *c = stage->ctx;
    struct tep_prep_fit_options fo;
    tep_prep_fit_options_init(&fo);
    for (size_t i = 0; i < c->nsteps; i++)
        if (c->steps[i].ops == &tep_prep_normalize_ops) {
            const struct tep_prep_normalize_options *no = c->steps[i].options;
            fo.method = no->method;
            fo.fit_on = no->fit_on;
            snprintf(fo.reference_run, sizeof fo.reference_run, "%s", no->reference_run);
            snprintf(fo.columns, sizeof fo.columns, "%s", no->columns);
            if (no->robust_buffer > 0) fo.robust_buffer = no->robust_buffer;
            break;
        }
    c->scaler = tep_prep_scaler_new(&fo, err);
    if (!c->scaler) return -1;
    c->fit_chain = tep_prep_chain_new(err);
    if (!c->fit_chain) return -1;
    for (int i = 0; i < c->first_model_user; i++)
        if (tep_prep_chain_add(c->fit_chain, c->steps[i].ops, c->steps[i].options, err) != 0)
            return -1;
    return 0;
}

int tep_prep_stage_fit_begin_run(struct tep_stage *stage, const struct tep_frame *schema,
                                 struct tep_error *err)
{
    struct prep_stage_ctx *c = stage->ctx;
    return tep_prep_chain_begin_run(c->fit_chain, schema, NULL, err);
}

int tep_prep_stage_fit_prepare(struct tep_stage *stage, struct tep_frame *chunk,
                               struct tep_error *err)
{
    struct prep_stage_ctx *c = stage->ctx;
    return tep_prep_chain_process(c->fit_chain, chunk, NULL, err);
}

int tep_prep_stage_fit_accumulate(struct tep_stage *stage, const struct tep_frame *chunk,
                                  struct tep_error *err)
{
    struct prep_stage_ctx *c = stage->ctx;
    if (chunk->nrows == 0) return 0;
    return tep_prep_scaler_fit_chunk(c->scaler, chunk, err);
}

int tep_prep_stage_fit_end_run(struct tep_stage *stage, struct tep_frame *tail,
                               struct tep_error *err)
{
    struct prep_stage_ctx *c = stage->ctx;
    return tep_prep_chain_end_run(c->fit_chain, tail, NULL, err);
}

int tep_prep_stage_fit_finish(struct tep_stage *stage, struct tep_error *err)
{
    struct prep_stage_ctx *c = stage->ctx;
    tep_prep_chain_free(c->fit_chain);
    c->fit_chain = NULL;
    if (tep_prep_scaler_fit_finish(c->scaler, err) != 0) {
        tep_error_prefix(err, "fitting the normal-operation model");
        return -1;
    }
    if (tep_prep_scaler_save(c->scaler, c->model_path, err) != 0) return -1;
    c->needs_fit = false;
    tep_info("prep", "fitted the normal-operation model on %llu rows -> %s",
             (unsigned long long)c->scaler->rows_used, c->model_path);
    return 0;
}

/* Build the run chain, pointing the model users at the shared model. */
static int build_chain(struct prep_stage_ctx *c, struct tep_error *err)
{
    c->chain = tep_prep_chain_new(err);
    if (!c->chain) return -1;
    for (size_t i = 0; i < c->nsteps; i++) {
        struct step_spec *s = &c->steps[i];
        if (uses_model(s)) {
            if (s->ops == &tep_prep_outliers_ops)
                ((struct tep_prep_outliers_options *)s->options)->stats = c->scaler;
            else
                ((struct tep_prep_normalize_options *)s->options)->scaler = c->scaler;
        }
        if (tep_prep_chain_add(c->chain, s->ops, s->options, err) != 0) return -1;
    }
    return 0;
}

static int prep_begin_run(struct tep_stage *stage, struct tep_run_meta *meta, struct tep_error *err)
{
    (void)meta;
    struct prep_stage_ctx *c = stage->ctx;
    if (c->needs_fit)
        return tep_error_set(err, TEP_ERR_INTERNAL, "preprocessing: the model was not fitted");
    if (!c->chain && build_chain(c, err) != 0) return -1;
    c->run_begun = false; /* the chain starts at the first chunk, which carries the schema */
    return 0;
}

static long prep_process(struct tep_stage *stage, struct tep_frame *frame,
                         struct tep_run_meta *meta, struct tep_error *err)
{
    struct prep_stage_ctx *c = stage->ctx;
    if (!c->run_begun) {
        if (tep_prep_chain_begin_run(c->chain, frame, NULL, err) != 0) return -1;
        c->run_begun = true;
    }
    if (tep_prep_chain_process(c->chain, frame, meta->quality, err) != 0) return -1;
    return (long)frame->nrows;
}

static int prep_end_run(struct tep_stage *stage, struct tep_run_meta *meta, struct tep_frame *tail,
                        struct tep_error *err)
{
    struct prep_stage_ctx *c = stage->ctx;
    if (!c->run_begun) return 0;
    c->run_begun = false;
    return tep_prep_chain_end_run(c->chain, tail, meta->quality, err);
}

static void prep_destroy(struct tep_stage *stage)
{
    struct prep_stage_ctx *c = stage->ctx;
    if (!c) return;
    for (size_t i = 0; i < c->nsteps; i++) free(c->steps[i].options);
    tep_prep_chain_free(c->chain);
    tep_prep_chain_free(c->fit_chain);
    tep_prep_scaler_free(c->scaler);
    free(c);
    stage->ctx = NULL;
}

void tep_prep_stage_describe(const struct tep_stage *stage, char *buf, size_t n)
{
    const struct prep_stage_ctx *c = stage->ctx;
    size_t used = 0;
    buf[0] = '\0';
    for (size_t i = 0; c && i < c->nsteps && used < n; i++)
        used += (size_t)snprintf(buf + used, n - used, "%s%s", i ? ", " : "", c->steps[i].ops->name);
    if (!buf[0]) snprintf(buf, n, "none");
}

void tep_prep_stage_print_help(FILE *out)
{
    tep_config_print_keys(out, "preprocessing", prep_keys);
    fprintf(out, "  preprocessing.steps                      a list of steps, run in order; each "
                 "'- name: {options}':\n");
    const struct tep_prep_step_ops *all[] = {&tep_prep_clean_ops, &tep_prep_missing_ops,
                                             &tep_prep_outliers_ops, &tep_prep_normalize_ops,
                                             &tep_prep_features_ops};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) {
        char section[64];
        snprintf(section, sizeof section, "preprocessing.steps[].%s", all[i]->name);
        fprintf(out, "  %-40s step: %s\n", section, all[i]->summary);
        tep_config_print_keys(out, section, all[i]->options);
    }
}

const struct tep_stage_plugin tep_prep_stage_plugin = {
    .name = "preprocessing",
    .description = "cleaning, missing values, outliers, normalization, features",
    .kind = TEP_STAGE_FILTER,
    .config_keys = prep_keys,
    .options_size = sizeof(struct prep_stage_options),
    .init = prep_init,
    .begin_run = prep_begin_run,
    .process = prep_process,
    .end_run = prep_end_run,
    .destroy = prep_destroy,
};
