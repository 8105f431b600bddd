/* model_json.c - PCA / DPCA model files as JSON (jansson).
 *
 * Layout (version 1): {"format": "tep-pca-model", "version": 1, "method": "pca" | "dpca",
 * "variables": [nvars names] or null, "lags", "components", "component_rule", "n_train",
 * "alpha" (the confidence level of the limits, e.g. 0.99, i.e. the alpha of F_alpha),
 * "limits": {"t2", "q"}, "mean", "std", "eigenvalues" (dim numbers each, dim = nvars (lags+1),
 * augmented column l*nvars + j = variable j lagged l samples), "loadings" (dim rows of
 * `components` numbers)}. Doubles are written with 17 significant digits and read back with
 * strtod, so a loaded model has the same bits and gives bit-identical scores.
 */
#include <errno.h>
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/atomic_file.h"
#include "pca.h"

#define MODEL_FORMAT "tep-pca-model"
#define MODEL_VERSION 1

static const char *rule_name(enum tep_pca_rule rule)
{
    switch (rule) {
    case TEP_PCA_RULE_VARIANCE: return "variance";
    case TEP_PCA_RULE_PARALLEL: return "parallel";
    default: return "fixed";
    }
}

/* Append n doubles to a new JSON array; NULL if out of memory. */
static json_t *number_array(const double *v, size_t n)
{
    json_t *arr = json_array();
    if (!arr) return NULL;
    for (size_t i = 0; i < n; i++)
        if (json_array_append_new(arr, json_real(v[i])) != 0) {
            json_decref(arr);
            return NULL;
        }
    return arr;
}

char *tep_pca_model_to_json(const struct tep_pca_model *m, struct tep_error *err)
{
    json_t *root = NULL, *names = NULL, *loadings = NULL, *limits = NULL;
    char *text = NULL;
    if (tep_pca_model_check(m, err) != 0) return NULL;
    root = json_object();
    if (!root) goto nomem;
    if (m->var_names) {
        names = json_array();
        if (!names) goto nomem;
        for (size_t j = 0; j < m->nvars; j++)
            if (json_array_append_new(names, json_string(m->var_names[j])) != 0) goto nomem;
    } else {
        names = json_null();
    }
    loadings = json_array();
    limits = json_object();
    if (!loadings || !limits) goto nomem;
    for (size_t i = 0; i < m->dim; i++)
        if (json_array_append_new(loadings, number_array(m->loadings + i * m->ncomp,
                                                         m->ncomp)) != 0)
            goto nomem;
    if (json_object_set_new(limits, "t2", json_real(m->t2_limit)) ||
        json_object_set_new(limits, "q", json_real(m->q_limit)))
        goto nomem;
    int bad = 0;
    bad |= json_object_set_new(root, "format", json_string(MODEL_FORMAT));
    bad |= json_object_set_new(root, "version", json_integer(MODEL_VERSION));
    bad |= json_object_set_new(root, "method", json_string(m->lags ? "dpca" : "pca"));
    bad |= json_object_set_new(root, "nvars", json_integer((json_int_t)m->nvars));
    bad |= json_object_set_new(root, "variables", names);
    names = NULL;
    bad |= json_object_set_new(root, "lags", json_integer((json_int_t)m->lags));
    bad |= json_object_set_new(root, "components", json_integer((json_int_t)m->ncomp));
    bad |= json_object_set_new(root, "component_rule", json_string(rule_name(m->rule)));
    bad |= json_object_set_new(root, "n_train", json_integer((json_int_t)m->ntrain));
    bad |= json_object_set_new(root, "alpha", json_real(m->confidence));
    bad |= json_object_set_new(root, "limits", limits);
    limits = NULL;
    bad |= json_object_set_new(root, "mean", number_array(m->mean, m->dim));
    bad |= json_object_set_new(root, "std", number_array(m->std, m->dim));
    bad |= json_object_set_new(root, "eigenvalues", number_array(m->eigenvalues, m->dim));
    bad |= json_object_set_new(root, "loadings", loadings);
    loadings = NULL;
    if (bad) goto nomem;
    text = json_dumps(root, JSON_INDENT(1) | JSON_REAL_PRECISION(17));
    if (!text) goto nomem;
    json_decref(root);
    return text;
nomem:
    json_decref(root);
    json_decref(names);
    json_decref(loadings);
    json_decref(limits);
    tep_error_set(err, TEP_ERR_NOMEM, "out of memory writing a PCA model as JSON");
    return NULL;
}

/* ---- reading: every accessor names the key it wanted and what it found ---- */

static int get_size(json_t *root, const char *key, size_t *out, struct tep_error *err)
{
    json_t *v = json_object_get(root, key);
    if (!json_is_integer(v) || json_integer_value(v) < 0)
        return tep_error_set(err, TEP_ERR_PARSE,
                             "model: key '%s' must be a non-negative integer%s", key,
                             v ? "" : " (missing)");
    *out = (size_t)json_integer_value(v);
    return 0;
}

static int get_number(json_t *obj, const char *key, double *out, struct tep_error *err)
{
    json_t *v = json_object_get(obj, key);
    if (!json_is_number(v))
        return tep_error_set(err, TEP_ERR_PARSE, "model: key '%s' must be a number%s", key,
                             v ? "" : " (missing)");
    *out = json_number_value(v);
    return 0;
}

/* `arr` must be an array of n items. */
static int check_length(json_t *arr, const char *what, size_t n, struct tep_error *err)
{
    if (json_is_array(arr) && json_array_size(arr) == n) return 0;
    return tep_error_set(err, TEP_ERR_PARSE,
                         "model: '%s' must be an array of %zu numbers (found %s of %zu)", what, n,
                         json_is_array(arr) ? "an array" : "no array",
                         json_is_array(arr) ? json_array_size(arr) : 0);
}

static int get_numbers(json_t *arr, const char *what, size_t n, double *out,
                       struct tep_error *err)
{
    if (check_length(arr, what, n, err)) return -1;
    for (size_t i = 0; i < n; i++) {
        json_t *v = json_array_get(arr, i);
        if (!json_is_number(v))
            return tep_error_set(err, TEP_ERR_PARSE, "model: '%s' entry %zu is not a number",
                                 what, i + 1);
        out[i] = json_number_value(v);
    }
    return 0;
}

static int parse_model(json_t *root, struct tep_pca_model **out, struct tep_error *err)
{
    struct tep_pca_model *m = NULL;
    if (!json_is_object(root))
        return tep_error_set(err, TEP_ERR_PARSE, "model: the top level must be a JSON object");
    const char *format = json_string_value(json_object_get(root, "format"));
    if (!format || strcmp(format, MODEL_FORMAT) != 0)
        return tep_error_set(err, TEP_ERR_PARSE, "model: key 'format' must be \"%s\" (found %s)",
                             MODEL_FORMAT, format ? format : "none");
    size_t version, nvars, lags, ncomp, ntrain;
    if (get_size(root, "version", &version, err) || get_size(root, "nvars", &nvars, err) ||
        get_size(root, "lags", &lags, err) || get_size(root, "components", &ncomp, err) ||
        get_size(root, "n_train", &ntrain, err))
        return -1;
    if (version != MODEL_VERSION)
        return tep_error_set(err, TEP_ERR_UNSUPPORTED,
                             "model: version %zu is not supported (this build reads %d)",
                             version, MODEL_VERSION);
    const char *method = json_string_value(json_object_get(root, "method"));
    if (!method || strcmp(method, lags ? "dpca" : "pca") != 0)
        return tep_error_set(err, TEP_ERR_PARSE,
                             "model: key 'method' must be \"%s\" for %zu lags (found %s)",
                             lags ? "dpca" : "pca", lags, method ? method : "none");
    if (nvars == 0 || ncomp == 0 || lags > 1000)
        return tep_error_set(err, TEP_ERR_PARSE,
                             "model: nvars (%zu) and components (%zu) must be >= 1, lags (%zu) "
                             "<= 1000",
                             nvars, ncomp, lags);
    /* The file must hold every value of the shape it claims before the shape is allocated:
     * a few bytes claiming 400 million variables must not cost gigabytes (found by fuzzing). */
    if (nvars > SIZE_MAX / (lags + 1))
        return tep_error_set(err, TEP_ERR_PARSE, "model: %zu variables x %zu lags is too large",
                             nvars, lags);
    size_t dim = nvars * (lags + 1);
    json_t *loadings = json_object_get(root, "loadings");
    if (check_length(json_object_get(root, "mean"), "mean", dim, err) ||
        check_length(json_object_get(root, "std"), "std", dim, err) ||
        check_length(json_object_get(root, "eigenvalues"), "eigenvalues", dim, err))
        return -1;
    if (!json_is_array(loadings) || json_array_size(loadings) != dim)
        return tep_error_set(err, TEP_ERR_PARSE, "model: 'loadings' must be an array of %zu rows",
                             dim);
    for (size_t i = 0; i < dim; i++) {
        char what[64];
        snprintf(what, sizeof what, "loadings row %zu", i + 1);
        if (check_length(json_array_get(loadings, i), what, ncomp, err)) return -1;
    }
    m = tep_pca_model_new(nvars, lags, ncomp);
    if (!m)
        return tep_error_set(err, TEP_ERR_PARSE,
                             "model: shape %zu variables, %zu lags, %zu components is invalid "
                             "or too large",
                             nvars, lags, ncomp);
    m->ntrain = ntrain;
    const char *rule = json_string_value(json_object_get(root, "component_rule"));
    if (!rule) {
        tep_error_set(err, TEP_ERR_PARSE, "model: key 'component_rule' must be a string");
        goto fail;
    }
    if (strcmp(rule, "fixed") == 0)
        m->rule = TEP_PCA_RULE_FIXED;
    else if (strcmp(rule, "variance") == 0)
        m->rule = TEP_PCA_RULE_VARIANCE;
    else if (strcmp(rule, "parallel") == 0)
        m->rule = TEP_PCA_RULE_PARALLEL;
    else {
        tep_error_set(err, TEP_ERR_PARSE,
                      "model: component_rule '%s' is not fixed, variance or parallel", rule);
        goto fail;
    }
    json_t *limits = json_object_get(root, "limits");
    if (!json_is_object(limits)) {
        tep_error_set(err, TEP_ERR_PARSE, "model: key 'limits' must be an object {t2, q}");
        goto fail;
    }
    if (get_number(root, "alpha", &m->confidence, err) ||
        get_number(limits, "t2", &m->t2_limit, err) ||
        get_number(limits, "q", &m->q_limit, err) ||
        get_numbers(json_object_get(root, "mean"), "mean", m->dim, m->mean, err) ||
        get_numbers(json_object_get(root, "std"), "std", m->dim, m->std, err) ||
        get_numbers(json_object_get(root, "eigenvalues"), "eigenvalues", m->dim, m->eigenvalues,
                    err))
        goto fail;
    for (size_t i = 0; i < m->dim; i++) { /* lengths checked above */
        char what[64];
        snprintf(what, sizeof what, "loadings row %zu", i + 1);
        if (get_numbers(json_array_get(loadings, i), what, ncomp, m->loadings + i * ncomp, err))
            goto fail;
    }
    json_t *names = json_object_get(root, "variables");
    if (json_is_array(names)) {
        if (json_array_size(names) != nvars) {
            tep_error_set(err, TEP_ERR_PARSE, "model: 'variables' must list %zu names (found %zu)",
                          nvars, json_array_size(names));
            goto fail;
        }
        m->var_names = calloc(nvars, sizeof *m->var_names);
        if (!m->var_names) goto nomem;
        for (size_t j = 0; j < nvars; j++) {
            const char *s = json_string_value(json_array_get(names, j));
            if (!s || !*s) {
                tep_error_set(err, TEP_ERR_PARSE, "model: variable name %zu is not a non-empty "
                              "string", j + 1);
                goto fail;
            }
            if (!(m->var_names[j] = strdup(s))) goto nomem;
        }
    } else if (names && !json_is_null(names)) {
        tep_error_set(err, TEP_ERR_PARSE, "model: 'variables' must be an array of names or null");
        goto fail;
    }
    if (tep_pca_model_check(m, err) != 0) goto fail;
    *out = m;
    return 0;
nomem:
    tep_error_set(err, TEP_ERR_NOMEM, "out of memory reading a PCA model");
fail:
    tep_pca_model_free(m);
    return -1;
}

int tep_pca_model_from_json(const char *text, struct tep_pca_model **out,
                            struct tep_error *err)
{
    json_error_t jerr;
    if (!text || !out) return tep_error_set(err, TEP_ERR_ARG, "model: no JSON text");
    *out = NULL;
    json_t *root = json_loads(text, 0, &jerr);
    if (!root)
        return tep_error_set_at(err, TEP_ERR_PARSE, NULL, jerr.line, jerr.column,
                                "model JSON: %s", jerr.text);
    int rc = parse_model(root, out, err);
    json_decref(root);
    return rc;
}

int tep_pca_model_load(const char *path, struct tep_pca_model **out, struct tep_error *err)
{
    json_error_t jerr;
    if (!path || !out) return tep_error_set(err, TEP_ERR_ARG, "model: no path");
    *out = NULL;
    FILE *f = fopen(path, "rb");
    if (!f) return tep_error_set_errno(err, TEP_ERR_IO, "cannot open model file", path);
    json_t *root = json_loadf(f, 0, &jerr);
    fclose(f);
    if (!root)
        return tep_error_set_at(err, TEP_ERR_PARSE, path, jerr.line, jerr.column,
                                "model JSON: %s", jerr.text);
    int rc = parse_model(root, out, err);
    json_decref(root);
    if (rc != 0 && err && !err->file[0]) snprintf(err->file, sizeof err->file, "%s", path);
    return rc;
}

int tep_pca_model_save(const struct tep_pca_model *model, const char *path,
                       struct tep_error *err)
{
    struct tep_atomic_file out = {.fd = -1};
    if (!path) return tep_error_set(err, TEP_ERR_ARG, "model: no path");
    char *text = tep_pca_model_to_json(model, err);
    if (!text) return -1;
    if (tep_atomic_open(&out, path, 0, err) != 0) goto fail;
    if (fputs(text, out.file) == EOF || fputc('\n', out.file) == EOF) {
        tep_error_set_errno(err, TEP_ERR_IO, "cannot write model file", path);
        goto fail;
    }
    if (tep_atomic_commit(&out, err) != 0) goto fail;
    free(text);
    return 0;
fail:
    tep_atomic_discard(&out);
    free(text);
    return -1;
}
