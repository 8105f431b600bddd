#!/usr/bin/env bash
# cli_store_config.sh - storage settings checked before anything is stored, and a store
# that fails to start a run is rolled back:
#  - SQLite in a folder that does not exist: the message names the folder (it used to be
#    SQLite's bare "unable to open database file"), exit 1, nothing created; a parent
#    that is a file likewise; an existing folder works;
#  - storage.type s3 / minio (the Parquet lake on S3) with a connection string that is
#    no s3:// URL, or none: a config error at its line and column (exit 2), no folder
#    made; timescaledb (= postgresql with timescaledb: on) with timescaledb: off: a
#    config error; --help-config documents the words;
#  - SQLite refusing to start a run (a trigger on runs): exit 1, the run is rolled back
#    at once (warning in the log) and the runs stored before are intact, row for row.
. "$(dirname "$0")/lib_cli.sh"
cd "$tmp"
q() { sqlite3 "$1" "$2"; }
sim_config() { # name storage lines...
    local name=$1
    shift
    printf 'data: {source: simulator, output_dir: out}\nsimulator: {faults: [0], hours: 0.3}\n'
    printf 'preprocessing: {steps: []}\nstorage:\n'
    printf '  %s\n' "$@"
} >"$1.yaml"

# --- SQLite in a missing folder ------------------------------------------------------------
sim_config nodir "type: sqlite" "connection_string: new/deep/t.db"
out=$("$TEP" run -c nodir.yaml --quiet 2>&1)
rc=$?
expect "missing folder: exit 1" '[ $rc -eq 1 ]'
expect "... the message names the folder" \
    'echo "$out" | grep -q "new/deep/t.db: SQLite: cannot open the database: its folder .new/deep. does not exist (storage.connection_string: the database file is created when missing, its folder must exist)"'
expect "... nothing created" '[ ! -e new ]'
touch plainfile
sim_config notdir "type: sqlite" "connection_string: plainfile/t.db"
out=$("$TEP" run -c notdir.yaml --quiet 2>&1)
expect "a file where the folder should be: exit 1, named" \
    '[ $? -eq 1 ] && echo "$out" | grep -q "its folder .plainfile. is not a folder"'
mkdir -p there/deep
sim_config there "type: sqlite" "connection_string: there/deep/t.db"
"$TEP" run -c there.yaml --quiet --log-level warn
expect "existing folder: the database file is created (6 rows)" \
    '[ $? -eq 0 ] && [ "$(q there/deep/t.db "select count(*) from tep_processed")" = 6 ]'
expect "--help-config: the SQLite file is created, its folder must exist" \
    '"$TEP" run --help-config | grep -A1 "storage.connection_string" | grep -q "created when missing, with its folder.s permissions; the folder must exist"'

# --- the design's words: s3, minio, timescaledb ----------------------------------------------
for word in s3 minio; do
    sim_config "$word" "type: $word" "connection_string: lake_$word"
    out=$("$TEP" run -c "$word.yaml" --quiet 2>&1)
    expect "type $word with a folder: exit 2 at the connection string's line and column" \
        '[ $? -eq 2 ] && echo "$out" | grep -q "$word.yaml:6:22: storage.type $word (the Parquet lake on S3): expected an S3 URL s3://bucket/prefix, got .lake_$word. (type: parquet stores into a folder)"'
    expect "... no folder made" '[ ! -e lake_$word ] && [ ! -e data ]'
    sim_config "${word}_none" "type: $word"
    out=$("$TEP" run -c "${word}_none.yaml" --quiet 2>&1)
    expect "type $word without a connection string: exit 2 at the type" \
        '[ $? -eq 2 ] && echo "$out" | grep -q "${word}_none.yaml:5:9: storage.type $word (the Parquet lake on S3): expected storage.connection_string: s3://bucket/prefix"'
done
sim_config ts_off "type: timescaledb" "connection_string: \"host=127.0.0.1 port=1\"" "timescaledb: off"
out=$("$TEP" run -c ts_off.yaml --quiet 2>&1)
expect "type timescaledb with timescaledb: off: exit 2, located" \
    '[ $? -eq 2 ] && echo "$out" | grep -q "ts_off.yaml:7:16: storage.timescaledb: .off. contradicts storage.type timescaledb (= postgresql with timescaledb: on)"'
sim_config ts_part "type: timescaledb" "connection_string: \"host=127.0.0.1 port=1\"" "layout: partitioned"
out=$("$TEP" run -c ts_part.yaml --quiet 2>&1)
expect "type timescaledb with layout: partitioned: exit 2 (they exclude each other)" \
    '[ $? -eq 2 ] && echo "$out" | grep -q "storage.layout: partitioned and storage.timescaledb: on exclude each other"'
help=$("$TEP" run --help-config)
expect "--help-config: storage.type lists s3, minio and timescaledb" \
    'echo "$help" | grep -q "storage.type  *sqlite|postgresql|influxdb|parquet|s3|minio|timescaledb (default: sqlite)"'
expect "--help-config: what they mean" \
    'echo "$help" | grep -q "s3 and minio = the parquet lake on the S3 URL" && echo "$help" | grep -q "timescaledb = postgresql with timescaledb: on" && echo "$help" | grep -q "with storage.type: postgresql, or timescaledb" && echo "$help" | grep -q "with storage.type: parquet, or s3 / minio"'

# --- a run the store refuses to start is rolled back -----------------------------------------
printf 'data: {source: simulator, output_dir: out}\nsimulator: {faults: [1], hours: 0.3}\npreprocessing: {steps: []}\nstorage: {connection_string: refuse.db}\n' >refuse.yaml
printf 'data: {source: simulator, output_dir: out}\nsimulator: {faults: [0], hours: 0.3}\npreprocessing: {steps: []}\nstorage: {connection_string: refuse.db}\n' >first.yaml
"$TEP" run -c first.yaml --quiet --log-level warn
q refuse.db "create trigger refuse before insert on runs begin select raise(abort, 'refused by a test trigger'); end;"
before=$(q refuse.db "select run_id, rows_stored from runs; select * from tep_processed" | sha256sum)
out=$("$TEP" run -c refuse.yaml --quiet 2>&1)
rc=$?
expect "begin_run refused: exit 1 with the store's message" \
    '[ $rc -eq 1 ] && echo "$out" | grep -q "cannot start storing the run: refused by a test trigger"'
expect "... the refused run is rolled back at once (the store says so)" \
    'echo "$out" | grep -q "warn  \[sqlite\] run sim_idv01_seed4651207995_0.3h rolled back; refuse.db is as before the run"'
expect "... the run stored before is intact, row for row" \
    '[ "$(q refuse.db "select run_id, rows_stored from runs; select * from tep_processed" | sha256sum)" = "$before" ] && [ "$(q refuse.db "select count(*) from runs")" = 1 ]'
finish
