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
 * Speed: a chunk goes in with one INSERT ... SELECT from a virtual table over the
 * frame (no bind call per value), and the file's write-back is started after
 * every chunk so the commit's fsync does not have to write gigabytes at once.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

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
    double *block;              /* rows of a chunk gathered row-major (cache-friendly reads) */
    size_t block_cols;
    /* the chunk the feed virtual table serves to INSERT ... SELECT */
    const struct tep_frame *feed;
    const char *feed_run_id;
    int feed_run_id_len;
    long long feed_first_row;   /* position in the run of the chunk's first row */
    int flush_fd;               /* the database file, to start its write-back early */
    size_t feed_block_start;    /* first row gathered in `block` */
};

/* Rows are gathered this many at a time from the frame's columns into a
 * row-major block: reading 200+ column arrays row by row would miss the cache
 * on nearly every value. */
#define GATHER_ROWS 64

/* Most value columns the feed table can serve (SQLite's default column limit is 2000). */
#define FEED_MAX_COLUMNS 1990

static const struct tep_cfg_key sqlite_keys[] = {
    {"connection_string", TEP_CFG_STRING, "data/tep.db",
     offsetof(struct sqlite_options, connection_string),
     "SQLite database file (created when missing, with its folder's permissions; the folder "
     "must exist)",
     NULL, TEP_CFG_UNBOUNDED},
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

static const sqlite3_module feed_module;

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
    c->flush_fd = -1;
    stage->ctx = c;
    snprintf(c->path, sizeof c->path, "%s", o->connection_string);
    if (!c->path[0])
        return tep_error_set(err, TEP_ERR_CONFIG, "storage.connection_string: expected the "
                                                  "SQLite database file path");
    /* the file is created when missing, its folder is not: say which folder is missing
     * rather than SQLite's bare "unable to open database file" */
    const char *slash = strrchr(c->path, '/');
    if (slash) {
        char folder[TEP_CFG_STRING_MAX];
        struct stat st;
        snprintf(folder, sizeof folder, "%.*s", slash == c->path ? 1 : (int)(slash - c->path),
                 c->path);
        int problem = stat(folder, &st) != 0 ? errno : S_ISDIR(st.st_mode) ? 0 : ENOTDIR;
        if (problem)
            return tep_error_set_at(err, TEP_ERR_IO, c->path, 0, 0,
                                    "SQLite: cannot open the database: its folder '%s' %s "
                                    "(storage.connection_string: the database file is created "
                                    "when missing, its folder must exist)",
                                    folder,
                                    problem == ENOENT    ? "does not exist"
                                    : problem == ENOTDIR ? "is not a folder"
                                                         : strerror(problem));
    }
    /* one connection per stage, used by one thread: no per-call mutex */
    if (sqlite3_open_v2(c->path, &c->db,
                        SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL) !=
        SQLITE_OK)
        return db_error(c, err, "cannot open the database");
    sqlite3_busy_timeout(c->db, 10000);
    /* Large pages keep a 200-column row on one page; applies to new databases only. */
    if (exec(c, "PRAGMA page_size=65536; PRAGMA synchronous=NORMAL; PRAGMA cache_size=-8192;",
             err) != 0)
        return -1;
    /* the tables appear together or not at all (a kill between two CREATEs left a
     * store with `runs` alone); IMMEDIATE waits for a concurrent writer instead of
     * failing when two processes create the same new file */
    if (exec(c, "BEGIN IMMEDIATE", err) != 0) return -1;
    if (exec(c, schema_sql, err) != 0 || exec(c, "COMMIT", err) != 0) {
        sqlite3_exec(c->db, "ROLLBACK", NULL, NULL, NULL);
        return -1;
    }
    if (sqlite3_create_module(c->db, "tep_frame_feed", &feed_module, c) != SQLITE_OK)
        return db_error(c, err, "cannot register the row feed");
    /* A bulk load leaves gigabytes of dirty pages that the commit's fsync would write all
     * at once; asking the kernel to start writing them after every chunk lets the disk work
     * while the load goes on (the commit still syncs, so durability is unchanged). */
    c->flush_fd = open(c->path, O_RDONLY | O_CLOEXEC);
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

/* ---- the feed: a virtual table over the chunk being stored ------------------------
 * Rows go in with one INSERT INTO tep_processed(...) SELECT ... FROM tep_frame_feed per
 * chunk. The virtual table serves the frame's values straight from memory, so no bind
 * call is made per value and the statement runs once per chunk, not once per row.
 * Columns: id, run_id, sample, time_h, fault, c0 .. c1989 (c_i = the chunk's column i). */
struct feed_vtab {
    sqlite3_vtab base;
    struct sqlite_ctx *ctx;
};

struct feed_cursor {
    sqlite3_vtab_cursor base;
    size_t row;
};

static void gather_block(struct sqlite_ctx *c, size_t start)
{
    const struct tep_frame *f = c->feed;
    size_t nr = f->nrows - start < GATHER_ROWS ? f->nrows - start : GATHER_ROWS;
    for (size_t i = 0; i < f->ncols; i++) {
        const double *col = f->cols[i].data + start;
        for (size_t k = 0; k < nr; k++) c->block[k * f->ncols + i] = col[k];
    }
    c->feed_block_start = start;
}

static int feed_connect(sqlite3 *db, void *aux, int argc, const char *const *argv,
                        sqlite3_vtab **out, char **errmsg)
{
    (void)argc;
    (void)argv;
    (void)errmsg;
    size_t cap = 64 + FEED_MAX_COLUMNS * 8;
    char *sql = malloc(cap);
    if (!sql) return SQLITE_NOMEM;
    size_t n = (size_t)snprintf(sql, cap, "CREATE TABLE x(id,run_id,sample,time_h,fault");
    for (int i = 0; i < FEED_MAX_COLUMNS; i++) n += (size_t)snprintf(sql + n, cap - n, ",c%d", i);
    snprintf(sql + n, cap - n, ")");
    int rc = sqlite3_declare_vtab(db, sql);
    free(sql);
    if (rc != SQLITE_OK) return rc;
    struct feed_vtab *v = sqlite3_malloc(sizeof *v);
    if (!v) return SQLITE_NOMEM;
    memset(v, 0, sizeof *v);
    v->ctx = aux;
    *out = &v->base;
    return SQLITE_OK;
}

static int feed_disconnect(sqlite3_vtab *vtab)
{
    sqlite3_free(vtab);
    return SQLITE_OK;
}

static int feed_best_index(sqlite3_vtab *vtab, sqlite3_index_info *info)
{
    (void)vtab;
    info->estimatedCost = 1e6;
    return SQLITE_OK;
}

static int feed_open(sqlite3_vtab *vtab, sqlite3_vtab_cursor **out)
{
    (void)vtab;
    struct feed_cursor *cur = sqlite3_malloc(sizeof *cur);
    if (!cur) return SQLITE_NOMEM;
    memset(cur, 0, sizeof *cur);
    *out = &cur->base;
    return SQLITE_OK;
}

static int feed_close(sqlite3_vtab_cursor *cur)
{
    sqlite3_free(cur);
    return SQLITE_OK;
}

static int feed_filter(sqlite3_vtab_cursor *base, int idx, const char *idx_str, int argc,
                       sqlite3_value **argv)
{
    (void)idx;
    (void)idx_str;
    (void)argc;
    (void)argv;
    struct feed_cursor *cur = (struct feed_cursor *)base;
    struct sqlite_ctx *c = ((struct feed_vtab *)base->pVtab)->ctx;
    cur->row = 0;
    if (c->feed && c->feed->nrows > 0) gather_block(c, 0);
    return SQLITE_OK;
}

static int feed_next(sqlite3_vtab_cursor *base)
{
    struct feed_cursor *cur = (struct feed_cursor *)base;
    struct sqlite_ctx *c = ((struct feed_vtab *)base->pVtab)->ctx;
    cur->row++;
    if (cur->row < c->feed->nrows && cur->row - c->feed_block_start >= GATHER_ROWS)
        gather_block(c, cur->row);
    return SQLITE_OK;
}

static int feed_eof(sqlite3_vtab_cursor *base)
{
    struct feed_cursor *cur = (struct feed_cursor *)base;
    struct sqlite_ctx *c = ((struct feed_vtab *)base->pVtab)->ctx;
    return !c->feed || cur->row >= c->feed->nrows;
}

static int feed_column(sqlite3_vtab_cursor *base, sqlite3_context *out, int col)
{
    struct feed_cursor *cur = (struct feed_cursor *)base;
    struct sqlite_ctx *c = ((struct feed_vtab *)base->pVtab)->ctx;
    const struct tep_frame *f = c->feed;
    size_t r = cur->row;
    switch (col) {
    case 0: sqlite3_result_int64(out, (c->run_number << 32) | (c->feed_first_row + (long long)r)); break;
    case 1: sqlite3_result_text(out, c->feed_run_id, c->feed_run_id_len, SQLITE_STATIC); break;
    case 2: sqlite3_result_int64(out, f->sample[r]); break;
    case 3: sqlite3_result_double(out, f->time_h[r]); break;
    case 4: sqlite3_result_int(out, f->fault[r]); break;
    default: {
        size_t i = (size_t)(col - 5);
        if (i >= f->ncols) {
            sqlite3_result_null(out);
        } else {
            /* a NaN becomes NULL in SQLite: a missing value */
            sqlite3_result_double(out, c->block[(r - c->feed_block_start) * f->ncols + i]);
        }
    }
    }
    return SQLITE_OK;
}

static int feed_rowid(sqlite3_vtab_cursor *base, sqlite_int64 *rowid)
{
    *rowid = (sqlite_int64)((struct feed_cursor *)base)->row;
    return SQLITE_OK;
}

static const sqlite3_module feed_module = {
    .iVersion = 0,
    .xCreate = NULL, /* eponymous only: the table exists as soon as the module does */
    .xConnect = feed_connect,
    .xBestIndex = feed_best_index,
    .xDisconnect = feed_disconnect,
    .xDestroy = feed_disconnect,
    .xOpen = feed_open,
    .xClose = feed_close,
    .xFilter = feed_filter,
    .xNext = feed_next,
    .xEof = feed_eof,
    .xColumn = feed_column,
    .xRowid = feed_rowid,
};

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
    size_t cap = 256 + f->ncols * (TEP_COLUMN_NAME_MAX + 16);
    char *sql = malloc(cap);
    if (!sql) return tep_error_set(err, TEP_ERR_NOMEM, "out of memory");
    if (f->ncols > FEED_MAX_COLUMNS) {
        free(sql);
        return tep_error_set_at(err, TEP_ERR_STORE, c->path, 0, 0,
                                "%zu value columns: SQLite stores at most %d", f->ncols,
                                FEED_MAX_COLUMNS);
    }
    size_t n = (size_t)snprintf(sql, cap, "INSERT INTO tep_processed(id,run_id,sample,time_h,fault");
    for (size_t i = 0; i < f->ncols; i++) {
        const char *name = f->cols[i].name;
        if (!tep_store_identifier_ok(name)) {
            free(sql);
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
    }
    n += (size_t)snprintf(sql + n, cap - n, ") SELECT id,run_id,sample,time_h,fault");
    for (size_t i = 0; i < f->ncols; i++) n += (size_t)snprintf(sql + n, cap - n, ",c%zu", i);
    snprintf(sql + n, cap - n, " FROM tep_frame_feed");
    if (sqlite3_prepare_v2(c->db, sql, -1, &c->insert, NULL) != SQLITE_OK) {
        db_error(c, err, "cannot prepare the insert");
        goto fail;
    }
    snprintf(c->insert_columns, sizeof c->insert_columns, "%s", signature);
    free(sql);
    return 0;
fail:
    free(sql);
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
    if (c->next_row + (long long)f->nrows - 1 > 0xFFFFFFFFLL)
        return tep_error_set(err, TEP_ERR_STORE, "run %s has more than 2^32 rows", meta->run_id);
    c->feed = f;
    c->feed_run_id = meta->run_id;
    c->feed_run_id_len = (int)strlen(meta->run_id);
    c->feed_first_row = c->next_row;
    int rc = sqlite3_step(c->insert);
    sqlite3_reset(c->insert);
    c->feed = NULL;
    if (rc != SQLITE_DONE) return db_error(c, err, "cannot insert the rows");
    c->next_row += (long long)f->nrows;
    if (c->flush_fd >= 0) sync_file_range(c->flush_fd, 0, 0, SYNC_FILE_RANGE_WRITE);
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
    if (c->flush_fd >= 0) close(c->flush_fd);
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
