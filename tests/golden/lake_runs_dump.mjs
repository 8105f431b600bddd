// lake_runs_dump.mjs - a lake's runs/run=<id>/runs.parquet as text, for tests/cli_golden.sh.
// That file holds the run's wall-clock times (started_at, finished_at), so it cannot be compared
// byte for byte; this prints everything else DuckDB sees of it, in a fixed order: the file's
// metadata (writer, rows, row groups, format version, key/value pairs), the schema, every column
// chunk's type, encodings, codec, value count, statistics and sizes, and every value. A time
// string between FROM and TO (ISO-8601 UTC, as tep writes them) prints as "<wall-clock time>",
// and the compressed size of those two columns as "<masked>" (Zstd may pack different digits in
// a different number of bytes); any other time is printed as it is, so it shows up in a diff.
// Usage: node lake_runs_dump.mjs FILE FROM TO
import { connect, lit } from '../node/duckdb_common.mjs';

const [file, from, to] = process.argv.slice(2);
if (!to) {
  console.error('usage: node lake_runs_dump.mjs FILE FROM TO');
  process.exit(2);
}
const TIME_COLUMNS = new Set(['started_at', 'finished_at']);
const mask = (name, v) =>
  TIME_COLUMNS.has(name) && typeof v === 'string' && /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/.test(v) &&
  v >= from && v <= to ? '<wall-clock time>' : v;
const show = (v) => (v === null || v === undefined ? 'null' : JSON.stringify(typeof v === 'bigint' ? v.toString() : v));

const con = await connect(1);
const F = lit(file);
const query = async (sql) => {
  const r = await con.runAndReadAll(sql);
  return { names: r.columnNames(), rows: r.getRows() };
};
const out = [];
const section = async (title, sql, fn) => {
  const { names, rows } = await query(sql);
  out.push(`# ${title}`);
  for (const row of rows) out.push(fn ? fn(names, row) : names.map((n, i) => `${n}=${show(row[i])}`).join(' '));
};
try {
  await section('file', `SELECT created_by, num_rows, num_row_groups, format_version FROM parquet_file_metadata(${F})`);
  await section('key/value metadata', `SELECT key::VARCHAR, value::VARCHAR FROM parquet_kv_metadata(${F}) ORDER BY 1`);
  await section('schema', `SELECT name, type, type_length, repetition_type, num_children, converted_type,
      scale, precision, field_id, logical_type FROM parquet_schema(${F}) ORDER BY column_id`);
  await section('column chunks', `SELECT row_group_id, row_group_num_rows, column_id, path_in_schema, type,
      num_values, encodings, compression, stats_null_count, stats_min_value, stats_max_value,
      total_uncompressed_size, total_compressed_size
      FROM parquet_metadata(${F}) ORDER BY row_group_id, column_id`, (names, row) => {
    const path = row[names.indexOf('path_in_schema')];
    return names.map((n, i) => {
      let v = row[i];
      if (n === 'stats_min_value' || n === 'stats_max_value') v = mask(path, v);
      if (n === 'total_compressed_size' && TIME_COLUMNS.has(path)) v = '<masked>';
      return `${n}=${show(v)}`;
    }).join(' ');
  });
  await section('rows', `SELECT * FROM read_parquet(${F}, hive_partitioning = false)`,
    (names, row) => names.map((n, i) => `${n}=${show(mask(n, row[i]))}`).join('\n'));
} catch (e) {
  console.error(`${file}: ${e.message}`);
  process.exit(1);
}
process.stdout.write(out.join('\n') + '\n');
