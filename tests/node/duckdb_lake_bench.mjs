// duckdb_lake_bench.mjs - DuckDB's side of bench/bench_lake.sh. Reads tep's lake part
// file into a table (all columns, then only the keys and the 53 catalogue columns),
// writes the table with the same codec and row group size (COPY ... TO) and reads its
// own file back into a table; also times a scan of tep's file that sums every
// column. Prints key=value lines (seconds, bytes, rows).
// Usage: node duckdb_lake_bench.mjs TEP.parquet OUT.parquet zstd|snappy|uncompressed ROW_GROUP THREADS
import { statSync } from 'node:fs';
import { connect, lit, timed } from './duckdb_common.mjs';

const [src, out, codec, rowGroup, threads] = process.argv.slice(2);
if (!threads) {
  console.error('usage: node duckdb_lake_bench.mjs TEP.parquet OUT.parquet CODEC ROW_GROUP THREADS');
  process.exit(2);
}
const con = await connect(threads);
const catalogue = [...Array(41).keys()].map((i) => `xmeas_${i + 1}`)
  .concat([...Array(12).keys()].map((i) => `xmv_${i + 1}`));
// a scan that decodes every value without building a table
const scan = await timed(con,
  `SELECT count(*), sum(COLUMNS(* EXCLUDE (run_id))) FROM read_parquet(${lit(src)}, hive_partitioning = false)`);
const readAll = await timed(con, `CREATE TABLE t AS SELECT * FROM read_parquet(${lit(src)}, hive_partitioning = false)`);
const readCat = await timed(con,
  `CREATE TABLE t53 AS SELECT run_id, sample, time_h, fault, ${catalogue.join(', ')} FROM read_parquet(${lit(src)}, hive_partitioning = false)`);
const write = await timed(con,
  `COPY t TO ${lit(out)} (FORMAT parquet, CODEC '${codec}', ROW_GROUP_SIZE ${Number(rowGroup)})`);
const readOwn = await timed(con, `CREATE TABLE t2 AS SELECT * FROM read_parquet(${lit(out)})`);
const [[rows]] = (await con.runAndReadAll('SELECT count(*) FROM t2')).getRows();
const [[cols]] = (await con.runAndReadAll(
  `SELECT count(*) FROM (DESCRIBE SELECT * FROM t2)`)).getRows();
console.log(`duckdb_scan_tep_seconds=${scan.toFixed(3)}`);
console.log(`duckdb_read_tep_seconds=${readAll.toFixed(3)}`);
console.log(`duckdb_read_tep_catalogue_seconds=${readCat.toFixed(3)}`);
console.log(`duckdb_write_seconds=${write.toFixed(3)}`);
console.log(`duckdb_read_own_seconds=${readOwn.toFixed(3)}`);
console.log(`duckdb_bytes=${statSync(out).size}`);
console.log(`duckdb_rows=${rows}`);
console.log(`duckdb_columns=${cols}`);
