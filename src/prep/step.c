/* step.c - the step registry, option tables and generic step handles (prep.h).
 *
 * tep_prep_option_set turns one config value given as text ("ffill", "10",
 * "[20, 50]", "mean, std") into the typed field described by the step's
 * option table, so a config loader needs no per-step code: it walks the
 * YAML mapping of a step and calls this once per key.
 */
#include "prep/prep.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "prep/prep_internal.h"

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

static const struct tep_prep_option *find_option(const struct tep_prep_step_ops *ops,
                                                 const char *key)
{
    for (const struct tep_prep_option *o = ops->options; o && o->key; o++)
        if (strcasecmp(o->key, key) == 0) return o;
    return NULL;
}

/* Split list text "[a, b c]" into words; calls `word` for each. */
static int for_each_word(const char *value, int (*word)(void *user, const char *w), void *user)
{
    char buf[TEP_PREP_COLUMNS_MAX];
    snprintf(buf, sizeof buf, "%s", value);
    for (char *save = NULL, *tok = strtok_r(buf, ", \t[]\"'", &save); tok;
         tok = strtok_r(NULL, ", \t[]\"'", &save)) {
        int rc = word(user, tok);
        if (rc) return rc;
    }
    return 0;
}

struct list_parse {
    const struct tep_prep_step_ops *ops;
    const struct tep_prep_option *opt;
    void *field;
    size_t count;
    unsigned flags;
    char *text; /* columns: normalised output */
    size_t text_len;
    struct tep_error *err;
};

static int parse_int(const char *s, long *out)
{
    char *end = NULL;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || end == s || *end) return -1;
    *out = v;
    return 0;
}

static int parse_double(const char *s, double *out)
{
    char *end = NULL;
    errno = 0;
    double v = strtod(s, &end);
    if (errno || end == s || *end || !isfinite(v)) return -1;
    *out = v;
    return 0;
}

static int list_word(void *user, const char *w)
{
    struct list_parse *lp = user;
    const struct tep_prep_option *o = lp->opt;
    switch (o->type) {
    case TEP_PREP_OPT_FLAGS: {
        int i = prep_choice_index(o->choices, w);
        if (i < 0)
            return tep_error_set(lp->err, TEP_ERR_CONFIG,
                                 "%s.%s: unknown value '%s' (expected "
                                 "a list of: %s)",
                                 lp->ops->name, o->key, w, o->choices);
        lp->flags |= 1u << i;
        return 0;
    }
    case TEP_PREP_OPT_COLUMNS: {
        size_t len = strlen(w);
        if (lp->text_len + len + 2 > o->capacity)
            return tep_error_set(lp->err, TEP_ERR_CONFIG, "%s.%s: list longer than %zu bytes",
                                 lp->ops->name, o->key, o->capacity - 1);
        if (lp->text_len) lp->text[lp->text_len++] = ',';
        memcpy(lp->text + lp->text_len, w, len + 1);
        lp->text_len += len;
        return 0;
    }
    case TEP_PREP_OPT_INT_LIST:
    case TEP_PREP_OPT_DOUBLE_LIST: {
        if (lp->count == o->capacity)
            return tep_error_set(lp->err, TEP_ERR_CONFIG, "%s.%s: more than %zu values",
                                 lp->ops->name, o->key, o->capacity);
        if (o->type == TEP_PREP_OPT_INT_LIST) {
            long v;
            if (parse_int(w, &v) != 0 || v < 1 || v > 1000000)
                return tep_error_set(lp->err, TEP_ERR_CONFIG,
                                     "%s.%s: '%s' is not a whole "
                                     "number in 1..1000000",
                                     lp->ops->name, o->key, w);
            ((int *)lp->field)[lp->count++] = (int)v;
        } else {
            double v;
            if (parse_double(w, &v) != 0)
                return tep_error_set(lp->err, TEP_ERR_CONFIG, "%s.%s: '%s' is not a number",
                                     lp->ops->name, o->key, w);
            ((double *)lp->field)[lp->count++] = v;
        }
        return 0;
    }
    default:
        return tep_error_set(lp->err, TEP_ERR_INTERNAL, "list_word: bad option type");
    }
}

int tep_prep_option_set(const struct tep_prep_step_ops *ops, void *options, const char *key,
                        const char *value, struct tep_error *err)
{
    const struct tep_prep_option *o = find_option(ops, key);
    if (!o) {
        char known[512] = "";
        size_t n = 0;
        for (const struct tep_prep_option *p = ops->options; p && p->key; p++)
            n += (size_t)snprintf(known + n, n < sizeof known ? sizeof known - n : 0, "%s%s",
                                  n ? ", " : "", p->key);
        return tep_error_set(err, TEP_ERR_CONFIG, "%s: unknown option '%s' (expected one of: %s)",
                             ops->name, key, known);
    }
    void *field = (char *)options + o->offset;
    switch (o->type) {
    case TEP_PREP_OPT_BOOL: {
        int i = prep_choice_index("false|true|no|yes|off|on|0|1", value);
        if (i < 0)
            return tep_error_set(err, TEP_ERR_CONFIG, "%s.%s: '%s' is not true or false", ops->name,
                                 key, value);
        *(bool *)field = (i % 2) == 1;
        return 0;
    }
    case TEP_PREP_OPT_INT: {
        long v;
        if (parse_int(value, &v) != 0 || v < 0 || v > 100000000)
            return tep_error_set(err, TEP_ERR_CONFIG,
                                 "%s.%s: '%s' is not a whole number in 0..100000000", ops->name,
                                 key, value);
        *(int *)field = (int)v;
        return 0;
    }
    case TEP_PREP_OPT_DOUBLE: {
        double v;
        if (parse_double(value, &v) != 0)
            return tep_error_set(err, TEP_ERR_CONFIG, "%s.%s: '%s' is not a finite number",
                                 ops->name, key, value);
        *(double *)field = v;
        return 0;
    }
    case TEP_PREP_OPT_ENUM: {
        int i = prep_choice_index(o->choices, value);
        if (i < 0)
            return tep_error_set(err, TEP_ERR_CONFIG,
                                 "%s.%s: unknown value '%s' (expected one "
                                 "of: %s)",
                                 ops->name, key, value, o->choices);
        *(int *)field = i;
        return 0;
    }
    case TEP_PREP_OPT_STRING:
        if (strlen(value) >= o->capacity)
            return tep_error_set(err, TEP_ERR_CONFIG, "%s.%s: value longer than %zu bytes",
                                 ops->name, key, o->capacity - 1);
        memcpy(field, value, strlen(value) + 1);
        return 0;
    case TEP_PREP_OPT_FLAGS:
    case TEP_PREP_OPT_COLUMNS:
    case TEP_PREP_OPT_INT_LIST:
    case TEP_PREP_OPT_DOUBLE_LIST: {
        char text[TEP_PREP_COLUMNS_MAX] = "";
        struct list_parse lp = {.ops = ops, .opt = o, .field = field, .text = text, .err = err};
        if (strlen(value) >= sizeof text)
            return tep_error_set(err, TEP_ERR_CONFIG, "%s.%s: value longer than %zu bytes",
                                 ops->name, key, sizeof text - 1);
        if (for_each_word(value, list_word, &lp) != 0) return -1;
        if (o->type == TEP_PREP_OPT_FLAGS) *(unsigned *)field = lp.flags;
        if (o->type == TEP_PREP_OPT_COLUMNS) memcpy(field, text, lp.text_len + 1);
        if (o->type == TEP_PREP_OPT_INT_LIST || o->type == TEP_PREP_OPT_DOUBLE_LIST)
            *(size_t *)((char *)options + o->count_offset) = lp.count;
        return 0;
    }
    }
    return tep_error_set(err, TEP_ERR_INTERNAL, "%s.%s: unknown option type", ops->name, key);
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
        ops->options_init(defaults);
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
