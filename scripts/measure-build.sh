#!/usr/bin/env bash
# Prints the build figures recorded in docs/BENCHMARKS.md: cold and incremental build times
# (debug and release, in a fresh target directory so nothing is reused), and the release wasm
# size raw, gzip and brotli. Takes 15-20 minutes on 2 cores. Usage: bash scripts/measure-build.sh
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
dir=$(mktemp -d /tmp/mostrador-build-XXXX)
trap 'rm -rf "$dir"' EXIT
touch_app() { touch app/src/shell/home_page.rs; }
secs() { local s=$SECONDS; "$@" >/dev/null 2>&1; echo $((SECONDS - s)); }

export CARGO_TARGET_DIR=$dir/target
cold_debug=$(secs cargo_leptos build)
touch_app
incr_debug=$(secs cargo_leptos build)
cold_release=$(secs cargo_leptos build --release --precompress)
touch_app
incr_release=$(secs cargo_leptos build --release --precompress)

wasm=target/site/pkg/mostrador.wasm
printf '| build | seconds |\n|---|---|\n'
printf '| cold debug (`cargo leptos build`) | %s |\n' "$cold_debug"
printf '| incremental debug (touch one `app` file) | %s |\n' "$incr_debug"
printf '| cold release (`cargo leptos build --release --precompress`) | %s |\n' "$cold_release"
printf '| incremental release (touch one `app` file) | %s |\n' "$incr_release"
printf '\n| release asset | raw | gzip | brotli |\n|---|---|---|---|\n'
for f in "$wasm" target/site/pkg/mostrador.js target/site/pkg/mostrador.css; do
  printf '| %s | %s | %s | %s |\n' "$(basename "$f")" "$(stat -c %s "$f")" "$(stat -c %s "$f.gz")" "$(stat -c %s "$f.br")"
done
