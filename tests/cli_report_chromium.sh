#!/usr/bin/env bash
# cli_report_chromium.sh - the HTML report as a browser sees it.
# `test_viz write-report` builds a report from a real simulation (IDV(1) from 4 h, PCA trained
# on a normal run); headless Chromium then renders it with the network switched off. Checks:
# nothing refers outside the file, the page loads without console or network errors, the
# screenshot is a real page (its PNG size, calibrated below), and the DOM holds the
# sections, the charts (<svg>, lines, alarm markers) and the tables.
# Skips (exit 77) when Chromium or xmllint is absent (Debian packages chromium and
# libxml2-utils; `make test` installs them through scripts/install-deps.sh test).
# Set KEEP_SCREENSHOT=path to keep the screenshot.
. "$(dirname "$0")/lib_cli.sh"
BUILD=${TEP_BUILD_DIR:-build}
DRIVER="$BUILD/tests/test_viz"
CHROMIUM=/usr/bin/chromium

[ -x "$CHROMIUM" ] || skip "$CHROMIUM not found (Debian package chromium; make test installs it)"
command -v xmllint >/dev/null 2>&1 || skip "xmllint not found (Debian package libxml2-utils)"
if [ ! -x "$DRIVER" ]; then
  echo "FAIL: $DRIVER not built"
  exit 1
fi

browser_group=""
cleanup() {
  # end the browser's own process group (helpers included) if anything is left of it
  if [ -n "$browser_group" ]; then kill -TERM -- "-$browser_group" 2>/dev/null; fi
  rm -rf "$tmp"
}
trap cleanup EXIT

# Run Chromium headless on the report in its own process group, network disabled.
# Usage: browse OUTFILE ERRFILE ARGS...
browse() {
  local out=$1 errfile=$2
  shift 2
  mkdir -p "$tmp/profile"
  setsid timeout --kill-after=5 120 "$CHROMIUM" --headless --no-sandbox --disable-gpu \
    --disable-quic --no-first-run --disable-background-networking --disable-component-update \
    --disable-sync --disable-extensions --host-resolver-rules="MAP * ~NOTFOUND" \
    --enable-logging=stderr --v=0 --user-data-dir="$tmp/profile" "$@" \
    "file://$tmp/report.html" >"$out" 2>"$errfile" &
  browser_group=$!
  wait "$browser_group"
  local rc=$?
  kill -TERM -- "-$browser_group" 2>/dev/null
  browser_group=""
  rm -rf "$tmp/profile"
  return $rc
}

# --- the report file itself
"$DRIVER" write-report "$tmp/report.html"
expect "driver writes the report" '[ $? -eq 0 ] && [ -s "$tmp/report.html" ]'
[ -s "$tmp/report.html" ] || { echo "$fails failed"; exit 1; }
expect "no http:// or https:// anywhere" '! grep -Eq "https?://" "$tmp/report.html"'
expect "no src= attributes" '! grep -q "src=" "$tmp/report.html"'
expect "no <script>, <link>, <img> or url() to outside" \
  '! grep -Eiq "<script|<link|<img|url\\([^#]|@import" "$tmp/report.html"'
svg_in_file=$(grep -o "<svg" "$tmp/report.html" | wc -l)
alarms_in_file=$(grep -o 'class="alarm"' "$tmp/report.html" | wc -l)
expect "7 charts in the file" '[ "$svg_in_file" -eq 7 ]'
# every chart is well-formed XML on its own
awk '/^<svg /{n++; f=sprintf("'"$tmp"'/chart%d.svg", n)} f{print > f} /^<\/svg>/{f=""}' \
  "$tmp/report.html"
bad=0
for f in "$tmp"/chart*.svg; do xmllint --noout "$f" 2>/dev/null || bad=$((bad + 1)); done
expect "each chart parses as XML (xmllint)" '[ "$bad" -eq 0 ] && [ -f "$tmp/chart7.svg" ] && [ ! -f "$tmp/chart8.svg" ]'

# --- one browser run: screenshot and the DOM after loading (a second run for the DOM if this
# Chromium does not do both at once)
browse "$tmp/dom.html" "$tmp/browser.err" --hide-scrollbars --window-size=1280,2000 \
  --screenshot="$tmp/shot.png" --dump-dom
expect "chromium renders the report" '[ $? -eq 0 ] && [ -s "$tmp/shot.png" ]'
if ! grep -q "</html>" "$tmp/dom.html"; then
  browse "$tmp/dom.html" "$tmp/browser2.err" --dump-dom
  cat "$tmp/browser2.err" >>"$tmp/browser.err"
fi
size=$(stat -c %s "$tmp/shot.png" 2>/dev/null || echo 0)
# Calibrated on a 1280x2000 window: a blank page is ~12 KB, the report's first screen (cards,
# tables, two control charts) ~265 KB, the same page with its charts blanked out ~165 KB.
expect "screenshot is not blank ($size bytes > 200000)" '[ "$size" -gt 200000 ]'
if [ -n "${KEEP_SCREENSHOT:-}" ] && [ -s "$tmp/shot.png" ]; then
  cp "$tmp/shot.png" "$KEEP_SCREENSHOT"
fi
expect "chromium dumps the DOM" 'grep -q "</html>" "$tmp/dom.html"'
expect "no console errors" '! grep -Eq "Uncaught|CONSOLE.*(error|Error)" "$tmp/browser.err"'
expect "no attempt to load anything" \
  '! grep -Eq "Failed to load resource|net::ERR_|Not allowed to load" "$tmp/browser.err"'
count() { grep -o "$1" "$tmp/dom.html" | wc -l; }
expect "DOM has the 7 charts ($(count '<svg'))" '[ "$(count "<svg")" -eq "$svg_in_file" ]'
expect "DOM has the data lines (<path>: $(count '<path'))" '[ "$(count "<path")" -ge 9 ]'
expect "DOM has every alarm marker ($alarms_in_file)" \
  '[ "$(count "class=\"alarm\"")" -eq "$alarms_in_file" ] && [ "$alarms_in_file" -gt 100 ]'
expect "DOM has 20 contribution bars" '[ "$(count "class=\"bar\"")" -eq 20 ]'
expect "DOM has the control limits" '[ "$(count "class=\"limit\"")" -eq 3 ]'
expect "DOM has the first-detection markers" '[ "$(count "class=\"detection\"")" -eq 2 ]'
expect "DOM has the detection table" 'grep -q "<table class=\"tep-detection\">" "$tmp/dom.html"'
for heading in "Run summary" "Data quality" "Monitoring charts" "Variable contributions" \
  "Process trends" "Detection performance"; do
  expect "section heading '$heading'" 'grep -q "<h2>$heading</h2>" "$tmp/dom.html"'
done

finish
