#!/usr/bin/env bash
# Regenerates app/src/schema.rs with `diesel print-schema` from a scratch database migrated with
# every migration in migrations/ (schema.rs is never written by hand). Needs the test cluster's
# binaries; installs diesel_cli (with libpq, a developer-only tool) when missing.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
PG_PORT=${MOSTRADOR_TEST_PG_PORT:-54329}
if ! command -v diesel >/dev/null 2>&1; then
  command -v pg_config >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq libpq-dev; }
  cargo install diesel_cli --version '2.3.*' --no-default-features --features postgres
fi
bash scripts/pg.sh start .data/pg-test "$PG_PORT" --test
url="postgres://postgres@127.0.0.1:$PG_PORT/mostrador_schema"
psql -h 127.0.0.1 -p "$PG_PORT" -U postgres -qc 'DROP DATABASE IF EXISTS mostrador_schema WITH (FORCE)' postgres
psql -h 127.0.0.1 -p "$PG_PORT" -U postgres -qc 'CREATE DATABASE mostrador_schema' postgres
diesel migration run --database-url "$url" --migration-dir migrations >/dev/null
# `readings` has no primary key (partitioned, 50 000 rows a second): diesel cannot describe it,
# and the ingest and chart queries reach it with plain SQL.
diesel print-schema --database-url "$url" --except-tables "^readings$" > app/src/schema.rs
psql -h 127.0.0.1 -p "$PG_PORT" -U postgres -qc 'DROP DATABASE mostrador_schema WITH (FORCE)' postgres
echo "app/src/schema.rs regenerated"
