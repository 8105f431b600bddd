/* store_lake.h - the `parquet` store: a Hive-partitioned Parquet data lake in a
 * local folder or under s3://bucket/prefix on an S3-compatible server.
 *
 * Layout under the root (a folder, or the bucket's key prefix):
 *   tep_processed/run_fault=<k>/run=<run>/part-NNNN.parquet  processed rows
 *   runs/run=<run>/runs.parquet                              the run's runs-table row
 *   _staging/ (local) or _tmp/<commit>/ (S3)                 work in progress, never read
 * <k> is the run's own fault (the runs table's `fault`: the first disturbance among its rows,
 * i.e. its first non-zero fault label, 0 when every row is normal; a run whose rows carry
 * several disturbances is filed under the first, each row keeping its own label), so all of a
 * run's files lie in one folder, published whole by one rename, and `WHERE run_fault = 6` prunes
 * to the runs whose first disturbance is 6. The key
 * is not called `fault`: that is the row's own label (0 before the onset), a column of every file,
 * and a Hive reader gives a partition key precedence over a file column of the same name
 * (DuckDB 1.5 reads fault=5/ as 5 whatever the file says). <run> is the run id escaped for a path:
 * every byte other than A-Z a-z 0-9 '.' '_'
 * '-' is written %XX (upper-case hex of the UTF-8 byte), e.g. "a.csv#2" ->
 * "a.csv%232", "x/y=1 z" -> "x%2Fy%3D1%20z" (Hive's escaping; Spark and Hive
 * decode it); the exact id is also in every row's run_id column. Part files hold
 * run_id, sample, time_h, fault and the frame's value columns in the run's row
 * order, one row group per chunk, a new part after part_max_rows rows.
 * Readers: DuckDB's read_parquet over the recursive glob of *.parquet under
 * <root>/tep_processed with hive_partitioning = true (and union_by_name = true
 * when runs were made with other preprocessing columns); Spark and Trino read
 * the same folders as a Hive-partitioned table.
 * What readers can rely on is described atop lake_store.c.
 */
#ifndef TEP_STORE_STORE_LAKE_H
#define TEP_STORE_STORE_LAKE_H

#include <stddef.h>

#include "core/stage.h"

extern const struct tep_stage_plugin tep_store_parquet_plugin;

/* Longest escaped run id accepted in a path segment ("run=" excluded). */
#define TEP_LAKE_ESCAPED_MAX 200

/* Escape `run_id` for a partition path as described above. Returns the length
 * written to `out` (NUL-terminated), or -1 when it does not fit in `outsize`
 * or exceeds TEP_LAKE_ESCAPED_MAX, or the id is empty. */
int tep_lake_escape(const char *run_id, char *out, size_t outsize);

/* NULL when `bucket` is a valid S3 bucket name (3-63 characters: lower-case
 * letters, digits, '.' and '-'; a letter or digit first and last; no "..",
 * not an IPv4 address, no reserved prefix or suffix); else why not. */
const char *tep_lake_bucket_problem(const char *bucket);

/* NULL when `prefix` is an acceptable key prefix (may be empty): at most 512
 * bytes of letters, digits and ! - _ . * ' ( ) / =, no leading '/', no empty,
 * "." or ".." segment; else why not. */
const char *tep_lake_prefix_problem(const char *prefix);

#endif
