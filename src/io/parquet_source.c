/* parquet_source.c - the Parquet format of the file reader (see reader.h).
 *
 * Columns are mapped by name exactly as CSV headers are: a catalogue variable
 * (xmeas_1, XMEAS(1), reactor_pressure, ...) or a key column (sample, time_h,
 * fault, run_id and their aliases); anything else is an error unless
 * ignore_unknown_columns. Value columns may be DOUBLE, INT32 or INT64 (null =
 * missing value; a NaN value is an error unless nan_text_is_missing, an
 * infinity always is); keys: sample a whole number >= 0 (INT32, INT64 or a
 * DOUBLE without fraction), time_h a finite number, fault a whole number
 * 0..1000000, run_id a STRING (or a whole number, written in decimal).
 * The file is streamed one row group at a time: a row group is decoded whole
 * (memory: its rows x the mapped columns, plus the string run ids) and handed
 * out row by row to reader.c's chunk loop, so a row group larger than
 * chunk_rows is split over several chunks and a chunk may span row groups
 * (it still ends where the run changes). Every message names the file, the row
 * group, the row (within the group and in the file) and the column; the
 * location's "line" is the 1-based row number in the file, its column the
 * Parquet column's 1-based position.
 * Lineage: the SHA-256 of the file's bytes is computed when the last row
 * group has been handed out (reading the file once more, sequentially).
 */
#define TEP_READER_INTERNAL
#include <errno.h>
#include <math.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "io/parquet.h"
#include "io/reader.h"

#define PQS_FAULT_MAX 1000000
#define PQS_SAMPLE_MAX 9007199254740992.0 /* 2^53: every larger double is a whole number */

struct pqs_key {
    int col; /* Parquet column index, -1 = absent */
    enum tep_pq_type type;
};

struct pqs_state {
    struct tep_pq_reader *pq;
    size_t ngroups;
    size_t group;              /* next row group to load */
    size_t loaded;             /* index of the loaded group + 1 (0 = none yet) */
    size_t group_rows;         /* rows in the loaded group */
    size_t cursor;             /* next row of the loaded group to hand out */
    long long group_first_row; /* file row (0-based) of the loaded group's first row */
    size_t cap;                /* rows allocated in the buffers below */
    int ncols;                 /* value columns (frame columns) */
    int *value_col;            /* Parquet column of frame column c */
    double **values;           /* per frame column, cap rows */
    uint8_t *valid;
    struct pqs_key key[TEP_KEY_RUN + 1];
    int64_t *sample;
    double *time_h;
    int64_t *fault;
    char **run;           /* STRING run column: malloc'd values of the loaded group */
    int64_t *run_num;     /* numeric run column */
    double *scratch;      /* a DOUBLE key column before its check */
    char (*run_text)[24]; /* the same, formatted */
};

static const char *type_name(enum tep_pq_type t)
{
    switch (t) {
    case TEP_PQ_DOUBLE:
        return "DOUBLE";
    case TEP_PQ_INT32:
        return "INT32";
    case TEP_PQ_INT64:
        return "INT64";
    case TEP_PQ_STRING:
        return "STRING";
    default:
        return "an unsupported type";
    }
}

static bool is_numeric(enum tep_pq_type t)
{
    return t == TEP_PQ_DOUBLE || t == TEP_PQ_INT32 || t == TEP_PQ_INT64;
}

/* Error located at row `row` (0-based) of the loaded group, Parquet column `col`. */
static int located(struct tep_reader *r, const struct pqs_state *st, struct tep_error *err,
                   size_t row, int col, const char *what)
{
    const struct tep_pq_column_info *info = tep_pq_reader_column(st->pq, (size_t)col);
    long long file_row = st->group_first_row + (long long)row;
    return tep_error_set_at(err, TEP_ERR_PARSE, r->display_path, (long)(file_row + 1), col + 1,
                            "row group %zu, row %zu (row %lld of the file), column '%s': %s",
                            st->loaded - 1, row + 1, file_row + 1, info ? info->name : "?", what);
}

/* ------------------------------------------------------------ schema */

static int map_columns(struct tep_reader *r, struct pqs_state *st, struct tep_error *err)
{
    int var_col[TEP_N_VARS];
    for (int v = 0; v < TEP_N_VARS; v++)
        var_col[v] = -1;
    for (int k = 0; k <= TEP_KEY_RUN; k++)
        st->key[k].col = -1;
    size_t n = tep_pq_reader_num_columns(st->pq);
    for (size_t c = 0; c < n; c++) {
        const struct tep_pq_column_info *info = tep_pq_reader_column(st->pq, c);
        enum tep_key_kind kind = tep_reader_key_kind(info->name);
        int var = kind == TEP_KEY_NONE ? tep_catalog_lookup(info->name) : -1;
        if (kind != TEP_KEY_NONE) {
            struct pqs_key *k = &st->key[kind];
            if (k->col >= 0)
                return tep_error_set_at(
                    err, TEP_ERR_PARSE, r->display_path, 0, (long)c + 1,
                    "duplicate key column: '%s' and '%s' (column %d) are both the %s column; "
                    "expected each key once",
                    info->name, tep_pq_reader_column(st->pq, (size_t)k->col)->name, k->col + 1,
                    tep_reader_key_name(kind));
            bool ok =
                is_numeric(info->type) || (kind == TEP_KEY_RUN && info->type == TEP_PQ_STRING);
            if (!ok)
                return tep_error_set_at(
                    err, TEP_ERR_PARSE, r->display_path, 0, (long)c + 1,
                    "key column '%s' has %s values: expected %s", info->name, type_name(info->type),
                    kind == TEP_KEY_RUN ? "STRING (UTF-8) or whole-number run ids"
                                        : "numbers (INT32, INT64 or DOUBLE)");
            k->col = (int)c;
            k->type = info->type;
        } else if (var >= 0) {
            if (var_col[var] >= 0)
                return tep_error_set_at(
                    err, TEP_ERR_PARSE, r->display_path, 0, (long)c + 1,
                    "duplicate column: '%s' is the same variable (%s) as '%s' (column %d); "
                    "expected each variable once",
                    info->name, tep_catalog[var].name,
                    tep_pq_reader_column(st->pq, (size_t)var_col[var])->name, var_col[var] + 1);
            if (!is_numeric(info->type))
                return tep_error_set_at(err, TEP_ERR_PARSE, r->display_path, 0, (long)c + 1,
                                        "column '%s' (%s) has %s values: expected numbers "
                                        "(DOUBLE, INT32 or INT64)",
                                        info->name, tep_catalog[var].name, type_name(info->type));
            var_col[var] = (int)c;
        } else if (!r->opt.ignore_unknown_columns) {
            return tep_error_set_at(err, TEP_ERR_PARSE, r->display_path, 0, (long)c + 1,
                                    "unknown column '%s': expected a TEP variable (xmeas_1.."
                                    "xmeas_41, xmv_1..xmv_12, XMEAS(n) or a name such as "
                                    "reactor_pressure) or a key column (sample, time_h, fault, "
                                    "run_id); set ignore_unknown_columns to skip it",
                                    info->name);
        }
    }
    int ncols = 0;
    for (int v = 0; v < TEP_N_VARS; v++)
        if (var_col[v] >= 0) r->schema.var[ncols++] = v;
    r->schema.ncols = ncols;
    if (ncols == 0)
        return tep_error_set_at(err, TEP_ERR_PARSE, r->display_path, 0, 0,
                                "no TEP variable columns in the Parquet schema: expected columns "
                                "such as xmeas_1..xmeas_41 or xmv_1..xmv_12");
    st->ncols = ncols;
    st->value_col = calloc((size_t)ncols, sizeof *st->value_col);
    st->values = calloc((size_t)ncols, sizeof *st->values);
    if (!st->value_col || !st->values)
        return tep_error_set_at(err, TEP_ERR_NOMEM, r->display_path, 0, 0, "out of memory");
    for (int c = 0; c < ncols; c++)
        st->value_col[c] = var_col[r->schema.var[c]];
    return 0;
}

/* ------------------------------------------------------------ row groups */

static void free_runs(struct pqs_state *st)
{
    if (st->run) tep_pq_free_strings(st->run, st->group_rows);
}

static int reserve(struct tep_reader *r, struct pqs_state *st, size_t rows, struct tep_error *err)
{
    if (rows <= st->cap) return 0;
    for (int c = 0; c < st->ncols; c++) {
        free(st->values[c]);
        st->values[c] = malloc(rows * sizeof(double));
        if (!st->values[c]) goto nomem;
    }
    free(st->valid);
    free(st->sample);
    free(st->time_h);
    free(st->fault);
    free(st->run);
    free(st->run_text);
    free(st->run_num);
    free(st->scratch);
    st->valid = malloc(rows);
    st->sample = malloc(rows * sizeof *st->sample);
    st->time_h = malloc(rows * sizeof *st->time_h);
    st->fault = malloc(rows * sizeof *st->fault);
    st->run = calloc(rows, sizeof *st->run);
    st->run_text = malloc(rows * sizeof *st->run_text);
    st->run_num = malloc(rows * sizeof *st->run_num);
    st->scratch = malloc(rows * sizeof *st->scratch);
    if (!st->valid || !st->sample || !st->time_h || !st->fault || !st->run || !st->run_text ||
        !st->run_num || !st->scratch)
        goto nomem;
    st->cap = rows;
    return 0;
nomem:
    st->cap = 0; /* some buffers are gone: the next call reallocates all */
    return tep_error_set_at(err, TEP_ERR_NOMEM, r->display_path, 0, 0,
                            "out of memory for a row group of %zu rows x %d columns", rows,
                            st->ncols);
}

/* Read one numeric key column (whole numbers within [lo, hi]) as int64. */
static int load_whole_key(struct tep_reader *r, struct pqs_state *st, const struct pqs_key *k,
                          int64_t *out, double lo, double hi, const char *expected,
                          struct tep_error *err)
{
    size_t g = st->loaded - 1, rows = st->group_rows;
    char what[200];
    if (k->type == TEP_PQ_DOUBLE) {
        double *tmp = st->scratch;
        if (tep_pq_read_double(st->pq, g, (size_t)k->col, tmp, st->valid, err)) return -1;
        for (size_t i = 0; i < rows; i++) {
            double v = tmp[i];
            if (!st->valid[i] || !(v >= lo && v <= hi) || v != floor(v)) {
                if (!st->valid[i])
                    snprintf(what, sizeof what, "expected %s, found null", expected);
                else
                    snprintf(what, sizeof what, "expected %s, found %.17g", expected, v);
                return located(r, st, err, i, k->col, what);
            }
            out[i] = (int64_t)v;
        }
        return 0;
    }
    if (tep_pq_read_int64(st->pq, g, (size_t)k->col, out, st->valid, err)) return -1;
    for (size_t i = 0; i < rows; i++) {
        if (!st->valid[i] || !((double)out[i] >= lo && (double)out[i] <= hi)) {
            if (!st->valid[i])
                snprintf(what, sizeof what, "expected %s, found null", expected);
            else
                snprintf(what, sizeof what, "expected %s, found %lld", expected, (long long)out[i]);
            return located(r, st, err, i, k->col, what);
        }
    }
    return 0;
}

static int load_group(struct tep_reader *r, struct pqs_state *st, size_t g, struct tep_error *err)
{
    free_runs(st);
    size_t rows = tep_pq_reader_row_group_rows(st->pq, g);
    if (reserve(r, st, rows ? rows : 1, err)) return -1;
    if (st->loaded > 0) st->group_first_row += (long long)st->group_rows;
    st->loaded = g + 1;
    st->group_rows = rows;
    st->cursor = 0;
    char what[400];
    for (int c = 0; c < st->ncols; c++) {
        int col = st->value_col[c];
        double *v = st->values[c];
        if (tep_pq_read_double(st->pq, g, (size_t)col, v, st->valid, err)) return -1;
        for (size_t i = 0; i < rows; i++) {
            if (!st->valid[i]) continue; /* read as NaN: a missing value */
            if (isnan(v[i])) {
                if (r->opt.nan_text_is_missing) continue;
                return located(r, st, err, i, col,
                               "expected a number, found NaN (NaN is not accepted: store a null "
                               "for a missing value, or set nan_text_is_missing / "
                               "nan_as_missing)");
            }
            if (isinf(v[i])) {
                snprintf(what, sizeof what,
                         "expected a finite number, found %s (a TEP value cannot be infinite)",
                         v[i] > 0 ? "inf" : "-inf");
                return located(r, st, err, i, col, what);
            }
        }
    }
    const struct pqs_key *k = &st->key[TEP_KEY_SAMPLE];
    if (k->col >= 0 && load_whole_key(r, st, k, st->sample, 0, PQS_SAMPLE_MAX,
                                      "a sample number (a whole number >= 0)", err))
        return -1;
    k = &st->key[TEP_KEY_FAULT];
    if (k->col >= 0 && load_whole_key(r, st, k, st->fault, 0, PQS_FAULT_MAX,
                                      "a fault number (0 = normal, k = IDV(k))", err))
        return -1;
    k = &st->key[TEP_KEY_TIME];
    if (k->col >= 0) {
        if (tep_pq_read_double(st->pq, g, (size_t)k->col, st->time_h, st->valid, err)) return -1;
        for (size_t i = 0; i < rows; i++)
            if (!st->valid[i] || !isfinite(st->time_h[i])) {
                if (!st->valid[i])
                    snprintf(what, sizeof what, "expected a time in hours, found null");
                else
                    snprintf(what, sizeof what,
                             "expected a time in hours (a finite number), found %g", st->time_h[i]);
                return located(r, st, err, i, k->col, what);
            }
    }
    k = &st->key[TEP_KEY_RUN];
    if (k->col >= 0 && k->type == TEP_PQ_STRING) {
        if (tep_pq_read_string(st->pq, g, (size_t)k->col, st->run, err)) return -1;
        for (size_t i = 0; i < rows; i++) {
            const char *s = st->run[i];
            size_t n = s ? strlen(s) : 0;
            char why[96];
            if (!s || tep_run_id_problem(s, n, why, sizeof why)) {
                char shown[200];
                snprintf(what, sizeof what,
                         "expected a run id (1 to %d bytes of UTF-8 text), found %s%s%s%s%s",
                         TEP_RUN_ID_MAX - 1, s ? "'" : "null",
                         s ? tep_reader_quote(s, n, shown, sizeof shown) : "", s ? "' (" : "",
                         s ? why : "", s ? ")" : "");
                return located(r, st, err, i, k->col, what);
            }
        }
    } else if (k->col >= 0) {
        if (load_whole_key(r, st, k, st->run_num, -PQS_SAMPLE_MAX, PQS_SAMPLE_MAX,
                           "a run id (text or a whole number)", err))
            return -1;
        for (size_t i = 0; i < rows; i++)
            snprintf(st->run_text[i], sizeof st->run_text[i], "%lld", (long long)st->run_num[i]);
    }
    return 0;
}

/* ------------------------------------------------------------ lineage */

/* Hash the whole file through the reader's descriptor (reader.c opened it and
 * started the digest); sets the byte source's end-of-file state as the text
 * formats leave it, so reader.c's lineage code takes the hash from there. */
static int hash_file(struct tep_reader *r, struct tep_error *err)
{
    struct tep_byte_source *s = &r->src;
    if (!s->sha) return 0;
    if (lseek(s->fd, 0, SEEK_SET) < 0)
        return tep_error_set_errno(err, TEP_ERR_IO, "cannot read", r->display_path);
    for (;;) {
        ssize_t got = read(s->fd, s->buf, s->cap);
        if (got < 0 && errno == EINTR) continue;
        if (got < 0) return tep_error_set_errno(err, TEP_ERR_IO, "cannot read", r->display_path);
        if (got == 0) break;
        if (!EVP_DigestUpdate(s->sha, s->buf, (size_t)got))
            return tep_error_set(err, TEP_ERR_INTERNAL, "SHA-256 update failed");
        s->bytes_read += got;
    }
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int dlen = 0;
    int ok = EVP_DigestFinal_ex(s->sha, digest, &dlen);
    EVP_MD_CTX_free(s->sha);
    s->sha = NULL;
    if (!ok || dlen != 32)
        return tep_error_set(err, TEP_ERR_INTERNAL, "SHA-256 finalisation failed");
    for (unsigned i = 0; i < dlen; i++)
        snprintf(s->sha256_hex + 2 * i, 3, "%02x", digest[i]);
    s->eof = true;
    return 0;
}

/* ------------------------------------------------------------ format ops */

static int pqs_read_row(struct tep_reader *r, struct tep_frame *frame, size_t row,
                        struct tep_row_keys *keys, struct tep_error *err)
{
    struct pqs_state *st = r->impl;
    while (st->loaded == 0 || st->cursor >= st->group_rows) {
        if (st->group >= st->ngroups) {
            if (hash_file(r, err)) return -1;
            return 0;
        }
        if (load_group(r, st, st->group++, err)) return -1;
    }
    size_t i = st->cursor++;
    for (int c = 0; c < st->ncols; c++)
        frame->cols[c].data[row] = st->values[c][i];
    keys->line = (long)(st->group_first_row + (long long)i + 1);
    if (st->key[TEP_KEY_SAMPLE].col >= 0) {
        keys->has_sample = true;
        keys->sample = st->sample[i];
        keys->sample_column = st->key[TEP_KEY_SAMPLE].col + 1;
    }
    if (st->key[TEP_KEY_TIME].col >= 0) {
        keys->has_time = true;
        keys->time_h = st->time_h[i];
    }
    if (st->key[TEP_KEY_FAULT].col >= 0) {
        keys->has_fault = true;
        keys->fault = (int)st->fault[i];
    }
    if (st->key[TEP_KEY_RUN].col >= 0) {
        keys->has_run = true;
        const char *id = st->key[TEP_KEY_RUN].type == TEP_PQ_STRING ? st->run[i] : st->run_text[i];
        size_t n = strlen(id); /* checked to be < TEP_RUN_ID_MAX when loaded */
        memcpy(keys->run, id, n + 1);
    }
    return 1;
}

static void pqs_close(struct tep_reader *r)
{
    struct pqs_state *st = r->impl;
    if (!st) return;
    free_runs(st);
    if (st->values)
        for (int c = 0; c < st->ncols; c++)
            free(st->values[c]);
    free(st->values);
    free(st->value_col);
    free(st->valid);
    free(st->sample);
    free(st->time_h);
    free(st->fault);
    free(st->run);
    free(st->run_text);
    free(st->run_num);
    free(st->scratch);
    tep_pq_reader_close(st->pq);
    free(st);
    r->impl = NULL;
}

static int pqs_open(struct tep_reader *r, struct tep_error *err)
{
    struct pqs_state *st = calloc(1, sizeof *st);
    if (!st) return tep_error_set_at(err, TEP_ERR_NOMEM, r->display_path, 0, 0, "out of memory");
    r->impl = st;
    st->pq = tep_pq_reader_open(r->display_path, err);
    if (!st->pq) return -1;
    st->ngroups = tep_pq_reader_num_row_groups(st->pq);
    return map_columns(r, st, err);
}

const struct tep_format_ops tep_parquet_format = {
    .name = "parquet",
    .open = pqs_open,
    .read_row = pqs_read_row,
    .close = pqs_close,
};
