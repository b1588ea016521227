#!/usr/bin/env bash
# The README's second command: every test. Installs what is missing, starts a private test
# PostgreSQL (.data/pg-test, fsync off), then runs in order: formatting, clippy, docs, unit + database + HTTP
# tests, the no_std builds of `shared` (wasm32 and the ESP32's riscv32imc), the firmware (its host
# tests, its release build for the ESP32-C3 and its size), and the browser tests
# (release build, Debian's Chromium, once with and once without JavaScript), then the IoT
# fault test (scripts/fault-test.sh) and the memory test (scripts/memory-test.sh). Exits non-zero on
# the first failure. Idempotent.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh

PG_PORT=${MOSTRADOR_TEST_PG_PORT:-54329}
E2E_HTTP_PORT=${MOSTRADOR_E2E_HTTP_PORT:-3100}
E2E_MQTT_V4=${MOSTRADOR_E2E_MQTT_V4:-18830}
E2E_MQTT_V5=${MOSTRADOR_E2E_MQTT_V5:-18840}
# E2E_PROFILE=debug skips the release build while iterating locally; CI uses release, which is
# what users get (wasm-opt included).
E2E_PROFILE=${E2E_PROFILE:-release}

step() { printf '\n\033[1;32m==> %s\033[0m\n' "$*"; }
server_pid=""
# stop_server: SIGTERM, then up to 20 s for a clean exit; SIGKILL and failure after that, so a
# hung shutdown can never hang CI.
stop_server() {
  local pid=$server_pid i status=0
  server_pid=""
  kill -TERM "$pid" 2>/dev/null || return 0
  for ((i = 0; i < 80; i++)); do
    kill -0 "$pid" 2>/dev/null || { wait "$pid" || status=$?; return "$status"; }
    sleep 0.25
  done
  echo "server did not stop within 20 s of SIGTERM" >&2
  kill -KILL "$pid" 2>/dev/null || true
  return 1
}
cleanup() {
  if [ -n "$server_pid" ]; then stop_server || true; fi
  if [ "${PG_STARTED_HERE:-0}" = 1 ]; then bash scripts/pg.sh stop .data/pg-test || true; fi
}
trap cleanup EXIT

step "dependencies"
bash scripts/install-deps.sh

step "test PostgreSQL on 127.0.0.1:$PG_PORT"
start_private_pg .data/pg-test "$PG_PORT" --test
export DATABASE_URL="postgres://postgres@127.0.0.1:$PG_PORT/postgres"
# Databases left by an interrupted earlier run.
for db in $(psql -h 127.0.0.1 -p "$PG_PORT" -U postgres -Atc "SELECT datname FROM pg_database WHERE datname LIKE 'mostrador_test_%' OR datname = 'mostrador_e2e'" postgres); do
  psql -h 127.0.0.1 -p "$PG_PORT" -U postgres -qc "DROP DATABASE \"$db\" WITH (FORCE)" postgres
done

step "a clone in a private folder (0700) gets its private cluster"
bash scripts/private-clone-test.sh

step "formatting (cargo fmt --check, leptosfmt --check for view! macros)"
cargo_plain fmt --all -- --check
(cd firmware && cargo fmt --all -- --check)
leptosfmt --quiet --check app/src

step "dependencies: none unused (cargo machete), licenses, bans and sources (cargo deny)"
cargo machete
# `cargo deny check advisories` is left out: it downloads the RustSec database from GitHub,
# outside the package registries this command may use (deny.toml says the same).
cargo deny --log-level error check licenses bans sources
cargo deny --log-level error --manifest-path firmware/Cargo.toml check licenses bans sources

step "lints (clippy, warnings are errors)"
cargo_plain clippy --workspace --exclude frontend --tests -- -D warnings

step "docs (cargo doc, warnings are errors)"
# Private items too: the docs are for the people who work on this code. A link from a public
# item's docs to a private one is fine for them, so that one lint is allowed.
RUSTDOCFLAGS="-D warnings -A rustdoc::private_intra_doc_links" \
  cargo_plain doc --workspace --exclude frontend --no-deps --document-private-items

step "unit, database and HTTP tests"
cargo_plain test --workspace --exclude frontend

step "shared compiles no_std for wasm32 and the ESP32-C3 (riscv32imc)"
cargo_plain check -p shared --no-default-features --target wasm32-unknown-unknown
cargo_plain check -p shared --no-default-features --target riscv32imc-unknown-none-elf

step "firmware: the node's drivers, provisioning and session logic on the host"
# firmware/ is its own workspace (own target dir, toolchain and linker flags): none of the host
# RUSTFLAGS apply there.
(cd firmware && env -u RUSTFLAGS cargo test -p mostrador-node --target "$(rustc -vV | sed -n 's/^host: //p')")
# The host twin (feature `host`) is linted too: only the server's tests compile it otherwise.
(cd firmware && env -u RUSTFLAGS cargo clippy -p mostrador-node --target "$(rustc -vV | sed -n 's/^host: //p')" --all-targets --features host -- -D warnings)

step "firmware: release build for the ESP32-C3 (riscv32imc-unknown-none-elf)"
env -u RUSTFLAGS cargo fw
(cd firmware && env -u RUSTFLAGS cargo clippy --release -- -D warnings)
# The default partition table gives the app 1 MiB (0x10000..0x110000).
python3 scripts/firmware-size.py firmware/target/riscv32imc-unknown-none-elf/release/mostrador-firmware --max-flash-kib 1024

step "browser tests ($E2E_PROFILE build)"
if [ "$E2E_PROFILE" = release ]; then
  cargo_leptos build --release --precompress
  bin=target/release/mostrador
else
  cargo_leptos build
  bin=target/debug/mostrador
fi
# A fresh database each run, owned by mostrador_owner; the server queries as mostrador_app.
psql -h 127.0.0.1 -p "$PG_PORT" -U postgres -qc 'DROP DATABASE IF EXISTS mostrador_e2e WITH (FORCE)' postgres
ensure_roles "$PG_PORT" mostrador_e2e
mkdir -p .data
# Only this run's settings: an APP_* exported by the caller must not point the tests at real services.
env -u APP_DATABASE__URL -u APP_DATABASE__APP_URL -u APP_MQTT__URL -u APP_HTTP__SITE_ROOT -u APP_MQTT__TOPICS \
  -u APP_IOT__BROKER_URL \
  -u APP_MAIL__SMTP_URL -u APP_MAIL__DEV_MAILBOX -u APP_HTTP__PUBLIC_URL -u APP_HTTP__TRUST_FORWARDED -u APP_HTTP__SERVER_TIMING \
  LEPTOS_SITE_ROOT=target/site LEPTOS_OUTPUT_NAME=mostrador APP_DEMO__SEED=true APP_MAIL__DEV_MAILBOX=true \
  APP_MQTT__EXTRA_USERS=pruebas:pruebas-clave \
  DATABASE_URL="postgres://mostrador_owner@127.0.0.1:$PG_PORT/mostrador_e2e" \
  APP_HTTP__ADDR="127.0.0.1:$E2E_HTTP_PORT" APP_MQTT__PORT_V4="$E2E_MQTT_V4" APP_MQTT__PORT_V5="$E2E_MQTT_V5" \
  "$bin" >.data/e2e-server.log 2>&1 &
server_pid=$!
wait_for_http "http://127.0.0.1:$E2E_HTTP_PORT/health" 60 || { cat .data/e2e-server.log; exit 1; }
(cd end2end && E2E_BASE_URL="http://127.0.0.1:$E2E_HTTP_PORT" E2E_MQTT_PORT="$E2E_MQTT_V4" E2E_BIN="$PWD/../$bin" \
  npx playwright test)

step "graceful shutdown on SIGTERM"
if ! stop_server; then echo "server did not exit cleanly"; cat .data/e2e-server.log; exit 1; fi
grep -q "server stopped cleanly" .data/e2e-server.log || { echo "no clean-stop line in the log"; exit 1; }
echo "server stopped cleanly"

step "IoT fault test: nodes publishing through a server SIGKILL and a PostgreSQL crash"
bash scripts/fault-test.sh "$bin"

step "memory test: the server's memory stays flat under a broker flood"
bash scripts/memory-test.sh "$bin"

step "all tests passed"
