#!/usr/bin/env bash
# install-deps.sh - install the Debian 12 packages tep needs to build and test.
# Idempotent: does nothing when everything is present. Needs root (or sudo).
set -euo pipefail
build_pkgs=(build-essential cmake pkg-config libyaml-dev libsqlite3-dev sqlite3 libzstd-dev
  libsnappy-dev libcurl4-openssl-dev libpq-dev liblapacke-dev libopenblas-dev libssl-dev
  libjansson-dev libgsl-dev)
# `install-deps.sh test` adds what the test suite drives: headless Chromium for the
# report, curl, xmllint, valgrind, python3 (value comparisons of the server stores), and
# Node.js/npm when missing (DuckDB from npm is the independent Parquet reader). PostgreSQL,
# InfluxDB and TimescaleDB come from scripts/services.sh install, npm packages from
# scripts/node-deps.sh. Tests themselves install nothing.
extra_pkgs=()
if [ "${1:-}" = "test" ]; then
  extra_pkgs=(chromium libxml2-utils curl valgrind python3)
  command -v npm >/dev/null 2>&1 || extra_pkgs+=(nodejs npm)
fi
# `install-deps.sh fuzz` adds clang and its libFuzzer runtime (scripts/fuzz.sh).
if [ "${1:-}" = "fuzz" ]; then
  extra_pkgs=(clang-14 libclang-rt-14-dev)
fi
missing=()
for p in "${build_pkgs[@]}" "${extra_pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then exit 0; fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
echo "installing: ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
