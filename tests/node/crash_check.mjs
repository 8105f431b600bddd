// crash_check.mjs - DuckDB's view of a Parquet lake after a crash, for the crash
// and disk-full tests (tests/cli_crash_lake.sh, tests/cli_diskfull.sh).
// Usage:
//   node crash_check.mjs digest LAKE OUT.json
//       reads LAKE as any reader would (one glob over tep_processed/**/*.parquet with
//       hive_partitioning, and the runs table) and writes what it holds: per run its
//       row count and a hash of its rows in sample order (every column, the
//       partition columns included), and its runs row (without the times).
//   node crash_check.mjs check LAKE REF.json...
//       every run visible in LAKE is whole: its rows are exactly those of the run in
//       one of the reference digests (a clean store of an old or a new version), never
//       a mix; every runs row belongs to the same version as the run's visible rows
//       (so it never names a run whose rows are absent, and rows_stored = its rows).
//       Prints a one-line summary; exit 1 naming the first problems.
//   node crash_check.mjs same LAKE REF.json
//       LAKE holds exactly REF's runs, rows and runs rows.
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { connect, lit } from './duckdb_common.mjs';

const [cmd, root, ...rest] = process.argv.slice(2);
const con = await connect(1);
const rows = async (sql) => (await con.runAndReadAll(sql)).getRows();
const die = (msg) => { console.error(`crash_check ${cmd} ${root}: ${msg}`); process.exit(1); };
const json = (v) => JSON.stringify(v, (k, x) => (typeof x === 'bigint' ? String(x) : x));

async function digest(lake) {
  const data = `${lake}/tep_processed`;
  let folders = [];
  try {
    folders = readdirSync(data).filter((d) => d.includes('=')); // run_fault=<k> (or any older key)
  } catch (e) {
    if (e.code !== 'ENOENT') throw e;
  }
  const runFolders = new Map(); // run=<id> -> the key folders holding its part files
  for (const f of folders)
    for (const r of readdirSync(`${data}/${f}`).filter((x) => x.startsWith('run='))) {
      const parts = readdirSync(`${data}/${f}/${r}`).filter((p) => p.endsWith('.parquet')).length;
      if (!runFolders.has(r)) runFolders.set(r, []);
      if (parts) runFolders.get(r).push(f);
    }
  const out = { runs: {}, rows: {}, total: 0 };
  if ([...runFolders.values()].some((keys) => keys.length)) {
    // the plain reader first: every file readable as one Hive-partitioned dataset
    const [[n]] = await rows(
      `SELECT count(*) FROM read_parquet(${lit(data + '/**/*.parquet')}, hive_partitioning = true, union_by_name = true)`);
    out.total = Number(n);
  }
  for (const [folder, keys] of runFolders) {
    if (!keys.length) continue; // an empty folder holds no rows
    const glob = `${data}/*/${folder}/*.parquet`; // the run under every key value
    const [[ids, n, h]] = await rows(
      `SELECT list(DISTINCT run_id), count(*), hash(list(hash(t) ORDER BY sample))
         FROM read_parquet(${lit(glob)}, hive_partitioning = true, union_by_name = true) t`);
    const idList = ids.items ?? ids;
    if (idList.length !== 1) die(`folder ${folder} holds run ids ${json(idList)}`);
    out.runs[idList[0]] = { rows: Number(n), hash: String(h), folders: keys.sort().join(' ') };
  }
  let runFiles = 0;
  try {
    for (const r of readdirSync(`${lake}/runs`))
      runFiles += readdirSync(`${lake}/runs/${r}`).filter((p) => p.endsWith('.parquet')).length;
  } catch (e) {
    if (e.code !== 'ENOENT') throw e;
  }
  if (runFiles) {
    const reader = await con.runAndReadAll(
      `SELECT * EXCLUDE (started_at, finished_at, run) FROM read_parquet(${lit(lake + '/runs/**/*.parquet')}, hive_partitioning = true) ORDER BY run_id`);
    const names = reader.columnNames();
    for (const row of reader.getRows()) {
      const rec = Object.fromEntries(names.map((c, i) => [c, row[i]]));
      if (out.rows[rec.run_id]) die(`two runs rows for ${rec.run_id}`);
      out.rows[rec.run_id] = json(rec);
    }
  }
  return out;
}

const lake = await digest(root);
if (cmd === 'digest') {
  writeFileSync(rest[0], JSON.stringify(lake));
  console.log(`${Object.keys(lake.runs).length} runs, ${lake.total} rows, ${Object.keys(lake.rows).length} runs rows`);
} else if (cmd === 'check') {
  const refs = rest.map((f) => JSON.parse(readFileSync(f, 'utf8')));
  const problems = [];
  const versionCount = refs.map(() => 0);
  for (const [run, d] of Object.entries(lake.runs)) {
    const versions = refs.map((r, i) => (r.runs[run] && r.runs[run].hash === d.hash && r.runs[run].rows === d.rows ? i : -1))
      .filter((i) => i >= 0);
    if (!versions.length) {
      problems.push(`run ${run}: ${d.rows} rows (in ${d.folders}) that are no version of the run (a mix or a partial run)`);
      continue;
    }
    const row = lake.rows[run];
    if (row !== undefined && !versions.some((i) => refs[i].rows[run] === row))
      problems.push(`run ${run}: its runs row is not that of the version whose rows are visible: ${row}`);
    versionCount[versions[versions.length - 1]]++;
  }
  for (const run of Object.keys(lake.rows))
    if (!lake.runs[run]) problems.push(`the runs table names run ${run}, whose rows are absent`);
  if (problems.length) die(problems.slice(0, 5).join('; '));
  console.log(`${Object.keys(lake.runs).length} runs visible, each whole (per version: ${versionCount.join(' / ')}), ` +
    `${Object.keys(lake.rows).length} runs rows, each with its rows`);
} else if (cmd === 'same') {
  const ref = JSON.parse(readFileSync(rest[0], 'utf8'));
  const a = json({ runs: lake.runs, rows: lake.rows });
  const b = json({ runs: ref.runs, rows: ref.rows });
  if (a !== b) {
    const runs = new Set([...Object.keys(lake.runs), ...Object.keys(ref.runs), ...Object.keys(lake.rows), ...Object.keys(ref.rows)]);
    const diff = [...runs].filter((r) => json(lake.runs[r]) !== json(ref.runs[r]) || lake.rows[r] !== ref.rows[r]);
    die(`differs from the clean store in runs ${diff.slice(0, 5).join(', ')}`);
  }
  console.log(`= the clean store: ${Object.keys(lake.runs).length} runs, ${lake.total} rows, runs rows identical`);
} else {
  die('usage: digest LAKE OUT.json | check LAKE REF.json... | same LAKE REF.json');
}
