/* store.h - the storage stage: output plugins and what they share.
 *
 * Every store is an output stage (core/stage.h) selected by storage.type in
 * config.yaml. SQLite is the embedded default. Stores keep a `runs` table of
 * run metadata, lineage and quality metrics and a `tep_processed` table of
 * the processed rows, and store each run in one transaction.
 */
#ifndef TEP_STORE_STORE_H
#define TEP_STORE_STORE_H

#include <stdbool.h>

#include "core/stage.h"

extern const struct tep_stage_plugin tep_store_sqlite_plugin;

/* True when `name` is a plain identifier safe to use as a column or table name
 * (a letter or '_' first, then letters, digits, '_' or '.'; at most 63 bytes). */
bool tep_store_identifier_ok(const char *name);

/* The run's quality metrics (meta->quality, a struct tep_prep_metrics) as a JSON
 * object {"run": {...}, "columns": {"xmeas_1": {...}}}; NULL when there are none.
 * Caller frees. */
char *tep_store_quality_json(const struct tep_run_meta *meta);

/* Store one quality row (used by the SQLite store for each counter). */
int tep_sqlite_store_quality_row(struct tep_stage *stage, const char *run_id, const char *column,
                                 const char *metric, long long value, struct tep_error *err);

/* storage.type: timescaledb is the PostgreSQL store with storage.timescaledb: on.
 * Sets that option of a PostgreSQL stage whose options are filled (pg_store.c); the
 * caller rejects an explicit `timescaledb: off` first. */
void tep_store_postgresql_require_timescaledb(struct tep_stage *stage);

/* Store every non-zero quality counter of the run through the stage. */
int tep_store_quality_rows(const struct tep_run_meta *meta, struct tep_stage *stage,
                           struct tep_error *err);

#endif
