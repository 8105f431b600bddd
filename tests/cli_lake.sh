#!/usr/bin/env bash
# cli_lake.sh - the Parquet data lake (storage.type: parquet) and Parquet input, end to end.
#
# (a) Local lake: `tep run` (simulator, 2 runs of 2 h, clean/missing/normalize/features)
#     into a lake folder and into SQLite; DuckDB (tests/node/lake_check.mjs) reads the
#     Hive-partitioned lake and finds exactly the SQLite rows (doubles bit for bit, nulls),
#     the runs table, and run_fault/run partition columns that agree with the runs. A rerun
#     replaces (same files, same counts). A files run whose second file is bad fails and
#     leaves the lake byte for byte as it was (no temporary or work files). Run ids that
#     need escaping ("b #2.csv" -> run=b%20%232.csv) read back decoded.
#     Parquet input: a DuckDB-written file (V2 pages, ZSTD, 7-row groups) and a
#     `tep simulate --output x.parquet` file go through the pipeline and give the rows the
#     same data give as CSV; the simulate file itself equals the CSV output (DuckDB).
# (b) S3: tests/node/s3_server.mjs (s3rver from npm behind a strict SigV4 check) on
#     127.0.0.1; a bucket made with curl --aws-sigv4; `tep run` into s3://bucket/prefix;
#     the objects listed and downloaded with curl equal the local lake (DuckDB); a rerun
#     keeps the same keys and leaves no temporary key (listing in 1-key pages: continuation
#     tokens); a rerun with fewer parts or under another run_fault deletes the keys it no
#     longer has; wrong access key / wrong secret
#     (HTTP 403 InvalidAccessKeyId / SignatureDoesNotMatch), a missing bucket (404
#     NoSuchBucket) and an invalid bucket name (rejected before any request) are errors;
#     a failing run leaves the bucket as it was.
# Needs node with @duckdb/node-api and s3rver (npm install --prefix tests/node); exits
# 77 (skipped) with a SKIP message when they cannot be had.
set -u
TEP=${TEP:-build/tep}
if [ ! -x "$TEP" ]; then
    echo "FAIL: $TEP is not built (set TEP to the tep binary)"
    exit 1
fi
TEP=$(cd "$(dirname "$TEP")" && pwd)/$(basename "$TEP") # the test works in a scratch folder
src=${TEP_SOURCE_DIR:-$(cd "$(dirname "$0")/.." && pwd)}
build=${TEP_BUILD_DIR:-$src/build}
node_dir=$src/tests/node

if ! command -v node >/dev/null 2>&1 || ! command -v sqlite3 >/dev/null 2>&1; then
    echo "SKIP: node or sqlite3 is not installed; the lake checks need DuckDB (node) and sqlite3"
    exit 77
fi
if [ ! -d "$node_dir/node_modules/@duckdb/node-api" ] || [ ! -d "$node_dir/node_modules/s3rver" ]; then
    if ! command -v npm >/dev/null 2>&1; then
        echo "SKIP: @duckdb/node-api / s3rver are not installed and npm is missing"
        exit 77
    fi
    echo "installing @duckdb/node-api and s3rver into $node_dir/node_modules ..."
    mkdir -p "$build"
    if ! npm install --prefix "$node_dir" --no-audit --no-fund --loglevel=error >"$build/npm-install-lake.log" 2>&1; then
        echo "SKIP: npm install failed (offline?); see $build/npm-install-lake.log"
        exit 77
    fi
fi

tmp=$(mktemp -d)
server_pid=
cleanup() {
    if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null; wait "$server_pid" 2>/dev/null; fi
    [ -n "${KEEP_TMP:-}" ] && echo "scratch: $tmp" || rm -rf "$tmp"
}
trap cleanup EXIT
cd "$tmp" || exit 1
fails=0
passes=0
pass() { echo "ok   $1"; passes=$((passes + 1)); }
fail() { echo "FAIL $1"; fails=$((fails + 1)); }
expect() { if eval "$2"; then pass "$1"; else fail "$1"; fi; }
check() { node "$node_dir/lake_check.mjs" "$@"; }

# SQLite dumps in the form lake_check.mjs compares: every column through quote()
dump_rows() { # db out [exclude-column]
    local cols sel c
    cols=$(sqlite3 "$1" "select name from pragma_table_info('tep_processed') where name not in ('id', '${3:-}') order by cid")
    sel=$(for c in $cols; do printf 'quote("%s") AS "%s",' "$c" "$c"; done)
    sqlite3 -header -separator $'\t' "$1" "select ${sel%,} from tep_processed order by tep_processed.run_id, tep_processed.sample" >"$2"
}
dump_runs() { # db out
    local cols="run_id source_kind source size_bytes sha256 rows_read rows_stored fault fault_onset_h seed hours shutdown_time_h shutdown_reason status quality_json" sel c
    sel=$(for c in $cols; do printf 'quote("%s") AS "%s",' "$c" "$c"; done)
    sqlite3 -header -separator $'\t' "$1" "select ${sel%,} from runs order by runs.run_id" >"$2"
}
tree_sums() { (cd "$1" && find . -type f | LC_ALL=C sort | xargs -r -d '\n' sha256sum); }

# ======================= (a) local lake ===============================================
sim_config() { # storage lines...
    cat <<'EOF'
data:
  source: simulator
  output_dir: out
  chunk_rows: 16
simulator:
  faults: [0, 1]
  hours: 2
  fault_at: 1
preprocessing:
  steps:
    - clean: {sort: true, dedupe: true}
    - missing: {method: ffill, max_gap: 10}
    - normalize: {method: zscore, fit_on: normal}
    - features: {rolling: [5], stats: [mean, std], diff: [1]}
storage:
EOF
    printf '  %s\n' "$@"
}
sim_config "type: sqlite" "connection_string: sim.db" >sqlite.yaml
sim_config "type: parquet" "path: lake" "codec: snappy" "part_max_rows: 25" >lake.yaml
"$TEP" run -c sqlite.yaml --quiet --log-level warn
expect "simulator pipeline into SQLite exits 0" '[ $? -eq 0 ]'
out=$("$TEP" run -c lake.yaml --log-level warn 2>&1)
expect "simulator pipeline into the lake exits 0" '[ $? -eq 0 ]'
expect "summary names the lake" 'echo "$out" | grep -q "80 rows stored in Parquet lake lake"'
r0=lake/tep_processed/run_fault=0/run=sim_idv00_seed4651207995_2h
r1=lake/tep_processed/run_fault=1/run=sim_idv01_seed4651207995_2h
expect "Hive layout run_fault=<k>/run=<id>/part-NNNN.parquet: one folder per run" \
    '[ -f $r0/part-0000.parquet ] && [ -f $r0/part-0001.parquet ] && [ -f $r1/part-0000.parquet ] && [ -f $r1/part-0001.parquet ] && [ $(find lake/tep_processed -type f | wc -l) -eq 4 ]'
expect "runs table: one runs.parquet per run" '[ $(find lake/runs -name runs.parquet | wc -l) -eq 2 ]'
expect "no temporary or work files left" '[ -z "$(find lake -name "*.tmp-*")" ] && [ -z "$(ls -A lake/_staging)" ]'
dump_rows sim.db sim_rows.tsv
dump_runs sim.db sim_runs.tsv
expect "216 columns dumped from SQLite (4 keys + 53 x 4)" '[ $(head -1 sim_rows.tsv | tr "\t" "\n" | wc -l) -eq $((4 + 53 * 4)) ]'
out=$(check compare lake sim_rows.tsv 2>&1)
expect "DuckDB reads the lake = SQLite rows ($out)" '[ $? -eq 0 ]'
out=$(check compare-runs lake sim_runs.tsv 2>&1)
expect "DuckDB reads the runs table = SQLite runs ($out)" '[ $? -eq 0 ]'
check counts lake >counts1.txt
expect "counts per run and fault label" '[ "$(cat counts1.txt | tr "\t" " " | tr "\n" ";")" = "sim_idv00_seed4651207995_2h 0 40;sim_idv01_seed4651207995_2h 0 20;sim_idv01_seed4651207995_2h 1 20;" ]'

# rerun: the run is replaced, nothing added
find lake/tep_processed -type f | sort >files1.txt
"$TEP" run -c lake.yaml --quiet --log-level warn
expect "rerun exits 0" '[ $? -eq 0 ]'
check counts lake >counts2.txt
find lake/tep_processed -type f | sort >files2.txt
expect "rerun replaces: same counts" 'cmp -s counts1.txt counts2.txt'
expect "rerun replaces: same part files" 'cmp -s files1.txt files2.txt'
expect "rerun leaves no work files" '[ -z "$(ls -A lake/_staging)" ] && [ -z "$(find lake -name "*.tmp-*")" ]'

# files source: run ids that need escaping; a failing run leaves the lake as it was
mkdir raw
"$TEP" simulate --hours 1 --output raw/a.csv --quiet
"$TEP" simulate --hours 1 --seed 7 --idv 2 --fault-at 0.5 --output "raw/b #2.csv" --quiet
cp "raw/b #2.csv" good_b.csv
files_config() { # storage lines...
    printf 'data:\n  input_dir: raw\n  file_format: csv\n  output_dir: out_files\n  chunk_rows: 16\n'
    printf 'preprocessing:\n  steps:\n    - clean: {sort: true, dedupe: true}\n'
    printf 'storage:\n'
    printf '  %s\n' "$@"
}
files_config "type: parquet" "path: flake" >flake.yaml
files_config "type: sqlite" "connection_string: files.db" >files_sqlite.yaml
"$TEP" run -c flake.yaml --quiet --log-level warn && "$TEP" run -c files_sqlite.yaml --quiet --log-level warn
expect "files pipeline into the lake exits 0" '[ $? -eq 0 ]'
expect "run id escaped in the folder name" '[ -d "$(echo flake/tep_processed/run_fault=*/run=b%20%232.csv)" ] && [ -d "flake/runs/run=b%20%232.csv" ]'
dump_rows files.db files_rows.tsv
out=$(check compare flake files_rows.tsv 2>&1)
expect "escaped run ids read back decoded; rows = SQLite ($out)" '[ $? -eq 0 ]'
dump_runs files.db files_runs.tsv
out=$(check compare-runs flake files_runs.tsv 2>&1)
expect "lineage (file, size, SHA-256) in the runs table = SQLite's ($out)" '[ $? -eq 0 ]'
tree_sums flake/tep_processed >before.txt
sha256sum "flake/runs/run=b%20%232.csv/runs.parquet" >>before.txt
awk -F, 'NR == 15 { $5 = "abc" } { print }' OFS=, good_b.csv >"raw/b #2.csv"
out=$("$TEP" run -c flake.yaml --quiet 2>&1); rc=$?
expect "bad second file: exit 1 naming file:line:column" '[ $rc -eq 1 ] && echo "$out" | grep -q "b #2.csv:15:5: expected a number"'
tree_sums flake/tep_processed >after.txt
sha256sum "flake/runs/run=b%20%232.csv/runs.parquet" >>after.txt
expect "failed run: lake byte for byte as before" 'cmp -s before.txt after.txt'
expect "failed run: no work or temporary files" '[ -z "$(ls -A flake/_staging)" ] && [ -z "$(find flake -name "*.tmp-*")" ]'
cp good_b.csv "raw/b #2.csv"

# Parquet input: a DuckDB-written file and a tep simulate file = the same data as CSV
mkdir pq csvin
cp raw/a.csv csvin/a.csv
out=$(check to-parquet raw/a.csv pq/a.parquet 2>&1)
expect "DuckDB writes a TEP file as Parquet ($out)" '[ $? -eq 0 ]'
"$TEP" simulate --hours 2 --idv 4 --fault-at 1 --output pq/s.parquet --quiet
expect "tep simulate --output x.parquet exits 0" '[ $? -eq 0 ] && [ -z "$(ls pq | grep tmp-)" ]'
"$TEP" simulate --hours 2 --idv 4 --fault-at 1 --output csvin/s.csv --quiet
"$TEP" simulate --hours 2 --idv 4 --fault-at 1 --format parquet --codec snappy --output pq/s_snappy.bin --quiet
out=$(check sim-check pq/s.parquet csvin/s.csv 4 2>&1)
expect "tep simulate Parquet = CSV output, with the fault label ($out)" '[ $? -eq 0 ]'
out=$(check sim-check pq/s_snappy.bin csvin/s.csv 4 2>&1)
expect "--format parquet --codec snappy ($out)" '[ $? -eq 0 ]'
rm pq/s_snappy.bin
"$TEP" simulate --hours 40 --interval 2 --output long.parquet --quiet
out=$(check groups long.parquet 2>&1)
expect "tep simulate: one row group per 65536 samples, ZSTD by default ($out)" '[ "$out" = "65536:ZSTD 6464:ZSTD" ]'
in_config() { # dir format db
    printf 'data:\n  input_dir: %s\n  file_format: %s\n  output_dir: out_%s\n' "$1" "$2" "$2"
    printf 'preprocessing:\n  steps:\n    - clean: {sort: true, dedupe: true}\n'
    printf 'storage:\n  type: sqlite\n  connection_string: %s\n' "$3"
}
in_config csvin csv from_csv.db >in_csv.yaml
in_config pq parquet from_pq.db >in_pq.yaml
"$TEP" run -c in_csv.yaml --quiet --log-level warn && "$TEP" run -c in_pq.yaml --quiet --log-level warn
expect "pipeline over Parquet files exits 0" '[ $? -eq 0 ]'
dump_rows from_csv.db from_csv.tsv fault
dump_rows from_pq.db from_pq.tsv fault
sed -i "s/'\([as]\)\.csv'/'\1'/" from_csv.tsv
sed -i "s/'\([as]\)\.parquet'/'\1'/" from_pq.tsv
expect "Parquet input = CSV input: every stored value ($(($(wc -l <from_pq.tsv) - 1)) rows)" \
    'cmp -s from_csv.tsv from_pq.tsv && [ $(wc -l <from_pq.tsv) -eq 61 ]'
sha=$(sha256sum pq/a.parquet | cut -d" " -f1)
expect "Parquet lineage: kind, SHA-256, size" \
    '[ "$(sqlite3 from_pq.db "select source_kind, sha256, size_bytes from runs where run_id=\"a.parquet\"")" = "parquet|$sha|$(stat -c %s pq/a.parquet)" ]'
expect "fault labels read from the simulate file" \
    '[ "$(sqlite3 from_pq.db "select count(*) from tep_processed where run_id=\"s.parquet\" and fault = 4")" -gt 0 ]'

# ======================= (b) S3 ========================================================
echo "--- S3 (s3rver on 127.0.0.1 behind a SigV4 check)"
mkdir s3data
node --openssl-legacy-provider "$node_dir/s3_server.mjs" --dir "$tmp/s3data" --port-file "$tmp/port" --log "$tmp/requests.log" \
    --max-seconds 600 >server.out 2>&1 &
server_pid=$!
for _ in $(seq 1 300); do [ -s port ] && break; sleep 0.1; done
if [ ! -s port ]; then
    fail "the S3 server did not start: $(cat server.out)"
    echo "$passes passed, $fails failed"
    exit 1
fi
port=$(cat port)
ep=http://127.0.0.1:$port
empty=e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855
s3curl() { curl -sS --aws-sigv4 "aws:amz:us-east-1:s3" --user "S3RVER:S3RVER" -H "x-amz-content-sha256: $empty" "$@"; }
keys() { # prefix -> every key under it (one page is enough here)
    s3curl "$ep/tep-lake?list-type=2&prefix=$(printf %s "$1" | sed 's|/|%2F|g')" | grep -o '<Key>[^<]*</Key>' | sed 's|<Key>\(.*\)</Key>|\1|' | LC_ALL=C sort
}
code=$(s3curl -X PUT -o /dev/null -w '%{http_code}' "$ep/tep-lake")
expect "bucket created with curl --aws-sigv4 (HTTP $code)" '[ "$code" = 200 ]'
sim_config "type: parquet" "path: s3://tep-lake/lake/v1" "endpoint: $ep" "codec: snappy" "part_max_rows: 25" >s3.yaml
AWS_ACCESS_KEY_ID=S3RVER AWS_SECRET_ACCESS_KEY=S3RVER "$TEP" run -c s3.yaml --quiet --log-level warn
expect "pipeline into s3://tep-lake/lake/v1 exits 0 (credentials from the environment)" '[ $? -eq 0 ]'
keys lake/v1/ | sed 's|^lake/v1/||' >s3keys.txt
(cd lake && find . -type f ! -path "./_staging/*" | sed 's|^\./||' | LC_ALL=C sort) >localkeys.txt
expect "S3 keys = the local lake's files ($(wc -l <s3keys.txt) objects)" 'cmp -s s3keys.txt localkeys.txt && [ -s s3keys.txt ]'
expect "no temporary keys left" '[ -z "$(keys lake/v1/_tmp/)" ]'
mkdir s3copy
while read -r key; do
    mkdir -p "s3copy/$(dirname "$key")"
    s3curl -o "s3copy/$key" "$ep/tep-lake/lake/v1/$(printf %s "$key" | sed 's/%/%25/g; s/=/%3D/g')"
done <s3keys.txt
out=$(check same lake s3copy 2>&1)
expect "objects downloaded with curl = the local lake (DuckDB: $out)" '[ $? -eq 0 ]'
s3curl "$ep/tep-lake?list-type=2&prefix=lake%2Fv1%2Ftep_processed%2F" | grep -o '<Key>[^<]*</Key><LastModified>[^<]*</LastModified><ETag>[^<]*</ETag>' | sed 's|<LastModified>[^<]*</LastModified>||' >etags1.txt
AWS_ACCESS_KEY_ID=S3RVER AWS_SECRET_ACCESS_KEY=S3RVER TEP_LAKE_S3_PAGE_KEYS=1 "$TEP" run -c s3.yaml --quiet --log-level warn
expect "S3 rerun exits 0 (listing the old keys one key per page: continuation tokens)" '[ $? -eq 0 ]'
s3curl "$ep/tep-lake?list-type=2&prefix=lake%2Fv1%2Ftep_processed%2F" | grep -o '<Key>[^<]*</Key><LastModified>[^<]*</LastModified><ETag>[^<]*</ETag>' | sed 's|<LastModified>[^<]*</LastModified>||' >etags2.txt
expect "S3 rerun replaces: same keys, same contents (ETags)" 'cmp -s etags1.txt etags2.txt && [ -s etags1.txt ]'
expect "S3 rerun: no temporary keys" '[ -z "$(keys lake/v1/_tmp/)" ]'

# fewer parts, then a fault label fewer: the keys the new version lacks are deleted
sim_config "type: parquet" "path: s3://tep-lake/lake/v1" "endpoint: $ep" "codec: snappy" "part_max_rows: 50" >s3c.yaml
AWS_ACCESS_KEY_ID=S3RVER AWS_SECRET_ACCESS_KEY=S3RVER "$TEP" run -c s3c.yaml --quiet --log-level warn
keys lake/v1/tep_processed/ >s3keys_c.txt
expect "S3 rerun with larger parts: part-0001 deleted, part-0000 kept" \
    '! grep -q "run_fault=0/run=sim_idv00_seed4651207995_2h/part-0001" s3keys_c.txt && grep -q "run_fault=0/run=sim_idv00_seed4651207995_2h/part-0000" s3keys_c.txt && [ $(wc -l <s3keys_c.txt) -eq 2 ]'
mkdir raw3
printf 'sample,fault,xmeas_1\n1,0,0.5\n2,3,0.25\n' >raw3/c.csv
printf 'data:\n  input_dir: raw3\n  output_dir: out3\npreprocessing:\n  steps: []\nstorage:\n  type: parquet\n  path: s3://tep-lake/shrink\n  endpoint: %s\n  access_key: S3RVER\n  secret_key: S3RVER\n' "$ep" >shrink.yaml
"$TEP" run -c shrink.yaml --quiet --log-level warn && keys shrink/tep_processed/ >shrink1.txt
printf 'sample,fault,xmeas_1\n1,0,0.5\n2,0,0.25\n' >raw3/c.csv
"$TEP" run -c shrink.yaml --quiet --log-level warn && keys shrink/tep_processed/ >shrink2.txt
expect "S3 rerun as fault 0 instead of 3: its run_fault=3 keys deleted" \
    '[ "$(cat shrink1.txt)" = "shrink/tep_processed/run_fault=3/run=c.csv/part-0000.parquet" ] && [ "$(cat shrink2.txt)" = "shrink/tep_processed/run_fault=0/run=c.csv/part-0000.parquet" ]'

s3_error() { # name, expected exit, pattern, storage lines...
    local name=$1 code=$2 pattern=$3
    shift 3
    sim_config "type: parquet" "$@" >s3bad.yaml
    out=$(env -u AWS_ACCESS_KEY_ID -u AWS_SECRET_ACCESS_KEY "$TEP" run -c s3bad.yaml --quiet 2>&1); rc=$?
    if [ $rc -eq "$code" ] && echo "$out" | grep -q -- "$pattern"; then pass "$name"; else fail "$name (rc=$rc: $out)"; fi
}
s3_error "wrong access key: HTTP 403 InvalidAccessKeyId" 1 "S3 credentials rejected.*HTTP 403 InvalidAccessKeyId: The AWS Access Key Id" \
    "path: s3://tep-lake/lake/v1" "endpoint: $ep" "access_key: NOBODY" "secret_key: S3RVER"
s3_error "wrong secret: HTTP 403 SignatureDoesNotMatch" 1 "HTTP 403 SignatureDoesNotMatch" \
    "path: s3://tep-lake/lake/v1" "endpoint: $ep" "access_key: S3RVER" "secret_key: not-the-secret"
s3_error "missing bucket: HTTP 404 NoSuchBucket" 1 "storage: cannot use s3://no-such-bucket/x: .*HTTP 404 NoSuchBucket" \
    "path: s3://no-such-bucket/x" "endpoint: $ep" "access_key: S3RVER" "secret_key: S3RVER"
before=$(wc -l <requests.log)
s3_error "invalid bucket name rejected" 2 "invalid S3 bucket name 'Tep_Lake': a bucket name has only lower-case" \
    "path: s3://Tep_Lake/x" "endpoint: $ep" "access_key: S3RVER" "secret_key: S3RVER"
s3_error "invalid key prefix rejected" 2 "invalid key prefix 'a b'" \
    "path: s3://tep-lake/a b" "endpoint: $ep" "access_key: S3RVER" "secret_key: S3RVER"
s3_error "no credentials" 2 "S3 needs credentials" "path: s3://tep-lake/x" "endpoint: $ep"
expect "invalid names and missing credentials: no request sent" '[ "$(wc -l <requests.log)" -eq "$before" ]'

# a failing run leaves the bucket as it was
files_config "type: parquet" "path: s3://tep-lake/files" "endpoint: $ep" "access_key: S3RVER" "secret_key: S3RVER" >s3files.yaml
"$TEP" run -c s3files.yaml --quiet --log-level warn
expect "files pipeline into S3 exits 0" '[ $? -eq 0 ]'
keys files/ >fkeys1.txt
s3curl "$ep/tep-lake?list-type=2&prefix=files%2Ftep_processed%2F" | grep -o '<Key>[^<]*</Key><LastModified>[^<]*</LastModified><ETag>[^<]*</ETag>' | sed 's|<LastModified>[^<]*</LastModified>||' >fetag1.txt
awk -F, 'NR == 15 { $5 = "abc" } { print }' OFS=, good_b.csv >"raw/b #2.csv"
out=$("$TEP" run -c s3files.yaml --quiet 2>&1); rc=$?
expect "S3: bad second file: exit 1" '[ $rc -eq 1 ] && echo "$out" | grep -q "b #2.csv:15:5"'
keys files/ >fkeys2.txt
s3curl "$ep/tep-lake?list-type=2&prefix=files%2Ftep_processed%2F" | grep -o '<Key>[^<]*</Key><LastModified>[^<]*</LastModified><ETag>[^<]*</ETag>' | sed 's|<LastModified>[^<]*</LastModified>||' >fetag2.txt
expect "S3: failed run leaves the same keys, contents and no temporary key" \
    'cmp -s fkeys1.txt fkeys2.txt && cmp -s fetag1.txt fetag2.txt && [ -z "$(grep _tmp/ fkeys2.txt)" ] && grep -q "run=b%20%232.csv" fkeys2.txt'
cp good_b.csv "raw/b #2.csv"
rejected=$(grep -c " 403 " requests.log)
expect "the server verified signatures (rejected $rejected bad ones, accepted the rest)" '[ "$rejected" -eq 2 ] && [ $(wc -l <requests.log) -gt 20 ]'

echo "$passes passed, $fails failed"
[ $fails -eq 0 ]
