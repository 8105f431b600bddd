/* store_read.h - reading runs, rows and quality metrics back from a store: the
 * SQLite file (sqlite_read.c) or the PostgreSQL tables (pg_read.c), named by a
 * store reference. Both readers keep the same semantics: complete runs in storage
 * order, a run's rows in id order, NULL -> NAN, exact doubles. */
#ifndef TEP_STORE_STORE_READ_H
#define TEP_STORE_STORE_READ_H

#include <stddef.h>

#include "core/error.h"
#include "core/frame.h"

enum tep_store_kind { TEP_STORE_SQLITE, TEP_STORE_POSTGRESQL };

/* Where runs are read from. */
struct tep_store_ref {
    enum tep_store_kind kind;
    char location[1024];     /* SQLite path, or libpq conninfo / URI ("" = the PG* variables) */
    char schema[64];         /* PostgreSQL: "" = the connection's search_path */
    char table_prefix[64];   /* PostgreSQL: prefix of runs, tep_processed, quality */
    char display[1100];      /* for messages and reports: the path, or the masked conninfo */
};

/* Parse the command-line form of a store: a SQLite path, a PostgreSQL URI
 * (postgresql://... or postgres://...) or "pg:" + a key=value conninfo ("pg:" alone =
 * the PG* variables). `schema` and `prefix` (NULL = none) apply to PostgreSQL only and
 * must be plain identifiers. Errors are TEP_ERR_ARG, naming the option (--store,
 * --schema, --table-prefix). */
int tep_store_ref_parse(const char *spec, const char *schema, const char *prefix,
                        struct tep_store_ref *ref, struct tep_error *err);

struct tep_store_run {
    char run_id[TEP_RUN_ID_MAX];
    char source[1024];
    int fault;
    double fault_onset_h; /* NAN if none */
    long long rows;
    double seed, hours;   /* NAN if unknown */
    double shutdown_h;    /* NAN if none */
    char shutdown_reason[96];
    char sha256[65];
};

/* The complete runs of the store, in the order they were first stored (caller frees). */
int tep_store_list_runs(const struct tep_store_ref *store, struct tep_store_run **runs,
                        size_t *nruns, struct tep_error *err);

/* Load one run's rows: keys and the catalogue columns stored (into an empty frame, or
 * one whose columns are filled by name). */
int tep_store_load_run(const struct tep_store_ref *store, const char *run_id,
                       struct tep_frame *out, struct tep_error *err);

/* Visit the run's quality counters (column "*" = whole run), in (column, metric) order. */
int tep_store_load_quality(const struct tep_store_ref *store, const char *run_id,
                           int (*visit)(void *user, const char *column, const char *metric,
                                        long long value),
                           void *user, struct tep_error *err);

/* The PostgreSQL reader behind them (pg_read.c). */
int tep_pg_list_runs(const struct tep_store_ref *store, struct tep_store_run **runs,
                     size_t *nruns, struct tep_error *err);
int tep_pg_load_run(const struct tep_store_ref *store, const char *run_id, struct tep_frame *out,
                    struct tep_error *err);
int tep_pg_load_quality(const struct tep_store_ref *store, const char *run_id,
                        int (*visit)(void *user, const char *column, const char *metric,
                                     long long value),
                        void *user, struct tep_error *err);

#endif
