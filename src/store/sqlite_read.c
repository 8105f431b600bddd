/* sqlite_read.c - reading runs back from a store (for analysis and reports): the
 * store reference's parser, the dispatch by kind (PostgreSQL: pg_read.c) and the
 * SQLite reader. A run's rows come back in stored order, with the key columns and
 * every stored value column that the catalogue knows (xmeas_N, xmv_N). A fault label
 * that is NULL (or not a whole number) is an error, never read as 0 = normal. */
#include <math.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/catalog.h"
#include "store/store.h"
#include "store/store_read.h"
#include "store/store_servers.h"

static int open_db(const char *path, sqlite3 **db, struct tep_error *err)
{
    if (sqlite3_open_v2(path, db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
        tep_error_set_at(err, TEP_ERR_STORE, path, 0, 0, "SQLite: cannot open the database: %s",
                         *db ? sqlite3_errmsg(*db) : "out of memory");
        sqlite3_close(*db);
        *db = NULL;
        return -1;
    }
    return 0;
}

static int sqlite_list_runs(const char *path, struct tep_store_run **runs, size_t *nruns,
                            struct tep_error *err)
{
    sqlite3 *db = NULL;
    sqlite3_stmt *st = NULL;
    struct tep_store_run *list = NULL;
    size_t n = 0, cap = 0;
    *runs = NULL;
    *nruns = 0;
    if (open_db(path, &db, err) != 0) return -1;
    if (sqlite3_prepare_v2(db,
                           "SELECT run_id, source, fault, fault_onset_h, rows_stored, seed, hours,"
                           " shutdown_time_h, shutdown_reason, sha256 FROM runs"
                           " WHERE status = 'complete' ORDER BY run_number",
                           -1, &st, NULL) != SQLITE_OK) {
        tep_error_set_at(err, TEP_ERR_STORE, path, 0, 0,
                         "SQLite: %s (is this a tep store? expected a 'runs' table)",
                         sqlite3_errmsg(db));
        goto fail;
    }
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (n == cap) {
            cap = cap ? 2 * cap : 16;
            struct tep_store_run *l = realloc(list, cap * sizeof *l);
            if (!l) {
                tep_error_set(err, TEP_ERR_NOMEM, "out of memory");
                goto fail;
            }
            list = l;
        }
        struct tep_store_run *r = &list[n++];
        memset(r, 0, sizeof *r);
        const unsigned char *id = sqlite3_column_text(st, 0);
        snprintf(r->run_id, sizeof r->run_id, "%s", id ? (const char *)id : "");
        const unsigned char *src = sqlite3_column_text(st, 1);
        snprintf(r->source, sizeof r->source, "%s", src ? (const char *)src : "");
        if (sqlite3_column_type(st, 2) != SQLITE_INTEGER) {
            /* an unknown fault is never "normal": training on it would learn a fault */
            tep_error_set_at(err, TEP_ERR_STORE, path, 0, 0,
                             "run '%s' in table runs has no fault label (%s): expected 0 "
                             "(normal) or the IDV number",
                             r->run_id,
                             sqlite3_column_type(st, 2) == SQLITE_NULL ? "NULL"
                                                                       : "not a whole number");
            goto fail;
        }
        r->fault = sqlite3_column_int(st, 2);
        r->fault_onset_h = sqlite3_column_type(st, 3) == SQLITE_NULL ? NAN : sqlite3_column_double(st, 3);
        r->rows = sqlite3_column_int64(st, 4);
        r->seed = sqlite3_column_type(st, 5) == SQLITE_NULL ? NAN : sqlite3_column_double(st, 5);
        r->hours = sqlite3_column_type(st, 6) == SQLITE_NULL ? NAN : sqlite3_column_double(st, 6);
        r->shutdown_h = sqlite3_column_type(st, 7) == SQLITE_NULL ? NAN : sqlite3_column_double(st, 7);
        const unsigned char *why = sqlite3_column_text(st, 8);
        snprintf(r->shutdown_reason, sizeof r->shutdown_reason, "%s", why ? (const char *)why : "");
        const unsigned char *sha = sqlite3_column_text(st, 9);
        snprintf(r->sha256, sizeof r->sha256, "%s", sha ? (const char *)sha : "");
    }
    if (rc != SQLITE_DONE) {
        tep_error_set_at(err, TEP_ERR_STORE, path, 0, 0, "SQLite: %s", sqlite3_errmsg(db));
        goto fail;
    }
    sqlite3_finalize(st);
    sqlite3_close(db);
    *runs = list;
    *nruns = n;
    return 0;
fail:
    sqlite3_finalize(st);
    sqlite3_close(db);
    free(list);
    return -1;
}

static int sqlite_load_run(const char *path, const char *run_id, struct tep_frame *out,
                           struct tep_error *err)
{
    sqlite3 *db = NULL;
    sqlite3_stmt *st = NULL;
    char *sql = NULL;
    int *map = NULL; /* result column -> frame column */
    if (open_db(path, &db, err) != 0) return -1;
    /* value columns of the table that the catalogue knows */
    if (sqlite3_prepare_v2(db, "SELECT name FROM pragma_table_info('tep_processed')", -1, &st,
                           NULL) != SQLITE_OK)
        goto db_fail;
    size_t cap = 4096, used = 0;
    sql = malloc(cap);
    if (!sql) goto nomem;
    used += (size_t)snprintf(sql, cap, "SELECT sample, time_h, fault");
    int ncat = 0;
    char names[TEP_N_VARS][TEP_COLUMN_NAME_MAX];
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        const char *name = (const char *)sqlite3_column_text(st, 0);
        int v = name ? tep_catalog_lookup(name) : -1;
        if (v < 0 || strcmp(name, tep_catalog[v].name) != 0 || ncat >= TEP_N_VARS) continue;
        snprintf(names[ncat++], TEP_COLUMN_NAME_MAX, "%s", name);
        used += (size_t)snprintf(sql + used, cap - used, ", \"%s\"", name);
    }
    if (rc != SQLITE_DONE) goto db_fail; /* the column list is incomplete */
    sqlite3_finalize(st);
    st = NULL;
    snprintf(sql + used, cap - used, " FROM tep_processed WHERE run_id = ? ORDER BY id");
    if (ncat == 0) {
        tep_error_set_at(err, TEP_ERR_STORE, path, 0, 0,
                         "table tep_processed has no TEP variable columns (xmeas_N, xmv_N)");
        goto fail;
    }
    if (out->ncols == 0) {
        /* catalogue order, whatever order the table has */
        for (int v = 0; v < TEP_N_VARS; v++)
            for (int k = 0; k < ncat; k++)
                if (strcmp(names[k], tep_catalog[v].name) == 0 &&
                    tep_frame_add_column(out, names[k], v, err) < 0)
                    goto fail;
    }
    map = malloc(sizeof(int) * (size_t)ncat);
    if (!map) goto nomem;
    for (int k = 0; k < ncat; k++) map[k] = tep_frame_find(out, names[k]);
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) goto db_fail;
    sqlite3_bind_text(st, 1, run_id, -1, SQLITE_STATIC);
    tep_frame_clear(out);
    snprintf(out->run_id, sizeof out->run_id, "%s", run_id);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (sqlite3_column_type(st, 2) != SQLITE_INTEGER) {
            tep_error_set_at(err, TEP_ERR_STORE, path, 0, 0,
                             "run '%s', sample %lld in tep_processed has no fault label (%s): "
                             "expected 0 (normal) or the IDV number",
                             run_id, (long long)sqlite3_column_int64(st, 0),
                             sqlite3_column_type(st, 2) == SQLITE_NULL ? "NULL"
                                                                       : "not a whole number");
            goto fail;
        }
        if (tep_frame_push_row(out, sqlite3_column_double(st, 1), sqlite3_column_int64(st, 0),
                               sqlite3_column_int(st, 2), NULL, err) != 0)
            goto fail;
        size_t r = out->nrows - 1;
        for (int k = 0; k < ncat; k++) {
            if (map[k] < 0) continue;
            out->cols[map[k]].data[r] = sqlite3_column_type(st, 3 + k) == SQLITE_NULL
                                            ? NAN
                                            : sqlite3_column_double(st, 3 + k);
        }
    }
    if (rc != SQLITE_DONE) goto db_fail;
    if (out->nrows == 0) {
        tep_error_set_at(err, TEP_ERR_STORE, path, 0, 0, "no rows for run '%s' in tep_processed",
                         run_id);
        goto fail;
    }
    sqlite3_finalize(st);
    sqlite3_close(db);
    free(sql);
    free(map);
    return 0;
nomem:
    tep_error_set(err, TEP_ERR_NOMEM, "out of memory");
    goto fail;
db_fail:
    tep_error_set_at(err, TEP_ERR_STORE, path, 0, 0, "SQLite: %s", sqlite3_errmsg(db));
fail:
    sqlite3_finalize(st);
    sqlite3_close(db);
    free(sql);
    free(map);
    return -1;
}

static int sqlite_load_quality(const char *path, const char *run_id,
                               int (*visit)(void *user, const char *column, const char *metric,
                                            long long value),
                               void *user, struct tep_error *err)
{
    sqlite3 *db = NULL;
    sqlite3_stmt *st = NULL;
    if (open_db(path, &db, err) != 0) return -1;
    int rc = -1;
    if (sqlite3_prepare_v2(db,
                           "SELECT column_name, metric, value FROM quality WHERE run_id = ?"
                           " ORDER BY column_name, metric",
                           -1, &st, NULL) != SQLITE_OK) {
        tep_error_set_at(err, TEP_ERR_STORE, path, 0, 0, "SQLite: %s", sqlite3_errmsg(db));
        goto done;
    }
    sqlite3_bind_text(st, 1, run_id, -1, SQLITE_STATIC);
    int step;
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        const unsigned char *column = sqlite3_column_text(st, 0),
                            *metric = sqlite3_column_text(st, 1);
        if (visit(user, column ? (const char *)column : "", metric ? (const char *)metric : "",
                  sqlite3_column_int64(st, 2)) != 0)
            goto done;
    }
    if (step != SQLITE_DONE) {
        tep_error_set_at(err, TEP_ERR_STORE, path, 0, 0,
                         "SQLite: cannot read the quality of run "
                         "'%s': %s",
                         run_id, sqlite3_errmsg(db));
        goto done;
    }
    rc = 0;
done:
    sqlite3_finalize(st);
    sqlite3_close(db);
    return rc;
}

/* ------------------------------------------------------------ store references */

/* `name` + `suffix` must be a safe identifier, as pg_store.c requires of the tables. */
static int name_ok(const char *option, const char *name, const char *suffix,
                   struct tep_error *err)
{
    char full[256];
    snprintf(full, sizeof full, "%s%s", name, suffix);
    if (tep_store_identifier_ok(name) && tep_store_identifier_ok(full)) return 0;
    return tep_error_set(err, TEP_ERR_ARG,
                         "%s: '%s' is not a safe SQL identifier (letters, digits, '_' and '.', "
                         "starting with a letter or '_', at most 63 bytes with the table name)",
                         option, name);
}

int tep_store_ref_parse(const char *spec, const char *schema, const char *prefix,
                        struct tep_store_ref *ref, struct tep_error *err)
{
    memset(ref, 0, sizeof *ref);
    bool uri = strncmp(spec, "postgresql://", 13) == 0 || strncmp(spec, "postgres://", 11) == 0;
    bool pg = uri || strncmp(spec, "pg:", 3) == 0;
    if (strlen(spec) >= sizeof ref->location)
        return tep_error_set(err, TEP_ERR_ARG, "--store: longer than %zu bytes",
                             sizeof ref->location - 1);
    if (!pg) {
        if (schema || prefix)
            return tep_error_set(err, TEP_ERR_ARG,
                                 "%s applies to a PostgreSQL store (--store postgresql://... or "
                                 "pg:CONNINFO), not to the SQLite file %s",
                                 schema ? "--schema" : "--table-prefix", spec);
        ref->kind = TEP_STORE_SQLITE;
        snprintf(ref->location, sizeof ref->location, "%s", spec);
        snprintf(ref->display, sizeof ref->display, "%s", spec);
        return 0;
    }
    if ((schema && schema[0] && name_ok("--schema", schema, "", err) != 0) ||
        (prefix && prefix[0] && name_ok("--table-prefix", prefix, "tep_processed", err) != 0))
        return -1;
    ref->kind = TEP_STORE_POSTGRESQL;
    snprintf(ref->location, sizeof ref->location, "%s", uri ? spec : spec + 3);
    snprintf(ref->schema, sizeof ref->schema, "%s", schema ? schema : "");
    snprintf(ref->table_prefix, sizeof ref->table_prefix, "%s", prefix ? prefix : "");
    char masked[sizeof ref->location];
    tep_store_mask_connection(ref->location, masked, sizeof masked);
    snprintf(ref->display, sizeof ref->display, "%s%s", uri || !masked[0] ? "" : "pg:",
             masked[0] ? masked : "PostgreSQL (PG* environment)");
    return 0;
}

int tep_store_list_runs(const struct tep_store_ref *store, struct tep_store_run **runs,
                        size_t *nruns, struct tep_error *err)
{
    if (store->kind == TEP_STORE_POSTGRESQL) return tep_pg_list_runs(store, runs, nruns, err);
    return sqlite_list_runs(store->location, runs, nruns, err);
}

int tep_store_load_run(const struct tep_store_ref *store, const char *run_id,
                       struct tep_frame *out, struct tep_error *err)
{
    if (store->kind == TEP_STORE_POSTGRESQL) return tep_pg_load_run(store, run_id, out, err);
    return sqlite_load_run(store->location, run_id, out, err);
}

int tep_store_load_quality(const struct tep_store_ref *store, const char *run_id,
                           int (*visit)(void *user, const char *column, const char *metric,
                                        long long value),
                           void *user, struct tep_error *err)
{
    if (store->kind == TEP_STORE_POSTGRESQL)
        return tep_pg_load_quality(store, run_id, visit, user, err);
    return sqlite_load_quality(store->location, run_id, visit, user, err);
}
