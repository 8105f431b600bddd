#!/usr/bin/env bash
# cli_run_ids.sh - run ids taken from input files, end to end (`tep run` into SQLite and a
# local Parquet lake):
#  - long names (127, 128, 200 and 255 bytes, with a 2-, 3- and 4-byte UTF-8 character
#    where a 127-byte limit used to cut) are stored whole, exactly once, and the run ends
#    (it used to loop, committing empty runs); a 127-byte name equal to the first 127
#    bytes of a longer one is a run of its own (it used to be replaced);
#  - a file name that is not UTF-8 is rejected before anything is stored, with the file
#    named; a run-id column is checked by the same rule (600 bytes fine, 1024 not); a file
#    `tep analyze` reads makes no run id, so there any name will do (shown escaped); a
#    run of a 1000-byte id that fails shows the whole id and the cause;
#  - files with the same name in different folders are different runs ("A/x.csv",
#    "B/x.csv"), files directly in input_dir keep their plain name; two runs that would
#    get the same id are an error naming both files, and nothing of the second is stored;
#    an input_dir named with glob's special characters ('in[1]*?\z') matches only itself;
#  - a file name holding a line break cannot forge a log line (plain text escapes it,
#    --log-json stays valid JSON) and a path byte that is not UTF-8 is escaped too;
#  - nor an error message: a run that fails in a file named with a line break and an ESC
#    prints one escaped error line (the name in its file and in its "run <id>" prefix),
#    no raw control byte on stderr.
. "$(dirname "$0")/lib_cli.sh"
export LC_ALL=C # glob order: bytes
cd "$tmp"
q() { sqlite3 "$1" "$2"; }
config() { # name input_dir db [pattern] [store lines...]
    local name=$1 dir=$2 db=$3 pattern=${4:-}
    shift 4 2>/dev/null || shift $#
    {
        printf 'data:\n  input_dir: "%s"\n  file_format: csv\n  output_dir: out_%s\n' "$dir" "$name"
        [ -n "$pattern" ] && printf '  pattern: "%s"\n' "$pattern"
        printf 'preprocessing:\n  steps: []\nstorage:\n'
        if [ $# -gt 0 ]; then printf '  %s\n' "$@"; else printf '  connection_string: %s\n' "$db"; fi
    } >"$name.yaml"
}
run() { timeout 120 "$TEP" run "$@"; } # a loop (the old long-name bug) fails, not hangs
sim() { "$TEP" simulate --quiet --hours "$1" --seed "$2" --output "$3"; } # hours seed file

# --- 1. long names, stored whole ---------------------------------------------------------
mkdir long
A126=$(printf 'A%.0s' $(seq 126))
n127=$(printf 'A%.0s' $(seq 123)).csv                      # 127 bytes
n128=${A126}$'\xc3\xa9'                                    # é across bytes 127-128
n200=${A126}$'\xe2\x82\xac'$(printf 'B%.0s' $(seq 67)).csv # € across bytes 127-129
n255=${A126}$'\xf0\x9f\x98\x80'$(printf 'C%.0s' $(seq 121)).csv # U+1F600 at 127-130
d160=$(printf 'D%.0s' $(seq 156)).csv
d127=${d160:0:127} # what a 127-byte limit made of d160
i=0
for name in "$n127" "$n128" "$n200" "$n255" "$d160" "$d127"; do
    i=$((i + 1))
    sim "0.$((i + 1))5" $((100 + i)) x.csv && mv x.csv "long/$name"
done
expect "name lengths 127 128 200 255 160 127 bytes" \
    '[ "$(for n in "$n127" "$n128" "$n200" "$n255" "$d160" "$d127"; do printf "%s " "$(printf %s "$n" | wc -c)"; done)" = "127 128 200 255 160 127 " ]'
config long long long.db '*'
run -c long.yaml --quiet --log-level warn
expect "tep run ends, exit 0 (it used to loop forever)" '[ $? -eq 0 ]'
expect "6 runs, no empty one" '[ "$(q long.db "select count(*), min(rows_stored) > 0 from runs")" = "6|1" ]'
for name in "$n127" "$n128" "$n200" "$n255" "$d160" "$d127"; do
    hex=$(printf %s "$name" | od -An -v -tx1 | tr -d ' \n' | tr a-f A-F)
    rows=$(($(wc -l <"long/$name") - 1))
    len=$(printf %s "$name" | wc -c)
    expect "$len-byte name ${name:0:3}...: id stored whole, $rows rows" \
        '[ "$(q long.db "select rows_stored, (select count(*) from tep_processed p where p.run_id = r.run_id) from runs r where hex(run_id) = '"'$hex'"'")" = "$rows|$rows" ]'
done
# the lake keeps ids in folder names (run=<escaped id>, at most 200 bytes escaped): a
# name it cannot hold is a clear error, and the runs before it are published whole
mkdir lake_in
cp "long/$d127" "long/$d160" lake_in/
z200=$(printf 'Z%.0s' $(seq 126))$'\xe2\x82\xac'$(printf 'B%.0s' $(seq 67)).csv
cp "long/$n200" "lake_in/$z200"
config long_lake lake_in long.db '*' "type: parquet" "path: lake"
run -c long_lake.yaml --quiet --log-level warn >lake.out 2>&1
rc=$?
expect "lake: 160-byte name in its own folder" '[ -d "lake/runs/run=$d160" ]'
expect "lake: 127-byte name beside it, not replaced by the 160-byte one" '[ -d "lake/runs/run=$d127" ]'
expect "lake: a name too long once escaped (206 bytes) is a clear error (exit 1)" \
    '[ $rc -eq 1 ] && grep -q "cannot name a partition folder: expected 1 to 200 bytes once escaped" lake.out'

# --- 2. names that are not UTF-8; run-id columns by the same rule --------------------------
mkdir bad
sim 0.15 1 bad/ok.csv
cp bad/ok.csv "bad/caf"$'\xe9'".csv"
config bad bad bad.db
out=$(run -c bad.yaml --quiet 2>&1)
rc=$?
expect "file name not UTF-8: exit 1" '[ $rc -eq 1 ]'
expect "... the message names the file (escaped) and the byte" \
    'echo "$out" | grep -qF "caf\\xE9.csv: cannot name a run after this input file: its path below data.input_dir is not valid UTF-8 at byte 4 (0xE9)"'
expect "... nothing stored (not even ok.csv)" '[ ! -s bad.db ] || [ "$(q bad.db "select count(*) from runs")" = 0 ]'
# a file read by `tep analyze` makes no run id: any name will do, shown escaped
sim 4 11 train.csv
"$TEP" simulate --quiet --hours 1 --seed 12 --idv 1 --fault-at 0.5 --output "caf"$'\xe9'".csv"
"$TEP" analyze --train train.csv --test "caf"$'\xe9'".csv" --components 3 --json latin1.json >latin1.txt 2>&1
expect "tep analyze --test on a file named in Latin-1: exit 0, its row in the table (escaped)" \
    '[ $? -eq 0 ] && grep -q "^caf\\\\xE9\.csv  *1 |" latin1.txt'
expect "... and in the JSON" \
    '[ "$(q :memory: "select json_extract(readfile(\"latin1.json\"), \"\$.results[0].file\")")" = "caf\\xE9.csv" ]'
mkdir runcol
row=$(tail -1 bad/ok.csv)
head=$(head -1 bad/ok.csv)
r600=$(printf 'r%.0s' $(seq 600))
r1024=$(printf 'r%.0s' $(seq 1024))
{ echo "run_id,$head"; echo "$r600,$row"; echo "short,$row"; } >runcol/m.csv
config runcol runcol runcol.db
run -c runcol.yaml --quiet --log-level warn
expect "run-id column of 600 bytes: stored whole as m.csv#<600 bytes>" \
    '[ $? -eq 0 ] && [ "$(q runcol.db "select group_concat(length(run_id), \",\") from (select run_id from runs order by run_id)")" = "606,11" ]'
{ echo "run_id,$head"; echo "$r1024,$row"; } >runcol/m.csv
out=$(run -c runcol.yaml --quiet 2>&1)
expect "run-id column of 1024 bytes: error at line 2, column 1" \
    '[ $? -eq 1 ] && echo "$out" | grep -q "m.csv:2:1: expected a run id (1 to 1023 bytes of UTF-8 text) in column .run_id., found .rrr.*1024 bytes, longer than 1023"'
{ echo "run_id,$head"; echo "caf"$'\xe9'",$row"; } >runcol/m.csv
out=$(run -c runcol.yaml --quiet 2>&1)
expect "run-id column not UTF-8: the same words as for a file name" \
    '[ $? -eq 1 ] && echo "$out" | grep -q "m.csv:2:1: .*not valid UTF-8 at byte 4 (0xE9)"'
# a run of a 1000-byte id that fails: the error has the whole id (twice: the run's and
# the reader's) and its cause (a 1 KiB message used to cut the cause off)
r1000=$(printf 'r%.0s' $(seq 1000))
sim 2 9 runcol.csv
{ echo "run_id,$(head -1 runcol.csv)"; sed -n '2,31p;31p' runcol.csv | sed "s/^/$r1000,/"; } >runcol/m.csv
printf 'data:\n  input_dir: runcol\n  output_dir: out_runcol\n  chunk_rows: 16\npreprocessing:\n  steps: []\nstorage:\n  connection_string: runcol.db\n' >runcol16.yaml
run -c runcol16.yaml --quiet 2>runcol.err
expect "1000-byte run id, a sample twice: exit 1, the whole message with its cause" \
    '[ $? -eq 1 ] && grep -qxF "tep run: error: runcol/m.csv:32:2: run m.csv#$r1000: sample 30 of run '"'"'$r1000'"'"' appears twice: expected increasing sample numbers within a run" runcol.err'

# --- 3. the same name in different folders ------------------------------------------------
mkdir -p same/A same/B
sim 0.3 1 same/A/x.csv
sim 0.15 2 same/B/x.csv
sim 0.2 3 same/top.csv
config same same same.db '*/x.csv'
out=$(run -c same.yaml --log-level warn 2>&1)
expect "A/x.csv and B/x.csv: exit 0, the summary says 2 runs, 9 rows" \
    '[ $? -eq 0 ] && echo "$out" | grep -q "tep run: 2 runs, 9 rows stored"'
expect "... and the store holds both: A/x.csv 6 rows, B/x.csv 3 rows" \
    '[ "$(q same.db "select group_concat(run_id || \":\" || rows_stored, \" \") from (select * from runs order by run_id)")" = "A/x.csv:6 B/x.csv:3" ]'
expect "... 9 rows in tep_processed, each with its run's id" \
    '[ "$(q same.db "select group_concat(run_id || \":\" || n, \" \") from (select run_id, count(*) n from tep_processed group by run_id order by run_id)")" = "A/x.csv:6 B/x.csv:3" ]'
config top same same.db
run -c top.yaml --quiet --log-level warn
expect "a file directly in input_dir keeps its name as id (top.csv)" \
    '[ $? -eq 0 ] && [ "$(q same.db "select count(*) from runs where run_id = \"top.csv\"")" = 1 ]'
config same_lake same same.db '*/x.csv' "type: parquet" "path: same_lake"
run -c same_lake.yaml --quiet --log-level warn
expect "lake: the folder in the id is escaped (run=A%2Fx.csv, run=B%2Fx.csv)" \
    '[ $? -eq 0 ] && [ -d same_lake/runs/run=A%2Fx.csv ] && [ -d same_lake/runs/run=B%2Fx.csv ]'
# a clash: run "1" of the multi-run file m.csv and the single-run file "m.csv#1"
mkdir clash
{ echo "run_id,$head"; echo "1,$row"; echo "2,$row"; } >clash/m.csv
sim 0.15 4 "clash/m.csv#1"
sim 0.15 5 clash/keep.csv
config clash clash clash.db '*'
out=$(run -c clash.yaml --quiet 2>&1)
rc=$?
expect "two runs with one id: exit 1, both files named" \
    '[ $rc -eq 1 ] && echo "$out" | grep -q "clash/m.csv#1: run id .m.csv#1. is already the id of a run of clash/m.csv:"'
expect "... the first keeps its rows, the clashing file stored nothing" \
    '[ "$(q clash.db "select group_concat(run_id || \":\" || rows_stored, \" \") from (select * from runs order by run_id)")" = "keep.csv:3 m.csv#1:1 m.csv#2:1" ]'
{ echo "run_id,$head"; echo "1,$row"; echo "2,$row"; echo "1,$row"; } >clash/m.csv
rm "clash/m.csv#1"
out=$(run -c clash.yaml --quiet 2>&1)
expect "a run name used twice in one file: exit 1, named" \
    '[ $? -eq 1 ] && echo "$out" | grep -q "run id .m.csv#1. is already the id of a run earlier in this file"'

# input_dir holding glob's special characters matches only itself: its files, their names
# as ids (a folder it would match as a pattern, in1abz, is not read)
mkdir -p 'globby/in[1]*?\z' globby/in1abz
sim 0.15 21 'globby/in[1]*?\z/a.csv'
sim 0.2 22 'globby/in[1]*?\z/b.csv'
sim 0.25 23 globby/in1abz/c.csv
printf "data:\n  input_dir: 'globby/in[1]*?\\z'\n  output_dir: out_globby\npreprocessing:\n  steps: []\nstorage:\n  connection_string: globby.db\n" >globby.yaml
run -c globby.yaml --quiet --log-level warn
expect "input_dir 'in[1]*?\\z': exit 0, its two files stored under their names" \
    '[ $? -eq 0 ] && [ "$(q globby.db "select group_concat(run_id || \":\" || rows_stored, \" \") from (select * from runs order by run_id)")" = "a.csv:3 b.csv:4" ]'

# --- 4. a file name with a line break; a path byte that is not UTF-8 ------------------------
mkdir "logs"$'\xff' # a folder name that is not UTF-8 (YAML cannot hold it: a link)
ln -s "logs"$'\xff' logs
evil="a.csv"$'\n'"2020-01-01T00:00:00.000Z error [pipeline] forged"$'\r'
sim 0.15 6 "logs/$evil"
config logs logs logs.db '*'
run -c logs.yaml --quiet 2>plain.log
expect "line break in a file name: stored whole" \
    '[ $? -eq 0 ] && [ "$(q logs.db "select count(*) from runs where run_id = '"'$evil'"'")" = 1 ]'
expect "plain log: no forged line, every line a record" \
    '! grep -q "^2020-01-01" plain.log && [ "$(grep -cv "^20[0-9-]*T[0-9:.]*Z [a-z]* *\[" plain.log)" = 0 ]'
expect "plain log: the name escaped on its own line" \
    'grep -q "\] run a.csv\\\\n2020-01-01T00:00:00.000Z error \[pipeline\] forged\\\\r: started (.*/logs\\\\xFF/a.csv" plain.log'
run -c logs.yaml --quiet --log-json 2>json.log
expect "JSON log: every line valid JSON, the name decoded intact" \
    'python3 -c "
import json, sys
lines = open(\"json.log\", \"rb\").read().decode(\"utf-8\").splitlines()
msgs = [json.loads(l)[\"msg\"] for l in lines]
sys.exit(0 if lines and any(m.startswith(\"run \" + sys.argv[1] + \": started (\") and \"/logs\ufffd/\" in m for m in msgs) else 1)
" "$evil"'
# a run failing in a file whose name holds a line break and an ESC: the error line escapes it
mkdir ctl
sim 2 7 ctl.csv
ctl=$'bad\n\x1b[31mx.csv'
{ head -26 ctl.csv; sed -n 27p ctl.csv | sed 's/,[^,]*$/,abc/'; } >"ctl/$ctl" # row 26: a bad fault
printf 'data:\n  input_dir: ctl\n  output_dir: out_ctl\n  chunk_rows: 16\npreprocessing:\n  steps: []\nstorage:\n  connection_string: ctl.db\n' >ctl.yaml
run -c ctl.yaml 2>ctl.err
expect "failing run in a file named with a line break and an ESC: exit 1" '[ $? -eq 1 ]'
expect "... stderr holds no raw control byte (only the line ends)" \
    'python3 -c "import sys; sys.exit(any(b < 32 and b != 10 or b == 127 for b in open(\"ctl.err\", \"rb\").read()))"'
expect "... one error line naming the file and the run escaped, with the cause" \
    '[ "$(grep -c "^tep run: error: " ctl.err)" = 1 ] && grep -qF "tep run: error: ctl/bad\\n\\x1B[31mx.csv:27:56: run bad\\n\\x1B[31mx.csv: expected a fault number" ctl.err'
finish
