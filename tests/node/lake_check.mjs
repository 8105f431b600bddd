// lake_check.mjs - DuckDB's side of tests/cli_lake.sh: reads tep's Parquet
// lake (Hive-partitioned) and files as an independent reader would.
// Usage:
//   node lake_check.mjs compare LAKE_ROOT SQLITE_TSV
//       every row of <root>/tep_processed (hive_partitioning) equals the SQLite dump
//       (sqlite3 -header -separator TAB, every column through quote(); ordered by
//       run_id, sample): same rows, columns, doubles bit for bit, nulls; the run
//       partition equals run_id once URL-decoded, the run_fault partition equals the
//       run's fault in <root>/runs, and each run lies in one run_fault folder
//   node lake_check.mjs compare-runs LAKE_ROOT SQLITE_TSV
//       <root>/runs rows (ordered by run_id) equal the SQLite runs dump (its columns)
//   node lake_check.mjs counts LAKE_ROOT     "run<TAB>fault<TAB>rows" per partition
//   node lake_check.mjs same LAKE_A LAKE_B   both lakes hold the same rows
//   node lake_check.mjs to-parquet CSV OUT   DuckDB writes the CSV as Parquet (V2 pages,
//                                            ZSTD, row groups of 7 rows)
//   node lake_check.mjs groups FILE          "rows:CODEC" of each row group
//   node lake_check.mjs sim-check PARQUET CSV IDV
//       tep simulate's Parquet file = its CSV file (types, every value), fault column
//       0 then IDV
import { readFileSync } from 'node:fs';
import { connect, lit } from './duckdb_common.mjs';

const [cmd, a, b, c] = process.argv.slice(2);
const con = await connect(1);
const ident = (s) => '"' + s.replaceAll('"', '""') + '"';
const rows = async (sql) => (await con.runAndReadAll(sql)).getRows();
const lake = (root) => `read_parquet(${lit(root + '/tep_processed/**/*.parquet')}, hive_partitioning = true, union_by_name = true)`;
const runsOf = (root) => `read_parquet(${lit(root + '/runs/**/*.parquet')}, hive_partitioning = true)`;
const die = (msg) => { console.error(`lake_check ${cmd}: ${msg}`); process.exit(1); };

const f64 = new Float64Array(1);
const u64 = new BigUint64Array(f64.buffer);
const bits = (x) => { f64[0] = x; return u64[0]; };

// sqlite3 quote() text -> a JS value (string, number or null)
function unquote(cell) {
  if (cell === 'NULL') return null;
  if (cell.startsWith("'")) return cell.slice(1, -1).replaceAll("''", "'");
  const n = Number(cell);
  if (Number.isNaN(n)) die(`cannot read '${cell}' from the SQLite dump`);
  return n;
}

function same(sqliteValue, duckValue) {
  if (sqliteValue === null || duckValue === null || duckValue === undefined)
    return sqliteValue === null && (duckValue === null || duckValue === undefined);
  if (typeof sqliteValue === 'string') return String(duckValue) === sqliteValue;
  const d = typeof duckValue === 'bigint' ? Number(duckValue) : Number(duckValue);
  return bits(d) === bits(sqliteValue) || (d === 0 && sqliteValue === 0);
}

async function compareDump(sqlSource, tsv, order) {
  const lines = readFileSync(tsv, 'utf8').split('\n').filter((l) => l.length);
  const header = lines[0].split('\t');
  const want = lines.slice(1).map((l) => l.split('\t').map(unquote));
  const got = await rows(`SELECT ${header.map(ident).join(', ')} FROM ${sqlSource} ORDER BY ${order}`);
  if (got.length !== want.length) die(`${got.length} rows in the lake, ${want.length} in SQLite`);
  let bad = 0;
  for (let i = 0; i < want.length; i++)
    for (let j = 0; j < header.length; j++)
      if (!same(want[i][j], got[i][j]) && bad++ < 10)
        console.error(`row ${i} (${want[i][0]}), column ${header[j]}: SQLite ${want[i][j]}, lake ${got[i][j]}`);
  if (bad) die(`${bad} values differ`);
  return [want.length, header.length];
}

if (cmd === 'compare') {
  const [n, m] = await compareDump(lake(a), b, 'run_id, sample');
  const cols = (await rows(`DESCRIBE SELECT * FROM ${lake(a)}`)).map((r) => r[0]);
  if (!cols.includes('run') || !cols.includes('run_fault')) die(`no run/run_fault partition columns: ${cols}`);
  const [[badRun]] = await rows(`SELECT count(*) FROM ${lake(a)} WHERE run <> run_id`);
  const [[badFault]] = await rows(
    `SELECT count(*) FROM ${lake(a)} d LEFT JOIN ${runsOf(a)} r ON d.run_id = r.run_id
      WHERE r.fault IS NULL OR d.run_fault <> r.fault`);
  const [[split]] = await rows(
    `SELECT count(*) FROM (SELECT run_id FROM ${lake(a)} GROUP BY run_id HAVING count(DISTINCT run_fault) > 1)`);
  if (badRun !== 0n || badFault !== 0n || split !== 0n)
    die(`${badRun} rows whose run partition is not run_id, ${badFault} whose run_fault partition is not their run's fault, ${split} runs in several folders`);
  console.log(`lake = SQLite: ${n} rows x ${m} columns identical; run and run_fault partitions agree with run_id and the runs table`);
} else if (cmd === 'compare-runs') {
  const [n, m] = await compareDump(runsOf(a), b, 'run_id');
  console.log(`runs table = SQLite's: ${n} runs x ${m} columns identical`);
} else if (cmd === 'counts') {
  for (const [run, fault, n] of await rows(`SELECT run, fault, count(*) FROM ${lake(a)} GROUP BY ALL ORDER BY ALL`))
    console.log(`${run}\t${fault}\t${n}`);
} else if (cmd === 'same') {
  const cols = (await rows(`DESCRIBE SELECT * FROM ${lake(a)}`)).map((r) => ident(r[0])).join(', ');
  const [[ab]] = await rows(`SELECT count(*) FROM (SELECT ${cols} FROM ${lake(a)} EXCEPT ALL SELECT ${cols} FROM ${lake(b)})`);
  const [[ba]] = await rows(`SELECT count(*) FROM (SELECT ${cols} FROM ${lake(b)} EXCEPT ALL SELECT ${cols} FROM ${lake(a)})`);
  const [[na]] = await rows(`SELECT count(*) FROM ${lake(a)}`);
  if (ab !== 0n || ba !== 0n) die(`${ab} rows only in ${a}, ${ba} only in ${b}`);
  const runsA = await rows(`SELECT run_id, rows_stored, status, parts FROM ${runsOf(a)} ORDER BY run_id`);
  const runsB = await rows(`SELECT run_id, rows_stored, status, parts FROM ${runsOf(b)} ORDER BY run_id`);
  if (JSON.stringify(runsA, (k, v) => (typeof v === 'bigint' ? String(v) : v)) !==
      JSON.stringify(runsB, (k, v) => (typeof v === 'bigint' ? String(v) : v)))
    die('the runs tables differ');
  console.log(`both lakes hold the same ${na} rows and runs rows`);
} else if (cmd === 'to-parquet') {
  await con.run(`COPY (SELECT * FROM read_csv(${lit(a)}, header = true)) TO ${lit(b)}
    (FORMAT parquet, CODEC 'zstd', ROW_GROUP_SIZE 7, PARQUET_VERSION V2)`);
  const [[n]] = await rows(`SELECT count(*) FROM read_parquet(${lit(b)})`);
  console.log(`DuckDB wrote ${n} rows to ${b}`);
} else if (cmd === 'sim-check') {
  const types = Object.fromEntries((await rows(`DESCRIBE SELECT * FROM read_parquet(${lit(a)})`)).map((r) => [r[0], r[1]]));
  const names = Object.keys(types);
  if (names.length !== 56 || types.sample !== 'BIGINT' || types.time_h !== 'DOUBLE' || types.fault !== 'INTEGER' ||
      types.xmeas_1 !== 'DOUBLE' || types.xmv_12 !== 'DOUBLE' || names[3] !== 'xmeas_1' || names[55] !== 'xmv_12')
    die(`unexpected schema ${JSON.stringify(types)}`);
  const csvCols = (await rows(`DESCRIBE SELECT * FROM read_csv(${lit(b)}, header = true)`)).map((r) => ident(r[0]));
  const sel = csvCols.map((x) => (x === '"sample"' ? x : `${x}::DOUBLE`)).join(', ');
  const pq = `(SELECT ${sel} FROM read_parquet(${lit(a)}))`;
  const csv = `(SELECT ${sel} FROM read_csv(${lit(b)}, header = true, all_varchar = false))`;
  const [[d1]] = await rows(`SELECT count(*) FROM (${pq} EXCEPT ALL ${csv})`);
  const [[d2]] = await rows(`SELECT count(*) FROM (${csv} EXCEPT ALL ${pq})`);
  const [[n]] = await rows(`SELECT count(*) FROM read_parquet(${lit(a)})`);
  if (d1 !== 0n || d2 !== 0n) die(`${d1} + ${d2} rows differ between the Parquet and the CSV output`);
  const idv = Number(c);
  const [[zeros, faulty, others, lastZero, firstFaulty]] = await rows(
    `SELECT count(*) FILTER (fault = 0), count(*) FILTER (fault = ${idv}), count(*) FILTER (fault NOT IN (0, ${idv})),
            max(sample) FILTER (fault = 0), min(sample) FILTER (fault = ${idv}) FROM read_parquet(${lit(a)})`);
  if (others !== 0n || faulty === 0n || zeros === 0n || lastZero >= firstFaulty)
    die(`fault column: ${zeros} rows 0, ${faulty} rows ${idv}, ${others} others`);
  console.log(`tep simulate Parquet = CSV: ${n} rows identical; fault 0 for samples 1..${lastZero}, ${idv} from ${firstFaulty}`);
} else if (cmd === 'groups') {
  const groups = await rows(
    `SELECT row_group_id, any_value(row_group_num_rows), any_value(compression) FROM parquet_metadata(${lit(a)}) GROUP BY 1 ORDER BY 1`);
  console.log(groups.map(([, n, codec]) => `${n}:${codec}`).join(' '));
} else {
  die('usage: compare|compare-runs|counts|same|to-parquet|sim-check|groups ...');
}
