#!/usr/bin/env bash
# `examready collect` benchmark (issue 15; not a timed test): into a private PostgreSQL cluster
# and into SQLite, ingest 10,000 reports (the recorded fixture, ~20 KiB each, each a different
# report) from 50 concurrent HTTP clients (reports/s, p50/p99 latency), fill the store to
# 100,000 reports (20,000 candidates) and time the dashboard pages and the CSV export (ms).
# Goals on a 2-core machine: >= 1,000 reports/s into PostgreSQL; dashboard < 200 ms at 100k.
#
# Usage: benches/collect.sh [postgres] [sqlite]   (default: both). Release build (the bench
# profile). PostgreSQL runs with its defaults (fsync on), as `nobody` when run as root.
# Needs: scripts/install-deps.sh test (postgresql).
set -euo pipefail
cd "$(dirname "$0")/.."
backends=("$@")
[ ${#backends[@]} -eq 0 ] && backends=(postgres sqlite)

cargo build --quiet --release --bin examready
cargo bench --quiet --bench collect --no-run
BIN=${CARGO_TARGET_DIR:-$PWD/target}/release/examready
WORK=$(mktemp -d)
export EXAMREADY_DATA_DIR=$WORK/data
server=""
pgbin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
run_as=()
[ "$(id -u)" -eq 0 ] && run_as=(runuser -u nobody --)

cleanup() {
  [ -n "$server" ] && kill "$server" 2>/dev/null || true
  [ -d "$WORK/pg" ] && "${run_as[@]}" "$pgbin/pg_ctl" -D "$WORK/pg" -m fast stop >/dev/null 2>&1 || true
  rm -rf "$WORK"
}
trap cleanup EXIT

start_postgres() {
  [ -n "$pgbin" ] || { echo "collect.sh: PostgreSQL is not installed (scripts/install-deps.sh test)" >&2; exit 1; }
  echo "benchpw" > "$WORK/pw"
  [ "$(id -u)" -eq 0 ] && chown -R nobody "$WORK"
  "${run_as[@]}" "$pgbin/initdb" -D "$WORK/pg" -U examready -E UTF8 --auth-local=trust \
    --auth-host=scram-sha-256 --pwfile="$WORK/pw" >/dev/null
  PGPORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  "${run_as[@]}" "$pgbin/pg_ctl" -D "$WORK/pg" -l "$WORK/pg.log" -w \
    -o "-p $PGPORT -k $WORK -c listen_addresses=127.0.0.1 -c max_connections=200" start >/dev/null
  PGPASSWORD=benchpw "$pgbin/psql" -q -h 127.0.0.1 -p "$PGPORT" -U examready -d postgres -c "CREATE DATABASE bench"
  echo "postgres://examready:benchpw@127.0.0.1:$PGPORT/bench"
}

for backend in "${backends[@]}"; do
  case $backend in
    postgres) url=$(start_postgres) ;;
    sqlite) url="sqlite://$WORK/bench.sqlite3?mode=rwc"; mkdir -p "$WORK" ;;
    *) echo "collect.sh: unknown backend $backend (postgres, sqlite)" >&2; exit 2 ;;
  esac
  token=$("$BIN" collect token create --label bench --database "$url" 2>/dev/null)
  admin=$("$BIN" collect admin-token --database "$url" 2>/dev/null)
  "$BIN" collect serve --listen 127.0.0.1:0 --database "$url" --rate 1000000/min 2>"$WORK/serve.log" &
  server=$!
  for _ in $(seq 100); do grep -q "listening on" "$WORK/serve.log" && break; sleep 0.1; done
  base=$(grep -o 'http://[0-9.:]*' "$WORK/serve.log" | head -1)
  cargo bench --quiet --bench collect -- "$base" "$token" "$admin" "$url" "$backend"
  kill "$server"; wait "$server" 2>/dev/null || true; server=""
done
