#!/usr/bin/env bash
# A private PostgreSQL cluster in a folder of the project, using the system's PostgreSQL
# binaries: `scripts/pg.sh start DIR PORT [--test]`, `scripts/pg.sh stop DIR`,
# `scripts/pg.sh url DIR PORT DB`. Idempotent: start reuses an initialised folder and a running
# server. Listens on 127.0.0.1:PORT and on a unix socket inside DIR.
# As root, initdb refuses to run, so the cluster runs as the `postgres` user (Debian's package
# creates it) and DIR belongs to it. When `postgres` cannot reach DIR (a clone under /root,
# mode 0700), the cluster lives in /var/lib/mostrador-pg/<hash of DIR> and DIR links to it.
# `scripts/pg.sh running DIR` exits 0 when the cluster in DIR is running; `scripts/pg.sh crash
# DIR` stops it without a clean shutdown.
set -euo pipefail

pg_bindir() {
  local d
  d=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
  if [ -z "$d" ]; then echo "PostgreSQL is not installed (scripts/install-deps.sh installs it)" >&2; exit 1; fi
  echo "$d"
}

as_owner() {
  # From / : the postgres user may not be allowed into the caller's folder (paths are absolute).
  if [ "$(id -u)" = 0 ]; then (cd / && runuser -u postgres -- "$@"); else "$@"; fi
}

cmd=${1:-}
dir=${2:-}
[ -n "$cmd" ] && [ -n "$dir" ] || { echo "usage: $0 start|stop|crash|status|running DIR [PORT] [--test]" >&2; exit 2; }
mkdir -p "$(dirname "$dir")"
dir=$(cd "$(dirname "$dir")" && pwd)/$(basename "$dir")
bin=$(pg_bindir)
# A link left by an earlier call may point at a folder not made yet (`running` makes none):
# test for the link itself, not for what it points at, or the next call would link again.
if [ "$(id -u)" = 0 ] && [ ! -e "$dir" ] && [ ! -L "$dir" ] && ! runuser -u postgres -- test -x "$(dirname "$dir")"; then
  real="/var/lib/mostrador-pg/$(printf '%s' "$dir" | md5sum | cut -c1-12)"
  mkdir -p "$(dirname "$real")"
  ln -s "$real" "$dir"
fi
if [ -L "$dir" ]; then dir=$(readlink "$dir"); fi

case "$cmd" in
  start)
    port=${3:?port}
    extra=""
    # Tests trade durability for speed; never use --test for data people keep.
    if [ "${4:-}" = "--test" ]; then extra="-c fsync=off -c synchronous_commit=off -c full_page_writes=off"; fi
    # More server settings for one cluster (the call benchmark loads pg_stat_statements).
    extra="$extra ${PG_EXTRA_OPTS:-}"
    if [ ! -f "$dir/PG_VERSION" ]; then
      mkdir -p "$dir"
      [ "$(id -u)" = 0 ] && chown postgres:postgres "$dir"
      chmod 700 "$dir"
      echo "[pg] initdb $dir"
      as_owner "$bin/initdb" -D "$dir" -U postgres -A trust -E UTF8 --no-locale >/dev/null
    fi
    if as_owner "$bin/pg_ctl" -D "$dir" status >/dev/null 2>&1; then
      echo "[pg] already running ($dir)"
    else
      echo "[pg] starting on 127.0.0.1:$port ($dir)"
      as_owner "$bin/pg_ctl" -D "$dir" -l "$dir/server.log" -w -t 60 \
        -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c max_connections=200 $extra" start >/dev/null
    fi
    ;;
  stop)
    if [ -f "$dir/PG_VERSION" ] && as_owner "$bin/pg_ctl" -D "$dir" status >/dev/null 2>&1; then
      echo "[pg] stopping ($dir)"
      as_owner "$bin/pg_ctl" -D "$dir" -m fast -w stop >/dev/null
    fi
    ;;
  crash)
    # Stops the server the way a power cut or an OOM kill would (no checkpoint, no clean
    # shutdown): the next start replays the WAL. The fault test uses it.
    echo "[pg] crashing ($dir)"
    as_owner "$bin/pg_ctl" -D "$dir" -m immediate -w stop >/dev/null
    ;;
  status)
    as_owner "$bin/pg_ctl" -D "$dir" status
    ;;
  running)
    [ -f "$dir/PG_VERSION" ] && as_owner "$bin/pg_ctl" -D "$dir" status >/dev/null 2>&1
    ;;
  *) echo "unknown command $cmd" >&2; exit 2 ;;
esac
