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

# Cargo uses the same flags as cargo-leptos' debug builds, so `cargo test` and `cargo leptos
# build` share one set of compiled dependencies instead of building everything twice.
export RUSTFLAGS="${RUSTFLAGS:---cfg erase_components}"
