#!/usr/bin/env bash
# cli_valgrind_errors.sh - the error paths of `tep run` and `tep analyze` under valgrind:
# each fails with its own exit status and message, with no memory error and nothing lost
# (definite or indirect). A store section with a key of another store
# (`storage: {type: sqlite, measurement: x}`) used to lose the stage's options (1,024
# bytes); the others cover the input checks (file names, id clashes), storage.type words,
# a missing SQLite folder, a run the store refuses to start, and many --test arguments.
# Not registered in sanitizer builds (CMakeLists.txt), as cli_valgrind; skips when valgrind is
# missing (make test installs it).
. "$(dirname "$0")/lib_cli.sh"
command -v valgrind >/dev/null 2>&1 || skip "valgrind not installed (scripts/install-deps.sh test)"
case $TEP in /*) ;; *) TEP=$PWD/$TEP ;; esac
cd "$tmp"
export LC_ALL=C
vg() { # expected-status name args...: valgrind exits 99 on any error or leak
    local want=$1 name=$2 log
    shift 2
    log=$(printf %s "$name" | tr -c 'A-Za-z0-9' _).out
    valgrind --quiet --leak-check=full --errors-for-leak-kinds=definite,indirect \
        --error-exitcode=99 "$TEP" "$@" >"$log" 2>&1
    local rc=$?
    expect "$name: exit $want, no memory error, nothing lost" '[ $rc -eq $want ]'
    [ $rc -eq 99 ] && sed 's/^/    /' "$log" | head -30
}
sim() { "$TEP" simulate --quiet --hours 0.15 --seed "$1" --output "$2"; }
printf 'data: {source: simulator, output_dir: out}\nsimulator: {faults: [0], hours: 0.2}\nstorage: {type: sqlite, measurement: x}\n' >other_key.yaml
vg 2 "storage key of another store" run -c other_key.yaml --quiet
printf 'data: {source: simulator, output_dir: out}\nsimulator: {faults: [0], hours: 0.2}\nstorage: {type: s3, connection_string: lake}\n' >s3.yaml
vg 2 "type s3 without an s3:// URL" run -c s3.yaml --quiet
printf 'data: {source: simulator, output_dir: out}\nsimulator: {faults: [0], hours: 0.2}\nstorage: {connection_string: no/such/t.db}\n' >nodir.yaml
vg 1 "SQLite folder missing" run -c nodir.yaml --quiet
mkdir bad clash
sim 1 bad/ok.csv
cp bad/ok.csv "bad/caf"$'\xe9'".csv"
printf 'data: {input_dir: bad, output_dir: out}\npreprocessing: {steps: []}\nstorage: {connection_string: bad.db}\n' >bad.yaml
vg 1 "file name not UTF-8" run -c bad.yaml --quiet
{ echo "run_id,$(head -1 bad/ok.csv)"; echo "1,$(tail -1 bad/ok.csv)"; } >clash/m.csv
sim 2 "clash/m.csv#1"
printf 'data: {input_dir: clash, pattern: "*", output_dir: out}\npreprocessing: {steps: []}\nstorage: {connection_string: clash.db}\n' >clash.yaml
vg 1 "two runs with one id" run -c clash.yaml --quiet
printf 'data: {source: simulator, output_dir: out}\nsimulator: {faults: [0], hours: 0.2}\npreprocessing: {steps: []}\nstorage: {connection_string: refuse.db}\n' >refuse.yaml
"$TEP" run -c refuse.yaml --quiet --log-level warn
sed -i 's/faults: \[0\]/faults: [1]/' refuse.yaml
sqlite3 refuse.db "create trigger refuse before insert on runs begin select raise(abort, 'refused'); end;"
vg 1 "run refused by the store" run -c refuse.yaml --quiet
args=()
for i in $(seq 260); do args+=(--test bad/ok.csv); done
"$TEP" simulate --quiet --hours 2 --seed 4 --output train.csv
vg 0 "260 --test options" analyze --train train.csv --components 2 "${args[@]}" --json many.json
finish
