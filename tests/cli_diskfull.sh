#!/usr/bin/env bash
# cli_diskfull.sh - a full disk: outputs on a small tmpfs this test mounts (as root;
# without root it skips, exit 77, saying so). Each time a first, small output fits and
# a second, larger one runs out of space:
#   tep run into SQLite: exit 1, the message names the database and says it is full;
#     a failing first run leaves the file byte for byte as it was; a failure after
#     some runs of the same command keeps the earlier runs (same rows, integrity ok);
#     no journal left; the store takes a new run afterwards;
#   tep run into the Parquet lake: exit 1 naming the file and "No space left on
#     device", the lake byte for byte as it was, no work folder or temporary file;
#   tep run refitting the normal-operation model into a full output_dir: exit 1 naming
#     scaler.json, the old scaler.json byte for byte as it was, no temporary left;
#   tep simulate --output x.csv / x.parquet over an existing good file: exit 1 naming
#     the file and "No space left on device", the old file byte for byte as it was,
#     nothing else left in the folder.
# The tmpfs is unmounted on every exit.
set -u
src=${TEP_SOURCE_DIR:-$(cd "$(dirname "$0")/.." && pwd)}
. "$src/tests/lib_cli.sh"
case $TEP in /*) ;; *) TEP=$PWD/$TEP ;; esac
if [ "$(id -u)" -ne 0 ]; then
  skip "mounting a small tmpfs to fill needs root (CI runs as root)"
fi
command -v sqlite3 >/dev/null || { echo "FAIL: sqlite3 is needed (scripts/install-deps.sh)"; exit 1; }
full=$tmp/full
mkdir "$full"
trap 'mountpoint -q "$full" && umount "$full"; rm -rf "$tmp"' EXIT
cd "$tmp" || exit 1
mount_full() { # size: a fresh, empty tmpfs of that size at $full
  mountpoint -q "$full" && umount "$full"
  mount -t tmpfs -o "size=$1" tmpfs "$full"
}
sums() { (cd "$1" && find . | LC_ALL=C sort | while read -r f; do
  if [ -f "$f" ]; then printf '%s %s\n' "$(sha256sum <"$f" | cut -c1-64)" "$f"; else echo "dir $f"; fi
done); }
run_config() { # file storage faults hours interval
  cat >"$1" <<EOF
data: {source: simulator, output_dir: model}
simulator: {faults: [$3], hours: $4, interval: $5, fault_at: 1}
preprocessing:
  steps:
    - features: {rolling: [20], stats: [mean, std], diff: [1]}
storage: {$2}
EOF
}

# ---- SQLite
mount_full 3m
expect "a 3 MB tmpfs is mounted" 'mountpoint -q "$full"'
db="type: sqlite, connection_string: $full/store.db"
run_config small.yaml "$db" "0, 1" 4 180
run_config big_first.yaml "$db" "2" 48 60
run_config big_later.yaml "$db" "3, 4, 5, 6" 48 180
"$TEP" run -c small.yaml --quiet --log-level warn
expect "SQLite: a small run fits" '[ $? -eq 0 ] && [ "$(sqlite3 "$full/store.db" "select count(*) from tep_processed")" = 160 ]'
sha=$(sha256sum <"$full/store.db")
digest() { sqlite3 "$full/store.db" "select run_id, rows_stored, (select count(*) from tep_processed t where t.run_id = r.run_id),
  hex(sha3_query('select * from tep_processed where run_id = ' || quote(run_id) || ' order by id')) from runs r order by run_id"; }
digest >runs1.txt
out=$("$TEP" run -c big_first.yaml --quiet 2>&1)
rc=$?
expect "SQLite: a run too large for the disk: exit 1 naming the file, 'disk is full' (${out##*$'\n'})" \
  '[ $rc -eq 1 ] && grep -q "$full/store.db: .*database or disk is full" <<<"$out"'
expect "SQLite: the file byte for byte as before, no journal left" \
  '[ "$(sha256sum <"$full/store.db")" = "$sha" ] && [ "$(ls "$full")" = store.db ]'
out=$("$TEP" run -c big_later.yaml --quiet 2>&1)
rc=$?
digest >runs2.txt
expect "SQLite: runs 1.. fit, a later one not: exit 1, 'disk is full'" \
  '[ $rc -eq 1 ] && grep -q "$full/store.db: run sim_idv0[3-6].*database or disk is full" <<<"$out"'
expect "SQLite: the earlier runs intact (same rows), the runs stored before the failure whole" \
  '[ "$(grep -c "_4h|" runs2.txt)" = 2 ] && grep -F "_4h|" runs2.txt | cmp -s - runs1.txt &&
   [ -z "$(awk -F"|" "\$2 != \$3" runs2.txt)" ] && [ "$(grep -c "_48h|960|960|" runs2.txt)" -ge 1 ]'
expect "SQLite: integrity ok, no journal or temporary file left" \
  '[ "$(sqlite3 "$full/store.db" "pragma integrity_check")" = ok ] && [ "$(ls "$full")" = store.db ]'
mount -o remount,size=16m "$full"
"$TEP" run -c small.yaml --quiet --log-level warn
expect "SQLite: with room again (remounted larger) the store takes runs" \
  '[ $? -eq 0 ] && digest | grep -F "_4h|" | cmp -s - runs1.txt'

# ---- Parquet lake
mount_full 3m
lake="type: parquet, path: $full/lake"
run_config small.yaml "$lake" "0, 1" 4 180
run_config big.yaml "$lake" "2" 48 60
"$TEP" run -c small.yaml --quiet --log-level warn
expect "lake: a small run fits" '[ $? -eq 0 ] && [ $(find "$full/lake/tep_processed" -name "*.parquet" | wc -l) -eq 2 ]'
sums "$full" >before.txt
out=$("$TEP" run -c big.yaml --quiet 2>&1)
rc=$?
sums "$full" >after.txt
expect "lake: a run too large for the disk: exit 1 naming the file, 'No space left on device' (${out##*$'\n'})" \
  '[ $rc -eq 1 ] && grep -q "$full/lake/.*No space left on device" <<<"$out"'
expect "lake: byte for byte as before, no work folder or temporary file left" 'cmp -s before.txt after.txt'

# ---- the normal-operation model (scaler.json) on a full disk: refitting fails cleanly
mount_full 1m
cat >scaler.yaml <<EOF
data: {source: simulator, output_dir: $full/model}
simulator: {faults: [0], hours: 2}
preprocessing:
  refit: true
  steps:
    - normalize: {method: zscore, fit_on: normal}
storage: {type: sqlite, connection_string: scaler.db}
EOF
"$TEP" run -c scaler.yaml --quiet --log-level warn
expect "scaler.json: a first model fits" '[ $? -eq 0 ] && [ -s "$full/model/scaler.json" ]'
if mountpoint -q "$full"; then # fill every free block of the tmpfs (never anything else)
  dd if=/dev/zero of="$full/filler" bs=4k 2>/dev/null
fi
sums "$full" >before.txt
out=$("$TEP" run -c scaler.yaml --quiet 2>&1)
rc=$?
sums "$full" >after.txt
expect "scaler.json: no room for the refitted model: exit 1 naming it, 'No space left on device' (${out##*$'\n'})" \
  '[ $rc -eq 1 ] && grep -q "$full/model/scaler.json.*No space left on device" <<<"$out"'
expect "scaler.json: the old model byte for byte as it was, no temporary left" 'cmp -s before.txt after.txt'

# ---- tep simulate --output: CSV, then Parquet, over a good file
mount_full 1m
for ext in csv parquet; do
  "$TEP" simulate --hours 2 --output "$full/run.$ext" --quiet
  expect "simulate .$ext: a small file fits" '[ $? -eq 0 ] && [ -s "$full/run.$ext" ]'
  sums "$full" >before.txt
  out=$("$TEP" simulate --hours 48 --interval 2 --output "$full/run.$ext" --quiet 2>&1)
  rc=$?
  sums "$full" >after.txt
  expect "simulate .$ext: a file too large for the disk: exit 1 naming it, 'No space left on device' (${out##*$'\n'})" \
    '[ $rc -eq 1 ] && grep -q "$full/run.$ext.*No space left on device" <<<"$out"'
  expect "simulate .$ext: the old file byte for byte as it was, nothing else left" 'cmp -s before.txt after.txt'
done
finish
