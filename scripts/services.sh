#!/usr/bin/env bash
# services.sh - throwaway PostgreSQL and InfluxDB 1.x servers on loopback, for tests
# and benchmarks. Everything (data, sockets, logs, configs) lives in one temporary
# folder; nothing touches the system's own clusters or /var/lib.
#
#   eval "$(scripts/services.sh start)"          # both servers; prints export lines
#   eval "$(scripts/services.sh start pg)"       # only PostgreSQL (or: influx)
#   scripts/services.sh kill pg                  # crash one server (data kept)
#   scripts/services.sh start pg                 # ... and start it again (same port, data)
#   scripts/services.sh stop                     # stop everything, remove the folder
#   scripts/services.sh install                  # only install missing packages (root),
#                                                # and TimescaleDB from ../shared/vendor
#
# The folder is $TEP_SERVICES_DIR (exported by `start`; a new one under $TMPDIR when
# unset). Exports printed by `start`:
#   TEP_SERVICES_DIR   the folder
#   TEP_PG_DSN         libpq conninfo of the test role over TCP (password authentication)
#   TEP_PG_ADMIN_DSN   superuser over the Unix socket in the folder (trust), for psql checks
#   TEP_PG_PASSWORD    the test role's generated password (tests check it never leaks)
#   TEP_PG_BIN         folder of psql/pg_ctl of that server version
#   TEP_PG_TIMESCALEDB 1 when the server preloads TimescaleDB (see below), else 0
#   TEP_INFLUX_URL     http://127.0.0.1:PORT
#   TEP_INFLUX_USER / TEP_INFLUX_PASSWORD   an admin user (auth is enabled)
#
# PostgreSQL: Debian's `postgresql` (15 on Debian 12). initdb runs as the `postgres`
# user when we are root (initdb refuses root), as ourselves otherwise. Authentication:
# `trust` on the Unix socket (only the folder's owner can reach it), scram-sha-256 on
# 127.0.0.1. Role `tep` (password generated here) owns database `tep`.
# TimescaleDB (not packaged for Debian; built from source): when TEP_PG_TIMESCALEDB=1
# at the `start` that creates the server and the extension is installed for that
# version (timescaledb.control + timescaledb*.so), the server preloads it
# (shared_preload_libraries, telemetry off); the extension itself is created by
# whoever uses it (`tep` owns its database, and the extension is trusted). Debian does not
# package TimescaleDB: `install` (root) runs the install.sh of a build in
# $TEP_TIMESCALEDB_VENDOR (default ../shared/vendor/timescaledb-2.28.3-pg15-amd64 next to
# the repository, for Debian 12's PostgreSQL 15) when that folder exists and the extension
# is not installed yet.
# InfluxDB: Debian's `influxdb` (1.6 on Debian 12), run with a generated config:
# HTTP on 127.0.0.1:PORT with authentication enabled (an admin user is created
# through the first-user exception), RPC on 127.0.0.1:PORT2, reporting, the
# _internal monitor and UDP/Graphite/collectd/OpenTSDB listeners off, and the tsi1
# series index: with 1.6's default inmem index, a series dropped (DROP SERIES or
# DELETE) and written again soon after loses new points or revives old ones
# (reproduced with curl alone), which breaks "a rerun replaces the run".
# Packages are installed with apt-get only when missing and we are root, and never when
# TEP_NO_INSTALL=1 (set for every test by tests/tools/run_test.sh: tests install nothing,
# `make test` runs `services.sh install` before them).
# Exit status: 0 ok, 3 when a server cannot be provided (missing packages and not
# root, or it did not start); messages go to stderr, export lines to stdout.
set -euo pipefail

log() { echo "services.sh: $*" >&2; }
die() { log "$*"; exit 3; }

pg_bindir() {
  local d
  d=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1 || true)
  [ -n "$d" ] && [ -x "$d/pg_ctl" ] && echo "$d"
}

ensure_packages() { # want_pg want_influx
  local missing=()
  if [ "$1" = 1 ] && [ -z "$(pg_bindir)" ]; then missing+=(postgresql); fi
  if [ "$2" = 1 ] && ! command -v influxd >/dev/null 2>&1; then missing+=(influxdb); fi
  [ ${#missing[@]} -eq 0 ] && return 0
  if [ "${TEP_NO_INSTALL:-0}" = 1 ]; then
    die "missing packages (${missing[*]}); run scripts/services.sh install (root) first"
  fi
  if [ "$(id -u)" -ne 0 ]; then
    die "missing packages (${missing[*]}) and not root: cannot install them"
  fi
  log "installing ${missing[*]} (apt-get)"
  export DEBIAN_FRONTEND=noninteractive
  # the packages' own services must not start on the system (policy-rc.d 101 = deny)
  local policy=/usr/sbin/policy-rc.d created_policy=0
  if [ ! -e $policy ]; then
    printf '#!/bin/sh\nexit 101\n' > $policy && chmod +x $policy && created_policy=1
  fi
  { apt-get update -qq && apt-get install -y -qq "${missing[@]}"; } >&2 || {
    [ $created_policy = 1 ] && rm -f $policy
    die "apt-get install ${missing[*]} failed"
  }
  [ $created_policy = 1 ] && rm -f $policy
  return 0
}

port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

free_port() {
  local p i
  for i in $(seq 1 200); do
    p=$((20000 + (RANDOM * 32768 + RANDOM) % 40000))
    if port_free "$p"; then echo "$p"; return 0; fi
  done
  die "no free TCP port found on 127.0.0.1"
}

as_pg_owner() { # run a command as the owner of the PostgreSQL files
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

gen_secret() { head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n'; }

# ---- PostgreSQL ----------------------------------------------------------------------
pg_timescaledb_installed() { # bindir: the timescaledb extension is installed for that server
  local share lib
  if [ -x "$1/pg_config" ]; then
    share=$("$1/pg_config" --sharedir) && lib=$("$1/pg_config" --pkglibdir) || return 1
  else # Debian's layout: /usr/lib/postgresql/V/{bin,lib}, /usr/share/postgresql/V
    share=/usr/share/postgresql/$(basename "$(dirname "$1")") lib=$(dirname "$1")/lib
  fi
  [ -f "$share/extension/timescaledb.control" ] && compgen -G "$lib/timescaledb*.so" >/dev/null
}

pg_start() {
  local bin; bin=$(pg_bindir) || die "PostgreSQL server binaries not found"
  local d=$dir/pg
  if [ ! -f "$d/data/PG_VERSION" ]; then
    mkdir -p "$d/sock"
    local port; port=$(free_port)
    echo "$port" > "$d/port"
    gen_secret > "$d/password"
    gen_secret > "$d/admin_password"
    if [ "$(id -u)" -eq 0 ]; then
      chown -R postgres "$d"
      chmod 711 "$dir"   # postgres must traverse the folder
    fi
    as_pg_owner "$bin/initdb" -D "$d/data" -U postgres --pwfile="$d/admin_password" \
      -E UTF8 --locale=C.UTF-8 --auth-local=trust --auth-host=scram-sha-256 \
      > "$d/initdb.log" 2>&1 || { cat "$d/initdb.log" >&2; die "initdb failed"; }
    cat >> "$d/data/postgresql.conf" <<EOF
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = '$d/sock'
max_connections = 40
shared_buffers = 128MB
max_wal_size = 4GB
log_min_messages = warning
EOF
    if [ "${TEP_PG_TIMESCALEDB:-0}" = 1 ]; then
      if pg_timescaledb_installed "$bin"; then
        printf "shared_preload_libraries = 'timescaledb'\ntimescaledb.telemetry_level = off\n" \
          >> "$d/data/postgresql.conf"
        touch "$d/timescaledb"
      else
        log "TEP_PG_TIMESCALEDB=1 but the timescaledb extension is not installed for $bin"
      fi
    fi
  fi
  local port; port=$(cat "$d/port")
  if as_pg_owner "$bin/pg_ctl" -D "$d/data" status >/dev/null 2>&1; then return 0; fi
  port_free "$port" || die "port $port (PostgreSQL) is taken by another process"
  as_pg_owner "$bin/pg_ctl" -D "$d/data" -l "$d/server.log" -w -t 60 start >/dev/null ||
    { tail -20 "$d/server.log" >&2; die "PostgreSQL did not start"; }
  if [ ! -f "$d/roles_done" ]; then
    local pw; pw=$(cat "$d/password")
    as_pg_owner "$bin/psql" -X -q -v ON_ERROR_STOP=1 -h "$d/sock" -p "$port" -U postgres \
      -d postgres -c "CREATE ROLE tep LOGIN PASSWORD '$pw'" -c "CREATE DATABASE tep OWNER tep" \
      >/dev/null || die "cannot create the test role and database"
    touch "$d/roles_done"
  fi
}

pg_exports() {
  local d=$dir/pg port; port=$(cat "$d/port")
  echo "export TEP_PG_DSN='host=127.0.0.1 port=$port user=tep dbname=tep password=$(cat "$d/password") connect_timeout=5'"
  echo "export TEP_PG_ADMIN_DSN='host=$d/sock port=$port user=postgres dbname=tep'"
  echo "export TEP_PG_PASSWORD='$(cat "$d/password")'"
  echo "export TEP_PG_BIN='$(pg_bindir)'"
  echo "export TEP_PG_TIMESCALEDB=$([ -f "$d/timescaledb" ] && echo 1 || echo 0)"
}

pg_kill() { # crash: SIGKILL-like immediate stop, data kept
  local bin; bin=$(pg_bindir) || return 0
  [ -d "$dir/pg/data" ] || return 0
  as_pg_owner "$bin/pg_ctl" -D "$dir/pg/data" -m immediate stop >/dev/null 2>&1 || true
}

pg_stop() {
  local bin; bin=$(pg_bindir) || return 0
  [ -d "$dir/pg/data" ] || return 0
  as_pg_owner "$bin/pg_ctl" -D "$dir/pg/data" -m fast -w stop >/dev/null 2>&1 || pg_kill
}

# Symbols the vendor build's libraries need that neither the server binary nor their own
# shared libraries define (a build made against newer server headers of the same major
# version: 2.28.3's needs heap_datum_check and DatumGetHeapTupleHeader, new in PostgreSQL
# 15.20; Debian 12 had 15.18 before).
timescaledb_missing_symbols() { # vendor dir, bindir
  local so libs
  for so in "$1"/lib/*.so; do
    libs=$(ldd "$so" "$2/postgres" 2>/dev/null | sed -n 's/.*=> \(\/[^ ]*\) .*/\1/p' | sort -u)
    comm -23 <(nm -D --undefined-only "$so" | awk '$1 == "U" { print $2 }' | sed 's/@.*//' | LC_ALL=C sort -u) \
      <(for f in "$2/postgres" $libs; do nm -D --defined-only "$f"; done | awk '{ print $3 }' | sed 's/@.*//' | LC_ALL=C sort -u)
  done | LC_ALL=C sort -u
}

# The TimescaleDB build in the vendor folder, installed for the server found by pg_bindir;
# when the server is an older minor release than the build needs, the server package is
# upgraded first (root).
install_timescaledb() {
  local here vendor bin missing pkg
  here=$(cd "$(dirname "$0")/.." && pwd)
  vendor=${TEP_TIMESCALEDB_VENDOR:-$here/../shared/vendor/timescaledb-2.28.3-pg15-amd64}
  bin=$(pg_bindir) || return 0
  if pg_timescaledb_installed "$bin" && [ -z "$(timescaledb_missing_symbols "$vendor" "$bin" 2>/dev/null)" ]; then
    return 0
  fi
  if [ ! -f "$vendor/install.sh" ]; then
    pg_timescaledb_installed "$bin" ||
      log "TimescaleDB is not installed and there is no build in $vendor: cli_store_timescaledb will skip"
    return 0
  fi
  if [ "$(id -u)" -ne 0 ]; then
    log "TimescaleDB: run $vendor/install.sh as root to install it"
    return 0
  fi
  command -v nm >/dev/null 2>&1 || die "nm (binutils) is needed to check the TimescaleDB build"
  missing=$(timescaledb_missing_symbols "$vendor" "$bin")
  if [ -n "$missing" ]; then
    pkg=$(dpkg -S "$bin/postgres" 2>/dev/null | cut -d: -f1)
    log "TimescaleDB: $(dpkg-query -W -f='${Package} ${Version}' "$pkg" 2>/dev/null) lacks" \
      "$(echo $missing) that $vendor needs: upgrading $pkg"
    local policy=/usr/sbin/policy-rc.d created_policy=0
    if [ ! -e $policy ]; then
      printf '#!/bin/sh\nexit 101\n' > $policy && chmod +x $policy && created_policy=1
    fi
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --only-upgrade "$pkg" >&2 ||
      log "apt-get install --only-upgrade $pkg failed"
    [ $created_policy = 1 ] && rm -f $policy
    missing=$(timescaledb_missing_symbols "$vendor" "$bin")
    if [ -n "$missing" ]; then
      log "TimescaleDB: the build in $vendor needs $(echo $missing), which the PostgreSQL in" \
        "$bin does not have: not installed, cli_store_timescaledb will skip"
      return 0
    fi
  fi
  sh "$vendor/install.sh" >&2 || log "TimescaleDB: $vendor/install.sh failed (it supports PostgreSQL 15 only; this server is $bin)"
  return 0
}

# ---- InfluxDB 1.x ----------------------------------------------------------------------
influx_start() {
  command -v influxd >/dev/null 2>&1 || die "influxd not found"
  local d=$dir/influx
  if [ ! -f "$d/influxdb.conf" ]; then
    mkdir -p "$d/meta" "$d/data" "$d/wal"
    local port rpc; port=$(free_port); rpc=$(free_port)
    while [ "$rpc" = "$port" ]; do rpc=$(free_port); done
    echo "$port" > "$d/port"
    gen_secret > "$d/password"
    cat > "$d/influxdb.conf" <<EOF
reporting-enabled = false
bind-address = "127.0.0.1:$rpc"
[meta]
  dir = "$d/meta"
  logging-enabled = false
[data]
  dir = "$d/data"
  wal-dir = "$d/wal"
  query-log-enabled = false
  index-version = "tsi1"
  trace-logging-enabled = false
[monitor]
  store-enabled = false
[http]
  enabled = true
  bind-address = "127.0.0.1:$port"
  auth-enabled = true
  log-enabled = false
  max-body-size = 0
[continuous_queries]
  enabled = false
[logging]
  level = "warn"
EOF
  fi
  local port; port=$(cat "$d/port")
  if [ -f "$d/pid" ] && kill -0 "$(cat "$d/pid")" 2>/dev/null; then return 0; fi
  port_free "$port" || die "port $port (InfluxDB) is taken by another process"
  setsid influxd run -config "$d/influxdb.conf" > "$d/server.log" 2>&1 < /dev/null &
  echo $! > "$d/pid"
  local i
  for i in $(seq 1 150); do
    if curl -s -o /dev/null "http://127.0.0.1:$port/ping"; then break; fi
    kill -0 "$(cat "$d/pid")" 2>/dev/null || { tail -20 "$d/server.log" >&2; die "influxd exited"; }
    sleep 0.2
  done
  curl -s -o /dev/null "http://127.0.0.1:$port/ping" || die "InfluxDB did not answer on port $port"
  if [ ! -f "$d/users_done" ]; then
    # with no user yet, authentication lets the first admin be created
    curl -sf -o /dev/null --data-urlencode \
      "q=CREATE USER tep WITH PASSWORD '$(cat "$d/password")' WITH ALL PRIVILEGES" \
      "http://127.0.0.1:$port/query" || die "cannot create the InfluxDB admin user"
    touch "$d/users_done"
  fi
}

influx_exports() {
  local d=$dir/influx
  echo "export TEP_INFLUX_URL='http://127.0.0.1:$(cat "$d/port")'"
  echo "export TEP_INFLUX_USER='tep'"
  echo "export TEP_INFLUX_PASSWORD='$(cat "$d/password")'"
}

influx_kill() {
  local f=$dir/influx/pid
  [ -f "$f" ] || return 0
  kill -9 "$(cat "$f")" 2>/dev/null || true
  rm -f "$f"
}

influx_stop() {
  local f=$dir/influx/pid pid i
  [ -f "$f" ] || return 0
  pid=$(cat "$f")
  kill "$pid" 2>/dev/null || true
  for i in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -9 "$pid" 2>/dev/null || true
  rm -f "$f"
}

# ---- main --------------------------------------------------------------------------------
cmd=${1:-}
shift || true
want_pg=0 want_influx=0
for s in "$@"; do
  case $s in
    pg|postgres|postgresql) want_pg=1 ;;
    influx|influxdb) want_influx=1 ;;
    *) die "unknown service '$s' (expected pg or influx)" ;;
  esac
done
if [ $# -eq 0 ]; then want_pg=1 want_influx=1; fi

case $cmd in
  install) # only make sure the packages are there (CI, before the tests)
    ensure_packages $want_pg $want_influx
    if [ $want_pg = 1 ]; then install_timescaledb; fi
    ;;
  start)
    ensure_packages $want_pg $want_influx
    dir=${TEP_SERVICES_DIR:-}
    if [ -z "$dir" ]; then dir=$(mktemp -d "${TMPDIR:-/tmp}/tep-services.XXXXXX"); fi
    mkdir -p "$dir"
    echo "export TEP_SERVICES_DIR='$dir'"
    if [ $want_pg = 1 ]; then pg_start; pg_exports; fi
    if [ $want_influx = 1 ]; then influx_start; influx_exports; fi
    ;;
  kill|stop)
    dir=${TEP_SERVICES_DIR:-}
    [ -n "$dir" ] || die "TEP_SERVICES_DIR is not set (eval the output of 'start' first)"
    [ -d "$dir" ] || exit 0
    if [ "$cmd" = kill ]; then
      [ $want_pg = 1 ] && pg_kill
      [ $want_influx = 1 ] && influx_kill
    else
      [ $want_pg = 1 ] && pg_stop
      [ $want_influx = 1 ] && influx_stop
      # everything stopped: remove the folder
      if [ $# -eq 0 ]; then
        case $dir in */tep-services.*) rm -rf "$dir" ;; esac
      fi
    fi
    ;;
  *)
    echo "usage: $0 start|stop|kill|install [pg] [influx]" >&2
    exit 2
    ;;
esac
exit 0
