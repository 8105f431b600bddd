/* pg_store.c - storage.type postgresql: the SQLite store's tables on a PostgreSQL
 * server, bulk-loaded with binary COPY through libpq.
 *
 * Tables (created when missing, in storage.schema, names prefixed with
 * storage.table_prefix; both must be plain identifiers and are always quoted):
 *   runs(run_number bigint identity primary key, run_id text unique, ... as SQLite,
 *        started_at/finished_at timestamptz, quality_json jsonb)
 *   tep_processed(id bigint primary key, run_id text, sample bigint, time_h double
 *        precision, fault integer, ts timestamptz, <one double precision column per
 *        value / feature column, added with ALTER TABLE ADD COLUMN IF NOT EXISTS>)
 *   quality(run_id, column_name, metric, value bigint)
 * As in SQLite, tep_processed.id = run_number * 2^32 + the row's position in the
 * run, so a run is an id range. ts = time base + time_h hours, where the base is
 * storage.start_time or the run's start: an absolute time for time-series tools.
 *
 * Layouts of tep_processed (storage.layout; an existing table keeps its kind):
 *   partitioned (default without TimescaleDB): PARTITION BY RANGE (id), one
 *     partition <prefix>tep_processed_r<run_number> per run. A run is loaded by
 *     storage.connections connections in parallel (one thread each, fed by the
 *     pipeline's writer thread) into a table <..._r<n>_load> that readers do not
 *     see; the run's transaction on the main connection then drops the run's old
 *     partition (rerun = replace), attaches the new one, records the run and its
 *     quality rows and commits: readers see the old run or the new one, never a
 *     part. A load that dies leaves only that invisible _load table; the next
 *     start of the store drops such tables whose run nobody is loading (each run's
 *     transaction holds an advisory lock on its run number).
 *   table: one plain table; the run's transaction deletes the run's id range,
 *     COPYs the rows on the main connection and commits (one connection).
 *   TimescaleDB (auto when the extension is installed or CREATE EXTENSION works,
 *     storage.timescaledb): a new tep_processed becomes a hypertable on ts and is
 *     loaded like `table`; its primary key is (id, ts), as a hypertable's unique
 *     keys must hold its time column.
 *
 * Invariants: a run is all stored or not at all; a failure, a lost connection
 * included, rolls back (the server discards an unfinished transaction); a run is
 * not redone. Connecting retries with exponential backoff for
 * storage.retry_seconds while the server does not answer; refused credentials
 * fail at once. Passwords never appear in messages (masked and scrubbed).
 * process() runs on the pipeline's writer thread, the other callbacks on the main
 * thread, never concurrently; loader threads only send COPY data.
 */
#include <endian.h>
#include <libpq-fe.h>
#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/log.h"
#include "core/progress.h"
#include "core/stage.h"
#include "prep/prep.h"
#include "store/pg_conninfo.h"
#include "store/store.h"
#include "store/store_servers.h"

enum { TSDB_AUTO, TSDB_ON, TSDB_OFF };
enum { LAYOUT_AUTO, LAYOUT_PARTITIONED, LAYOUT_TABLE, LAYOUT_HYPERTABLE };

struct pg_options {
    char connection_string[TEP_CFG_STRING_MAX];
    char schema[TEP_CFG_STRING_MAX];
    char table_prefix[TEP_CFG_STRING_MAX];
    double retry_seconds;
    int layout;
    long connections;
    int timescaledb;
    char start_time[TEP_CFG_STRING_MAX];
};

static const struct tep_cfg_key pg_keys[] = {
    {"connection_string", TEP_CFG_STRING, "", offsetof(struct pg_options, connection_string),
     "libpq conninfo ('host=... dbname=...') or URI (postgresql://user@host/db); empty = the "
     "PGHOST, PGPORT, PGDATABASE, PGUSER, PGPASSWORD environment (passwords are never logged)",
     NULL, TEP_CFG_UNBOUNDED},
    {"schema", TEP_CFG_STRING, "", offsetof(struct pg_options, schema),
     "schema of the tables (created when missing); empty = the connection's search_path", NULL,
     TEP_CFG_UNBOUNDED},
    {"table_prefix", TEP_CFG_STRING, "", offsetof(struct pg_options, table_prefix),
     "prefix of the table names (<prefix>runs, <prefix>tep_processed, <prefix>quality)", NULL,
     TEP_CFG_UNBOUNDED},
    {"retry_seconds", TEP_CFG_DOUBLE, "30", offsetof(struct pg_options, retry_seconds),
     "keep retrying to connect (exponential backoff) this long while the server does not answer",
     NULL, 0, 86400},
    {"layout", TEP_CFG_ENUM, "auto", offsetof(struct pg_options, layout),
     "a new tep_processed: partitioned (a partition per run, loaded over several connections, "
     "rerun = swap of the run's partition), table (one table: DELETE + COPY), auto (a TimescaleDB "
     "hypertable when available, else partitioned); an existing table keeps its kind",
     "auto|partitioned|table", TEP_CFG_UNBOUNDED},
    {"connections", TEP_CFG_INT, "2", offsetof(struct pg_options, connections),
     "connections loading a run in parallel (partitioned layout; about the server's free cores)",
     NULL, 1, 32},
    {"timescaledb", TEP_CFG_ENUM, "auto", offsetof(struct pg_options, timescaledb),
     "make a new tep_processed a TimescaleDB hypertable on ts: auto (when the extension is "
     "available and layout is auto), on (required), off",
     "auto|on|off", TEP_CFG_UNBOUNDED},
    {"start_time", TEP_CFG_STRING, "", offsetof(struct pg_options, start_time),
     "time base of the ts column (ISO-8601, UTC unless a zone is given): ts = start_time + time_h; "
     "empty = each run's start",
     NULL, TEP_CFG_UNBOUNDED},
    {NULL, 0, NULL, 0, NULL, NULL, 0, 0},
};

/* The key columns written before the value columns, in COPY order. */
static const char *const key_columns[] = {"id", "run_id", "sample", "time_h", "fault", "ts", NULL};
#define NKEYS 6

#define PG_EPOCH_UNIX 946684800.0 /* 2000-01-01T00:00:00Z, the origin of timestamptz */
#define PIECE_BYTES (1u << 20)    /* COPY data moves in pieces of about this size */
#define GATHER_ROWS 32            /* rows encoded together (their output stays in cache) */

struct piece {
    unsigned char *data;
    size_t len, cap;
};

struct pg_loader {
    struct pg_ctx *c;
    PGconn *conn;
    pthread_t thread;
    bool running; /* its thread is started */
    bool copying; /* a COPY is open on conn */
};

struct pg_ctx {
    PGconn *conn; /* the main connection: DDL, the run's transaction */
    char conninfo[TEP_CFG_STRING_MAX];
    char where[512];    /* masked description used in messages */
    char *secrets[TEP_PG_SECRETS]; /* passwords scrubbed from every message */
    char schema[128];   /* storage.schema, "" = search_path */
    char schema_q[160]; /* "schema". or "" */
    char prefix[TEP_CFG_STRING_MAX];
    char t_runs[160], t_proc[160], t_quality[160]; /* quoted, schema-qualified */
    double retry_seconds;
    int timescaledb, layout;
    double start_base; /* NAN: each run's start */
    /* partitioned layout: the loaders and the queue of pieces they send */
    struct pg_loader *loaders;
    size_t nloaders;
    pthread_mutex_t lock;
    pthread_cond_t cond;
    bool sync_ready;
    struct piece *ring;
    size_t ring_cap, ring_head, ring_count;
    struct piece *spare;
    size_t nspare, spare_cap;
    bool closing, failed;
    struct tep_error loader_err;
    char t_load[160], t_part[160]; /* the run's _load table and partition, quoted */
    bool load_exists;
    /* the current run */
    bool in_txn, copying;
    long long run_number, next_row;
    double run_base;
    char **known; /* columns tep_processed has */
    size_t nknown, known_cap;
    char **copy_cols; /* value columns of the COPY in progress */
    size_t ncopy_cols;
    unsigned char *buf; /* the piece being filled */
    size_t len, cap;
};

/* ------------------------------------------------------------ messages */

static void scrub(const struct pg_ctx *c, const char *msg, char *out, size_t n)
{
    tep_store_scrub_message(msg, (const char *const *)c->secrets, TEP_PG_SECRETS, out, n);
}

static bool lost(const PGconn *conn)
{
    return !conn || PQstatus(conn) != CONNECTION_OK;
}

/* Fill err from the result's or the connection's message; returns -1. */
static int pg_fail(struct pg_ctx *c, PGconn *conn, struct tep_error *err, const char *what,
                   const PGresult *res)
{
    char msg[768];
    const char *raw = res && PQresultErrorMessage(res)[0] ? PQresultErrorMessage(res)
                      : conn                              ? PQerrorMessage(conn)
                                                          : "no connection";
    scrub(c, raw, msg, sizeof msg);
    if (lost(conn))
        return tep_error_set(err, TEP_ERR_NET,
                             "PostgreSQL (%s): %s: the connection to the server was lost (%s); "
                             "the server discards the unfinished transaction: nothing of this run "
                             "is stored",
                             c->where, what, msg);
    return tep_error_set(err, TEP_ERR_STORE, "PostgreSQL (%s): %s: %s", c->where, what, msg);
}

static int sql_exec(struct pg_ctx *c, PGconn *conn, const char *sql, const char *what,
                    struct tep_error *err)
{
    PGresult *r = PQexec(conn, sql);
    ExecStatusType st = r ? PQresultStatus(r) : PGRES_FATAL_ERROR;
    int rc = 0;
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) rc = pg_fail(c, conn, err, what, r);
    PQclear(r);
    return rc;
}

/* Run a statement with text parameters on the main connection; the result or NULL. */
static PGresult *sql_params(struct pg_ctx *c, const char *sql, int n, const char *const *values,
                            const char *what, struct tep_error *err)
{
    PGresult *r = PQexecParams(c->conn, sql, n, NULL, values, NULL, NULL, 0);
    ExecStatusType st = r ? PQresultStatus(r) : PGRES_FATAL_ERROR;
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
        pg_fail(c, c->conn, err, what, r);
        PQclear(r);
        return NULL;
    }
    return r;
}

static void notice_to_log(void *arg, const char *message)
{
    (void)arg;
    char buf[512];
    snprintf(buf, sizeof buf, "%s", message);
    size_t len = strlen(buf);
    while (len > 0 && buf[len - 1] == '\n')
        buf[--len] = '\0';
    tep_debug("postgresql", "server: %s", buf);
}

/* ------------------------------------------------------------ connection */

static void sleep_seconds(double s)
{
    struct timespec ts = {(time_t)s, (long)((s - (double)(time_t)s) * 1e9)};
    while (nanosleep(&ts, &ts) != 0) {
    }
}

/* Connect `*out`, retrying with exponential backoff while the server does not answer. */
static int pg_connect(struct pg_ctx *c, PGconn **out, struct tep_error *err)
{
    struct tep_pg_params params;
    tep_pg_params_init(&params, c->conninfo);
    double t0 = tep_now_seconds(), delay = 0.25;
    int attempts = 0;
    if (*out) {
        PQfinish(*out);
        *out = NULL;
    }
    for (;;) {
        attempts++;
        PGconn *conn = PQconnectdbParams(params.keywords, params.values, 1);
        if (!conn) return tep_error_set(err, TEP_ERR_NOMEM, "out of memory");
        tep_pg_add_secret(c->secrets, PQpass(conn));
        if (PQstatus(conn) == CONNECTION_OK) {
            *out = conn;
            break;
        }
        char msg[768];
        scrub(c, PQerrorMessage(conn), msg, sizeof msg);
        PQfinish(conn);
        PGPing ping = PQpingParams(params.keywords, params.values, 1);
        if (ping == PQPING_NO_ATTEMPT)
            return tep_error_set(err, TEP_ERR_CONFIG, "storage.connection_string (%s): %s",
                                 c->where, msg);
        if (ping == PQPING_OK) /* the server answers but refused us: credentials, database */
            return tep_error_set(err, TEP_ERR_NET,
                                 "PostgreSQL (%s): the server refused the connection: %s", c->where,
                                 msg);
        double elapsed = tep_now_seconds() - t0;
        if (elapsed >= c->retry_seconds)
            return tep_error_set(err, TEP_ERR_NET,
                                 "PostgreSQL (%s): cannot connect after %d attempt%s in %.1f s "
                                 "(storage.retry_seconds: %g): %s",
                                 c->where, attempts, attempts == 1 ? "" : "s", elapsed,
                                 c->retry_seconds, msg);
        if (attempts == 1)
            tep_warn("postgresql", "cannot connect to %s (%s); retrying for up to %g s", c->where,
                     msg, c->retry_seconds);
        /* the last attempt comes at the deadline */
        sleep_seconds(delay < c->retry_seconds - elapsed ? delay : c->retry_seconds - elapsed);
        delay = delay * 2 > 5 ? 5 : delay * 2;
    }
    PQsetNoticeProcessor(*out, notice_to_log, NULL);
    if (attempts > 1)
        tep_info("postgresql", "connected to %s after %d attempts", c->where, attempts);
    return 0;
}

/* ------------------------------------------------------------ names and columns */

/* "schema"."<prefix><table><suffix>" into out; the name must be a safe identifier. */
static int qualified(const struct pg_ctx *c, const char *table, const char *suffix, char *out,
                     size_t n, struct tep_error *err)
{
    char name[256];
    snprintf(name, sizeof name, "%s%s%s", c->prefix, table, suffix);
    if (!tep_store_identifier_ok(name))
        return tep_error_set(err, TEP_ERR_CONFIG,
                             "storage.table_prefix: '%s' does not make a safe table name '%s' "
                             "(letters, digits, '_' and '.', starting with a letter or '_', at "
                             "most 63 bytes)",
                             c->prefix, name);
    snprintf(out, n, "%s\"%s\"", c->schema_q, name);
    return 0;
}

static int known_add(struct pg_ctx *c, const char *name)
{
    if (c->nknown == c->known_cap) {
        size_t cap = c->known_cap ? 2 * c->known_cap : 256;
        char **k = realloc(c->known, cap * sizeof *k);
        if (!k) return -1;
        c->known = k;
        c->known_cap = cap;
    }
    c->known[c->nknown] = strdup(name);
    if (!c->known[c->nknown]) return -1;
    c->nknown++;
    return 0;
}

static void known_clear(struct pg_ctx *c)
{
    for (size_t i = 0; i < c->nknown; i++)
        free(c->known[i]);
    c->nknown = 0;
}

static bool known_has(const struct pg_ctx *c, const char *name)
{
    for (size_t i = 0; i < c->nknown; i++)
        if (strcmp(c->known[i], name) == 0) return true;
    return false;
}

/* Read the columns tep_processed has now. */
static int load_columns(struct pg_ctx *c, struct tep_error *err)
{
    const char *params[1] = {c->t_proc};
    PGresult *r = sql_params(c,
                             "SELECT attname FROM pg_attribute WHERE attrelid = $1::regclass "
                             "AND attnum > 0 AND NOT attisdropped",
                             1, params, "cannot read the columns of tep_processed", err);
    if (!r) return -1;
    known_clear(c);
    int rc = 0;
    for (int i = 0; i < PQntuples(r) && rc == 0; i++)
        if (known_add(c, PQgetvalue(r, i, 0)) != 0)
            rc = tep_error_set(err, TEP_ERR_NOMEM, "out of memory");
    PQclear(r);
    return rc;
}

/* ------------------------------------------------------------ schema */

/* 1 when TimescaleDB is usable in this database (installing it when allowed), else 0
 * with the reason in why[n]. */
static int timescaledb_available(struct pg_ctx *c, char *why, size_t n, struct tep_error *err)
{
    PGresult *r = sql_params(c, "SELECT 1 FROM pg_extension WHERE extname = 'timescaledb'", 0, NULL,
                             "cannot read the installed extensions", err);
    if (!r) return -1;
    int have = PQntuples(r) > 0;
    PQclear(r);
    if (have) return 1;
    /* CREATE EXTENSION of a library the server did not preload is a FATAL error in
     * TimescaleDB (the session ends), not a plain one: ask first. Only superusers may
     * read shared_preload_libraries; the preloaded loader's own setting
     * timescaledb.max_background_workers tells it to anyone through pg_settings, which
     * (unlike current_setting) does not list a placeholder: such a line left in
     * postgresql.conf of a server that does not preload TimescaleDB. */
    r = sql_params(c,
                   "SELECT (SELECT count(*) FROM pg_available_extensions"
                   " WHERE name = 'timescaledb'), (SELECT count(*) FROM pg_settings"
                   " WHERE name = 'timescaledb.max_background_workers')",
                   0, NULL, "cannot read the available extensions", err);
    if (!r) return -1;
    bool installed = strcmp(PQgetvalue(r, 0, 0), "0") != 0;
    bool preloaded = strcmp(PQgetvalue(r, 0, 1), "0") != 0;
    PQclear(r);
    if (!installed || !preloaded) {
        snprintf(why, n, "%s",
                 !installed ? "it is not installed on the server"
                            : "the server does not preload it (shared_preload_libraries = "
                              "'timescaledb' in postgresql.conf, then a restart)");
        tep_debug("postgresql", "TimescaleDB not available: %s", why);
        return 0;
    }
    if (sql_exec(c, c->conn, "SAVEPOINT tep_tsdb", "cannot set a savepoint", err) != 0) return -1;
    r = PQexec(c->conn, "CREATE EXTENSION IF NOT EXISTS timescaledb");
    have = r && PQresultStatus(r) == PGRES_COMMAND_OK;
    if (!have) {
        scrub(c, r ? PQresultErrorMessage(r) : "", why, n);
        tep_debug("postgresql", "TimescaleDB not available: %s", why);
    }
    PQclear(r);
    if (sql_exec(c, c->conn, have ? "RELEASE SAVEPOINT tep_tsdb" : "ROLLBACK TO SAVEPOINT tep_tsdb",
                 "cannot end a savepoint", err) != 0)
        return -1;
    return have;
}

static const char *layout_name(int layout)
{
    return layout == LAYOUT_PARTITIONED  ? "partitioned"
           : layout == LAYOUT_HYPERTABLE ? "TimescaleDB hypertable"
                                         : "table";
}

/* Create the tables when missing and settle the layout of tep_processed. */
static int create_schema(struct pg_ctx *c, int want_layout, struct tep_error *err)
{
    char sql[2048];
    PGresult *r = NULL;
    if (sql_exec(c, c->conn, "BEGIN", "cannot start a transaction", err) != 0) return -1;
    /* several loaders may start at once: create the tables one at a time */
    if (sql_exec(c, c->conn, "SELECT pg_advisory_xact_lock(7365621404511338035)",
                 "cannot lock the table creation", err) != 0)
        goto fail;
    if (c->schema_q[0]) {
        snprintf(sql, sizeof sql, "CREATE SCHEMA IF NOT EXISTS %.*s", (int)strlen(c->schema_q) - 1,
                 c->schema_q);
        if (sql_exec(c, c->conn, sql, "cannot create the schema", err) != 0) goto fail;
    }
    const char *params[1] = {c->t_proc};
    r = sql_params(c, "SELECT relkind FROM pg_class WHERE oid = to_regclass($1)", 1, params,
                   "cannot look up tep_processed", err);
    if (!r) goto fail;
    char kind = PQntuples(r) > 0 ? PQgetvalue(r, 0, 0)[0] : 0;
    PQclear(r);
    r = NULL;
    bool tsdb = false;
    if (!kind) { /* a new table: which layout */
        if (c->timescaledb == TSDB_ON ||
            (c->timescaledb == TSDB_AUTO && want_layout == LAYOUT_AUTO)) {
            char why[512] = "";
            int have = timescaledb_available(c, why, sizeof why, err);
            if (have < 0) goto fail;
            if (!have && c->timescaledb == TSDB_ON) {
                tep_error_set(err, TEP_ERR_STORE,
                              "PostgreSQL (%s): storage.timescaledb is on but the timescaledb "
                              "extension is not available in this database: %s",
                              c->where, why);
                goto fail;
            }
            tsdb = have;
        }
        c->layout = tsdb                          ? LAYOUT_HYPERTABLE
                    : want_layout == LAYOUT_TABLE ? LAYOUT_TABLE
                                                  : LAYOUT_PARTITIONED;
        snprintf(sql, sizeof sql,
                 "CREATE TABLE %s ("
                 " id bigint NOT NULL, run_id text NOT NULL, sample bigint NOT NULL,"
                 " time_h double precision, fault integer, ts timestamptz NOT NULL,"
                 " PRIMARY KEY (%s))%s",
                 c->t_proc, tsdb ? "id, ts" : "id",
                 c->layout == LAYOUT_PARTITIONED ? " PARTITION BY RANGE (id)" : "");
        if (sql_exec(c, c->conn, sql, "cannot create the tep_processed table", err) != 0) goto fail;
        if (tsdb) {
            r = sql_params(c, "SELECT create_hypertable($1::regclass, 'ts')", 1, params,
                           "cannot make tep_processed a TimescaleDB hypertable", err);
            if (!r) goto fail;
            PQclear(r);
            r = NULL;
        }
    } else if (kind == 'p') {
        c->layout = LAYOUT_PARTITIONED;
    } else {
        c->layout = LAYOUT_TABLE;
        r = sql_params(c, "SELECT 1 FROM pg_extension WHERE extname = 'timescaledb'", 0, NULL,
                       "cannot read the installed extensions", err);
        if (!r) goto fail;
        bool have = PQntuples(r) > 0;
        PQclear(r);
        r = NULL;
        if (have) {
            r = sql_params(c,
                           "SELECT count(*) FROM timescaledb_information.hypertables h"
                           " JOIN pg_namespace n ON n.nspname = h.hypertable_schema"
                           " JOIN pg_class k ON k.relnamespace = n.oid"
                           " AND k.relname = h.hypertable_name WHERE k.oid = $1::regclass",
                           1, params, "cannot read TimescaleDB's hypertables", err);
            if (!r) goto fail;
            if (strcmp(PQgetvalue(r, 0, 0), "0") != 0) c->layout = LAYOUT_HYPERTABLE;
            PQclear(r);
            r = NULL;
        }
    }
    if (kind && want_layout != LAYOUT_AUTO && want_layout != c->layout)
        tep_info("postgresql",
                 "%s exists as a %s: used as it is (storage.layout applies to a new "
                 "table)",
                 c->t_proc, layout_name(c->layout));
    snprintf(sql, sizeof sql,
             "CREATE TABLE IF NOT EXISTS %s ("
             " run_number bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,"
             " run_id text NOT NULL UNIQUE, source_kind text, source text, size_bytes bigint,"
             " sha256 text, rows_read bigint, rows_stored bigint, fault integer,"
             " fault_onset_h double precision, seed double precision, hours double precision,"
             " shutdown_time_h double precision, shutdown_reason text, config_sha256 text,"
             " started_at timestamptz, finished_at timestamptz, status text, quality_json jsonb)",
             c->t_runs);
    if (sql_exec(c, c->conn, sql, "cannot create the runs table", err) != 0) goto fail;
    snprintf(sql, sizeof sql,
             "CREATE TABLE IF NOT EXISTS %s (run_id text NOT NULL, column_name text NOT NULL,"
             " metric text NOT NULL, value bigint, PRIMARY KEY (run_id, column_name, metric))",
             c->t_quality);
    if (sql_exec(c, c->conn, sql, "cannot create the quality table", err) != 0) goto fail;
    if (sql_exec(c, c->conn, "COMMIT", "cannot create the tables", err) != 0) goto fail;
    return 0;
fail:
    PQclear(r);
    if (!lost(c->conn)) PQclear(PQexec(c->conn, "ROLLBACK"));
    return -1;
}

/* ------------------------------------------------------------ loaders (partitioned layout) */

static void spare_put(struct pg_ctx *c, struct piece p)
{
    if (c->nspare < c->spare_cap)
        c->spare[c->nspare++] = p;
    else
        free(p.data);
}

/* A loader thread: send pieces from the queue on its connection until closing. */
static void *loader_main(void *arg)
{
    struct pg_loader *l = arg;
    struct pg_ctx *c = l->c;
    pthread_mutex_lock(&c->lock);
    for (;;) {
        while (!c->closing && c->ring_count == 0)
            pthread_cond_wait(&c->cond, &c->lock);
        if (c->ring_count == 0) break; /* closing, and everything sent */
        struct piece p = c->ring[c->ring_head];
        c->ring_head = (c->ring_head + 1) % c->ring_cap;
        c->ring_count--;
        bool skip = c->failed;
        pthread_cond_broadcast(&c->cond);
        pthread_mutex_unlock(&c->lock);
        struct tep_error e;
        tep_error_clear(&e);
        bool ok = skip || PQputCopyData(l->conn, (const char *)p.data, (int)p.len) == 1;
        if (!ok) pg_fail(c, l->conn, &e, "cannot send rows (COPY)", NULL);
        pthread_mutex_lock(&c->lock);
        if (!ok && !c->failed) {
            c->failed = true;
            c->loader_err = e;
        }
        p.len = 0;
        spare_put(c, p);
        pthread_cond_broadcast(&c->cond);
    }
    pthread_mutex_unlock(&c->lock);
    return NULL;
}

/* Stop the loader threads once the queue is sent (or dropped after a failure). */
static int loaders_join(struct pg_ctx *c, struct tep_error *err)
{
    pthread_mutex_lock(&c->lock);
    c->closing = true;
    pthread_cond_broadcast(&c->cond);
    pthread_mutex_unlock(&c->lock);
    for (size_t i = 0; i < c->nloaders; i++)
        if (c->loaders[i].running) {
            pthread_join(c->loaders[i].thread, NULL);
            c->loaders[i].running = false;
        }
    c->closing = false;
    if (c->failed) {
        if (err) *err = c->loader_err;
        return -1;
    }
    return 0;
}

/* Hand the piece being filled to the loaders (waits while the queue is full). */
static int push_piece(struct pg_ctx *c, struct tep_error *err)
{
    if (c->len == 0) return 0;
    pthread_mutex_lock(&c->lock);
    while (!c->failed && c->ring_count == c->ring_cap)
        pthread_cond_wait(&c->cond, &c->lock);
    if (c->failed) {
        *err = c->loader_err;
        pthread_mutex_unlock(&c->lock);
        return -1;
    }
    c->ring[(c->ring_head + c->ring_count) % c->ring_cap] = (struct piece){c->buf, c->len, c->cap};
    c->ring_count++;
    if (c->nspare > 0) {
        struct piece s = c->spare[--c->nspare];
        c->buf = s.data;
        c->cap = s.cap;
    } else {
        c->buf = NULL;
        c->cap = 0;
    }
    c->len = 0;
    pthread_cond_broadcast(&c->cond);
    pthread_mutex_unlock(&c->lock);
    return 0;
}

/* The advisory lock class of this set of tables (FNV-1a of the qualified name):
 * a run's transaction holds (class, run_number), so a _load table whose lock is
 * free belongs to a load that died. */
static int lock_class(const struct pg_ctx *c)
{
    uint32_t h = 2166136261u;
    for (const char *p = c->t_proc; *p; p++)
        h = (h ^ (unsigned char)*p) * 16777619u;
    return (int)(h & 0x7FFFFFFF);
}

/* Drop the _load tables of loads that died (nobody holds their run's lock). */
static int drop_leftovers(struct pg_ctx *c, struct tep_error *err)
{
    char pattern[200], sql[512], cls[16];
    size_t n = 0;
    for (const char *q = c->prefix; *q && n + 3 < sizeof pattern; q++) { /* LIKE: escape '_' */
        if (*q == '_') pattern[n++] = '\\';
        pattern[n++] = *q;
    }
    snprintf(pattern + n, sizeof pattern - n, "tep\\_processed\\_r%%\\_load");
    snprintf(cls, sizeof cls, "%d", lock_class(c));
    const char *params[2] = {c->schema[0] ? c->schema : NULL, pattern};
    PGresult *r = sql_params(c,
                             "SELECT k.relname, substring(k.relname from '_r([0-9]+)_load$')"
                             " FROM pg_class k JOIN pg_namespace n ON n.oid = k.relnamespace"
                             " WHERE k.relkind = 'r' AND k.relname LIKE $2 AND n.nspname ="
                             " coalesce($1, current_schema())",
                             2, params, "cannot look for interrupted loads", err);
    if (!r) return -1;
    int rc = 0;
    for (int i = 0; i < PQntuples(r) && rc == 0; i++) {
        const char *name = PQgetvalue(r, i, 0), *num = PQgetvalue(r, i, 1);
        if (!num[0] || !tep_store_identifier_ok(name)) continue;
        snprintf(sql, sizeof sql, "SELECT pg_try_advisory_xact_lock(%s, %s)", cls, num);
        if (sql_exec(c, c->conn, "BEGIN", "cannot start a transaction", err) != 0) {
            rc = -1;
            break;
        }
        PGresult *l = PQexec(c->conn, sql);
        bool mine = l && PQresultStatus(l) == PGRES_TUPLES_OK && PQgetvalue(l, 0, 0)[0] == 't';
        PQclear(l);
        if (mine) {
            snprintf(sql, sizeof sql, "DROP TABLE IF EXISTS %s\"%s\"", c->schema_q, name);
            if (sql_exec(c, c->conn, sql, "cannot drop an interrupted load", err) != 0)
                rc = -1;
            else
                tep_info("postgresql", "dropped %s, left by an interrupted load", name);
        }
        if (rc == 0 && sql_exec(c, c->conn, "COMMIT", "cannot commit", err) != 0) rc = -1;
        if (rc != 0 && !lost(c->conn)) PQclear(PQexec(c->conn, "ROLLBACK"));
    }
    PQclear(r);
    return rc;
}

static int loaders_connect(struct pg_ctx *c, struct tep_error *err)
{
    for (size_t i = 0; i < c->nloaders; i++)
        if (lost(c->loaders[i].conn) && pg_connect(c, &c->loaders[i].conn, err) != 0) return -1;
    return 0;
}

/* ------------------------------------------------------------ stage callbacks */

static int pg_init(struct tep_stage *stage, struct tep_error *err)
{
    struct pg_options *o = stage->options;
    struct pg_ctx *c = calloc(1, sizeof *c);
    if (!c) return tep_error_set(err, TEP_ERR_NOMEM, "out of memory");
    stage->ctx = c;
    pthread_mutex_init(&c->lock, NULL);
    pthread_cond_init(&c->cond, NULL);
    c->sync_ready = true;
    snprintf(c->conninfo, sizeof c->conninfo, "%s", o->connection_string);
    c->retry_seconds = o->retry_seconds;
    c->timescaledb = o->timescaledb;
    c->start_base = NAN;
    if (o->layout == LAYOUT_PARTITIONED && o->timescaledb == TSDB_ON)
        return tep_error_set(err, TEP_ERR_CONFIG,
                             "storage.layout: partitioned and storage.timescaledb: on exclude each "
                             "other (a hypertable is partitioned by TimescaleDB)");
    if (o->schema[0] && !tep_store_identifier_ok(o->schema))
        return tep_error_set(err, TEP_ERR_CONFIG,
                             "storage.schema: '%s' is not a safe SQL identifier (letters, digits, "
                             "'_' and '.', starting with a letter or '_', at most 63 bytes)",
                             o->schema);
    if (o->table_prefix[0] && !tep_store_identifier_ok(o->table_prefix))
        return tep_error_set(err, TEP_ERR_CONFIG,
                             "storage.table_prefix: '%s' is not a safe SQL identifier (letters, "
                             "digits, '_' and '.', starting with a letter or '_')",
                             o->table_prefix);
    snprintf(c->schema, sizeof c->schema, "%s", o->schema);
    if (o->schema[0]) snprintf(c->schema_q, sizeof c->schema_q, "\"%s\".", o->schema);
    snprintf(c->prefix, sizeof c->prefix, "%s", o->table_prefix);
    if (qualified(c, "runs", "", c->t_runs, sizeof c->t_runs, err) != 0 ||
        qualified(c, "tep_processed", "", c->t_proc, sizeof c->t_proc, err) != 0 ||
        qualified(c, "quality", "", c->t_quality, sizeof c->t_quality, err) != 0)
        return -1;
    if (o->start_time[0] &&
        tep_store_parse_time(o->start_time, "storage.start_time", &c->start_base, err) != 0)
        return -1;
    if (tep_pg_describe(c->conninfo, c->where, sizeof c->where, c->secrets, err) != 0) return -1;
    if (pg_connect(c, &c->conn, err) != 0) return -1;
    if (create_schema(c, o->layout, err) != 0) return -1;
    if (c->layout == LAYOUT_PARTITIONED) {
        char longest[160];
        if (qualified(c, "tep_processed", "_r2147483647_load", longest, sizeof longest, err) != 0)
            return -1;
        c->nloaders = (size_t)o->connections;
        c->loaders = calloc(c->nloaders, sizeof *c->loaders);
        c->ring_cap = 2 * c->nloaders + 1;
        c->ring = calloc(c->ring_cap, sizeof *c->ring);
        c->spare_cap = c->ring_cap + c->nloaders + 1;
        c->spare = calloc(c->spare_cap, sizeof *c->spare);
        if (!c->loaders || !c->ring || !c->spare)
            return tep_error_set(err, TEP_ERR_NOMEM, "out of memory");
        for (size_t i = 0; i < c->nloaders; i++)
            c->loaders[i].c = c;
        if (loaders_connect(c, err) != 0) return -1;
        if (drop_leftovers(c, err) != 0) return -1;
    }
    tep_debug("postgresql", "connected to %s; tables %s, %s (%s), %s", c->where, c->t_runs,
              c->t_proc, layout_name(c->layout), c->t_quality);
    return 0;
}

/* Roll back a run that could not start (the pipeline calls abort_run only for
 * outputs whose begin_run succeeded). */
static int begin_failed(struct pg_ctx *c)
{
    c->in_txn = false;
    if (!lost(c->conn)) PQclear(PQexec(c->conn, "ROLLBACK"));
    return -1;
}

static int pg_begin_run(struct tep_stage *stage, struct tep_run_meta *meta, struct tep_error *err)
{
    struct pg_ctx *c = stage->ctx;
    char sql[512], lo[32], hi[32];
    PGresult *r = NULL;
    /* a connection lost after the last run: connect again (with the same backoff);
     * libpq may notice a server restart only when BEGIN fails, hence the second try */
    if (lost(c->conn) && pg_connect(c, &c->conn, err) != 0) return -1;
    if (sql_exec(c, c->conn, "BEGIN", "cannot start the run's transaction", err) != 0) {
        if (!lost(c->conn) || pg_connect(c, &c->conn, err) != 0 ||
            sql_exec(c, c->conn, "BEGIN", "cannot start the run's transaction", err) != 0)
            return -1;
    }
    c->in_txn = true;
    const char *id_param[1] = {meta->run_id};
    /* keep the run's number when it was stored before, so its row range is stable;
     * the row stays locked until the run commits: one loader per run at a time */
    snprintf(sql, sizeof sql,
             "INSERT INTO %s(run_id, status) VALUES($1, 'loading') ON CONFLICT (run_id) DO UPDATE"
             " SET status = 'loading' RETURNING run_number",
             c->t_runs);
    r = sql_params(c, sql, 1, id_param, "cannot register the run", err);
    if (!r) return begin_failed(c);
    c->run_number = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
    PQclear(r);
    if (c->run_number < 0 || c->run_number >= (1LL << 31)) {
        tep_error_set(err, TEP_ERR_STORE, "PostgreSQL (%s): run number %lld out of range", c->where,
                      c->run_number);
        return begin_failed(c);
    }
    snprintf(sql, sizeof sql, "DELETE FROM %s WHERE run_id = $1", c->t_quality);
    r = sql_params(c, sql, 1, id_param, "cannot remove the run's previous quality rows", err);
    if (!r) return begin_failed(c);
    PQclear(r);
    if (c->layout == LAYOUT_PARTITIONED) {
        char suffix[48];
        snprintf(sql, sizeof sql, "SELECT pg_advisory_xact_lock(%d, %lld)", lock_class(c),
                 c->run_number);
        if (sql_exec(c, c->conn, sql, "cannot lock the run", err) != 0) return begin_failed(c);
        snprintf(suffix, sizeof suffix, "_r%lld_load", c->run_number);
        if (qualified(c, "tep_processed", suffix, c->t_load, sizeof c->t_load, err) != 0)
            return begin_failed(c);
        snprintf(suffix, sizeof suffix, "_r%lld", c->run_number);
        if (qualified(c, "tep_processed", suffix, c->t_part, sizeof c->t_part, err) != 0)
            return begin_failed(c);
        /* a load of this run that died earlier left its _load table (we hold the run) */
        snprintf(sql, sizeof sql, "DROP TABLE IF EXISTS %s", c->t_load);
        if (loaders_connect(c, err) != 0 ||
            sql_exec(c, c->loaders[0].conn, sql, "cannot drop an interrupted load", err) != 0)
            return begin_failed(c);
        c->load_exists = false;
        c->failed = false;
    } else {
        snprintf(lo, sizeof lo, "%lld", c->run_number << 32);
        snprintf(hi, sizeof hi, "%lld", (c->run_number << 32) | 0xFFFFFFFFLL);
        const char *range[2] = {lo, hi};
        snprintf(sql, sizeof sql, "DELETE FROM %s WHERE id BETWEEN $1 AND $2", c->t_proc);
        r = sql_params(c, sql, 2, range, "cannot remove the run's previous rows", err);
        if (!r) return begin_failed(c);
        PQclear(r);
    }
    if (load_columns(c, err) != 0) return begin_failed(c);
    c->next_row = 1;
    c->len = 0;
    c->run_base = isnan(c->start_base) ? meta->started_unix : c->start_base;
    return 0;
}

static int ensure_buffer(struct pg_ctx *c, size_t more, struct tep_error *err)
{
    if (c->len + more <= c->cap) return 0;
    size_t cap = c->cap ? c->cap : PIECE_BYTES + 65536;
    while (cap < c->len + more)
        cap *= 2;
    unsigned char *b = realloc(c->buf, cap);
    if (!b) return tep_error_set(err, TEP_ERR_NOMEM, "out of memory");
    c->buf = b;
    c->cap = cap;
    return 0;
}

/* The piece being filled goes to the server: on the main connection (table
 * layouts) or to the loaders' queue (partitioned). */
static int emit(struct pg_ctx *c, struct tep_error *err)
{
    if (c->len == 0) return 0;
    if (c->layout == LAYOUT_PARTITIONED) return push_piece(c, err);
    if (PQputCopyData(c->conn, (const char *)c->buf, (int)c->len) != 1)
        return pg_fail(c, c->conn, err, "cannot send rows (COPY)", NULL);
    c->len = 0;
    return 0;
}

/* End a COPY on `conn`: trailer, end of data, the server's verdict. */
static int end_copy_on(struct pg_ctx *c, PGconn *conn, struct tep_error *err)
{
    if (PQputCopyData(conn, "\xFF\xFF", 2) != 1 || PQputCopyEnd(conn, NULL) != 1)
        return pg_fail(c, conn, err, "cannot end the COPY", NULL);
    int rc = 0;
    PGresult *r;
    while ((r = PQgetResult(conn)) != NULL) {
        if (PQresultStatus(r) != PGRES_COMMAND_OK && rc == 0)
            rc = pg_fail(c, conn, err, "the server rejected the rows (COPY)", r);
        PQclear(r);
    }
    if (rc == 0 && lost(conn)) rc = pg_fail(c, conn, err, "COPY", NULL);
    return rc;
}

/* End the COPY in progress (every stream of it). */
static int finish_copy(struct pg_ctx *c, struct tep_error *err)
{
    if (!c->copying) return 0;
    c->copying = false;
    if (c->layout != LAYOUT_PARTITIONED) {
        if (emit(c, err) != 0) return -1;
        return end_copy_on(c, c->conn, err);
    }
    int rc = push_piece(c, err);
    if (loaders_join(c, rc == 0 ? err : NULL) != 0) rc = -1;
    /* after a failure the streams stay open: abort_run ends them */
    for (size_t i = 0; i < c->nloaders && rc == 0; i++) {
        struct pg_loader *l = &c->loaders[i];
        if (!l->copying) continue;
        l->copying = false;
        if (end_copy_on(c, l->conn, err) != 0) rc = -1;
    }
    return rc;
}

static bool same_columns(const struct pg_ctx *c, const struct tep_frame *f)
{
    if (c->ncopy_cols != f->ncols) return false;
    for (size_t i = 0; i < f->ncols; i++)
        if (strcmp(c->copy_cols[i], f->cols[i].name) != 0) return false;
    return true;
}

static void copy_cols_free(struct pg_ctx *c)
{
    for (size_t i = 0; i < c->ncopy_cols; i++)
        free(c->copy_cols[i]);
    free(c->copy_cols);
    c->copy_cols = NULL;
    c->ncopy_cols = 0;
}

/* binary COPY header: signature, flags, header extension length */
static const unsigned char copy_header[19] = {'P',  'G',  'C',  'O',  'P', 'Y',
                                              '\n', 0xFF, '\r', '\n', 0};

/* Open the COPY on `conn` and send the header. */
static int open_copy_on(struct pg_ctx *c, PGconn *conn, const char *copy, struct tep_error *err)
{
    PGresult *r = PQexec(conn, copy);
    if (!r || PQresultStatus(r) != PGRES_COPY_IN) {
        pg_fail(c, conn, err, "cannot start the COPY", r);
        PQclear(r);
        return -1;
    }
    PQclear(r);
    if (PQputCopyData(conn, (const char *)copy_header, sizeof copy_header) != 1)
        return pg_fail(c, conn, err, "cannot send rows (COPY)", NULL);
    return 0;
}

/* Start a COPY for the frame's columns, adding the table columns it lacks. In the
 * partitioned layout, the DDL runs on a loader connection outside the run's
 * transaction (committed at once: new empty columns are harmless), so that the
 * loaders see the run's _load table; the main connection takes no lock on
 * tep_processed before end_run. */
static int start_copy(struct pg_ctx *c, const struct tep_frame *f, struct tep_error *err)
{
    if (c->copying && same_columns(c, f)) return 0;
    if (finish_copy(c, err) != 0) return -1;
    copy_cols_free(c);
    bool part = c->layout == LAYOUT_PARTITIONED;
    PGconn *ddl = part ? c->loaders[0].conn : c->conn;
    const char *target = part ? c->t_load : c->t_proc;
    size_t cap = 512 + f->ncols * (TEP_COLUMN_NAME_MAX + 64);
    char *adds = malloc(cap), *copy = malloc(cap), *sql = malloc(cap + 256);
    int rc = -1;
    if (!adds || !copy || !sql) {
        tep_error_set(err, TEP_ERR_NOMEM, "out of memory");
        goto done;
    }
    size_t na = 0;
    size_t nc =
        (size_t)snprintf(copy, cap, "COPY %s (id, run_id, sample, time_h, fault, ts", target);
    size_t added = 0;
    adds[0] = '\0';
    for (size_t i = 0; i < f->ncols; i++) {
        const char *name = f->cols[i].name;
        if (!tep_store_identifier_ok(name)) {
            tep_error_set(err, TEP_ERR_STORE,
                          "PostgreSQL: column name '%s' is not a safe SQL identifier (letters, "
                          "digits, '_' and '.', starting with a letter)",
                          name);
            goto done;
        }
        for (const char *const *k = key_columns; *k; k++)
            if (strcmp(*k, name) == 0) {
                tep_error_set(err, TEP_ERR_STORE,
                              "PostgreSQL: value column '%s' has the name of a key column of "
                              "tep_processed",
                              name);
                goto done;
            }
        if (!known_has(c, name)) {
            na += (size_t)snprintf(adds + na, cap - na,
                                   "%s ADD COLUMN IF NOT EXISTS \"%s\" double precision",
                                   added ? "," : "", name);
            added++;
        }
        nc += (size_t)snprintf(copy + nc, cap - nc, ", \"%s\"", name);
    }
    snprintf(copy + nc, cap - nc, ") FROM STDIN (FORMAT binary)");
    if (added) {
        snprintf(sql, cap + 256, "ALTER TABLE %s%s", c->t_proc, adds);
        if (sql_exec(c, ddl, sql, "cannot add the new columns to tep_processed", err) != 0)
            goto done;
        if (part && c->load_exists) {
            snprintf(sql, cap + 256, "ALTER TABLE %s%s", c->t_load, adds);
            if (sql_exec(c, ddl, sql, "cannot add the new columns to the run's table", err) != 0)
                goto done;
        }
        for (size_t i = 0; i < f->ncols; i++)
            if (!known_has(c, f->cols[i].name) && known_add(c, f->cols[i].name) != 0) {
                tep_error_set(err, TEP_ERR_NOMEM, "out of memory");
                goto done;
            }
        tep_debug("postgresql", "%zu columns added to %s", added, c->t_proc);
    }
    if (part && !c->load_exists) {
        /* the run's future partition: its bounds as a CHECK, so ATTACH needs no scan */
        long long lo = c->run_number << 32, hi = (c->run_number + 1) << 32;
        snprintf(sql, cap + 256,
                 "CREATE TABLE %s (LIKE %s INCLUDING DEFAULTS, PRIMARY KEY (id),"
                 " CHECK (id >= %lld AND id < %lld))",
                 c->t_load, c->t_proc, lo, hi);
        if (sql_exec(c, ddl, sql, "cannot create the run's table", err) != 0) goto done;
        c->load_exists = true;
    }
    c->copy_cols = calloc(f->ncols ? f->ncols : 1, sizeof *c->copy_cols);
    if (!c->copy_cols) {
        tep_error_set(err, TEP_ERR_NOMEM, "out of memory");
        goto done;
    }
    for (size_t i = 0; i < f->ncols; i++) {
        c->copy_cols[i] = strdup(f->cols[i].name);
        if (!c->copy_cols[i]) {
            tep_error_set(err, TEP_ERR_NOMEM, "out of memory");
            goto done;
        }
        c->ncopy_cols = i + 1;
    }
    c->len = 0;
    if (!part) {
        if (open_copy_on(c, c->conn, copy, err) != 0) goto done;
        c->copying = true;
    } else {
        c->copying = true;
        c->failed = false;
        for (size_t i = 0; i < c->nloaders; i++) {
            struct pg_loader *l = &c->loaders[i];
            if (open_copy_on(c, l->conn, copy, err) != 0) goto done;
            l->copying = true;
            if (pthread_create(&l->thread, NULL, loader_main, l) != 0) {
                tep_error_set(err, TEP_ERR_INTERNAL, "cannot start a loader thread");
                goto done;
            }
            l->running = true;
        }
    }
    rc = 0;
done:
    free(adds);
    free(copy);
    free(sql);
    return rc;
}

static inline unsigned char *put16(unsigned char *p, uint16_t v)
{
    v = htobe16(v);
    memcpy(p, &v, 2);
    return p + 2;
}

static inline unsigned char *put32(unsigned char *p, uint32_t v)
{
    v = htobe32(v);
    memcpy(p, &v, 4);
    return p + 4;
}

static inline unsigned char *put64(unsigned char *p, uint64_t v)
{
    v = htobe64(v);
    memcpy(p, &v, 8);
    return p + 8;
}

static inline unsigned char *put_double(unsigned char *p, double d)
{
    if (isnan(d)) return put32(p, 0xFFFFFFFFu); /* NULL */
    uint64_t bits;
    memcpy(&bits, &d, 8);
    p = put32(p, 8);
    return put64(p, bits);
}

/* The key fields of row r (field count .. ts) at p; returns the end. */
static unsigned char *put_keys(const struct pg_ctx *c, const struct tep_frame *f, size_t r,
                               const char *run_id, size_t id_len, double base_us, unsigned char *p)
{
    double t = f->time_h[r];
    double ts = isfinite(t) ? base_us + t * 3600e6 : base_us;
    p = put16(p, (uint16_t)(NKEYS + f->ncols));
    p = put32(p, 8);
    p = put64(p, (uint64_t)((c->run_number << 32) | c->next_row));
    p = put32(p, (uint32_t)id_len);
    memcpy(p, run_id, id_len);
    p += id_len;
    p = put32(p, 8);
    p = put64(p, (uint64_t)f->sample[r]);
    p = put_double(p, t);
    p = put32(p, 4);
    p = put32(p, (uint32_t)f->fault[r]);
    p = put32(p, 8);
    return put64(p, (uint64_t)llround(ts));
}

/* Encode the frame's rows as binary COPY tuples, GATHER_ROWS rows at a time. A
 * missing value (NaN) is a NULL: 4 bytes instead of 12. Per block, the NULLs of
 * each row are counted first, which gives every row's offset; rows without NULLs
 * (nearly all) then get their values column by column straight from the frame,
 * at those offsets, and rows with NULLs are written value by value. */
static long pg_process(struct tep_stage *stage, struct tep_frame *f, struct tep_run_meta *meta,
                       struct tep_error *err)
{
    struct pg_ctx *c = stage->ctx;
    if (f->nrows == 0) return 0;
    if (start_copy(c, f, err) != 0) return -1;
    if (c->next_row + (long long)f->nrows - 1 > 0xFFFFFFFFLL)
        return tep_error_set(err, TEP_ERR_STORE, "run %s has more than 2^32 rows", meta->run_id);
    size_t ncols = f->ncols;
    size_t id_len = strlen(meta->run_id);
    /* a row with every field present (the largest a row can be): field count; id,
     * sample, time_h, ts (8 bytes each); run_id; fault (4); the values */
    size_t key_bytes = 2 + (4 + 8) * 4 + (4 + id_len) + (4 + 4);
    size_t row_max = key_bytes + ncols * 12;
    double base_us = (c->run_base - PG_EPOCH_UNIX) * 1e6;
    unsigned nulls[GATHER_ROWS];
    size_t offset[GATHER_ROWS];
    for (size_t r0 = 0; r0 < f->nrows; r0 += GATHER_ROWS) {
        size_t nr = f->nrows - r0 < GATHER_ROWS ? f->nrows - r0 : GATHER_ROWS;
        if (ensure_buffer(c, row_max * nr, err) != 0) return -1;
        for (size_t k = 0; k < nr; k++)
            nulls[k] = isnan(f->time_h[r0 + k]) ? 1 : 0;
        for (size_t i = 0; i < ncols; i++) {
            const double *col = f->cols[i].data + r0;
            for (size_t k = 0; k < nr; k++)
                nulls[k] += col[k] != col[k];
        }
        size_t at = c->len;
        for (size_t k = 0; k < nr; k++) {
            offset[k] = at;
            at += row_max - 8 * (size_t)nulls[k];
            unsigned char *p =
                put_keys(c, f, r0 + k, meta->run_id, id_len, base_us, c->buf + offset[k]);
            c->next_row++;
            for (size_t i = 0; nulls[k] && i < ncols; i++)
                p = put_double(p, f->cols[i].data[r0 + k]);
        }
        for (size_t i = 0; i < ncols; i++) {
            const double *col = f->cols[i].data + r0;
            unsigned char *value0 = c->buf + key_bytes + i * 12;
            for (size_t k = 0; k < nr; k++) {
                if (nulls[k]) continue;
                uint64_t bits;
                memcpy(&bits, &col[k], 8);
                put64(put32(value0 + offset[k], 8), bits);
            }
        }
        c->len = at;
        if (c->len >= PIECE_BYTES && emit(c, err) != 0) return -1;
    }
    meta->rows_stored += (long long)f->nrows;
    return (long)f->nrows;
}

static void fmt_double_param(char *buf, size_t n, double v, const char **param)
{
    if (isnan(v)) {
        *param = NULL;
        return;
    }
    snprintf(buf, n, "%.17g", v);
    *param = buf;
}

struct quality_writer {
    struct pg_ctx *c;
    const char *run_id;
    char sql[512];
    struct tep_error *err;
};

static int store_quality_row(void *user, const char *column, const char *metric, uint64_t value)
{
    struct quality_writer *w = user;
    char v[32];
    snprintf(v, sizeof v, "%llu", (unsigned long long)value);
    const char *params[4] = {w->run_id, column[0] ? column : "*", metric, v};
    PGresult *r = sql_params(w->c, w->sql, 4, params, "cannot store quality metrics", w->err);
    if (!r) return -1;
    PQclear(r);
    return 0;
}

/* Partitioned layout, in the run's transaction: the new partition replaces the old. */
static int swap_partition(struct pg_ctx *c, struct tep_error *err)
{
    char sql[800];
    snprintf(sql, sizeof sql, "DROP TABLE IF EXISTS %s", c->t_part);
    if (sql_exec(c, c->conn, sql, "cannot drop the run's previous partition", err) != 0) return -1;
    if (!c->load_exists) return 0; /* a run without rows */
    const char *bare = strrchr(c->t_part, '"');
    const char *name = bare;
    while (name > c->t_part && name[-1] != '"')
        name--;
    snprintf(sql, sizeof sql, "ALTER TABLE %s RENAME TO \"%.*s\"", c->t_load, (int)(bare - name),
             name);
    if (sql_exec(c, c->conn, sql, "cannot rename the run's table", err) != 0) return -1;
    c->load_exists = false;
    snprintf(sql, sizeof sql, "ALTER TABLE %s ATTACH PARTITION %s FOR VALUES FROM (%lld) TO (%lld)",
             c->t_proc, c->t_part, c->run_number << 32, (c->run_number + 1) << 32);
    return sql_exec(c, c->conn, sql, "cannot attach the run's partition", err);
}

static int pg_end_run(struct tep_stage *stage, struct tep_run_meta *meta, struct tep_frame *tail,
                      struct tep_error *err)
{
    (void)tail;
    struct pg_ctx *c = stage->ctx;
    char sql[1024];
    if (finish_copy(c, err) != 0) return -1;
    if (c->layout == LAYOUT_PARTITIONED && swap_partition(c, err) != 0) return -1;
    char size_bytes[32], rows_read[32], rows_stored[32], fault[16], onset[40], seed[40], hours[40],
        shutdown_t[40], started[40], finished[40], run_number[32];
    const char *p[17];
    snprintf(size_bytes, sizeof size_bytes, "%lld", meta->size_bytes);
    snprintf(rows_read, sizeof rows_read, "%lld", meta->rows_read);
    snprintf(rows_stored, sizeof rows_stored, "%lld", meta->rows_stored);
    snprintf(fault, sizeof fault, "%d", meta->fault);
    snprintf(run_number, sizeof run_number, "%lld", c->run_number);
    p[0] = meta->source_kind;
    p[1] = meta->source;
    p[2] = meta->size_bytes >= 0 ? size_bytes : NULL;
    p[3] = meta->sha256[0] ? meta->sha256 : NULL;
    p[4] = rows_read;
    p[5] = rows_stored;
    p[6] = fault;
    fmt_double_param(onset, sizeof onset, meta->fault_onset_h, &p[7]);
    fmt_double_param(seed, sizeof seed, meta->seed, &p[8]);
    fmt_double_param(hours, sizeof hours, meta->hours, &p[9]);
    if (meta->shutdown_step > 0) {
        fmt_double_param(shutdown_t, sizeof shutdown_t, meta->shutdown_time_h, &p[10]);
        p[11] = meta->shutdown_reason;
    } else {
        p[10] = p[11] = NULL;
    }
    p[12] = meta->config_sha256;
    fmt_double_param(started, sizeof started, meta->started_unix, &p[13]);
    fmt_double_param(finished, sizeof finished, meta->finished_unix, &p[14]);
    char *quality_json = tep_store_quality_json(meta);
    p[15] = quality_json;
    p[16] = run_number;
    snprintf(sql, sizeof sql,
             "UPDATE %s SET source_kind=$1, source=$2, size_bytes=$3, sha256=$4, rows_read=$5,"
             " rows_stored=$6, fault=$7, fault_onset_h=$8, seed=$9, hours=$10,"
             " shutdown_time_h=$11, shutdown_reason=$12, config_sha256=$13,"
             " started_at=to_timestamp($14::double precision),"
             " finished_at=to_timestamp($15::double precision), status='complete',"
             " quality_json=$16::jsonb WHERE run_number=$17",
             c->t_runs);
    PGresult *r = sql_params(c, sql, 17, p, "cannot record the run", err);
    free(quality_json);
    if (!r) return -1;
    PQclear(r);
    if (meta->quality) {
        struct quality_writer w = {c, meta->run_id, "", err};
        snprintf(w.sql, sizeof w.sql,
                 "INSERT INTO %s(run_id, column_name, metric, value) VALUES($1, $2, $3, $4)"
                 " ON CONFLICT (run_id, column_name, metric) DO UPDATE SET value = EXCLUDED.value",
                 c->t_quality);
        if (tep_prep_metrics_foreach(meta->quality, false, store_quality_row, &w) != 0) return -1;
    }
    r = PQexec(c->conn, "COMMIT");
    if (!r || PQresultStatus(r) != PGRES_COMMAND_OK) {
        if (lost(c->conn)) {
            char msg[512];
            scrub(c, PQerrorMessage(c->conn), msg, sizeof msg);
            PQclear(r);
            c->in_txn = false;
            return tep_error_set(err, TEP_ERR_NET,
                                 "PostgreSQL (%s): the connection was lost during COMMIT (%s): "
                                 "run %s may or may not be stored; run it again (a rerun "
                                 "replaces it)",
                                 c->where, msg, meta->run_id);
        }
        pg_fail(c, c->conn, err, "cannot commit the run", r);
        PQclear(r);
        return -1;
    }
    PQclear(r);
    c->in_txn = false;
    return 0;
}

/* Abandon every COPY stream of the loaders (their transactions roll back). */
static void stop_loaders(struct pg_ctx *c)
{
    pthread_mutex_lock(&c->lock);
    c->failed = true; /* loaders drop what is queued */
    pthread_mutex_unlock(&c->lock);
    loaders_join(c, NULL);
    c->failed = false;
    for (size_t i = 0; i < c->nloaders; i++) {
        struct pg_loader *l = &c->loaders[i];
        if (!l->copying) continue;
        l->copying = false;
        if (!lost(l->conn) && PQputCopyEnd(l->conn, "run aborted") == 1) {
            PGresult *r;
            while ((r = PQgetResult(l->conn)) != NULL)
                PQclear(r);
        }
    }
}

/* Drop the run's _load table (best effort; after the run's transaction ended, which
 * may hold a lock on it). */
static void drop_load_table(struct pg_ctx *c)
{
    if (!c->load_exists || c->nloaders == 0 || lost(c->loaders[0].conn)) return;
    char sql[256];
    snprintf(sql, sizeof sql, "DROP TABLE IF EXISTS %s", c->t_load);
    PGresult *r = PQexec(c->loaders[0].conn, sql);
    if (r && PQresultStatus(r) == PGRES_COMMAND_OK) c->load_exists = false;
    PQclear(r);
}

static void pg_abort_run(struct tep_stage *stage, struct tep_run_meta *meta)
{
    struct pg_ctx *c = stage->ctx;
    if (!c || !c->in_txn) return;
    c->in_txn = false;
    c->len = 0;
    if (c->layout == LAYOUT_PARTITIONED) {
        c->copying = false;
        stop_loaders(c);
    }
    if (lost(c->conn)) {
        c->copying = false;
        if (c->conn) PQfinish(c->conn);
        c->conn = NULL;
        tep_warn("postgresql",
                 "run %s not stored: the connection to %s was lost, so the server "
                 "discarded the run's transaction",
                 meta->run_id, c->where);
    } else {
        if (c->copying) {
            c->copying = false;
            if (PQputCopyEnd(c->conn, "run aborted") == 1) {
                PGresult *r;
                while ((r = PQgetResult(c->conn)) != NULL)
                    PQclear(r);
            }
        }
        PQclear(PQexec(c->conn, "ROLLBACK"));
        tep_warn("postgresql", "run %s rolled back; %s is as before the run", meta->run_id,
                 c->where);
    }
    if (c->layout == LAYOUT_PARTITIONED) {
        drop_load_table(c);
        if (c->load_exists)
            tep_warn("postgresql",
                     "%s (rows of the failed load, not part of tep_processed) is "
                     "dropped by the next load",
                     c->t_load);
    }
}

static int pg_finish(struct tep_stage *stage, struct tep_error *err)
{
    (void)err;
    struct pg_ctx *c = stage->ctx;
    if (!c) return 0;
    for (size_t i = 0; i < c->nloaders; i++) {
        PQfinish(c->loaders[i].conn);
        c->loaders[i].conn = NULL;
    }
    PQfinish(c->conn);
    c->conn = NULL;
    return 0;
}

static void pg_destroy(struct tep_stage *stage)
{
    struct pg_ctx *c = stage->ctx;
    if (!c) return;
    if (c->layout == LAYOUT_PARTITIONED && c->loaders) stop_loaders(c);
    if (c->conn) {
        if (c->in_txn && !lost(c->conn)) {
            if (c->copying && PQputCopyEnd(c->conn, "aborted") == 1) {
                PGresult *r;
                while ((r = PQgetResult(c->conn)) != NULL)
                    PQclear(r);
            }
            PQclear(PQexec(c->conn, "ROLLBACK"));
        }
        PQfinish(c->conn);
        c->conn = NULL;
    }
    if (c->layout == LAYOUT_PARTITIONED && c->loaders) drop_load_table(c);
    for (size_t i = 0; i < c->nloaders; i++)
        PQfinish(c->loaders[i].conn);
    free(c->loaders);
    while (c->ring_count > 0) {
        free(c->ring[c->ring_head].data);
        c->ring_head = (c->ring_head + 1) % c->ring_cap;
        c->ring_count--;
    }
    free(c->ring);
    for (size_t i = 0; i < c->nspare; i++)
        free(c->spare[i].data);
    free(c->spare);
    if (c->sync_ready) {
        pthread_mutex_destroy(&c->lock);
        pthread_cond_destroy(&c->cond);
    }
    known_clear(c);
    free(c->known);
    copy_cols_free(c);
    for (size_t k = 0; k < TEP_PG_SECRETS; k++)
        free(c->secrets[k]);
    free(c->buf);
    free(c);
    stage->ctx = NULL;
}

void tep_store_postgresql_require_timescaledb(struct tep_stage *stage)
{
    struct pg_options *o = stage->options;
    o->timescaledb = TSDB_ON;
}

const struct tep_stage_plugin tep_store_postgresql_plugin = {
    .name = "postgresql",
    .description = "PostgreSQL server (libpq, binary COPY; a partition per run loaded in parallel, "
                   "or a TimescaleDB hypertable)",
    .kind = TEP_STAGE_OUTPUT,
    .config_keys = pg_keys,
    .options_size = sizeof(struct pg_options),
    .init = pg_init,
    .begin_run = pg_begin_run,
    .process = pg_process,
    .end_run = pg_end_run,
    .abort_run = pg_abort_run,
    .finish = pg_finish,
    .destroy = pg_destroy,
};
