#!/usr/bin/env bash
# Development with live reload: `cargo leptos watch` rebuilds server and wasm on every change
# and reloads the open browser tabs. Uses the same private PostgreSQL as scripts/run.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
PG_PORT=${MOSTRADOR_PG_PORT:-54320}
bash scripts/install-deps.sh
if [ -z "${DATABASE_URL:-}" ]; then
  bash scripts/pg.sh start .data/pg "$PG_PORT"
  trap 'bash scripts/pg.sh stop .data/pg' EXIT
  createdb_if_missing "$PG_PORT" mostrador
  export DATABASE_URL="postgres://postgres@127.0.0.1:$PG_PORT/mostrador"
fi
export LEPTOS_ENV=DEV
cargo leptos watch
