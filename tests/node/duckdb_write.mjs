// duckdb_write.mjs - have DuckDB write Parquet files for tests/cli_parquet_duckdb.sh
// (which then checks that tep's reader sees exactly what DuckDB sees) or, with
// `testdata`, the small reference files committed under tests/data/parquet/.
// Usage: node duckdb_write.mjs cross DIR | node duckdb_write.mjs testdata DIR
import { readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { connect } from './duckdb_common.mjs';

const [mode, dir] = process.argv.slice(2);
if (!dir || (mode !== 'cross' && mode !== 'testdata')) {
  console.error('usage: node duckdb_write.mjs cross|testdata DIR');
  process.exit(2);
}
const con = await connect(1);

// The reference table; test_parquet.c's check_duckdb_file() recomputes it.
const table = (n) => `SELECT i::BIGINT AS id,
  CASE WHEN i % 7 = 3 THEN NULL ELSE (i * 0.5 - 1000.25)::DOUBLE END AS d_opt,
  (i::DOUBLE / 7.0) AS d_req,
  CASE WHEN i % 5 = 2 THEN NULL ELSE (i % 13 - 6)::INTEGER END AS i32_opt,
  (i * 1000003 - 500000000000)::BIGINT AS i64_req,
  CASE WHEN i % 3 = 0 THEN NULL ELSE ['alpha','beta','café','漢字','','q"\\'][i % 6 + 1] END AS s_opt,
  'row-' || i AS s_req
FROM range(0, ${n}) t(i)`;
const copy = async (sql, name, opts) =>
  con.run(`COPY (${sql}) TO '${dir}/${name}' (FORMAT parquet, ${opts})`);

if (mode === 'testdata') {
  await copy(table(2100), 'duckdb_v1_snappy.parquet', "CODEC 'snappy', ROW_GROUP_SIZE 1024");
  await copy(table(2100), 'duckdb_v2_zstd.parquet', "CODEC 'zstd', ROW_GROUP_SIZE 1024, PARQUET_VERSION V2");
  await copy(table(100), 'duckdb_gzip.parquet', "CODEC 'gzip'");
  await copy('SELECT [1, 2, 3] AS l, 1 AS x', 'nested_list.parquet', "CODEC 'uncompressed'");
  // Damaged copies of a tiny file: footer cut in half (length field adjusted),
  // and the first page header's first byte turned into an invalid Thrift type.
  await copy("SELECT 1 AS x, 'a' AS s", `small.tmp`, "CODEC 'uncompressed'");
  const small = readFileSync(`${dir}/small.tmp`);
  const footerLen = small.readUInt32LE(small.length - 8);
  const footerStart = small.length - 8 - footerLen;
  const half = Math.floor(footerLen / 2);
  const tail = Buffer.alloc(8);
  tail.writeUInt32LE(half, 0);
  tail.write('PAR1', 4);
  writeFileSync(`${dir}/truncated_footer.parquet`,
    Buffer.concat([small.subarray(0, footerStart + half), tail]));
  const badHeader = Buffer.from(small);
  badHeader[4] = 0x1e; // field delta 1, type 14: not a Thrift type
  writeFileSync(`${dir}/bad_page_header.parquet`, badHeader);
  unlinkSync(`${dir}/small.tmp`);
} else {
  // Full-precision arbitrary doubles, many nulls, low-cardinality strings, several row groups.
  await con.run('SELECT setseed(0.25)');
  const mixed = `SELECT t.*, random() AS r,
      CASE WHEN id % 11 = 0 THEN NULL ELSE random() * 1e-300 END AS tiny,
      CASE WHEN id % 2 = 0 THEN NULL ELSE 'run-' || (id % 4) END AS run
    FROM (${table(6000)}) t`;
  await con.run(`CREATE TABLE mixed AS ${mixed}`);
  await copy('SELECT * FROM mixed ORDER BY id', 'd_snappy.parquet', "CODEC 'snappy', ROW_GROUP_SIZE 2048");
  await copy('SELECT * FROM mixed ORDER BY id', 'd_zstd.parquet', "CODEC 'zstd', ROW_GROUP_SIZE 4096");
  await copy('SELECT * FROM mixed ORDER BY id', 'd_uncompressed.parquet', "CODEC 'uncompressed', ROW_GROUP_SIZE 100000");
  await copy('SELECT * FROM mixed ORDER BY id', 'd_v2_zstd.parquet', "CODEC 'zstd', ROW_GROUP_SIZE 2048, PARQUET_VERSION V2");
  await copy('SELECT * FROM mixed ORDER BY id', 'd_v2_snappy.parquet', "CODEC 'snappy', ROW_GROUP_SIZE 2048, PARQUET_VERSION V2");
}
