# Helpers sourced by run.sh and test.sh.

# createdb_if_missing PORT NAME: creates database NAME on the private cluster if it is missing.
createdb_if_missing() {
  local port=$1 name=$2
  if ! psql -h 127.0.0.1 -p "$port" -U postgres -Atqc "SELECT 1 FROM pg_database WHERE datname = '$name'" postgres | grep -q 1; then
    psql -h 127.0.0.1 -p "$port" -U postgres -qc "CREATE DATABASE \"$name\"" postgres
  fi
}

# wait_for_http URL SECONDS: polls until URL answers (any status), or fails.
wait_for_http() {
  local url=$1 secs=$2 i
  for ((i = 0; i < secs * 4; i++)); do
    if curl -s -o /dev/null "$url"; then return 0; fi
    sleep 0.25
  done
  echo "timed out waiting for $url" >&2
  return 1
}

# The flags cargo-leptos' debug builds use. Plain cargo commands (test, clippy) run with exactly
# these, and cargo leptos runs with RUSTFLAGS unset (it appends its own), so both share one set of
# compiled dependencies instead of building everything twice.
CARGO_RUSTFLAGS="--cfg erase_components"
cargo_plain() { RUSTFLAGS="$CARGO_RUSTFLAGS" cargo "$@"; }
cargo_leptos() { env -u RUSTFLAGS cargo leptos "$@"; }

# start_private_pg DIR PORT [--test]: starts the private cluster; sets PG_STARTED_HERE=1 when
# this call started it (so only then does the caller stop it on exit).
start_private_pg() {
  PG_STARTED_HERE=0
  if ! bash scripts/pg.sh running "$1"; then PG_STARTED_HERE=1; fi
  bash scripts/pg.sh start "$@"
}

# ensure_roles PORT DB: the two database roles (docs/SECURITY.md): mostrador_owner owns the
# tables and runs migrations, mostrador_app runs the application's queries under row-level
# security. Creates DB owned by mostrador_owner; hands over tables an older version created as
# postgres. Idempotent.
ensure_roles() {
  local port=$1 db=$2
  psql -h 127.0.0.1 -p "$port" -U postgres -qAt postgres >/dev/null <<SQL
DO \$\$ BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'mostrador_owner') THEN
    CREATE ROLE mostrador_owner LOGIN NOSUPERUSER NOBYPASSRLS;
  END IF;
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'mostrador_app') THEN
    CREATE ROLE mostrador_app LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS;
  END IF;
END \$\$;
-- The server tells a lock timeout or a deadlock ("try again") from other failures by
-- PostgreSQL's English message: whatever the cluster's locale, its connections get English.
ALTER ROLE mostrador_app SET lc_messages TO 'C';
SQL
  createdb_if_missing "$port" "$db"
  psql -h 127.0.0.1 -p "$port" -U postgres -qAt "$db" >/dev/null <<SQL
ALTER DATABASE "$db" OWNER TO mostrador_owner;
DO \$\$ DECLARE t record; BEGIN
  FOR t IN SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tableowner = 'postgres' LOOP
    EXECUTE format('ALTER TABLE public.%I OWNER TO mostrador_owner', t.tablename);
  END LOOP;
END \$\$;
SQL
}

# use_private_database: unless DATABASE_URL or APP_DATABASE__URL is set, starts the private
# cluster in .data/pg (port MOSTRADOR_PG_PORT, default 54320), creates the `mostrador` database
# with its two roles, and exports DATABASE_URL (the owner; the app role's URL is derived). The cluster is stopped on exit only if this call started it (another
# run.sh or dev.sh may be using it).
use_private_database() {
  if [ -n "${DATABASE_URL:-}" ] || [ -n "${APP_DATABASE__URL:-}" ]; then return 0; fi
  local port=${MOSTRADOR_PG_PORT:-54320}
  start_private_pg .data/pg "$port"
  if [ "$PG_STARTED_HERE" = 1 ]; then trap 'bash scripts/pg.sh stop .data/pg' EXIT; fi
  ensure_roles "$port" mostrador
  export DATABASE_URL="postgres://mostrador_owner@127.0.0.1:$port/mostrador"
}

# start_ingest_server BIN DB HTTP_PORT LOG: a release server on the test cluster (folder
# MOSTRADOR_TEST_PG_DIR, default .data/pg-test; port MOSTRADOR_TEST_PG_PORT, default 54329) with database DB made anew, its embedded broker on
# APP_MQTT__PORT_V4/_V5 (exported by the caller) and the demo seeded; waits for /health and sets
# server_pid. RUST_LOG is SERVER_LOG (default warn). For the benchmark and the memory test.
start_ingest_server() {
  local bin=$1 db=$2 http_port=$3 log=$4 pg_port=${MOSTRADOR_TEST_PG_PORT:-54329}
  mkdir -p .data
  start_private_pg "${MOSTRADOR_TEST_PG_DIR:-.data/pg-test}" "$pg_port" --test >/dev/null
  psql -h 127.0.0.1 -p "$pg_port" -U postgres -qc "DROP DATABASE IF EXISTS $db WITH (FORCE)" postgres
  ensure_roles "$pg_port" "$db"
  export DATABASE_URL="postgres://mostrador_owner@127.0.0.1:$pg_port/$db"
  env -u APP_MQTT__URL -u APP_DATABASE__APP_URL APP_HTTP__ADDR="127.0.0.1:$http_port" APP_DEMO__SEED=true \
    APP_MQTT__TOPICS='mostrador/sistema/#' APP_DATABASE__POOL_SIZE=8 RUST_LOG=${SERVER_LOG:-warn} "$bin" >"$log" 2>&1 &
  server_pid=$!
  wait_for_http "http://127.0.0.1:$http_port/health" 60 || { tail -30 "$log"; return 1; }
}
