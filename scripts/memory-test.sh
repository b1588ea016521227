#!/usr/bin/env bash
# The memory test: the server's resident memory stays flat under a broker flood. A release server
# on its embedded broker takes ROUNDS rounds of 200 simulated nodes publishing for SECONDS at RATE
# readings/s each, while an observer subscribed to every uplink never reads its socket (the broker
# must bound what it queues for a slow client). The resident size after each round is printed;
# the run fails if it grew by more than MAX_GROWTH_MIB between the first and the last round (the
# embedded rumqttd grew by about 250 MB per million readings and never gave it back).
# Usage: scripts/memory-test.sh [BINARY]  (default target/release/mostrador). Idempotent.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh

BIN=${1:-target/release/mostrador}
ROUNDS=${MEMORY_ROUNDS:-3}
RATE=${MEMORY_RATE:-250}
SECONDS_RUN=${MEMORY_SECONDS:-20}
MAX_GROWTH_MIB=${MEMORY_MAX_GROWTH_MIB:-32}
HTTP_PORT=${MOSTRADOR_MEMORY_HTTP_PORT:-3500}
LOG=.data/memory-server.log
[ "$ROUNDS" -ge 2 ] || { echo "MEMORY_ROUNDS must be at least 2 (growth is measured from round 1)" >&2; exit 1; }
[ -x "$BIN" ] || { echo "$BIN missing: run the test command or cargo leptos build --release first" >&2; exit 1; }

server_pid=""
stalled_pid=""
cleanup() {
  [ -n "$stalled_pid" ] && kill "$stalled_pid" 2>/dev/null || true
  if [ -n "$server_pid" ]; then kill -TERM "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null || true; fi
  if [ "${PG_STARTED_HERE:-0}" = 1 ]; then bash scripts/pg.sh stop .data/pg-test >/dev/null || true; fi
}
trap cleanup EXIT

rss_mib() { awk '/^VmRSS:/ { printf "%d", $2 / 1024 }' "/proc/$server_pid/status"; }

export APP_MQTT__PORT_V4=${MOSTRADOR_MEMORY_MQTT_V4:-18890} APP_MQTT__PORT_V5=${MOSTRADOR_MEMORY_MQTT_V5:-18891}
export APP_MQTT__EXTRA_USERS=observador:observador-clave APP_MQTT__OBSERVERS=observador
start_ingest_server "$BIN" mostrador_memory "$HTTP_PORT" "$LOG"
echo "at rest: $(rss_mib) MiB"
python3 scripts/stalled-subscriber.py "$APP_MQTT__PORT_V4" observador observador-clave &
stalled_pid=$!
sleep 1
kill -0 "$stalled_pid" || { echo "the stalled subscriber could not connect" >&2; exit 1; }

first=""
for ((round = 1; round <= ROUNDS; round++)); do
  "$BIN" simulate --devices 200 --rate "$RATE" --duration "$SECONDS_RUN" --drain-timeout 90 >.data/memory-sim.log 2>&1 \
    || { cat .data/memory-sim.log; exit 1; }
  stored=$(sed -n 's/^produced \([0-9]*\) readings, committed \([0-9]*\).*/\2 of \1 committed/p' .data/memory-sim.log)
  rss=$(rss_mib)
  echo "round $round: $((200 * RATE * SECONDS_RUN)) readings offered, ${stored:-?}; resident $rss MiB"
  [ -n "$first" ] || first=$rss
done
kill -0 "$stalled_pid" || { echo "the stalled subscriber was disconnected: the slow-client case did not run" >&2; exit 1; }
growth=$((rss - first))
echo "growth from round 1 to round $ROUNDS: $growth MiB (limit $MAX_GROWTH_MIB MiB)"
[ "$growth" -le "$MAX_GROWTH_MIB" ] || { echo "the server's memory grew with traffic" >&2; exit 1; }
