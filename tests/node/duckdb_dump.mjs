// duckdb_dump.mjs - print a Parquet file as DuckDB reads it, in the canonical
// form that `test_parquet dump FILE` prints (tests/cli_parquet_duckdb.sh diffs
// the two): shape, schema, per-chunk statistics (parquet_metadata), per-column
// count/min/max computed by DuckDB, then every row. Doubles are printed as
// their IEEE-754 bit pattern ("d:<16 hex digits>") so comparisons are exact;
// strings as JSON; nulls as null. DuckDB shows no statistic that is +-infinity,
// so the C dump prints those as none too.
// Usage: node duckdb_dump.mjs FILE              (dump to stdout)
//        node duckdb_dump.mjs --suffix S FILE...  (dump each FILE to FILE + S)
import { writeFileSync } from 'node:fs';
import { connect, lit } from './duckdb_common.mjs';

let args = process.argv.slice(2);
let suffix = null;
if (args[0] === '--suffix') {
  suffix = args[1];
  args = args.slice(2);
}
if (args.length === 0 || (suffix === null && args.length !== 1)) {
  console.error('usage: node duckdb_dump.mjs FILE | node duckdb_dump.mjs --suffix S FILE...');
  process.exit(2);
}
const f64 = new Float64Array(1);
const u64 = new BigUint64Array(f64.buffer);
const dbits = (x) => {
  f64[0] = x;
  return 'd:' + u64[0].toString(16).padStart(16, '0');
};
const typeLabel = { DOUBLE: 'DOUBLE', INT32: 'INT32', INT64: 'INT64', BYTE_ARRAY: 'STRING' };
const ident = (s) => '"' + s.replaceAll('"', '""') + '"';

const con = await connect(1);
const rows = async (sql) => (await con.runAndReadAll(sql)).getRows();

async function dump(file) {
const F = lit(file);

const out = [];
const [[nrows]] = await rows(`SELECT count(*) FROM read_parquet(${F})`);
const groups = await rows(
  `SELECT row_group_id, any_value(row_group_num_rows) FROM parquet_metadata(${F}) GROUP BY 1 ORDER BY 1`);
out.push(`rows ${nrows}`, `row_groups ${groups.length}`);
for (const [g, n] of groups) out.push(`rg ${g} rows ${n}`);

const schema = await rows(
  `SELECT name, type, repetition_type FROM parquet_schema(${F}) WHERE type IS NOT NULL`);
const cols = schema.map(([name, type, rep]) => ({ name, type: typeLabel[type] ?? 'OTHER', nullable: rep === 'OPTIONAL' }));
for (const c of cols) out.push(`column ${c.name} ${c.type} ${c.nullable ? 'nullable' : 'required'}`);

const fmt = (c, v) => {
  if (v === null || v === undefined) return 'null';
  if (c.type === 'DOUBLE') return dbits(v);
  if (c.type === 'STRING') return JSON.stringify(v);
  return v.toString();
};
const stats = await rows(
  `SELECT row_group_id, path_in_schema, stats_null_count, stats_min_value, stats_max_value
     FROM parquet_metadata(${F}) ORDER BY row_group_id, column_id`);
for (const [g, name, nulls, lo, hi] of stats) {
  const c = cols.find((x) => x.name === name);
  const conv = async (s) => {
    if (s === null) return 'none';
    if (c.type === 'DOUBLE') return dbits((await rows(`SELECT CAST(${lit(s)} AS DOUBLE)`))[0][0]);
    if (c.type === 'STRING') return JSON.stringify(s);
    return (await rows(`SELECT CAST(${lit(s)} AS BIGINT)`))[0][0].toString();
  };
  out.push(`stats ${g} ${name} nulls=${nulls === null ? 'none' : nulls} ` +
    `min=${await conv(lo)} max=${await conv(hi)}`);
}
// Aggregates over a real scan: without the LIMIT, DuckDB answers min/max from
// the file's statistics instead of the values.
for (const c of cols) {
  const [[count, lo, hi]] = await rows(
    `SELECT count(v), min(v), max(v) FROM (SELECT ${ident(c.name)} AS v FROM read_parquet(${F}) LIMIT 9223372036854775807)`);
  out.push(`agg ${c.name} count=${count}` + (count > 0n ? ` min=${fmt(c, lo)} max=${fmt(c, hi)}` : ''));
}
const data = await rows(
  `SELECT * EXCLUDE (file_row_number) FROM read_parquet(${F}, file_row_number = true) ORDER BY file_row_number`);
data.forEach((r, i) => out.push(`row ${i} ` + r.map((v, j) => fmt(cols[j], v)).join(' ')));
return out.join('\n') + '\n';
}

for (const file of args) {
  let text;
  try {
    text = await dump(file);
  } catch (e) {
    console.error(`${file}: ${e.message}`);
    process.exit(1);
  }
  if (suffix === null) process.stdout.write(text);
  else writeFileSync(file + suffix, text);
}
