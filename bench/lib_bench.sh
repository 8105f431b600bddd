# lib_bench.sh - shared by the benchmark scripts (sourced; needs $src, the repository).
#
#   duckdb_check            have_duckdb=1 when node and @duckdb/node-api (tests/node,
#                           installed from npm when missing) are there, else 0 with a note
#   value KEY FILE          the value of a "KEY=value" line of FILE
#   ratio A B [DIGITS]      A / B (n/a when B is 0)
#   mb BYTES                "12.3 MB"
#   secs T0 T1              T1 - T0, two decimals
#   min_of A B              the smaller of two numbers (A may be empty: B)
#   pipeline_yaml DIR       the data: and preprocessing: sections of the benchmarks'
#                           pipeline (DIR/raw/*.csv -> clean, missing, outliers,
#                           normalize, features: 212 value columns); storage: follows

duckdb_check() {
  local node_dir=$src/tests/node
  have_duckdb=1
  if ! command -v node >/dev/null 2>&1; then
    have_duckdb=0
  elif [ ! -d "$node_dir/node_modules/@duckdb/node-api" ]; then
    npm install --prefix "$node_dir" --no-audit --no-fund --loglevel=error >/dev/null 2>&1 ||
      have_duckdb=0
  fi
  [ "$have_duckdb" = 1 ] || echo "note: node/@duckdb/node-api unavailable: tep figures only"
}

value() { sed -n "s/^$1=//p" "$2"; }
ratio() { awk -v a="$1" -v b="$2" -v d="${3:-2}" 'BEGIN { if (b > 0) printf "%.*f", d, a / b; else print "n/a" }'; }
mb() { awk -v b="$1" 'BEGIN { printf "%.1f MB", b / 1e6 }'; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b - a }'; }
min_of() { awk -v a="$1" -v b="$2" 'BEGIN { print (a == "" || b < a) ? b : a }'; }

pipeline_yaml() {
  cat <<YAML
data:
  input_dir: $1/raw
  file_format: csv
  output_dir: $1/out
preprocessing:
  steps:
    - clean: {sort: true, dedupe: true}
    - missing: {method: ffill}
    - outliers: {method: mad, threshold: 6, action: clip}
    - normalize: {method: zscore, fit_on: normal}
    - features: {rolling: [20], stats: [mean, std], diff: [1]}
YAML
}
