#!/usr/bin/env bash
# cli_lake_duckdb.sh - DuckDB (from npm, tests/node/lake_check.mjs) as the independent reader of
# tep's Parquet lakes and files, and the lake on S3. The same lakes without DuckDB (layout,
# counts, reruns, failed runs, Parquet input) are checked by cli_lake.sh, which never skips.
# (a) Local lake: DuckDB reads the Hive-partitioned lake of `tep run` (simulator, 2 runs of
#     2 h) and finds exactly the SQLite rows (doubles bit for bit, nulls), the runs table, and
#     run_fault/run partition columns that agree with the runs; a rerun gives the same counts;
#     escaped run ids ("b #2.csv" -> run=b%20%232.csv) read back decoded with the lineage.
#     Parquet input: a DuckDB-written file (V2 pages, ZSTD, 7-row groups) gives through the
#     pipeline the rows the same data give as CSV; `tep simulate --output x.parquet` equals
#     the CSV output (DuckDB); row groups of 65536 samples, ZSTD by default.
# (b) S3: tests/node/s3_server.mjs (s3rver from npm behind a strict SigV4 check) on
#     127.0.0.1; a bucket made with curl --aws-sigv4; `tep run` into s3://bucket/prefix;
#     the objects listed and downloaded with curl equal the local lake (DuckDB); a rerun
#     keeps the same keys and leaves no temporary key (listing in 1-key pages: continuation
#     tokens); a rerun with fewer parts or under another run_fault deletes the keys it no
#     longer has; wrong access key / wrong secret
#     (HTTP 403 InvalidAccessKeyId / SignatureDoesNotMatch), a missing bucket (404
#     NoSuchBucket) and an invalid bucket name (rejected before any request) are errors;
#     a failing run leaves the bucket as it was.
# Needs node with @duckdb/node-api and s3rver (scripts/node-deps.sh, run by `make test`,
# installs them into tests/node); skips (exit 77) when they are missing - the test installs
# nothing.
. "$(dirname "$0")/lib_cli.sh"
case $TEP in /*) ;; *) TEP=$PWD/$TEP ;; esac # the test works in a scratch folder
src=${TEP_SOURCE_DIR:-$(cd "$(dirname "$0")/.." && pwd)}
. "$src/tests/lib_store.sh"
node_dir=$src/tests/node
command -v node >/dev/null 2>&1 || skip "node is not installed (Debian packages nodejs npm); DuckDB and S3 checks not run"
if [ ! -d "$node_dir/node_modules/@duckdb/node-api" ] || [ ! -d "$node_dir/node_modules/s3rver" ]; then
    skip "@duckdb/node-api / s3rver are not installed in $node_dir (run scripts/node-deps.sh)"
fi

server_pid=
cleanup() {
    if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null; wait "$server_pid" 2>/dev/null; fi
    [ -n "${KEEP_TMP:-}" ] && echo "scratch: $tmp" || rm -rf "$tmp"
}
trap cleanup EXIT
cd "$tmp" || exit 1
check() { node "$node_dir/lake_check.mjs" "$@"; }

# ======================= (a) local lake ===============================================
lake_sim_config "type: sqlite" "connection_string: sim.db" >sqlite.yaml
lake_sim_config "type: parquet" "path: lake" "codec: snappy" "part_max_rows: 25" >lake.yaml
"$TEP" run -c sqlite.yaml --quiet --log-level warn && "$TEP" run -c lake.yaml --quiet --log-level warn
expect "simulator pipeline into SQLite and into the lake exits 0" '[ $? -eq 0 ]'
lake_dump_rows sim.db sim_rows.tsv
lake_dump_runs sim.db sim_runs.tsv
expect "216 columns dumped from SQLite (4 keys + 53 x 4)" '[ $(head -1 sim_rows.tsv | tr "\t" "\n" | wc -l) -eq $((4 + 53 * 4)) ]'
out=$(check compare lake sim_rows.tsv 2>&1)
expect "DuckDB reads the lake = SQLite rows ($out)" '[ $? -eq 0 ]'
out=$(check compare-runs lake sim_runs.tsv 2>&1)
expect "DuckDB reads the runs table = SQLite runs ($out)" '[ $? -eq 0 ]'
check counts lake >counts1.txt
expect "counts per run and fault label" '[ "$(cat counts1.txt | tr "\t" " " | tr "\n" ";")" = "sim_idv00_seed4651207995_2h 0 40;sim_idv01_seed4651207995_2h 0 20;sim_idv01_seed4651207995_2h 1 20;" ]'
"$TEP" run -c lake.yaml --quiet --log-level warn
expect "rerun exits 0" '[ $? -eq 0 ]'
check counts lake >counts2.txt
expect "rerun replaces: same counts (DuckDB)" 'cmp -s counts1.txt counts2.txt'

# files source: escaped run ids read back decoded
lake_raw_files
lake_files_config "type: parquet" "path: flake" >flake.yaml
lake_files_config "type: sqlite" "connection_string: files.db" >files_sqlite.yaml
"$TEP" run -c flake.yaml --quiet --log-level warn && "$TEP" run -c files_sqlite.yaml --quiet --log-level warn
expect "files pipeline into the lake and SQLite exits 0" '[ $? -eq 0 ]'
lake_dump_rows files.db files_rows.tsv
out=$(check compare flake files_rows.tsv 2>&1)
expect "escaped run ids read back decoded; rows = SQLite ($out)" '[ $? -eq 0 ]'
lake_dump_runs files.db files_runs.tsv
out=$(check compare-runs flake files_runs.tsv 2>&1)
expect "lineage (file, size, SHA-256) in the runs table = SQLite's ($out)" '[ $? -eq 0 ]'

# Parquet input: a DuckDB-written file and a tep simulate file = the same data as CSV
mkdir pq csvin
cp raw/a.csv csvin/a.csv
out=$(check to-parquet raw/a.csv pq/a.parquet 2>&1)
expect "DuckDB writes a TEP file as Parquet ($out)" '[ $? -eq 0 ]'
"$TEP" simulate --hours 2 --idv 4 --fault-at 1 --output pq/s.parquet --quiet
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
lake_input_same_as_csv
expect "Parquet input (one file written by DuckDB) = CSV input: both runs exit 0, every stored value identical ($input_cmp_rows rows)" '[ $? -eq 0 ]'

# ======================= (b) S3 ========================================================
echo "--- S3 (s3rver on 127.0.0.1 behind a SigV4 check)"
mkdir s3data
node --openssl-legacy-provider "$node_dir/s3_server.mjs" --dir "$tmp/s3data" --port-file "$tmp/port" --log "$tmp/requests.log" \
    --max-seconds 600 >server.out 2>&1 &
server_pid=$!
for _ in $(seq 1 300); do [ -s port ] && break; sleep 0.1; done
if [ ! -s port ]; then
    fail "the S3 server did not start: $(cat server.out)"
    finish
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
lake_sim_config "type: parquet" "path: s3://tep-lake/lake/v1" "endpoint: $ep" "codec: snappy" "part_max_rows: 25" >s3.yaml
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

# fewer parts, then another run_fault: the keys the new version lacks are deleted
lake_sim_config "type: parquet" "path: s3://tep-lake/lake/v1" "endpoint: $ep" "codec: snappy" "part_max_rows: 50" >s3c.yaml
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
    lake_sim_config "type: parquet" "$@" >s3bad.yaml
    out=$(env -u AWS_ACCESS_KEY_ID -u AWS_SECRET_ACCESS_KEY "$TEP" run -c s3bad.yaml --quiet 2>&1); rc=$?
    if [ $rc -eq "$code" ] && echo "$out" | grep -q -- "$pattern"; then pass "$name"; else fail "$name (rc=$rc: $out)"; fi
}
s3_error "wrong access key: HTTP 403 InvalidAccessKeyId" 1 "S3 credentials rejected.*HTTP 403 InvalidAccessKeyId: The AWS Access Key Id" \
    "path: s3://tep-lake/lake/v1" "endpoint: $ep" "access_key: NOBODY" "secret_key: S3RVER"
s3_error "wrong secret: HTTP 403 SignatureDoesNotMatch" 1 "HTTP 403 SignatureDoesNotMatch" \
    "path: s3://tep-lake/lake/v1" "endpoint: $ep" "access_key: S3RVER" "secret_key: not-the-secret"
s3_error "missing bucket: HTTP 404 NoSuchBucket" 1 "storage: cannot use s3://no-such-bucket/x: .*HTTP 404 NoSuchBucket" \
    "path: s3://no-such-bucket/x" "endpoint: $ep" "access_key: S3RVER" "secret_key: S3RVER"
# the server logs a request when its response has finished, which may be after tep has
# read the response and exited: wait until the log stops growing before counting
settled_lines() {
    local n m
    n=$(wc -l <requests.log)
    for _ in $(seq 1 50); do
        sleep 0.2
        m=$(wc -l <requests.log)
        [ "$m" -eq "$n" ] && break
        n=$m
    done
    echo "$n"
}
before=$(settled_lines)
s3_error "invalid bucket name rejected" 2 "invalid S3 bucket name 'Tep_Lake': a bucket name has only lower-case" \
    "path: s3://Tep_Lake/x" "endpoint: $ep" "access_key: S3RVER" "secret_key: S3RVER"
s3_error "invalid key prefix rejected" 2 "invalid key prefix 'a b'" \
    "path: s3://tep-lake/a b" "endpoint: $ep" "access_key: S3RVER" "secret_key: S3RVER"
s3_error "no credentials" 2 "S3 needs credentials" "path: s3://tep-lake/x" "endpoint: $ep"
expect "invalid names and missing credentials: no request sent" '[ "$(settled_lines)" -eq "$before" ]'

# a failing run leaves the bucket as it was
lake_files_config "type: parquet" "path: s3://tep-lake/files" "endpoint: $ep" "access_key: S3RVER" "secret_key: S3RVER" >s3files.yaml
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

finish
