#!/usr/bin/env bash
# The ingest's fault test: simulated nodes publish while the server is killed with SIGKILL and
# restarted, and then while PostgreSQL crashes (immediate stop, WAL replay) and restarts; at the
# end every reading the nodes produced must be in the database exactly once.
# Usage: scripts/fault-test.sh [BINARY]  (default target/release/mostrador). Uses its own
# durable PostgreSQL cluster (.data/pg-fault: fsync and synchronous commit on, unlike the test
# cluster, so a crash loses nothing that was acknowledged). Prints the figures it checks.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh

BIN=${1:-target/release/mostrador}
PG_PORT=${MOSTRADOR_FAULT_PG_PORT:-54331}
HTTP_PORT=${MOSTRADOR_FAULT_HTTP_PORT:-3300}
MQTT_V4=${MOSTRADOR_FAULT_MQTT_V4:-18870}
MQTT_V5=${MOSTRADOR_FAULT_MQTT_V5:-18871}
PG_DIR=.data/pg-fault
DB=mostrador_fault
LOG=.data/fault-server.log
SUMMARY=.data/fault-summary.json
DEVICES=${FAULT_DEVICES:-20}
RATE=${FAULT_RATE:-80}

server_pid=""
sim_pid=""
cleanup() {
  [ -n "$sim_pid" ] && kill "$sim_pid" 2>/dev/null || true
  if [ -n "$server_pid" ]; then { kill -KILL "$server_pid" && wait "$server_pid"; } 2>/dev/null || true; fi
  bash scripts/pg.sh stop "$PG_DIR" >/dev/null || true
}
trap cleanup EXIT

mkdir -p .data
: >"$LOG"
bash scripts/pg.sh start "$PG_DIR" "$PG_PORT"
psql -h 127.0.0.1 -p "$PG_PORT" -U postgres -qc "DROP DATABASE IF EXISTS $DB WITH (FORCE)" postgres
ensure_roles "$PG_PORT" "$DB"
export DATABASE_URL="postgres://mostrador_owner@127.0.0.1:$PG_PORT/$DB"
export APP_MQTT__PORT_V4="$MQTT_V4" APP_MQTT__PORT_V5="$MQTT_V5"

start_server() {
  env -u APP_MQTT__URL -u APP_DATABASE__APP_URL APP_HTTP__ADDR="127.0.0.1:$HTTP_PORT" APP_DEMO__SEED=true \
    APP_MQTT__TOPICS='mostrador/sistema/#' RUST_LOG=info,rmqtt=off,rmqtt_net=off "$BIN" >>"$LOG" 2>&1 &
  server_pid=$!
  wait_for_http "http://127.0.0.1:$HTTP_PORT/health" 60 || { tail -30 "$LOG"; exit 1; }
}

echo "==> server up; $DEVICES nodes at $RATE readings/s each for 40 s"
start_server
"$BIN" simulate --devices "$DEVICES" --rate "$RATE" --duration 40 --drain-timeout 120 --summary "$SUMMARY" \
  >.data/fault-sim.log 2>&1 &
sim_pid=$!

sleep 10
echo "==> SIGKILL the server mid-stream, restart it 2 s later"
{ kill -KILL "$server_pid" && wait "$server_pid"; } 2>/dev/null || true
sleep 2
start_server

sleep 10
echo "==> crash PostgreSQL (immediate stop), restart it 3 s later"
bash scripts/pg.sh crash "$PG_DIR"
sleep 3
bash scripts/pg.sh start "$PG_DIR" "$PG_PORT"

echo "==> waiting for the nodes to finish and drain"
if ! wait "$sim_pid"; then
  sim_pid=""
  tail -15 .data/fault-sim.log
  echo "FAULT TEST FAILED: the simulator did not get every reading acknowledged" >&2
  exit 1
fi
sim_pid=""
tail -4 .data/fault-sim.log

# Each reading has its own node time per device, so (device, time) identifies it.
read -r produced stored distinct_ bad dropped < <(psql -h 127.0.0.1 -p "$PG_PORT" -U postgres -At -F ' ' \
  -v summary="$(cat "$SUMMARY")" "$DB" <<'SQL'
WITH s AS (SELECT * FROM json_to_recordset(:'summary'::json) AS x(uid text, produced bigint, dropped bigint)),
c AS (
  SELECT s.uid, s.produced, s.dropped, count(r.at) AS stored, count(DISTINCT r.at) AS distinct_at
    FROM s JOIN devices d ON d.uid = s.uid LEFT JOIN readings r ON r.device_id = d.id
   GROUP BY s.uid, s.produced, s.dropped)
SELECT sum(produced), sum(stored), sum(distinct_at),
       count(*) FILTER (WHERE produced <> stored OR stored <> distinct_at), sum(dropped)
  FROM c;
SQL
)
kills=$(grep -c "Mostrador is ready" "$LOG" || true)
retried=$(grep -c "ingest batch failed; retrying" "$LOG" || true)
echo "server starts: $kills; ingest batches retried during the PostgreSQL crash: $retried"
echo "produced $produced readings; stored $stored; distinct $distinct_; devices with a mismatch: $bad; dropped on nodes: $dropped"
if [ "$produced" != "$stored" ] || [ "$stored" != "$distinct_" ] || [ "$bad" != 0 ] || [ "$dropped" != 0 ]; then
  echo "FAULT TEST FAILED: not every reading is stored exactly once" >&2
  exit 1
fi
echo "fault test passed: every reading stored exactly once across a SIGKILL and a PostgreSQL crash"
