#!/usr/bin/env bash
# cli_store_aliases.sh - the design's storage.type words on real servers, and run ids
# and fault labels through the server stores:
#  - type s3 and type minio store the Parquet lake on s3://bucket/prefix exactly as type
#    parquet does (same keys, same part sizes: the parts differ only in the config hash
#    they carry; no temporary key left), on
#    tests/node/s3_server.mjs (s3rver behind a SigV4 check, 127.0.0.1);
#  - type timescaledb = postgresql with timescaledb: on: tep_processed becomes a
#    hypertable on ts (a server preloading TimescaleDB, scripts/services.sh with
#    TEP_PG_TIMESCALEDB=1);
#  - long run ids (a 255-byte file name with a 4-byte character where a 127-byte limit
#    used to cut) and ids with a folder ("A/x.csv") are stored whole in PostgreSQL (text)
#    and InfluxDB (tag run_id);
#  - a NULL fault in PostgreSQL's runs table makes `tep report` fail, naming the run
#    (it used to be read as 0 = normal through atoi).
# Skips (exit 77) before any check when node with s3rver, the servers or the
# TimescaleDB extension cannot be had.
. "$(dirname "$0")/lib_cli.sh"
case $TEP in /*) ;; *) TEP=$PWD/$TEP ;; esac
src=${TEP_SOURCE_DIR:-$(cd "$(dirname "$0")/.." && pwd)}
services=$src/scripts/services.sh
node_dir=$src/tests/node
export LC_ALL=C
unset TEP_SERVICES_DIR
server_pid=
cleanup() {
    if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null; wait "$server_pid" 2>/dev/null; fi
    [ -n "${TEP_SERVICES_DIR:-}" ] && "$services" stop >/dev/null 2>&1
    [ -n "${KEEP_TMP:-}" ] && echo "scratch: $tmp" || rm -rf "$tmp"
}
trap cleanup EXIT
cd "$tmp"
if ! command -v node >/dev/null 2>&1 || [ ! -d "$node_dir/node_modules/s3rver" ] ||
    ! command -v curl >/dev/null 2>&1 || ! command -v python3 >/dev/null 2>&1; then
    echo "SKIP: node with s3rver (npm install --prefix tests/node), curl and python3 are needed"
    exit 77
fi
if ! env_lines=$(TEP_PG_TIMESCALEDB=1 "$services" start 2>services.log); then
    echo "SKIP: cannot start PostgreSQL and InfluxDB:"; sed 's/^/  /' services.log
    eval "$(echo "$env_lines" | grep TEP_SERVICES_DIR)"
    exit 77
fi
eval "$env_lines"
if [ "$TEP_PG_TIMESCALEDB" != 1 ]; then
    echo "SKIP: the timescaledb extension is not installed for PostgreSQL in $TEP_PG_BIN"
    exit 77
fi
mkdir s3data
node --openssl-legacy-provider "$node_dir/s3_server.mjs" --dir "$tmp/s3data" --port-file "$tmp/port" \
    --max-seconds 600 >s3server.out 2>&1 &
server_pid=$!
for _ in $(seq 1 300); do [ -s port ] && break; sleep 0.1; done
if [ ! -s port ]; then
    echo "FAIL the S3 server did not start: $(cat s3server.out)"
    exit 1
fi
ep=http://127.0.0.1:$(cat port)
empty=e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855
s3curl() { curl -sS --aws-sigv4 "aws:amz:us-east-1:s3" --user "S3RVER:S3RVER" -H "x-amz-content-sha256: $empty" "$@"; }
parts() { # prefix: "key size" of every part under prefix/tep_processed, the prefix cut off
    s3curl "$ep/tep-lake?list-type=2&prefix=$1%2Ftep_processed%2F" |
        grep -o '<Key>[^<]*</Key><LastModified>[^<]*</LastModified><ETag>[^<]*</ETag><Size>[^<]*</Size>' |
        sed "s|<Key>$1/\([^<]*\)</Key>.*<Size>\([^<]*\)</Size>|\1 \2|"
}
keys() { s3curl "$ep/tep-lake?list-type=2&prefix=$(printf %s "$1" | sed 's|/|%2F|g')" | grep -o '<Key>[^<]*</Key>' | sed 's|</*Key>||g'; }
run() { timeout 120 "$TEP" run "$@"; } # a loop (the old long-name bug) fails, not hangs
pq() { "$TEP_PG_BIN/psql" -X -q -At "$TEP_PG_ADMIN_DSN" -c "$1" 2>&1; }
sim_config() { # name storage lines...
    local name=$1
    shift
    {
        printf 'data: {source: simulator, output_dir: out_%s}\n' "$name"
        printf 'simulator: {faults: [0, 1], hours: 1, fault_at: 0.5}\n'
        printf 'preprocessing: {steps: [missing: {method: ffill}]}\nstorage:\n'
        printf '  %s\n' "$@"
    } >"$name.yaml"
}

# --- s3 and minio: the Parquet lake on S3 ---------------------------------------------------
code=$(s3curl -X PUT -o /dev/null -w '%{http_code}' "$ep/tep-lake")
expect "bucket made (HTTP $code)" '[ "$code" = 200 ]'
export AWS_ACCESS_KEY_ID=S3RVER AWS_SECRET_ACCESS_KEY=S3RVER
for word in parquet s3 minio; do
    sim_config "$word" "type: $word" "connection_string: s3://tep-lake/$word" "endpoint: $ep"
    run -c "$word.yaml" --quiet --log-level warn
    expect "type $word into s3://tep-lake/$word: exit 0" '[ $? -eq 0 ]'
    parts "$word" >"$word.parts"
done
expect "parquet: parts of both runs, one folder each under the run's fault" \
    '[ "$(cut -d/ -f2,3 parquet.parts | sort -u | tr "\n" " ")" = "run_fault=0/run=sim_idv00_seed4651207995_1h run_fault=1/run=sim_idv01_seed4651207995_1h " ]'
# the parts differ only in the configuration hash they carry (same length): same sizes
expect "s3 = parquet: the same part keys, the same sizes" 'cmp -s parquet.parts s3.parts'
expect "minio = parquet: the same part keys, the same sizes" 'cmp -s parquet.parts minio.parts'
expect "s3 and minio: the runs table of both runs, no temporary key" \
    '[ "$(keys s3/runs/ | wc -l)" = 2 ] && [ "$(keys minio/runs/ | wc -l)" = 2 ] && [ -z "$(keys s3/_tmp/)$(keys minio/_tmp/)" ]'

# --- timescaledb = postgresql with timescaledb: on ------------------------------------------
sim_config ts "type: timescaledb" "connection_string: \"$TEP_PG_DSN\"" "table_prefix: ts_"
run -c ts.yaml --quiet --log-level warn
expect "type timescaledb: exit 0, 2 runs, 40 rows" \
    '[ $? -eq 0 ] && [ "$(pq "select count(*) from ts_runs") $(pq "select count(*) from ts_tep_processed")" = "2 40" ]'
expect "... ts_tep_processed is a hypertable on ts" \
    '[ "$(pq "select column_name from timescaledb_information.dimensions where hypertable_name = '"'ts_tep_processed'"'")" = ts ]'
# with layout: table only timescaledb: on makes a hypertable, so the word is what decides
sim_config pgt "type: postgresql" "connection_string: \"$TEP_PG_DSN\"" "table_prefix: pgt_" "layout: table"
sim_config tst "type: timescaledb" "connection_string: \"$TEP_PG_DSN\"" "table_prefix: tst_" "layout: table"
run -c pgt.yaml --quiet --log-level warn && run -c tst.yaml --quiet --log-level warn
expect "layout table: type postgresql gives a plain table, type timescaledb a hypertable" \
    '[ $? -eq 0 ] && [ "$(pq "select string_agg(hypertable_name, '"' '"') from timescaledb_information.hypertables where hypertable_name in ('"'pgt_tep_processed'"', '"'tst_tep_processed'"')")" = tst_tep_processed ] && [ "$(pq "select count(*) from pgt_tep_processed") $(pq "select count(*) from tst_tep_processed")" = "40 40" ]'

# --- a NULL fault in PostgreSQL is not "normal" ---------------------------------------------
pq "update ts_runs set fault = NULL where run_id = 'sim_idv01_seed4651207995_1h'" >/dev/null
out=$("$TEP" report --store "pg:$TEP_PG_DSN" --table-prefix ts_ --components 3 --out null.html 2>&1)
expect "NULL fault in runs: tep report fails (exit 1), naming the run" \
    '[ $? -eq 1 ] && echo "$out" | grep -q "run .sim_idv01_seed4651207995_1h. in \"ts_runs\" has no fault label (NULL): expected 0 (normal) or the IDV number"'
expect "... no report written, no password shown" '[ ! -e null.html ] && ! echo "$out" | grep -q "$TEP_PG_PASSWORD"'

# --- long ids and ids with a folder in PostgreSQL and InfluxDB -------------------------------
mkdir -p raw/A raw/B
"$TEP" simulate --quiet --hours 0.3 --seed 5 --output raw/A/x.csv
long=$(printf 'L%.0s' $(seq 126))$'\xf0\x9f\x98\x80'$(printf 'M%.0s' $(seq 121)).csv # 255 bytes
"$TEP" simulate --quiet --hours 0.2 --seed 6 --output x.csv && mv x.csv "raw/B/$long"
files_config() { # name storage lines...
    local name=$1
    shift
    {
        printf 'data: {input_dir: raw, pattern: "*/*", output_dir: out_%s}\n' "$name"
        printf 'preprocessing: {steps: []}\nstorage:\n'
        printf '  %s\n' "$@"
    } >"$name.yaml"
}
ids_want=$(printf '%s\n' "A/x.csv" "B/$long" | python3 -c 'import sys; print(sys.stdin.buffer.read().hex())')
files_config pg "type: postgresql" "connection_string: \"$TEP_PG_DSN\"" "table_prefix: ids_"
run -c pg.yaml --quiet --log-level warn
expect "PostgreSQL: exit 0" '[ $? -eq 0 ]'
expect "PostgreSQL: both ids whole (the 255-byte one byte for byte), with their rows" \
    '[ "$(pq "select run_id from ids_runs order by run_id" | python3 -c "import sys; print(sys.stdin.buffer.read().hex())")" = "$ids_want" ] && [ "$(pq "select string_agg(n::text, '"' '"' order by run_id) from (select run_id, count(*) n from ids_tep_processed group by run_id) t")" = "6 4" ]'
files_config influx "type: influxdb" "connection_string: $TEP_INFLUX_URL" "database: tep" \
    "username: tep" "password: \"$TEP_INFLUX_PASSWORD\"" "measurement: ids"
run -c influx.yaml --quiet --log-level warn
expect "InfluxDB: exit 0" '[ $? -eq 0 ]'
tags=$(curl -s -u "tep:$TEP_INFLUX_PASSWORD" "$TEP_INFLUX_URL/query" --data-urlencode "db=tep" \
    --data-urlencode 'q=SHOW TAG VALUES FROM "ids" WITH KEY = "run_id"' |
    python3 -c 'import json, sys; v = json.load(sys.stdin)["results"][0]["series"][0]["values"]; print("\n".join(sorted(x[1] for x in v)).encode().hex() + "0a")')
expect "InfluxDB: both ids whole as run_id tags" '[ "$tags" = "$ids_want" ]'
finish
