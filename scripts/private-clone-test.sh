#!/usr/bin/env bash
# The private-folder case of the README's commands: a clone in a folder the `postgres` user
# cannot enter (root's home is 0700; so is a `mktemp -d` folder) must still get its private
# cluster. Clones this checkout into such a folder and runs `pg.sh running`, `start`, `running`
# and `stop` there, twice (the second round finds the link the first one left). Run by
# scripts/test.sh; exits non-zero on the first failure.
set -euo pipefail
cd "$(dirname "$0")/.."
port=${MOSTRADOR_PRIVATE_PG_PORT:-54339}
tmp=$(mktemp -d)
chmod 700 "$tmp"
clone="$tmp/clone"
cleanup() {
  bash "$clone/scripts/pg.sh" stop "$clone/.data/pg-test" >/dev/null 2>&1 || true
  if [ -L "$clone/.data/pg-test" ]; then rm -rf "$(readlink "$clone/.data/pg-test")"; fi
  rm -rf "$tmp"
}
trap cleanup EXIT
git clone -q . "$clone"
# The working tree's scripts (what is being tested), not only what is committed.
cp scripts/pg.sh "$clone/scripts/pg.sh"
for round in 1 2; do
  if bash "$clone/scripts/pg.sh" running "$clone/.data/pg-test"; then
    echo "round $round: a cluster reported running before it was started" >&2
    exit 1
  fi
  bash "$clone/scripts/pg.sh" start "$clone/.data/pg-test" "$port" --test
  bash "$clone/scripts/pg.sh" running "$clone/.data/pg-test"
  psql -h 127.0.0.1 -p "$port" -U postgres -Atqc "SELECT 1" postgres >/dev/null
  bash "$clone/scripts/pg.sh" stop "$clone/.data/pg-test"
done
echo "private clone: pg.sh running/start/stop passed in a 0700 folder ($tmp)"
