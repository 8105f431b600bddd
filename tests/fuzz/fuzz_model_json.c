/* fuzz_model_json.c - libFuzzer target: PCA model files (src/analysis/model_json.c),
 * as `tep analyze --model FILE` reads them.
 *
 * Input: the JSON text. tep_pca_model_from_json() parses it (jansson) and maps and
 * checks every field (shape, finite values, std > 0, descending eigenvalues,
 * limits). A model it accepts must be usable and stable: it scores a few rows
 * without a sanitizer report, and written back as JSON it loads again to exactly
 * the same model (every array bit for bit).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/pca.h"

static void fail(const char *what)
{
    fprintf(stderr, "fuzz_model_json: %s\n", what);
    abort();
}

static int same_array(const double *a, const double *b, size_t n)
{
    return n == 0 || memcmp(a, b, n * sizeof *a) == 0;
}

static void check_round_trip(const struct tep_pca_model *m)
{
    struct tep_error err;
    char *text = tep_pca_model_to_json(m, &err);
    if (!text) fail("an accepted model cannot be written");
    struct tep_pca_model *again = NULL;
    if (tep_pca_model_from_json(text, &again, &err) != 0) {
        fprintf(stderr, "%s\n%s\n", err.message, text);
        fail("a written model does not load");
    }
    if (again->nvars != m->nvars || again->lags != m->lags || again->dim != m->dim ||
        again->ncomp != m->ncomp || again->ntrain != m->ntrain || again->rule != m->rule ||
        memcmp(&again->confidence, &m->confidence, sizeof m->confidence) != 0 ||
        memcmp(&again->t2_limit, &m->t2_limit, sizeof m->t2_limit) != 0 ||
        memcmp(&again->q_limit, &m->q_limit, sizeof m->q_limit) != 0 ||
        !same_array(again->mean, m->mean, m->dim) || !same_array(again->std, m->std, m->dim) ||
        !same_array(again->eigenvalues, m->eigenvalues, m->dim) ||
        !same_array(again->loadings, m->loadings, m->dim * m->ncomp) ||
        (again->var_names == NULL) != (m->var_names == NULL))
        fail("the model changes through a round trip");
    for (size_t i = 0; m->var_names && i < m->nvars; i++)
        if (strcmp(again->var_names[i], m->var_names[i]) != 0) fail("a name changes");
    tep_pca_model_free(again);
    free(text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    if (!text) abort();
    memcpy(text, data, size);
    text[size] = '\0';
    struct tep_pca_model *m = NULL;
    struct tep_error err;
    tep_error_clear(&err);
    int rc = tep_pca_model_from_json(text, &m, &err);
    free(text);
    if (rc != 0) {
        if (m) fail("a model returned with an error");
        if (err.code == TEP_OK || !err.message[0]) fail("an error without a message");
        return 0;
    }
    if (m->dim > 4096 || m->nvars > 4096) { /* the harness' own memory for scoring */
        tep_pca_model_free(m);
        return 0;
    }
    size_t rows = m->lags + 2;
    double *x = calloc(rows * m->nvars + 1, sizeof *x);
    double t2[130], q[130];
    if (!x) abort();
    if (rows <= 130) tep_pca_score(m, x, rows, t2, q, &err);
    free(x);
    check_round_trip(m);
    tep_pca_model_free(m);
    return 0;
}
