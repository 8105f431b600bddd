/* pg_read.c - reading runs back from the PostgreSQL store (pg_store.c's tables) for
 * analysis and reports, with the SQLite reader's semantics: complete runs in the
 * order they were first stored; a run's rows in id order (the run's id range, so a
 * partitioned table reads one partition) with sample, time_h, fault and every value
 * column the catalogue knows, as exact doubles (binary float8 results), NULL -> NAN
 * (a NULL fault label is an error: unknown is never "normal"); quality rows in byte order of
 * (column, metric). Schema and prefix are plain identifiers, always quoted. Messages name the
 * server by its masked conninfo and never hold a password (server messages are scrubbed too).
 */
#include <endian.h>
#include <errno.h>
#include <libpq-fe.h>
#include <limits.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/catalog.h"
#include "store/pg_conninfo.h"
#include "store/store.h"
#include "store/store_read.h"
#include "store/store_servers.h"

/* One connection and the quoted, schema-qualified table names. */
struct pg_reader {
    const struct tep_store_ref *ref;
    PGconn *conn;
    char t_runs[200], t_proc[200], t_quality[200];
};

/* Fill err with "PostgreSQL (server): what: the server's message"; returns -1. */
static int reader_fail(const struct pg_reader *r, const PGresult *res, struct tep_error *err,
                       const char *what)
{
    char msg[600];
    const char *secrets[2] = {r->conn ? PQpass(r->conn) : NULL, getenv("PGPASSWORD")};
    tep_store_scrub_message(res && PQresultErrorMessage(res)[0] ? PQresultErrorMessage(res)
                                                                : PQerrorMessage(r->conn),
                            secrets, 2, msg, sizeof msg);
    return tep_error_set(err, TEP_ERR_STORE, "PostgreSQL (%s): %s: %s", r->ref->display, what,
                         msg);
}

/* Run `sql` with text parameters; results in `format` (0 text, 1 binary). NULL on error. */
static PGresult *query(const struct pg_reader *r, const char *sql, int n,
                       const char *const *params, int format, const char *what,
                       struct tep_error *err)
{
    PGresult *res = PQexecParams(r->conn, sql, n, NULL, params, NULL, NULL, format);
    if (res && PQresultStatus(res) == PGRES_TUPLES_OK) return res;
    reader_fail(r, res, err, what);
    PQclear(res);
    return NULL;
}

static void qualify(const struct tep_store_ref *ref, const char *table, char *out, size_t n)
{
    if (ref->schema[0])
        snprintf(out, n, "\"%s\".\"%s%s\"", ref->schema, ref->table_prefix, table);
    else
        snprintf(out, n, "\"%s%s\"", ref->table_prefix, table);
}

static void reader_close(struct pg_reader *r)
{
    PQfinish(r->conn);
    r->conn = NULL;
}

/* Connect (once, no retry: a reader fails fast) and name the tables. */
static int reader_open(struct pg_reader *r, const struct tep_store_ref *ref,
                       struct tep_error *err)
{
    struct tep_pg_params params;
    tep_pg_params_init(&params, ref->location);
    memset(r, 0, sizeof *r);
    r->ref = ref;
    qualify(ref, "runs", r->t_runs, sizeof r->t_runs);
    qualify(ref, "tep_processed", r->t_proc, sizeof r->t_proc);
    qualify(ref, "quality", r->t_quality, sizeof r->t_quality);
    r->conn = PQconnectdbParams(params.keywords, params.values, 1);
    if (!r->conn) return tep_error_set(err, TEP_ERR_NOMEM, "out of memory");
    if (PQstatus(r->conn) != CONNECTION_OK) goto fail;
    PGresult *res = PQexec(r->conn, "SET extra_float_digits = 3");
    bool ok = res && PQresultStatus(res) == PGRES_COMMAND_OK;
    PQclear(res);
    if (ok) return 0;
fail:
    reader_fail(r, NULL, err, "cannot connect");
    reader_close(r);
    return -1;
}

static double text_double(const PGresult *res, int row, int col)
{
    return PQgetisnull(res, row, col) ? NAN : strtod(PQgetvalue(res, row, col), NULL);
}

/* A text integer field as a fault label; -1 when NULL or not a whole number. */
static int fault_label(const PGresult *res, int row, int col, int *out)
{
    if (PQgetisnull(res, row, col)) return -1;
    const char *text = PQgetvalue(res, row, col);
    char *end;
    errno = 0;
    long v = strtol(text, &end, 10);
    if (end == text || *end || errno || v < INT_MIN || v > INT_MAX) return -1;
    *out = (int)v;
    return 0;
}

static void text_copy(const PGresult *res, int row, int col, char *out, size_t n)
{
    snprintf(out, n, "%s", PQgetvalue(res, row, col)); /* "" when NULL */
}

int tep_pg_list_runs(const struct tep_store_ref *store, struct tep_store_run **runs,
                     size_t *nruns, struct tep_error *err)
{
    struct pg_reader r;
    PGresult *res = NULL;
    struct tep_store_run *list = NULL;
    char sql[512], what[300];
    *runs = NULL;
    *nruns = 0;
    if (reader_open(&r, store, err) != 0) return -1;
    snprintf(sql, sizeof sql,
             "SELECT run_id, source, fault, fault_onset_h, rows_stored, seed, hours,"
             " shutdown_time_h, shutdown_reason, sha256 FROM %s"
             " WHERE status = 'complete' ORDER BY run_number",
             r.t_runs);
    snprintf(what, sizeof what, "cannot read the runs table %s (is this a tep store?)", r.t_runs);
    res = query(&r, sql, 0, NULL, 0, what, err);
    if (!res) goto fail;
    int n = PQntuples(res);
    list = calloc((size_t)n + 1, sizeof *list);
    if (!list) {
        tep_error_set(err, TEP_ERR_NOMEM, "out of memory");
        goto fail;
    }
    for (int i = 0; i < n; i++) {
        struct tep_store_run *run = &list[i];
        text_copy(res, i, 0, run->run_id, sizeof run->run_id);
        text_copy(res, i, 1, run->source, sizeof run->source);
        if (fault_label(res, i, 2, &run->fault) != 0) {
            /* an unknown fault is never "normal": training on it would learn a fault */
            tep_error_set(err, TEP_ERR_STORE,
                          "PostgreSQL (%s): run '%s' in %s has no fault label (%s): expected 0 "
                          "(normal) or the IDV number",
                          store->display, run->run_id, r.t_runs,
                          PQgetisnull(res, i, 2) ? "NULL" : PQgetvalue(res, i, 2));
            goto fail;
        }
        run->fault_onset_h = text_double(res, i, 3);
        run->rows = strtoll(PQgetvalue(res, i, 4), NULL, 10);
        run->seed = text_double(res, i, 5);
        run->hours = text_double(res, i, 6);
        run->shutdown_h = text_double(res, i, 7);
        text_copy(res, i, 8, run->shutdown_reason, sizeof run->shutdown_reason);
        text_copy(res, i, 9, run->sha256, sizeof run->sha256);
    }
    PQclear(res);
    reader_close(&r);
    *runs = list;
    *nruns = (size_t)n;
    return 0;
fail:
    PQclear(res);
    reader_close(&r);
    free(list);
    return -1;
}

/* A binary float8 field; NULL -> NAN. */
static double binary_double(const PGresult *res, int row, int col)
{
    if (PQgetisnull(res, row, col) || PQgetlength(res, row, col) != 8) return NAN;
    uint64_t bits;
    memcpy(&bits, PQgetvalue(res, row, col), 8);
    bits = be64toh(bits);
    double v;
    memcpy(&v, &bits, 8);
    return v;
}

/* The catalogue's value columns of tep_processed, in catalogue order; appends
 * `, "name"::float8` to sql for each. */
static int value_columns(const struct pg_reader *r, char names[][TEP_COLUMN_NAME_MAX], int *ncat,
                         char *sql, size_t cap, size_t *used, struct tep_error *err)
{
    const char *params[1] = {r->t_proc};
    char what[300];
    snprintf(what, sizeof what, "cannot read the columns of %s", r->t_proc);
    PGresult *res = query(r,
                          "SELECT a.attname FROM pg_attribute a WHERE a.attrelid = to_regclass($1)"
                          " AND a.attnum > 0 AND NOT a.attisdropped",
                          1, params, 0, what, err);
    if (!res) return -1;
    bool have[TEP_N_VARS] = {false};
    for (int i = 0; i < PQntuples(res); i++) {
        const char *name = PQgetvalue(res, i, 0);
        int v = tep_catalog_lookup(name);
        if (v >= 0 && strcmp(name, tep_catalog[v].name) == 0) have[v] = true;
    }
    PQclear(res);
    *ncat = 0;
    for (int v = 0; v < TEP_N_VARS; v++) {
        if (!have[v]) continue;
        snprintf(names[(*ncat)++], TEP_COLUMN_NAME_MAX, "%s", tep_catalog[v].name);
        *used += (size_t)snprintf(sql + *used, cap - *used, ", \"%s\"::float8", tep_catalog[v].name);
    }
    if (*ncat == 0)
        return tep_error_set(err, TEP_ERR_STORE,
                             "PostgreSQL (%s): table %s is missing or has no TEP variable columns "
                             "(xmeas_N, xmv_N)",
                             r->ref->display, r->t_proc);
    return 0;
}

int tep_pg_load_run(const struct tep_store_ref *store, const char *run_id, struct tep_frame *out,
                    struct tep_error *err)
{
    struct pg_reader r;
    PGresult *res = NULL;
    int *map = NULL; /* result column -> frame column */
    /* what: a whole run id and a table name in the words around them, never cut */
    char names[TEP_N_VARS][TEP_COLUMN_NAME_MAX], what[TEP_RUN_ID_MAX + 256];
    size_t cap = 8192, used = 0;
    char *sql = malloc(cap);
    if (!sql) return tep_error_set(err, TEP_ERR_NOMEM, "out of memory");
    if (reader_open(&r, store, err) != 0) goto fail_closed;
    /* the run's number gives its id range */
    const char *id_param[1] = {run_id};
    snprintf(sql, cap, "SELECT run_number FROM %s WHERE run_id = $1", r.t_runs);
    snprintf(what, sizeof what, "cannot look up run '%s' in %s", run_id, r.t_runs);
    res = query(&r, sql, 1, id_param, 0, what, err);
    if (!res) goto fail;
    if (PQntuples(res) == 0) {
        tep_error_set(err, TEP_ERR_STORE, "PostgreSQL (%s): no run '%s' in %s", store->display,
                      run_id, r.t_runs);
        goto fail;
    }
    long long number = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
    PQclear(res);
    res = NULL;
    int ncat = 0;
    used = (size_t)snprintf(sql, cap, "SELECT sample::float8, time_h::float8, fault::float8");
    if (value_columns(&r, names, &ncat, sql, cap, &used, err) != 0) goto fail;
    snprintf(sql + used, cap - used,
             " FROM %s WHERE id >= $2::bigint AND id < $3::bigint AND run_id = $1 ORDER BY id",
             r.t_proc);
    if (out->ncols == 0)
        for (int k = 0; k < ncat; k++)
            if (tep_frame_add_column(out, names[k], tep_catalog_lookup(names[k]), err) < 0)
                goto fail;
    map = malloc(sizeof(int) * (size_t)ncat);
    if (!map) {
        tep_error_set(err, TEP_ERR_NOMEM, "out of memory");
        goto fail;
    }
    for (int k = 0; k < ncat; k++) map[k] = tep_frame_find(out, names[k]);
    char lo[32], hi[32];
    snprintf(lo, sizeof lo, "%lld", number << 32);
    snprintf(hi, sizeof hi, "%lld", (number + 1) << 32);
    const char *params[3] = {run_id, lo, hi};
    snprintf(what, sizeof what, "cannot read run '%s' from %s", run_id, r.t_proc);
    res = query(&r, sql, 3, params, 1, what, err);
    if (!res) goto fail;
    tep_frame_clear(out);
    snprintf(out->run_id, sizeof out->run_id, "%s", run_id);
    int n = PQntuples(res);
    for (int i = 0; i < n; i++) {
        double fault = binary_double(res, i, 2);
        if (!(fault >= INT_MIN && fault <= INT_MAX && fault == floor(fault))) {
            tep_error_set(err, TEP_ERR_STORE,
                          "PostgreSQL (%s): run '%s', sample %.0f in %s has no fault label "
                          "(NULL): expected 0 (normal) or the IDV number",
                          store->display, run_id, binary_double(res, i, 0), r.t_proc);
            goto fail;
        }
        if (tep_frame_push_row(out, binary_double(res, i, 1), (long long)binary_double(res, i, 0),
                               (int)fault, NULL, err) != 0)
            goto fail;
        size_t row = out->nrows - 1;
        for (int k = 0; k < ncat; k++)
            if (map[k] >= 0) out->cols[map[k]].data[row] = binary_double(res, i, 3 + k);
    }
    if (n == 0) {
        tep_error_set(err, TEP_ERR_STORE, "PostgreSQL (%s): no rows for run '%s' in %s",
                      store->display, run_id, r.t_proc);
        goto fail;
    }
    PQclear(res);
    reader_close(&r);
    free(sql);
    free(map);
    return 0;
fail:
    PQclear(res);
    reader_close(&r);
fail_closed:
    free(sql);
    free(map);
    return -1;
}

int tep_pg_load_quality(const struct tep_store_ref *store, const char *run_id,
                        int (*visit)(void *user, const char *column, const char *metric,
                                     long long value),
                        void *user, struct tep_error *err)
{
    struct pg_reader r;
    PGresult *res = NULL;
    char sql[512], what[TEP_RUN_ID_MAX + 256]; /* a whole run id and a table name */
    int rc = -1;
    if (reader_open(&r, store, err) != 0) return -1;
    /* byte order, as SQLite sorts */
    snprintf(sql, sizeof sql,
             "SELECT column_name, metric, value FROM %s WHERE run_id = $1"
             " ORDER BY column_name COLLATE \"C\", metric COLLATE \"C\"",
             r.t_quality);
    snprintf(what, sizeof what, "cannot read the quality of run '%s' from %s", run_id,
             r.t_quality);
    const char *params[1] = {run_id};
    res = query(&r, sql, 1, params, 0, what, err);
    if (!res) goto done;
    for (int i = 0; i < PQntuples(res); i++)
        if (visit(user, PQgetvalue(res, i, 0), PQgetvalue(res, i, 1),
                  strtoll(PQgetvalue(res, i, 2), NULL, 10)) != 0)
            goto done;
    rc = 0;
done:
    PQclear(res);
    reader_close(&r);
    return rc;
}
