#!/usr/bin/env bash
# cli_outputs.sh - outputs never destroy what they point at (issue 9). For `tep simulate`
# (CSV, .dat, Parquet, stdout), `tep campaign`, `tep analyze --json/--report/--model-out` and
# `tep report --out`: a FIFO made here is written into, stays a FIFO, and what its reader
# gets is byte-identical to the regular-file output; a character device made here (1:3, as
# /dev/null; needs root, which CI has) stays the same device. Also: a symbolic link keeps
# pointing at its file, new files get 0666 & ~umask and a replaced file keeps its mode, a
# failed write (file size limit; a full tmpfs as root) leaves the old file and no temporary,
# and two `tep run` sharing output_dir both succeed with a valid scaler.json.
. "$(dirname "$0")/lib_cli.sh"
cd "$tmp" || exit 1
umask 022
root=false
[ "$(id -u)" -eq 0 ] && root=true
# checks that cannot run here: the test runs all the others, then skips (exit 77; a failure
# before makes it exit 1, and under CI=true tests/tools/run_test.sh fails the skip)
not_run=""
$root || not_run="the character-device and full-tmpfs checks need root (mknod, mount)"
no_temporaries() { [ -z "$(find "${1:-.}" -name '*.tmp-*')" ]; }

# --- FIFO and device helpers
# fifo NAME: make the FIFO NAME and start a reader copying it into NAME.got.
readers=()
fifo() { rm -f "$1" "$1.got"; mkfifo "$1"; cat "$1" > "$1.got" & readers+=($!); }
# Wait (at most 10 s) for the readers started so far; a reader whose FIFO nobody opened is
# killed, and its .got file stays empty.
wait_readers() {
  local pid i
  for pid in "${readers[@]}"; do
    for i in $(seq 100); do kill -0 "$pid" 2> /dev/null || break; sleep 0.1; done
    kill "$pid" 2> /dev/null
    wait "$pid" 2> /dev/null
  done
  readers=()
}
is_fifo() { [ -p "$1" ] && [ ! -L "$1" ]; }
# Same bytes, and not empty (an empty capture means nothing came through the FIFO).
same() { [ -s "$1" ] && cmp -s "$1" "$2"; }
device() { rm -f "$1"; mknod "$1" c 1 3; }
is_device() { [ "$(stat -c '%F %t:%T' "$1" 2> /dev/null)" = "character special file 1:3" ]; }

# --- tep simulate: CSV, .dat and Parquet into a FIFO, a device and stdout
"$TEP" simulate --hours 2 --output ref.csv --quiet
"$TEP" simulate --hours 2 --format dat --output ref.dat --quiet
"$TEP" simulate --hours 2 --output ref.parquet --quiet
expect "reference outputs written" '[ -s ref.csv ] && [ -s ref.dat ] && [ -s ref.parquet ]'
fifo sim.fifo
fifo dat.fifo
fifo pq.fifo
"$TEP" simulate --hours 2 --output sim.fifo --quiet; rc1=$?
"$TEP" simulate --hours 2 --format dat --output dat.fifo --quiet; rc2=$?
"$TEP" simulate --hours 2 --format parquet --output pq.fifo --quiet; rc3=$?
wait_readers
expect "simulate into FIFOs exits 0" '[ $rc1 -eq 0 ] && [ $rc2 -eq 0 ] && [ $rc3 -eq 0 ]'
expect "simulate: the FIFOs are still FIFOs" 'is_fifo sim.fifo && is_fifo dat.fifo && is_fifo pq.fifo'
expect "simulate: CSV through a FIFO = the file" 'same sim.fifo.got ref.csv'
expect "simulate: .dat through a FIFO = the file" 'same dat.fifo.got ref.dat'
expect "simulate: Parquet through a FIFO = the file" 'same pq.fifo.got ref.parquet'
"$TEP" simulate --hours 2 --output - --quiet > stdout.csv
expect "simulate: stdout = the file" 'same stdout.csv ref.csv'
{ echo "first line"; "$TEP" simulate --hours 2 --output - --quiet; echo "last line"; } > framed.csv
expect "simulate: stdout stays in order with other output" \
  '[ "$(head -1 framed.csv)" = "first line" ] && [ "$(tail -1 framed.csv)" = "last line" ] && sed "1d;\$d" framed.csv | cmp -s - ref.csv'
# a path naming a descriptor (/proc/self/fd/N; /dev/stdout leads there) is that descriptor
echo "first line" > fd3.csv
"$TEP" simulate --hours 2 --output /proc/self/fd/3 --quiet 3>> fd3.csv
expect "simulate: /proc/self/fd/3 opened to append gets the output after its line" \
  '[ "$(head -1 fd3.csv)" = "first line" ] && sed 1d fd3.csv | cmp -s - ref.csv'
if $root; then
  device null
  "$TEP" simulate --hours 2 --output null --quiet && "$TEP" simulate --hours 2 --format parquet --output null --quiet
  expect "simulate into a device exits 0" '[ $? -eq 0 ]'
  expect "simulate: the device is still character device 1:3" 'is_device null'
fi
expect "simulate: no temporaries left" 'no_temporaries'

# --- tep campaign: runs and the manifest into FIFOs and devices (threads write at once)
"$TEP" campaign --out-dir camp_ref --idv 0,1,2 --hours 1 --jobs 2 --quiet
mkdir camp
fifo camp/idv00_seed4651207995.csv
fifo camp/campaign.csv
$root && device camp/idv01_seed4651207995.csv
"$TEP" campaign --out-dir camp --idv 0,1,2 --hours 1 --jobs 2 --quiet; rc=$?
wait_readers
expect "campaign into FIFOs exits 0" '[ $rc -eq 0 ]'
expect "campaign: FIFOs are still FIFOs" 'is_fifo camp/idv00_seed4651207995.csv && is_fifo camp/campaign.csv'
expect "campaign: a run through a FIFO = the file" 'same camp/idv00_seed4651207995.csv.got camp_ref/idv00_seed4651207995.csv'
expect "campaign: a run beside them written as a file" 'same camp/idv02_seed4651207995.csv camp_ref/idv02_seed4651207995.csv'
# the manifest's last column is the time each run took
expect "campaign: manifest through a FIFO = the file (but the seconds)" \
  '[ "$(wc -l < camp/campaign.csv.got)" -eq 4 ] && [ "$(cut -d, -f1-9 camp/campaign.csv.got)" = "$(cut -d, -f1-9 camp_ref/campaign.csv)" ]'
$root && expect "campaign: the device is still character device 1:3" 'is_device camp/idv01_seed4651207995.csv'
expect "campaign: no temporaries left" 'no_temporaries camp'
# the Braatz preset writes d00.dat transposed, in one piece at the end
"$TEP" campaign --preset braatz --out-dir bz_ref --jobs 2 --quiet
mkdir bz
fifo bz/d00.dat
$root && device bz/d01.dat
"$TEP" campaign --preset braatz --out-dir bz --jobs 2 --quiet; rc=$?
wait_readers
expect "braatz preset with a FIFO exits 0" '[ $rc -eq 0 ]'
expect "braatz preset: transposed d00.dat through a FIFO = the file" 'is_fifo bz/d00.dat && same bz/d00.dat.got bz_ref/d00.dat'
$root && expect "braatz preset: the device is still character device 1:3" 'is_device bz/d01.dat'
expect "braatz preset: the other files are written" 'same bz/d02.dat bz_ref/d02.dat && same bz/d20_te.dat bz_ref/d20_te.dat'

# --- tep analyze: --json, --report, --model-out
"$TEP" simulate --hours 6 --output n.csv --quiet
"$TEP" simulate --hours 6 --idv 1 --fault-at 2 --output f.csv --quiet
analyze() { "$TEP" analyze --train n.csv --test f.csv --json "$1" --report "$2" --model-out "$3" > /dev/null 2>&1; }
analyze a.json a.html m.json
expect "analyze: reference outputs" '[ $? -eq 0 ] && [ -s a.json ] && [ -s a.html ] && [ -s m.json ]'
fifo a.fifo
fifo h.fifo
fifo m.fifo
analyze a.fifo h.fifo m.fifo; rc=$?
wait_readers
expect "analyze into FIFOs exits 0" '[ $rc -eq 0 ]'
expect "analyze: FIFOs are still FIFOs" 'is_fifo a.fifo && is_fifo h.fifo && is_fifo m.fifo'
expect "analyze --json through a FIFO = the file" 'same a.fifo.got a.json'
expect "analyze --report through a FIFO = the file" 'same h.fifo.got a.html'
expect "analyze --model-out through a FIFO = the file" 'same m.fifo.got m.json'
if $root; then
  device null
  analyze null null null
  expect "analyze into a device exits 0" '[ $? -eq 0 ]'
  expect "analyze: the device is still character device 1:3" 'is_device null'
fi
# "-" is standard output for each of them (then the table goes to stderr); two at once is a usage error
for opt in json report model-out; do
  case $opt in json) ref=a.json ;; report) ref=a.html ;; model-out) ref=m.json ;; esac
  "$TEP" analyze --train n.csv --test f.csv --$opt - > dash.out 2> dash.err
  expect "analyze --$opt -: exit 0, stdout = the file, the table on stderr" \
    '[ $? -eq 0 ] && same dash.out $ref && grep -q "FDR T2" dash.err && [ ! -e ./- ]'
done
"$TEP" analyze --train n.csv --test f.csv --json - --model-out - > dash.out 2> dash.err
expect "analyze: two outputs on '-' is a usage error (exit 2)" '[ $? -eq 2 ] && grep -q "only one of" dash.err && [ ! -s dash.out ]'
expect "analyze: no temporaries left" 'no_temporaries'

# --- tep report --out
cat > sim.yaml <<'EOF'
data: {source: simulator, output_dir: out}
simulator: {faults: [0, 1], hours: 4, fault_at: 2}
storage: {connection_string: tep.db}
EOF
"$TEP" run -c sim.yaml --quiet 2> /dev/null
"$TEP" report --store tep.db --out report.html > /dev/null 2>&1
expect "report: reference file" '[ $? -eq 0 ] && [ -s report.html ]'
fifo r.fifo
"$TEP" report --store tep.db --out r.fifo > /dev/null 2>&1; rc=$?
wait_readers
expect "report into a FIFO exits 0" '[ $rc -eq 0 ]'
expect "report: the FIFO is still a FIFO, its content = the file" 'is_fifo r.fifo && same r.fifo.got report.html'
if $root; then
  device null
  "$TEP" report --store tep.db --out null > /dev/null 2>&1
  expect "report into a device exits 0" '[ $? -eq 0 ]'
  expect "report: the device is still character device 1:3" 'is_device null'
fi
"$TEP" report --store tep.db --out - > dash.out 2> /dev/null
expect "report --out -: exit 0, stdout = the file" '[ $? -eq 0 ] && same dash.out report.html && [ ! -e ./- ]'
expect "report: no temporaries left" 'no_temporaries'

# --- a symbolic link keeps pointing at its file, which is replaced
mkdir -p real links
echo old > real/t.csv
ln -s ../real/t.csv links/t.csv
"$TEP" simulate --hours 2 --output links/t.csv --quiet
expect "symbolic link: still a link to the same name" '[ -L links/t.csv ] && [ "$(readlink links/t.csv)" = ../real/t.csv ]'
expect "symbolic link: the target holds the output" 'same real/t.csv ref.csv'
expect "symbolic link: no temporaries in either folder" 'no_temporaries real && no_temporaries links'

# --- a failed write leaves the old file and no temporary. The file size limit (ulimit -f,
# SIGXFSZ ignored so write() fails with EFBIG) needs no root.
limited() { ( trap '' XFSZ; ulimit -f 8; exec "$@" ) > /dev/null 2> limited.err; }
for out in big.csv big.parquet; do
  echo "previous contents" > $out
  limited "$TEP" simulate --hours 48 --output $out --quiet
  rc=$?
  expect "$out: a failed write exits non-zero naming the file and the cause" \
    '[ $rc -ne 0 ] && grep -q "$out" limited.err && grep -q "File too large" limited.err'
  expect "$out: the old file is untouched" '[ "$(cat $out)" = "previous contents" ]'
done
echo "previous report" > big.html
limited "$TEP" analyze --train n.csv --test f.csv --report big.html
expect "analyze --report: a failed write exits non-zero" '[ $? -ne 0 ] && grep -q "File too large" limited.err'
expect "analyze --report: the old report is untouched" '[ "$(cat big.html)" = "previous report" ]'
expect "failed writes: no temporaries left" 'no_temporaries'
# a full file system (a small tmpfs mounted here; root only)
if $root && mkdir full && mount -t tmpfs -o size=128k tmpfs full 2> /dev/null; then
  echo "previous contents" > full/x.csv
  "$TEP" simulate --hours 48 --output full/x.csv --quiet 2> full.err
  rc=$?
  expect "disk full: exit non-zero with 'No space left on device'" '[ $rc -ne 0 ] && grep -q "No space left on device" full.err'
  expect "disk full: the old file is untouched, no temporary" '[ "$(cat full/x.csv)" = "previous contents" ] && [ "$(ls -A full)" = x.csv ]'
  umount full
elif $root; then
  not_run="the disk-full check: cannot mount a tmpfs here"
fi

# --- two `tep run` sharing output_dir (bug 6: both wrote scaler.json.tmp)
for k in 1 2; do
  cat > par$k.yaml <<EOF
data: {source: simulator, output_dir: shared}
simulator: {faults: [0], hours: 2}
preprocessing:
  refit: true
  steps:
    - normalize: {method: zscore, fit_on: normal}
storage: {connection_string: par$k.db}
EOF
done
ok=true
for round in 1 2 3 4 5; do
  "$TEP" run -c par1.yaml --quiet 2> par1.err & p1=$!
  "$TEP" run -c par2.yaml --quiet 2> par2.err & p2=$!
  wait $p1 || ok=false
  wait $p2 || ok=false
done
expect "two runs sharing output_dir: both succeed every time" '$ok'
expect "scaler.json is a complete model" \
  '[ "$(sqlite3 :memory: "select json_extract(readfile(\"shared/scaler.json\"), \"\$.format\") || json_array_length(readfile(\"shared/scaler.json\"), \"\$.columns\")")" = tep-prep-scaler53 ]'
expect "output_dir: no temporaries left" '[ "$(ls -A shared)" = scaler.json ]'

# --- file modes: like a newly created file; a replaced file keeps its mode
modes=$(stat -c %a ref.csv ref.dat ref.parquet a.json a.html m.json report.html shared/scaler.json 2>&1)
expect "new outputs are 0644 under umask 022" '[ "$(echo "$modes" | sort | uniq -c | tr -s " ")" = " 8 644" ]'
( umask 027; "$TEP" simulate --hours 2 --output m027.csv --quiet )
expect "a new output is 0640 under umask 027" '[ "$(stat -c %a m027.csv)" = 640 ]'
cp ref.csv keep.csv
chmod 600 keep.csv
"$TEP" simulate --hours 2 --seed 7 --output keep.csv --quiet
expect "a replaced file keeps its mode 0600" '[ "$(stat -c %a keep.csv)" = 600 ] && ! cmp -s keep.csv ref.csv'

[ -n "$not_run" ] && skip "$not_run (every other check ran)"
finish
