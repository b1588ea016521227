#!/usr/bin/env bash
# The call benchmark of docs/BENCHMARKS.md: a release server (demo seeded) on a private cluster
# with pg_stat_statements loaded, and a client that calls typical server functions one after
# another as a signed-in owner; prints latency, calls per second and the statements and
# transactions each call cost PostgreSQL. Usage: scripts/bench-call.sh [CALLS] (default 2000).
# Needs `cargo leptos build --release` (or the test command) first. Idempotent; the database
# `mostrador_bench_call` is made anew each run.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh

CALLS=${1:-2000}
BIN=target/release/mostrador
HTTP_PORT=${MOSTRADOR_BENCH_HTTP_PORT:-3410}
DB=mostrador_bench_call
LOG=.data/bench-call-server.log
[ -x "$BIN" ] || { echo "$BIN missing: run the test command or cargo leptos build --release first" >&2; exit 1; }
export MOSTRADOR_TEST_PG_DIR=.data/pg-bench MOSTRADOR_TEST_PG_PORT=${MOSTRADOR_BENCH_PG_PORT:-54339}
export PG_EXTRA_OPTS="-c shared_preload_libraries=pg_stat_statements -c pg_stat_statements.track=all"

server_pid=""
cleanup() {
  if [ -n "$server_pid" ]; then kill -TERM "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null || true; fi
  if [ "${PG_STARTED_HERE:-0}" = 1 ]; then bash scripts/pg.sh stop "$MOSTRADOR_TEST_PG_DIR" >/dev/null || true; fi
}
trap cleanup EXIT

export APP_MQTT__PORT_V4=${MOSTRADOR_BENCH_MQTT_V4:-18890} APP_MQTT__PORT_V5=${MOSTRADOR_BENCH_MQTT_V5:-18891}
SERVER_LOG=${BENCH_LOG:-warn} start_ingest_server "$BIN" "$DB" "$HTTP_PORT" "$LOG"
psql -h 127.0.0.1 -p "$MOSTRADOR_TEST_PG_PORT" -U postgres -qc "CREATE EXTENSION IF NOT EXISTS pg_stat_statements" "$DB"
echo "git $(git rev-parse --short HEAD)$(git diff --quiet HEAD -- app server shared || echo ' (with changes)')"
python3 scripts/bench-call.py "$HTTP_PORT" "$MOSTRADOR_TEST_PG_PORT" "$DB" "$CALLS"
