// duckdb_bench.mjs - DuckDB's side of bench/bench_parquet.sh: read a Parquet
// file into a table (COPY ... FROM), write the table back (COPY ... TO) with the
// same codec and row group size, then read its own file into a table.
// Prints key=value lines (seconds, bytes).
// Usage: node duckdb_bench.mjs SOURCE.parquet OUT.parquet snappy|zstd THREADS
import { statSync } from 'node:fs';
import { connect, lit, timed } from './duckdb_common.mjs';

const [src, out, codec, threads] = process.argv.slice(2);
if (!threads) {
  console.error('usage: node duckdb_bench.mjs SOURCE.parquet OUT.parquet snappy|zstd THREADS');
  process.exit(2);
}
const con = await connect(threads);
await con.run(`CREATE TABLE t AS SELECT * FROM read_parquet(${lit(src)}) LIMIT 0`);
await con.run('CREATE TABLE t2 AS SELECT * FROM t LIMIT 0');
const readOurs = await timed(con, `COPY t FROM ${lit(src)} (FORMAT parquet)`);
const write = await timed(con,
  `COPY t TO ${lit(out)} (FORMAT parquet, CODEC '${codec}', ROW_GROUP_SIZE 122880)`);
const readOwn = await timed(con, `COPY t2 FROM ${lit(out)} (FORMAT parquet)`);
const [[rows]] = (await con.runAndReadAll('SELECT count(*) FROM t2')).getRows();
console.log(`duckdb_read_tep_seconds=${readOurs.toFixed(3)}`);
console.log(`duckdb_write_seconds=${write.toFixed(3)}`);
console.log(`duckdb_read_own_seconds=${readOwn.toFixed(3)}`);
console.log(`duckdb_bytes=${statSync(out).size}`);
console.log(`duckdb_rows=${rows}`);
