/* sqlite_store.c - the embedded default store: SQLite, no server to set up.
 *
 * Tables (created when missing):
 *   runs(run_number INTEGER PRIMARY KEY, run_id TEXT UNIQUE, source_kind, source,
 *        size_bytes, sha256, rows_read, rows_stored, fault, fault_onset_h, seed, hours,
 *        shutdown_time_h, shutdown_reason, config_sha256, started_at, finished_at,
 *        status, quality_json)
 *   tep_processed(id INTEGER PRIMARY KEY, run_id TEXT, sample INTEGER, time_h REAL,
 *                 fault INTEGER, <one REAL column per value / feature column>)
 *   quality(run_id, column_name, metric, value): the run's data-quality counters.
 * tep_processed.id is run_number * 2^32 + the row's position in the run, so a
 * run's rows are contiguous in the table: replacing a run on rerun is a range
 * delete, and loading appends in key order. Every run is written in one
 * transaction (begin_run .. end_run); a failure rolls back and leaves the
 * store exactly as before. Column names are checked to be plain identifiers.
 */
#include <ctype.h>
#include <math.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/log.h"
#include "core/stage.h"
#include "store/store.h"

struct sqlite_options {
    char connection_string[TEP_CFG_STRING_MAX]; /* database file path */
};

struct sqlite_ctx {
    sqlite3 *db;
    char path[TEP_CFG_STRING_MAX];
    sqlite3_stmt *insert;       /* for the current run's column set */
    char insert_columns[8192];  /* signature of the prepared insert */
    long long run_number;
    long long next_row;
    bool in_transaction;
    double *block;              /* rows of a chunk gathered row-major (cache-friendly binds) */
    size_t block_cols;
};

/* Rows are gathered this many at a time from the frame's columns into a
 * row-major block: reading 200+ column arrays row by row would miss the cache
 * on nearly every value. */
#define GATHER_ROWS 64

static const struct tep_cfg_key sqlite_keys[] = {
    {"connection_string", TEP_CFG_STRING, "data/tep.db", offsetof(struct sqlite_options, connection_string),
     "SQLite database file (created with its folder's permissions when missing)", NULL,
     TEP_CFG_UNBOUNDED},
    {NULL, 0, NULL, 0, NULL, NULL, 0, 0},
};

static int db_error(struct sqlite_ctx *c, struct tep_error *err, const char *what)
{
    return tep_error_set_at(err, TEP_ERR_STORE, c->path, 0, 0, "SQLite: %s: %s", what,
                            c->db ? sqlite3_errmsg(c->db) : "no database");
}

static int exec(struct sqlite_ctx *c, const char *sql, struct tep_error *err)
{
    char *msg = NULL;
    if (sqlite3_exec(c->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
        tep_error_set_at(err, TEP_ERR_STORE, c->path, 0, 0, "SQLite: %s (while running: %.80s)",
                         msg ? msg : "error", sql);
        sqlite3_free(msg);
        return -1;
    }
    return 0;
}

bool tep_store_identifier_ok(const char *name)
{
    if (!name[0] || strlen(name) > 63) return false;
    if (!(isalpha((unsigned char)name[0]) || name[0] == '_')) return false;
    for (const char *p = name; *p; p++)
        if (!(isalnum((unsigned char)*p) || *p == '_' || *p == '.')) return false;
    return true;
}

static const char *schema_sql =
    "CREATE TABLE IF NOT EXISTS runs ("
    " run_number INTEGER PRIMARY KEY, run_id TEXT NOT NULL UNIQUE, source_kind TEXT,"
    " source TEXT, size_bytes INTEGER, sha256 TEXT, rows_read INTEGER, rows_stored INTEGER,"
    " fault INTEGER, fault_onset_h REAL, seed REAL, hours REAL, shutdown_time_h REAL,"
    " shutdown_reason TEXT, config_sha256 TEXT, started_at TEXT, finished_at TEXT,"
    " status TEXT, quality_json TEXT);"
    "CREATE TABLE IF NOT EXISTS tep_processed ("
    " id INTEGER PRIMARY KEY, run_id TEXT NOT NULL, sample INTEGER NOT NULL, time_h REAL,"
    " fault INTEGER);"
    "CREATE TABLE IF NOT EXISTS quality ("
    " run_id TEXT NOT NULL, column_name TEXT NOT NULL, metric TEXT NOT NULL, value INTEGER,"
    " PRIMARY KEY (run_id, column_name, metric)) WITHOUT ROWID;";

static int sqlite_init(struct tep_stage *stage, struct tep_error *err)
{
    struct sqlite_options *o = stage->options;
    struct sqlite_ctx *c = calloc(1, sizeof *c);
    if (!c) return tep_error_set(err, TEP_ERR_NOMEM, "out of memory");
    stage->ctx = c;
    snprintf(c->path, sizeof c->path, "%s", o->connection_string);
    if (!c->path[0])
        return tep_error_set(err, TEP_ERR_CONFIG, "storage.connection_string: expected the "
                                                  "SQLite database file path");
    /* one connection per stage, used by one thread: no per-call mutex */
    if (sqlite3_open_v2(c->path, &c->db,
                        SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL) !=
        SQLITE_OK)
        return db_error(c, err, "cannot open the database");
    sqlite3_busy_timeout(c->db, 10000);
    /* Large pages keep a 200-column row on one page; applies to new databases only. */
    if (exec(c, "PRAGMA page_size=65536; PRAGMA synchronous=NORMAL; PRAGMA cache_size=-32768;",
             err) != 0)
        return -1;
    if (exec(c, schema_sql, err) != 0) return -1;
    return 0;
}

/* Existing columns of tep_processed. */
static int table_has_column(struct sqlite_ctx *c, const char *name, bool *has,
                            struct tep_error *err)
{
    sqlite3_stmt *st = NULL;
    *has = false;
    if (sqlite3_prepare_v2(c->db, "SELECT 1 FROM pragma_table_info('tep_processed') WHERE name=?",
                           -1, &st, NULL) != SQLITE_OK)
        return db_error(c, err, "cannot read the table layout");
    sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    *has = rc == SQLITE_ROW;
    sqlite3_finalize(st);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) return db_error(c, err, "cannot read the table layout");
    return 0;
}

static int sqlite_begin_run(struct tep_stage *stage, struct tep_run_meta *meta,
                            struct tep_error *err)
{
    struct sqlite_ctx *c = stage->ctx;
    sqlite3_stmt *st = NULL;
    if (exec(c, "BEGIN IMMEDIATE", err) != 0) return -1;
    c->in_transaction = true;
    /* keep the run's number when it was stored before, so its row range is stable */
    if (sqlite3_prepare_v2(c->db,
                           "INSERT INTO runs(run_id, status) VALUES(?, 'loading') "
                           "ON CONFLICT(run_id) DO UPDATE SET status='loading' "
                           "RETURNING run_number",
                           -1, &st, NULL) != SQLITE_OK)
        goto fail;
    sqlite3_bind_text(st, 1, meta->run_id, -1, SQLITE_TRANSIENT);
    if (sqlite3_step(st) != SQLITE_ROW) goto fail;
    c->run_number = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    st = NULL;
    if (sqlite3_prepare_v2(c->db, "DELETE FROM tep_processed WHERE id BETWEEN ? AND ?", -1, &st,
                           NULL) != SQLITE_OK)
        goto fail;
    sqlite3_bind_int64(st, 1, c->run_number << 32);
    sqlite3_bind_int64(st, 2, (c->run_number << 32) | 0xFFFFFFFFLL);
    if (sqlite3_step(st) != SQLITE_DONE) goto fail;
    sqlite3_finalize(st);
    st = NULL;
    if (sqlite3_prepare_v2(c->db, "DELETE FROM quality WHERE run_id=?", -1, &st, NULL) !=
        SQLITE_OK)
        goto fail;
    sqlite3_bind_text(st, 1, meta->run_id, -1, SQLITE_TRANSIENT);
    if (sqlite3_step(st) != SQLITE_DONE) goto fail;
    sqlite3_finalize(st);
    c->next_row = 1;
    return 0;
fail:
    db_error(c, err, "cannot start storing the run");
    sqlite3_finalize(st);
    return -1;
}

/* Prepare an INSERT for the frame's column set, adding missing table columns. */
static int prepare_insert(struct sqlite_ctx *c, const struct tep_frame *f, struct tep_error *err)
{
    char signature[8192];
    size_t used = 0;
    for (size_t i = 0; i < f->ncols && used < sizeof signature; i++)
        used += (size_t)snprintf(signature + used, sizeof signature - used, "%s,", f->cols[i].name);
    if (c->insert && strcmp(signature, c->insert_columns) == 0) return 0;
    sqlite3_finalize(c->insert);
    c->insert = NULL;
    size_t cap = 256 + f->ncols * (TEP_COLUMN_NAME_MAX + 8);
    char *sql = malloc(cap), *values = malloc(8 + f->ncols * 2 + 16);
    if (!sql || !values) {
        free(sql);
        free(values);
        return tep_error_set(err, TEP_ERR_NOMEM, "out of memory");
    }
    size_t n = (size_t)snprintf(sql, cap, "INSERT INTO tep_processed(id,run_id,sample,time_h,fault");
    size_t nv = (size_t)sprintf(values, "?,?,?,?,?");
    for (size_t i = 0; i < f->ncols; i++) {
        const char *name = f->cols[i].name;
        if (!tep_store_identifier_ok(name)) {
            free(sql);
            free(values);
            return tep_error_set_at(err, TEP_ERR_STORE, c->path, 0, 0,
                                    "column name '%s' is not a safe SQL identifier "
                                    "(letters, digits, '_' and '.', starting with a letter)",
                                    name);
        }
        bool has;
        if (table_has_column(c, name, &has, err) != 0) goto fail;
        if (!has) {
            char alter[256];
            snprintf(alter, sizeof alter, "ALTER TABLE tep_processed ADD COLUMN \"%s\" REAL", name);
            if (exec(c, alter, err) != 0) goto fail;
        }
        n += (size_t)snprintf(sql + n, cap - n, ",\"%s\"", name);
        nv += (size_t)sprintf(values + nv, ",?");
    }
    snprintf(sql + n, cap - n, ") VALUES(%s)", values);
    if (sqlite3_prepare_v2(c->db, sql, -1, &c->insert, NULL) != SQLITE_OK) {
        db_error(c, err, "cannot prepare the insert");
        goto fail;
    }
    snprintf(c->insert_columns, sizeof c->insert_columns, "%s", signature);
    free(sql);
    free(values);
    return 0;
fail:
    free(sql);
    free(values);
    return -1;
}

static long sqlite_process(struct tep_stage *stage, struct tep_frame *f, struct tep_run_meta *meta,
                           struct tep_error *err)
{
    struct sqlite_ctx *c = stage->ctx;
    if (f->nrows == 0) return 0;
    if (prepare_insert(c, f, err) != 0) return -1;
    if (c->block_cols < f->ncols) {
        free(c->block);
        c->block = malloc(sizeof(double) * GATHER_ROWS * f->ncols);
        if (!c->block) {
            c->block_cols = 0;
            return tep_error_set(err, TEP_ERR_NOMEM, "out of memory");
        }
        c->block_cols = f->ncols;
    }
    sqlite3_stmt *st = c->insert;
    size_t ncols = f->ncols;
    int run_id_len = (int)strlen(meta->run_id);
    for (size_t r0 = 0; r0 < f->nrows; r0 += GATHER_ROWS) {
        size_t nr = f->nrows - r0 < GATHER_ROWS ? f->nrows - r0 : GATHER_ROWS;
        for (size_t i = 0; i < ncols; i++) {
            const double *col = f->cols[i].data + r0;
            for (size_t k = 0; k < nr; k++) c->block[k * ncols + i] = col[k];
        }
        for (size_t k = 0; k < nr; k++) {
            size_t r = r0 + k;
            if (c->next_row > 0xFFFFFFFFLL)
                return tep_error_set(err, TEP_ERR_STORE, "run %s has more than 2^32 rows",
                                     meta->run_id);
            sqlite3_bind_int64(st, 1, (c->run_number << 32) | c->next_row);
            sqlite3_bind_text(st, 2, meta->run_id, run_id_len, SQLITE_STATIC);
            sqlite3_bind_int64(st, 3, f->sample[r]);
            sqlite3_bind_double(st, 4, f->time_h[r]);
            sqlite3_bind_int(st, 5, f->fault[r]);
            /* SQLite stores a NaN bound as a double as NULL (a missing value) */
            const double *row = c->block + k * ncols;
            for (size_t i = 0; i < ncols; i++) sqlite3_bind_double(st, 6 + (int)i, row[i]);
            if (sqlite3_step(st) != SQLITE_DONE) {
                db_error(c, err, "cannot insert a row");
                sqlite3_reset(st);
                return -1;
            }
            sqlite3_reset(st);
            c->next_row++;
        }
    }
    meta->rows_stored += (long long)f->nrows;
    return (long)f->nrows;
}

static void iso_time(double unix_s, char *buf, size_t n)
{
    time_t t = (time_t)unix_s;
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(buf, n, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static void bind_double_or_null(sqlite3_stmt *st, int i, double v)
{
    if (isnan(v))
        sqlite3_bind_null(st, i);
    else
        sqlite3_bind_double(st, i, v);
}

static int sqlite_end_run(struct tep_stage *stage, struct tep_run_meta *meta, struct tep_frame *tail,
                          struct tep_error *err)
{
    (void)tail;
    struct sqlite_ctx *c = stage->ctx;
    sqlite3_stmt *st = NULL;
    char started[32], finished[32];
    iso_time(meta->started_unix, started, sizeof started);
    iso_time(meta->finished_unix, finished, sizeof finished);
    char *quality_json = tep_store_quality_json(meta);
    if (sqlite3_prepare_v2(
            c->db,
            "UPDATE runs SET source_kind=?, source=?, size_bytes=?, sha256=?, rows_read=?,"
            " rows_stored=?, fault=?, fault_onset_h=?, seed=?, hours=?, shutdown_time_h=?,"
            " shutdown_reason=?, config_sha256=?, started_at=?, finished_at=?, status='complete',"
            " quality_json=? WHERE run_number=?",
            -1, &st, NULL) != SQLITE_OK)
        goto fail;
    sqlite3_bind_text(st, 1, meta->source_kind, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, meta->source, -1, SQLITE_STATIC);
    if (meta->size_bytes >= 0) sqlite3_bind_int64(st, 3, meta->size_bytes);
    else sqlite3_bind_null(st, 3);
    if (meta->sha256[0]) sqlite3_bind_text(st, 4, meta->sha256, -1, SQLITE_STATIC);
    else sqlite3_bind_null(st, 4);
    sqlite3_bind_int64(st, 5, meta->rows_read);
    sqlite3_bind_int64(st, 6, meta->rows_stored);
    sqlite3_bind_int(st, 7, meta->fault);
    bind_double_or_null(st, 8, meta->fault_onset_h);
    bind_double_or_null(st, 9, meta->seed);
    bind_double_or_null(st, 10, meta->hours);
    if (meta->shutdown_step > 0) {
        sqlite3_bind_double(st, 11, meta->shutdown_time_h);
        sqlite3_bind_text(st, 12, meta->shutdown_reason, -1, SQLITE_STATIC);
    } else {
        sqlite3_bind_null(st, 11);
        sqlite3_bind_null(st, 12);
    }
    sqlite3_bind_text(st, 13, meta->config_sha256, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 14, started, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 15, finished, -1, SQLITE_STATIC);
    if (quality_json) sqlite3_bind_text(st, 16, quality_json, -1, SQLITE_STATIC);
    else sqlite3_bind_null(st, 16);
    sqlite3_bind_int64(st, 17, c->run_number);
    if (sqlite3_step(st) != SQLITE_DONE) goto fail;
    sqlite3_finalize(st);
    st = NULL;
    if (tep_store_quality_rows(meta, stage, err) != 0) goto fail_quiet;
    if (exec(c, "COMMIT", err) != 0) goto fail_quiet;
    c->in_transaction = false;
    free(quality_json);
    return 0;
fail:
    db_error(c, err, "cannot record the run");
fail_quiet:
    sqlite3_finalize(st);
    free(quality_json);
    return -1;
}

int tep_sqlite_store_quality_row(struct tep_stage *stage, const char *run_id, const char *column,
                                 const char *metric, long long value, struct tep_error *err)
{
    struct sqlite_ctx *c = stage->ctx;
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(c->db,
                           "INSERT OR REPLACE INTO quality(run_id, column_name, metric, value) "
                           "VALUES(?,?,?,?)",
                           -1, &st, NULL) != SQLITE_OK)
        return db_error(c, err, "cannot store quality metrics");
    sqlite3_bind_text(st, 1, run_id, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, column, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, metric, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 4, value);
    int rc = sqlite3_step(st);
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE) return db_error(c, err, "cannot store quality metrics");
    return 0;
}

static void sqlite_abort_run(struct tep_stage *stage, struct tep_run_meta *meta)
{
    struct sqlite_ctx *c = stage->ctx;
    if (!c || !c->in_transaction) return;
    sqlite3_exec(c->db, "ROLLBACK", NULL, NULL, NULL);
    c->in_transaction = false;
    tep_warn("sqlite", "run %s rolled back; %s is as before the run", meta->run_id, c->path);
}

static int sqlite_finish(struct tep_stage *stage, struct tep_error *err)
{
    (void)stage;
    (void)err;
    return 0;
}

static void sqlite_destroy(struct tep_stage *stage)
{
    struct sqlite_ctx *c = stage->ctx;
    if (!c) return;
    if (c->in_transaction) sqlite3_exec(c->db, "ROLLBACK", NULL, NULL, NULL);
    sqlite3_finalize(c->insert);
    sqlite3_close(c->db);
    free(c->block);
    free(c);
    stage->ctx = NULL;
}

const struct tep_stage_plugin tep_store_sqlite_plugin = {
    .name = "sqlite",
    .description = "embedded SQLite database (the default; no server needed)",
    .kind = TEP_STAGE_OUTPUT,
    .config_keys = sqlite_keys,
    .options_size = sizeof(struct sqlite_options),
    .init = sqlite_init,
    .begin_run = sqlite_begin_run,
    .process = sqlite_process,
    .end_run = sqlite_end_run,
    .abort_run = sqlite_abort_run,
    .finish = sqlite_finish,
    .destroy = sqlite_destroy,
};
