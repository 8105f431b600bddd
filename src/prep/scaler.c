/* scaler.c - streaming fit, JSON save/load and application of scaling
 * statistics, and the normalize step built on them (see scaler.h).
 *
 * Mean and variance: Welford's update (B. P. Welford, "Note on a method for
 * calculating corrected sums of squares and products", Technometrics 4(3),
 * 1962), one value at a time, so any chunking gives the same result.
 * Median, MAD and quartiles: order statistics of the kept values found by
 * Hoare's selection (C. A. R. Hoare, "Algorithm 65: FIND", CACM 4(7), 1961),
 * O(n) on average; when a column has more values than the buffer holds, the
 * buffer is a reservoir sample (J. S. Vitter, "Random sampling with a
 * reservoir", ACM TOMS 11(1), 1985, Algorithm R) drawn with splitmix64
 * (Steele, Lea & Flood, OOPSLA 2014) from a fixed seed, so fits repeat.
 */
#include "prep/scaler.h"

#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/atomic_file.h"
#include "prep/prep_internal.h"

#define DEFAULT_ROBUST_BUFFER 200000
#define TEXT_(x) #x
#define TEXT(x) TEXT_(x) /* the digits of a macro's value, for a config default */

struct fit_column {
    size_t hint;     /* frame column index where it was last found */
    uint64_t n;      /* Welford count */
    double mean, m2; /* Welford running mean and sum of squared deviations */
    double min, max;
    double *buf; /* robust values: all of them, or a reservoir sample */
    size_t len, alloc;
    uint64_t seen; /* valid values offered to the buffer */
};

struct tep_prep_fit_state {
    struct tep_prep_fit_options opt;
    bool columns_fixed;
    struct fit_column *cols;
    uint64_t rng; /* splitmix64 state */
};

void tep_prep_fit_options_init(struct tep_prep_fit_options *opt)
{
    memset(opt, 0, sizeof *opt);
    opt->method = TEP_PREP_SCALE_ZSCORE;
    opt->fit_on = TEP_PREP_FIT_NORMAL;
    opt->robust_buffer = DEFAULT_ROBUST_BUFFER;
}

static uint64_t splitmix64(uint64_t *state)
{
    uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static void free_fit_state(struct tep_prep_fit_state *fit, size_t ncols)
{
    if (!fit) return;
    for (size_t i = 0; fit->cols && i < ncols; i++)
        free(fit->cols[i].buf);
    free(fit->cols);
    free(fit);
}

struct tep_prep_scaler *tep_prep_scaler_new(const struct tep_prep_fit_options *opt,
                                            struct tep_error *err)
{
    struct tep_prep_scaler *s = calloc(1, sizeof *s);
    if (!s) goto nomem;
    s->fit = calloc(1, sizeof *s->fit);
    if (!s->fit) goto nomem;
    if (opt->method < 0 || opt->method > TEP_PREP_SCALE_MAD || opt->fit_on < 0 ||
        opt->fit_on > TEP_PREP_FIT_RUN) {
        tep_error_set(err, TEP_ERR_ARG, "scaler: method %d / fit_on %d out of range", opt->method,
                      opt->fit_on);
        goto fail;
    }
    if (opt->fit_on == TEP_PREP_FIT_RUN && !opt->reference_run[0]) {
        tep_error_set(err, TEP_ERR_CONFIG,
                      "normalize.fit_on is 'run' but normalize.reference_run is empty (expected "
                      "the id of the run to fit on)");
        goto fail;
    }
    if (opt->robust_buffer < 1) {
        tep_error_set(err, TEP_ERR_CONFIG, "normalize.robust_buffer must be >= 1, got %ld",
                      opt->robust_buffer);
        goto fail;
    }
    s->fit->opt = *opt;
    s->fit->rng = 0x7e9d5eedULL;
    s->method = opt->method;
    s->fit_on = opt->fit_on;
    snprintf(s->reference_run, sizeof s->reference_run, "%s", opt->reference_run);
    return s;
nomem:
    tep_error_set(err, TEP_ERR_NOMEM, "out of memory creating a scaler");
fail:
    tep_prep_scaler_free(s);
    return NULL;
}

void tep_prep_scaler_free(struct tep_prep_scaler *s)
{
    if (!s) return;
    free_fit_state(s->fit, s->ncols);
    free(s->cols);
    free(s);
}

static int fix_columns(struct tep_prep_scaler *s, const struct tep_frame *chunk,
                       struct tep_error *err)
{
    int *idx = NULL;
    size_t n = 0;
    if (prep_select_columns("normalize", s->fit->opt.columns, chunk, true, &idx, &n, err) != 0)
        return -1;
    if (n == 0) {
        free(idx);
        return tep_error_set(err, TEP_ERR_CONFIG,
                             "normalize: run '%s' has no catalogue column to fit (name them in "
                             "normalize.columns)",
                             chunk->run_id);
    }
    s->cols = calloc(n, sizeof *s->cols);
    s->fit->cols = calloc(n, sizeof *s->fit->cols);
    if (!s->cols || !s->fit->cols) {
        free(idx);
        return tep_error_set(err, TEP_ERR_NOMEM, "out of memory fitting a scaler");
    }
    for (size_t i = 0; i < n; i++) {
        const struct tep_column *col = &chunk->cols[idx[i]];
        snprintf(s->cols[i].name, sizeof s->cols[i].name, "%s", col->name);
        s->cols[i].var = col->var;
        s->fit->cols[i].hint = (size_t)idx[i];
        s->fit->cols[i].min = INFINITY;
        s->fit->cols[i].max = -INFINITY;
    }
    s->ncols = n;
    s->fit->columns_fixed = true;
    free(idx);
    return 0;
}

static int find_with_hint(const struct tep_frame *f, const char *name, size_t *hint)
{
    if (*hint < f->ncols && strcmp(f->cols[*hint].name, name) == 0) return (int)*hint;
    int c = tep_frame_find(f, name);
    if (c >= 0) *hint = (size_t)c;
    return c;
}

static int reservoir_offer(struct tep_prep_fit_state *fit, struct fit_column *fc, double x)
{
    size_t cap = (size_t)fit->opt.robust_buffer;
    fc->seen++;
    if (fc->len < cap) {
        if (fc->len == fc->alloc) {
            size_t n = fc->alloc ? 2 * fc->alloc : 1024;
            if (n > cap) n = cap;
            double *b = realloc(fc->buf, n * sizeof *b);
            if (!b) return -1;
            fc->buf = b;
            fc->alloc = n;
        }
        fc->buf[fc->len++] = x;
        return 0;
    }
    uint64_t j = splitmix64(&fit->rng) % fc->seen;
    if (j < cap) fc->buf[j] = x;
    return 0;
}

int tep_prep_scaler_fit_chunk(struct tep_prep_scaler *s, const struct tep_frame *chunk,
                              struct tep_error *err)
{
    struct tep_prep_fit_state *fit = s->fit;
    if (!fit)
        return tep_error_set(err, TEP_ERR_ARG,
                             "scaler: fit_chunk after fit_finish (the model "
                             "is final)");
    if (fit->opt.fit_on == TEP_PREP_FIT_RUN && strcmp(chunk->run_id, fit->opt.reference_run) != 0)
        return 0;
    if (!fit->columns_fixed && fix_columns(s, chunk, err) != 0) return -1;
    const bool normal_only = fit->opt.fit_on == TEP_PREP_FIT_NORMAL;
    uint64_t used = 0;
    for (size_t r = 0; r < chunk->nrows; r++)
        used += !normal_only || chunk->fault[r] == 0;
    s->rows_used += used;
    if (used == 0) return 0;
    for (size_t i = 0; i < s->ncols; i++) {
        struct fit_column *fc = &fit->cols[i];
        int c = find_with_hint(chunk, s->cols[i].name, &fc->hint);
        if (c < 0)
            return tep_error_set(err, TEP_ERR_ARG,
                                 "normalize fit: run '%s' has no column '%s' (expected the "
                                 "columns of the first fitting chunk)",
                                 chunk->run_id, s->cols[i].name);
        const double *x = chunk->cols[c].data;
        for (size_t r = 0; r < chunk->nrows; r++) {
            double v = x[r];
            if (isnan(v) || (normal_only && chunk->fault[r] != 0)) continue;
            fc->n++;
            double d = v - fc->mean;
            fc->mean += d / (double)fc->n;
            fc->m2 += d * (v - fc->mean);
            if (v < fc->min) fc->min = v;
            if (v > fc->max) fc->max = v;
            if (reservoir_offer(fit, fc, v) != 0)
                return tep_error_set(err, TEP_ERR_NOMEM,
                                     "out of memory keeping robust-statistics values for '%s'",
                                     s->cols[i].name);
        }
    }
    return 0;
}

/* Hoare's FIND on a[lo..hi] (inclusive): rearrange it so that a[k] holds the
 * value that belongs there in sorted order, with smaller-or-equal values
 * before it and larger-or-equal after it (within [lo, hi]). */
static double select_range(double *a, size_t lo, size_t hi, size_t k)
{
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        double x = a[lo], y = a[mid], z = a[hi]; /* median of three as pivot */
        double pivot = x < y ? (y < z ? y : (x < z ? z : x)) : (x < z ? x : (y < z ? z : y));
        size_t i = lo, j = hi;
        while (i <= j) {
            while (a[i] < pivot)
                i++;
            while (a[j] > pivot)
                j--;
            if (i <= j) {
                double t = a[i];
                a[i] = a[j];
                a[j] = t;
                i++;
                if (j == 0) break;
                j--;
            }
        }
        if (k <= j) {
            hi = j;
        } else if (k >= i) {
            lo = i;
        } else {
            break; /* j < k < i: a[k] equals the pivot */
        }
    }
    return a[k];
}

static double min_range(const double *a, size_t lo, size_t hi)
{
    double m = a[lo];
    for (size_t i = lo + 1; i <= hi; i++)
        if (a[i] < m) m = a[i];
    return m;
}

static double max_range(const double *a, size_t lo, size_t hi)
{
    double m = a[lo];
    for (size_t i = lo + 1; i <= hi; i++)
        if (a[i] > m) m = a[i];
    return m;
}

/* Median of a[0..n) (mean of the two middle values when n is even). Leaves
 * a partitioned around index n/2. */
static double median_of(double *a, size_t n)
{
    size_t km = n / 2;
    double upper = select_range(a, 0, n - 1, km);
    if (n % 2) return upper;
    return (max_range(a, 0, km - 1) + upper) / 2;
}

/* Quantile p of a[0..n) by linear interpolation between order statistics
 * (Hyndman & Fan type 7), for `a` already partitioned around km = n/2 by
 * median_of: the order statistics needed are found within one half. */
static double quantile_of(double *a, size_t n, double p)
{
    const size_t km = n / 2;
    double h = (double)(n - 1) * p;
    size_t k = (size_t)floor(h);
    double xk, xk1;
    if (k < km) {
        xk = select_range(a, 0, km - 1, k);
        xk1 = min_range(a, k + 1, km); /* a[km] bounds the left half */
    } else {
        xk = k == km ? a[km] : select_range(a, km + 1, n - 1, k);
        if (k + 1 >= n) return xk;
        xk1 = min_range(a, k + 1, n - 1);
    }
    return xk + (h - (double)k) * (xk1 - xk);
}

int tep_prep_scaler_fit_finish(struct tep_prep_scaler *s, struct tep_error *err)
{
    struct tep_prep_fit_state *fit = s->fit;
    if (!fit) return 0;
    if ((!fit->columns_fixed || s->rows_used == 0) && fit->opt.fit_on == TEP_PREP_FIT_RUN)
        return tep_error_set(err, TEP_ERR_ARG,
                             "normalize fit: no row of reference run '%s' was seen",
                             fit->opt.reference_run);
    if (!fit->columns_fixed || s->rows_used == 0)
        return tep_error_set(err, TEP_ERR_ARG,
                             "normalize fit: no normal-operation row (fault == 0) was seen");
    for (size_t i = 0; i < s->ncols; i++) {
        struct fit_column *fc = &fit->cols[i];
        struct tep_prep_scaler_column *c = &s->cols[i];
        if (fc->n == 0)
            return tep_error_set(err, TEP_ERR_ARG,
                                 "normalize fit: column '%s' has no valid value in the %llu "
                                 "fitting rows",
                                 c->name, (unsigned long long)s->rows_used);
        c->count = fc->n;
        c->mean = fc->mean;
        c->std = fc->n > 1 ? sqrt(fc->m2 / (double)(fc->n - 1)) : 0.0;
        c->min = fc->min;
        c->max = fc->max;
        c->median = median_of(fc->buf, fc->len); /* partitions buf around len/2 */
        c->q1 = quantile_of(fc->buf, fc->len, 0.25);
        c->q3 = quantile_of(fc->buf, fc->len, 0.75);
        for (size_t k = 0; k < fc->len; k++)
            fc->buf[k] = fabs(fc->buf[k] - c->median);
        c->mad = median_of(fc->buf, fc->len);
        c->robust_exact = fc->seen == fc->len;
        c->robust_sample = fc->len;
    }
    free_fit_state(fit, s->ncols);
    s->fit = NULL;
    return 0;
}

const struct tep_prep_scaler_column *tep_prep_scaler_find(const struct tep_prep_scaler *s,
                                                          const char *name)
{
    for (size_t i = 0; i < s->ncols; i++)
        if (strcmp(s->cols[i].name, name) == 0) return &s->cols[i];
    return NULL;
}

void tep_prep_scaler_center_scale(const struct tep_prep_scaler_column *c, int method,
                                  double *center, double *scale)
{
    switch (method) {
    case TEP_PREP_SCALE_MINMAX:
        *center = c->min;
        *scale = c->max - c->min;
        break;
    case TEP_PREP_SCALE_ROBUST:
        *center = c->median;
        *scale = c->q3 - c->q1;
        break;
    case TEP_PREP_SCALE_MAD:
        *center = c->median;
        *scale = TEP_PREP_MAD_SCALE * c->mad;
        break;
    default:
        *center = c->mean;
        *scale = c->std;
        break;
    }
    if (!(*scale > 0) || !isfinite(*scale)) *scale = 1.0;
}

static int apply_either(const struct tep_prep_scaler *s, struct tep_frame *chunk, bool inverse,
                        struct tep_error *err)
{
    if (s->fit)
        return tep_error_set(err, TEP_ERR_ARG,
                             "scaler is not fitted yet (call tep_prep_scaler_fit_finish)");
    for (size_t i = 0; i < s->ncols; i++) {
        size_t hint = i;
        int c = find_with_hint(chunk, s->cols[i].name, &hint);
        if (c < 0)
            return tep_error_set(err, TEP_ERR_ARG,
                                 "normalize: run '%s' has no column '%s' (the scaler model "
                                 "expects it)",
                                 chunk->run_id, s->cols[i].name);
        double center, scale;
        tep_prep_scaler_center_scale(&s->cols[i], s->method, &center, &scale);
        double *x = chunk->cols[c].data;
        if (inverse) {
            for (size_t r = 0; r < chunk->nrows; r++)
                x[r] = x[r] * scale + center;
        } else {
            for (size_t r = 0; r < chunk->nrows; r++)
                x[r] = (x[r] - center) / scale;
        }
    }
    return 0;
}

int tep_prep_scaler_apply(const struct tep_prep_scaler *s, struct tep_frame *chunk,
                          struct tep_error *err)
{
    return apply_either(s, chunk, false, err);
}

int tep_prep_scaler_inverse(const struct tep_prep_scaler *s, struct tep_frame *chunk,
                            struct tep_error *err)
{
    return apply_either(s, chunk, true, err);
}

/* ------------------------------------------------------------------- JSON */

static const char *const method_names[] = {"zscore", "minmax", "robust", "mad"};
static const char *const fit_on_names[] = {"normal", "run"};

static json_t *json_double(double v)
{
    return isfinite(v) ? json_real(v) : json_null();
}

static int set_new(json_t *obj, const char *key, json_t *value)
{
    return value ? json_object_set_new(obj, key, value) : -1;
}

int tep_prep_scaler_save(const struct tep_prep_scaler *s, const char *path, struct tep_error *err)
{
    struct tep_atomic_file out = {.fd = -1};
    json_t *root = NULL, *cols = NULL;
    if (s->fit)
        return tep_error_set_at(err, TEP_ERR_ARG, path, 0, 0,
                                "cannot save a scaler that is still fitting (call "
                                "tep_prep_scaler_fit_finish first)");
    root = json_object();
    cols = json_array();
    if (!root || !cols) goto nomem;
    if (set_new(root, "format", json_string("tep-prep-scaler")) ||
        set_new(root, "version", json_integer(1)) ||
        set_new(root, "method", json_string(method_names[s->method])) ||
        set_new(root, "fit_on", json_string(fit_on_names[s->fit_on])) ||
        set_new(root, "reference_run", json_string(s->reference_run)) ||
        set_new(root, "rows_used", json_integer((json_int_t)s->rows_used)))
        goto nomem;
    for (size_t i = 0; i < s->ncols; i++) {
        const struct tep_prep_scaler_column *c = &s->cols[i];
        json_t *o = json_object();
        if (!o || json_array_append_new(cols, o)) goto nomem;
        if (set_new(o, "name", json_string(c->name)) || set_new(o, "var", json_integer(c->var)) ||
            set_new(o, "count", json_integer((json_int_t)c->count)) ||
            set_new(o, "mean", json_double(c->mean)) || set_new(o, "std", json_double(c->std)) ||
            set_new(o, "min", json_double(c->min)) || set_new(o, "max", json_double(c->max)) ||
            set_new(o, "median", json_double(c->median)) ||
            set_new(o, "mad", json_double(c->mad)) || set_new(o, "q1", json_double(c->q1)) ||
            set_new(o, "q3", json_double(c->q3)) ||
            set_new(o, "robust_exact", json_boolean(c->robust_exact)) ||
            set_new(o, "robust_sample", json_integer((json_int_t)c->robust_sample)))
            goto nomem;
    }
    if (json_object_set(root, "columns", cols)) goto nomem;
    if (tep_atomic_open(&out, path, 0, err) != 0) goto fail;
    if (json_dumpf(root, out.file, JSON_INDENT(2) | JSON_REAL_PRECISION(17)) != 0) {
        tep_error_set_errno(err, TEP_ERR_IO, "cannot write scaler model", path);
        goto fail;
    }
    if (tep_atomic_commit(&out, err) != 0) {
        tep_error_prefix(err, "scaler model");
        goto fail;
    }
    json_decref(cols);
    json_decref(root);
    return 0;
nomem:
    tep_error_set(err, TEP_ERR_NOMEM, "out of memory building the scaler model JSON");
fail:
    tep_atomic_discard(&out);
    json_decref(cols);
    json_decref(root);
    return -1;
}

/* Read a number field (null = NaN); -1 with an error naming the field. */
static int get_number(json_t *obj, const char *key, size_t index, const char *path, double *out,
                      struct tep_error *err)
{
    json_t *v = json_object_get(obj, key);
    if (json_is_null(v)) {
        *out = NAN;
        return 0;
    }
    if (!json_is_number(v))
        return tep_error_set_at(err, TEP_ERR_PARSE, path, 0, 0,
                                "scaler model: columns[%zu].%s is missing or not a number", index,
                                key);
    *out = json_number_value(v);
    return 0;
}

static int name_index(const char *const *names, size_t n, const char *s)
{
    for (size_t i = 0; s && i < n; i++)
        if (strcmp(names[i], s) == 0) return (int)i;
    return -1;
}

struct tep_prep_scaler *tep_prep_scaler_load(const char *path, struct tep_error *err)
{
    json_error_t jerr;
    struct tep_prep_scaler *s = NULL;
    json_t *root = json_load_file(path, 0, &jerr);
    if (!root) {
        tep_error_set_at(err, TEP_ERR_PARSE, path, jerr.line, jerr.column,
                         "cannot read scaler model: %s", jerr.text);
        return NULL;
    }
    s = calloc(1, sizeof *s);
    if (!s) {
        tep_error_set(err, TEP_ERR_NOMEM, "out of memory loading '%s'", path);
        goto fail;
    }
    const char *format = json_string_value(json_object_get(root, "format"));
    json_t *version = json_object_get(root, "version");
    if (!format || strcmp(format, "tep-prep-scaler") != 0 || !json_is_integer(version) ||
        json_integer_value(version) != 1) {
        tep_error_set_at(err, TEP_ERR_PARSE, path, 0, 0,
                         "not a scaler model (expected \"format\": \"tep-prep-scaler\", "
                         "\"version\": 1)");
        goto fail;
    }
    const char *method = json_string_value(json_object_get(root, "method"));
    const char *fit_on = json_string_value(json_object_get(root, "fit_on"));
    s->method = name_index(method_names, 4, method);
    s->fit_on = name_index(fit_on_names, 2, fit_on);
    if (s->method < 0 || s->fit_on < 0) {
        tep_error_set_at(err, TEP_ERR_PARSE, path, 0, 0,
                         "scaler model: method '%s' / fit_on '%s' unknown (expected %s / %s)",
                         method ? method : "(missing)", fit_on ? fit_on : "(missing)",
                         TEP_PREP_SCALE_CHOICES, TEP_PREP_FIT_ON_CHOICES);
        goto fail;
    }
    const char *ref = json_string_value(json_object_get(root, "reference_run"));
    snprintf(s->reference_run, sizeof s->reference_run, "%s", ref ? ref : "");
    json_t *rows = json_object_get(root, "rows_used");
    s->rows_used = json_is_integer(rows) ? (uint64_t)json_integer_value(rows) : 0;
    json_t *cols = json_object_get(root, "columns");
    if (!json_is_array(cols) || json_array_size(cols) == 0) {
        tep_error_set_at(err, TEP_ERR_PARSE, path, 0, 0,
                         "scaler model: \"columns\" is missing or empty (expected an array of "
                         "per-column statistics)");
        goto fail;
    }
    s->ncols = json_array_size(cols);
    s->cols = calloc(s->ncols, sizeof *s->cols);
    if (!s->cols) {
        tep_error_set(err, TEP_ERR_NOMEM, "out of memory loading '%s'", path);
        goto fail;
    }
    for (size_t i = 0; i < s->ncols; i++) {
        json_t *o = json_array_get(cols, i);
        struct tep_prep_scaler_column *c = &s->cols[i];
        const char *name = json_string_value(json_object_get(o, "name"));
        if (!name || !name[0] || strlen(name) >= sizeof c->name) {
            tep_error_set_at(err, TEP_ERR_PARSE, path, 0, 0,
                             "scaler model: columns[%zu].name is missing or too long", i);
            goto fail;
        }
        snprintf(c->name, sizeof c->name, "%s", name);
        json_t *var = json_object_get(o, "var");
        c->var = json_is_integer(var) ? (int)json_integer_value(var) : -1;
        json_t *count = json_object_get(o, "count");
        json_t *sample = json_object_get(o, "robust_sample");
        c->count = json_is_integer(count) ? (uint64_t)json_integer_value(count) : 0;
        c->robust_sample = json_is_integer(sample) ? (uint64_t)json_integer_value(sample) : 0;
        c->robust_exact = json_is_true(json_object_get(o, "robust_exact"));
        if (get_number(o, "mean", i, path, &c->mean, err) ||
            get_number(o, "std", i, path, &c->std, err) ||
            get_number(o, "min", i, path, &c->min, err) ||
            get_number(o, "max", i, path, &c->max, err) ||
            get_number(o, "median", i, path, &c->median, err) ||
            get_number(o, "mad", i, path, &c->mad, err) ||
            get_number(o, "q1", i, path, &c->q1, err) || get_number(o, "q3", i, path, &c->q3, err))
            goto fail;
        for (size_t j = 0; j < i; j++)
            if (strcmp(s->cols[j].name, c->name) == 0) {
                tep_error_set_at(err, TEP_ERR_PARSE, path, 0, 0,
                                 "scaler model: column '%s' appears twice", c->name);
                goto fail;
            }
    }
    json_decref(root);
    return s;
fail:
    json_decref(root);
    tep_prep_scaler_free(s);
    return NULL;
}

/* --------------------------------------------------------- normalize step */

struct tep_prep_normalize {
    struct tep_prep_normalize_options opt;
    struct tep_prep_scaler *owned;       /* loaded model, or the model being fitted */
    const struct tep_prep_scaler *model; /* model applied */
    struct tep_frame *schema;            /* columns of the open run */
    size_t nsel;                         /* apply: columns scaled */
    int *sel_col;                        /* apply: frame column of each */
    double *center, *scale;
};

void tep_prep_normalize_options_init(struct tep_prep_normalize_options *opt)
{
    tep_prep_options_init(&tep_prep_normalize_ops, opt);
}

struct tep_prep_normalize *tep_prep_normalize_new(const struct tep_prep_normalize_options *opt,
                                                  struct tep_error *err)
{
    struct tep_prep_normalize *ctx = calloc(1, sizeof *ctx);
    if (!ctx) {
        tep_error_set(err, TEP_ERR_NOMEM, "out of memory creating the normalize step");
        return NULL;
    }
    ctx->opt = *opt;
    if (opt->method < 0 || opt->method > TEP_PREP_SCALE_MAD) {
        tep_error_set(err, TEP_ERR_CONFIG, "normalize.method %d out of range", opt->method);
        goto fail;
    }
    if (opt->mode == TEP_PREP_NORMALIZE_FIT) {
        struct tep_prep_fit_options fo;
        tep_prep_fit_options_init(&fo);
        fo.method = opt->method;
        fo.fit_on = opt->fit_on;
        fo.robust_buffer = opt->robust_buffer;
        snprintf(fo.reference_run, sizeof fo.reference_run, "%s", opt->reference_run);
        snprintf(fo.columns, sizeof fo.columns, "%s", opt->columns);
        ctx->owned = tep_prep_scaler_new(&fo, err);
        if (!ctx->owned) goto fail;
        return ctx;
    }
    if (opt->mode != TEP_PREP_NORMALIZE_APPLY) {
        tep_error_set(err, TEP_ERR_CONFIG, "normalize.mode %d out of range", opt->mode);
        goto fail;
    }
    if (!opt->scaler && !opt->model[0]) {
        tep_error_set(err, TEP_ERR_CONFIG,
                      "normalize: no fitted model (expected normalize.model = path of a scaler "
                      "JSON file, or mode: fit to fit one)");
        goto fail;
    }
    if (prep_model_resolve("normalize", opt->scaler, opt->model, &ctx->model, &ctx->owned, err))
        goto fail;
    if (ctx->model->fit) {
        tep_error_set(err, TEP_ERR_ARG, "normalize: the scaler given is not fitted yet");
        goto fail;
    }
    return ctx;
fail:
    tep_prep_normalize_free(ctx);
    return NULL;
}

void tep_prep_normalize_free(struct tep_prep_normalize *ctx)
{
    if (!ctx) return;
    tep_prep_scaler_free(ctx->owned);
    tep_frame_free(ctx->schema);
    free(ctx->sel_col);
    free(ctx->center);
    free(ctx->scale);
    free(ctx);
}

int tep_prep_normalize_begin_run(struct tep_prep_normalize *ctx, const struct tep_frame *schema,
                                 struct tep_error *err)
{
    tep_frame_free(ctx->schema);
    ctx->schema = prep_schema_copy(schema, 1, err);
    if (!ctx->schema) return -1;
    if (ctx->opt.mode == TEP_PREP_NORMALIZE_FIT) return 0;

    const struct tep_prep_scaler *s = ctx->model;
    int *listed = NULL;
    size_t nlisted = 0, n = 0;
    free(ctx->sel_col);
    free(ctx->center);
    free(ctx->scale);
    ctx->sel_col = calloc(s->ncols, sizeof *ctx->sel_col);
    ctx->center = calloc(s->ncols, sizeof *ctx->center);
    ctx->scale = calloc(s->ncols, sizeof *ctx->scale);
    if (!ctx->sel_col || !ctx->center || !ctx->scale)
        return tep_error_set(err, TEP_ERR_NOMEM, "out of memory in normalize");
    if (ctx->opt.columns[0]) { /* only the listed columns; each must be in the model */
        if (prep_select_columns("normalize", ctx->opt.columns, schema, false, &listed, &nlisted,
                                err) != 0)
            return -1;
        for (size_t i = 0; i < nlisted && n < s->ncols; i++) {
            const char *name = schema->cols[listed[i]].name;
            const struct tep_prep_scaler_column *mc = tep_prep_scaler_find(s, name);
            if (!mc) {
                free(listed);
                return tep_error_set(err, TEP_ERR_CONFIG,
                                     "normalize.columns: '%s' has no fitted statistics in the "
                                     "scaler model (run '%s')",
                                     name, schema->run_id);
            }
            ctx->sel_col[n] = listed[i];
            tep_prep_scaler_center_scale(mc, ctx->opt.method, &ctx->center[n], &ctx->scale[n]);
            n++;
        }
        free(listed);
    } else { /* every model column; each must be in the run */
        for (size_t i = 0; i < s->ncols; i++) {
            int c = tep_frame_find(schema, s->cols[i].name);
            if (c < 0)
                return tep_error_set(err, TEP_ERR_ARG,
                                     "normalize: run '%s' has no column '%s' (the scaler model "
                                     "expects it)",
                                     schema->run_id, s->cols[i].name);
            ctx->sel_col[n] = c;
            tep_prep_scaler_center_scale(&s->cols[i], ctx->opt.method, &ctx->center[n],
                                         &ctx->scale[n]);
            n++;
        }
    }
    ctx->nsel = n;
    return 0;
}

int tep_prep_normalize_process(struct tep_prep_normalize *ctx, struct tep_frame *chunk,
                               struct tep_prep_metrics *m, struct tep_error *err)
{
    (void)m;
    if (prep_check_chunk("normalize", ctx->schema, chunk, err) != 0) return -1;
    if (ctx->opt.mode == TEP_PREP_NORMALIZE_FIT) {
        if (tep_prep_scaler_fit_chunk(ctx->owned, chunk, err) != 0) return -1;
        return 0;
    }
    for (size_t i = 0; i < ctx->nsel; i++) {
        double *x = chunk->cols[ctx->sel_col[i]].data;
        const double center = ctx->center[i], scale = ctx->scale[i];
        for (size_t r = 0; r < chunk->nrows; r++)
            x[r] = (x[r] - center) / scale;
    }
    return 0;
}

int tep_prep_normalize_end_run(struct tep_prep_normalize *ctx, struct tep_frame *tail_out,
                               struct tep_prep_metrics *m, struct tep_error *err)
{
    (void)m;
    if (!ctx->schema)
        return tep_error_set(err, TEP_ERR_ARG, "normalize: end_run without begin_run");
    return prep_tail_prepare("normalize", tail_out, ctx->schema, err);
}

int tep_prep_normalize_finish_fit(struct tep_prep_normalize *ctx, struct tep_error *err)
{
    if (ctx->opt.mode != TEP_PREP_NORMALIZE_FIT)
        return tep_error_set(err, TEP_ERR_ARG, "normalize: finish_fit needs mode fit");
    if (tep_prep_scaler_fit_finish(ctx->owned, err) != 0) return -1;
    ctx->model = ctx->owned;
    if (ctx->opt.model[0] && tep_prep_scaler_save(ctx->owned, ctx->opt.model, err) != 0) return -1;
    return 0;
}

const struct tep_prep_scaler *tep_prep_normalize_scaler(const struct tep_prep_normalize *ctx)
{
    return ctx->model;
}

/* vtable glue */
static void *normalize_create(const void *opt, struct tep_error *err)
{
    return tep_prep_normalize_new(opt, err);
}
static int normalize_begin(void *ctx, const struct tep_frame *schema, struct tep_error *err)
{
    return tep_prep_normalize_begin_run(ctx, schema, err);
}
static int normalize_process(void *ctx, struct tep_frame *chunk, struct tep_prep_metrics *m,
                             struct tep_error *err)
{
    return tep_prep_normalize_process(ctx, chunk, m, err);
}
static int normalize_end(void *ctx, struct tep_frame *tail, struct tep_prep_metrics *m,
                         struct tep_error *err)
{
    return tep_prep_normalize_end_run(ctx, tail, m, err);
}
static void normalize_destroy(void *ctx)
{
    tep_prep_normalize_free(ctx);
}

#define NOPT(field) offsetof(struct tep_prep_normalize_options, field)
static const struct tep_cfg_key normalize_options[] = {
    {"mode", TEP_CFG_ENUM, "apply", NOPT(mode),
     "apply a fitted model, or fit one on the rows passing through (rows unchanged)", "apply|fit",
     TEP_CFG_UNBOUNDED},
    {"method", TEP_CFG_ENUM, "zscore", NOPT(method),
     "zscore: (x-mean)/std; minmax: (x-min)/(max-min); robust: (x-median)/IQR; "
     "mad: (x-median)/(1.4826 MAD)",
     TEP_PREP_SCALE_CHOICES, TEP_CFG_UNBOUNDED},
    {"fit_on", TEP_CFG_ENUM, "normal", NOPT(fit_on),
     "fit on rows with fault == 0, or on every row of reference_run", TEP_PREP_FIT_ON_CHOICES,
     TEP_CFG_UNBOUNDED},
    {"reference_run", TEP_CFG_STRING, "", NOPT(reference_run),
     "run id to fit on when fit_on is run", NULL, 0, TEP_RUN_ID_MAX - 1},
    {"columns", TEP_CFG_COLUMNS, "", NOPT(columns),
     "columns to fit / scale (empty: every catalogue column when fitting, every column of the "
     "model when scaling)",
     NULL, TEP_CFG_UNBOUNDED},
    {"robust_buffer", TEP_CFG_INT, TEXT(DEFAULT_ROBUST_BUFFER), NOPT(robust_buffer),
     "values kept per column for exact median/MAD/quartiles (beyond: reservoir sample)", NULL,
     PREP_COUNT_RANGE},
    {"model", TEP_CFG_STRING, "", NOPT(model),
     "scaler JSON file: read in apply mode, written by finish_fit in fit mode", NULL,
     TEP_CFG_UNBOUNDED},
    {NULL, 0, NULL, 0, NULL, NULL, 0, 0},
};

const struct tep_prep_step_ops tep_prep_normalize_ops = {
    .name = "normalize",
    .summary = "scale columns with statistics fitted on normal operation (or fit them)",
    .options_size = sizeof(struct tep_prep_normalize_options),
    .options = normalize_options,
    .create = normalize_create,
    .begin_run = normalize_begin,
    .schema_out = NULL,
    .process = normalize_process,
    .end_run = normalize_end,
    .destroy = normalize_destroy,
};
