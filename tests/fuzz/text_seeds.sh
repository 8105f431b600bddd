#!/usr/bin/env bash
# text_seeds.sh - writes the text part of the seed corpora in tests/fuzz/corpus (scripts/fuzz.sh
# seeds runs it after make_seeds): CSV and NDJSON files from tests/data (good and bad) with the
# option byte fuzz_csv.c / fuzz_ndjson.c read first, and a few generated ones; the YAML configs
# of config/ and of the shell tests plus hand-made bad ones; numbers for the number parser; the
# Parquet files of tests/data/parquet. Deterministic: rerunning it rewrites the same files.
set -euo pipefail
cd "$(dirname "$0")/../.."
corpus=tests/fuzz/corpus
mkdir -p "$corpus"/{csv,ndjson,config,numparse,parquet_file}

# put FILE TARGET NAME OPTION_BYTE: the option byte (octal escape) then the file.
put() { { printf "\\$4"; cat "$1"; } >"$corpus/$2/$3"; }

# CSV: option byte bits: 0 ignore_unknown, 1 nan_text_is_missing, 2-3 chunk rows (1, 2, 5, 64),
# 4-5 delimiter (detect , ; tab), 6 max_line_bytes 64.
for f in tests/data/good/*.csv tests/data/good/*.tsv; do put "$f" csv "good_$(basename "$f")" 015; done
for f in tests/data/bad/*.csv; do put "$f" csv "bad_$(basename "$f")" 000; done
put tests/data/good/plain.tsv csv tab_given_plain.tsv 060
put tests/data/good/semicolon_bom_crlf.csv csv semicolon_given.csv 040
put tests/data/good/rieth_small.csv csv rieth_chunk1.csv 000
put tests/data/good/quoted.csv csv quoted_short_lines.csv 100
put tests/data/bad/nan_text.csv csv nan_text_missing.csv 002
put tests/data/bad/unknown_column.csv csv unknown_ignored.csv 001
printf '\004sample,run_id,xmeas_1,"xmv_1"\n1,a,1.5,"2"\n2,a,,"3\n"\n1,a,4,5\n1,b,6,7e3\n' >"$corpus/csv/runs_quotes.csv"
printf '\014time (h);Fault;XMEAS(1);reactor_pressure\r\n0.05;0;1,5;2\r\n0.10;1;-0.25e-3;.5\r\n' >"$corpus/csv/semicolons_names.csv"

# NDJSON: option byte bits as CSV (no delimiter).
for f in tests/data/good/*.ndjson; do put "$f" ndjson "good_$(basename "$f")" 014; done
for f in tests/data/bad/*.ndjson; do put "$f" ndjson "bad_$(basename "$f")" 000; done
put tests/data/good/python_nan.ndjson ndjson python_nan_missing.ndjson 002
printf '\004{"run_id":"r\\u00e9\\n","sample":1,"xmeas_1":1.5,"xmv_2":null}\n\n{"xmv_2":2,"sample":2,"run_id":"r\\u00e9\\n","xmeas_1":-1e-300}\n{"run_id":"s","sample":1,"xmeas_1":0}\n' >"$corpus/ndjson/escapes_runs.ndjson"
printf '\001{"fault":3,"time_h":0.05,"xmeas_41":1,"extra":"x","z":[1]}\n' >"$corpus/ndjson/unknown_nested.ndjson"

# YAML configs: the default, every heredoc config of the shell tests, hand-made ones.
cp config/config.yaml "$corpus/config/default.yaml"
for sh in tests/cli_*.sh tests/lib_store.sh; do
  awk -v base="$(basename "$sh" .sh)" -v dir="$corpus/config" '
    /cat > [^ ]*\.yaml <</ { n++; out = sprintf("%s/%s_%d.yaml", dir, base, n); on = 1; next }
    on && /^EOF/ { on = 0; close(out); next }
    on { print > out }' "$sh"
done
cat >"$corpus/config/every_store.yaml" <<'EOF'
data: {source: files, input_dir: in, file_format: parquet, pattern: "*.parquet", nan_as_missing: true,
       ignore_unknown_columns: yes, max_line_bytes: 1024, chunk_rows: 16, output_dir: out}
preprocessing:
  normalize: true
  remove_outliers: true
  steps:
    - clean: {sort: true, dedupe: true, non_monotonic: repair}
    - missing: {method: linear, max_gap: 3}
    - outliers: {method: hampel, window: 5, threshold: 3.5, action: median, columns: "xmeas_1, xmeas_2"}
    - normalize: {method: robust, fit_on: run}
    - features: {rolling: "5 20", stats: [mean, std], diff: [1, 2], lags: [1], ewma: [0.2]}
storage: {type: parquet, path: "s3://bucket/prefix", endpoint: "http://127.0.0.1:9000", codec: zstd}
analysis: {enabled: false, method: dpca, lags: 2, alpha: 1e-3, consecutive: 3}
logging: {level: debug, format: json}
EOF
cat >"$corpus/config/postgresql.yaml" <<'EOF'
storage:
  type: postgresql
  connection_string: "host=127.0.0.1 dbname=tep user=tep password=secret"
  layout: partitioned
  timescaledb: auto
  connections: 2
simulator: {faults: [0, 1, 20], seeds: [1, 2], hours: 1, fault_at: 0.5, interval: 36}
EOF
cat >"$corpus/config/anchors.yaml" <<'EOF'
data: &d {output_dir: &o out}
simulator: {faults: &f [0, 1], seeds: *f}
storage: !!map {type: "influxdb", connection_string: 'http://x:8086', database: tep, measurement: m}
logging: {level: &l info, format: plain}
analysis: {report: *o}
EOF
printf 'storage:\n  type: sqlite\nstorage:\n  type: parquet\n' >"$corpus/config/bad_duplicate.yaml"
printf 'preprocessing:\n  steps:\n    - missing: {method: ffill, method: mean}\n' >"$corpus/config/bad_duplicate_nested.yaml"
{ printf 'data: '; for _ in $(seq 70); do printf '{a: '; done; printf '1'; for _ in $(seq 70); do printf '}'; done; echo; } >"$corpus/config/bad_deep.yaml"
printf 'data:\n\tinput_dir: x\n' >"$corpus/config/bad_tab.yaml"
printf 'simulator: {hours: long, faults: [0, 99], seeds: "1 2 x"}\n' >"$corpus/config/bad_values.yaml"
printf -- '- just\n- a list\n' >"$corpus/config/bad_list.yaml"

# Numbers: the grammar's corners, strtod's hard cases, and text that is no number here.
n=0
while IFS= read -r line; do
  n=$((n + 1))
  printf '%s' "$line" >"$corpus/numparse/n$n"
done <<'EOF'
0
-0
+.5e-3
5.
1e
1e+
.e1
2704.9999840000001
1.7976931348623157e308
1.7976931348623159e308
4.9406564584124654e-324
2.4703282292062327e-324
2.4703282292062328e-324
2.2250738585072011e-308
9007199254740993
123456789012345678901234567890123456789e-20
0.000000000000000000000000000000000000000000000000001e50
7.3177701707893310e+15,1
1e99999
0x1p3
inf
nan
 1
EOF
printf '1.%0800d1' 0 >"$corpus/numparse/long_digits"

# Parquet files as they are.
cp tests/data/parquet/*.parquet "$corpus/parquet_file/"

# Model files (the valid ones come from make_seeds): broken ones.
mkdir -p "$corpus/model_json" "$corpus/scaler"
printf '{"format": "tep-pca-model", "version": 1, "nvars": 2' >"$corpus/model_json/bad_truncated.json"
printf '[1, 2, 3]\n' >"$corpus/model_json/bad_not_object.json"
sed 's/"nvars": 4/"nvars": 40000000000/' "$corpus/model_json/pca_named.json" >"$corpus/model_json/bad_huge_shape.json"
sed '0,/"std": \[/s//"std": [-1, /' "$corpus/model_json/pca_named.json" >"$corpus/model_json/bad_std.json"
printf '{"format": "tep-prep-scaler", "version": 1, "method": "zscore", "columns": [{"name": "xmeas_1"}]}\n' >"$corpus/scaler/bad_column.json"
sed 's/"method": "zscore"/"method": "median"/' "$corpus/scaler/zscore.json" >"$corpus/scaler/bad_method.json"
printf '{"format": "tep-prep-scaler", "columns": [' >"$corpus/scaler/bad_truncated.json"
