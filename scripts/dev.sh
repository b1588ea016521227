#!/usr/bin/env bash
# Development with live reload: `cargo_leptos watch` rebuilds server and wasm on every change
# and reloads the open browser tabs. Uses the same private PostgreSQL as scripts/run.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
PG_PORT=${MOSTRADOR_PG_PORT:-54320}
bash scripts/install-deps.sh
if [ -z "${DATABASE_URL:-}" ] && [ -z "${APP_DATABASE__URL:-}" ]; then
  start_private_pg .data/pg "$PG_PORT"
  if [ "$PG_STARTED_HERE" = 1 ]; then trap 'bash scripts/pg.sh stop .data/pg' EXIT; fi
  createdb_if_missing "$PG_PORT" mostrador
  export DATABASE_URL="postgres://postgres@127.0.0.1:$PG_PORT/mostrador"
fi
export LEPTOS_ENV=DEV
cargo_leptos watch
