// duckdb_common.mjs - what the DuckDB scripts of the tests and benchmarks share: an
// in-memory DuckDB connection, SQL string literals, and timing of one statement.
import { DuckDBInstance } from '@duckdb/node-api';

// A connection to a new in-memory database using `threads` threads.
export async function connect(threads) {
  const inst = await DuckDBInstance.create(':memory:', { threads: String(threads) });
  return inst.connect();
}

// `s` as an SQL string literal.
export const lit = (s) => "'" + s.replaceAll("'", "''") + "'";

// Seconds `con` takes to run `sql`.
export async function timed(con, sql) {
  const t0 = process.hrtime.bigint();
  await con.run(sql);
  return Number(process.hrtime.bigint() - t0) / 1e9;
}
