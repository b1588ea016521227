#!/usr/bin/env bash
# Development with live reload: `cargo leptos watch` rebuilds server and wasm on every change
# and reloads the open browser tabs. Uses the same private PostgreSQL as scripts/run.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
bash scripts/install-deps.sh
use_private_database
export LEPTOS_ENV=DEV
cargo_leptos watch
