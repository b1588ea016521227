#!/usr/bin/env bash
# The ingest benchmark of docs/BENCHMARKS.md: a release server on its embedded broker and the
# private test cluster (fsync off), 200 simulated nodes at RATE readings/s each for SECONDS,
# 8 readings per message; prints the simulator's figures (sustained committed readings/s,
# publish-to-commit latency). Usage: scripts/bench-ingest.sh [RATE [SECONDS]] (defaults 350 65:
# 70 000 readings/s for a minute). Needs `cargo leptos build --release` (or the test command)
# first. Idempotent; the database `mostrador_bench` is made anew each run.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh

RATE=${1:-350}
SECONDS_RUN=${2:-65}
BIN=target/release/mostrador
HTTP_PORT=${MOSTRADOR_BENCH_HTTP_PORT:-3400}
DB=mostrador_bench
LOG=.data/bench-server.log
[ -x "$BIN" ] || { echo "$BIN missing: run the test command or cargo leptos build --release first" >&2; exit 1; }

server_pid=""
cleanup() {
  if [ -n "$server_pid" ]; then kill -TERM "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null || true; fi
  if [ "${PG_STARTED_HERE:-0}" = 1 ]; then bash scripts/pg.sh stop .data/pg-test >/dev/null || true; fi
}
trap cleanup EXIT

export APP_MQTT__PORT_V4=${MOSTRADOR_BENCH_MQTT_V4:-18880} APP_MQTT__PORT_V5=${MOSTRADOR_BENCH_MQTT_V5:-18881}
SERVER_LOG=${BENCH_LOG:-warn} start_ingest_server "$BIN" "$DB" "$HTTP_PORT" "$LOG"
echo "target/release/mostrador simulate --devices 200 --rate $RATE --duration $SECONDS_RUN --drain-timeout 90"
"$BIN" simulate --devices 200 --rate "$RATE" --duration "$SECONDS_RUN" --drain-timeout 90
