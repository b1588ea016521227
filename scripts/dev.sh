#!/usr/bin/env bash
# Development with live reload: `cargo leptos watch` rebuilds server and wasm on every change
# and reloads the open browser tabs. Uses the same private PostgreSQL as scripts/run.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
bash scripts/install-deps.sh
use_private_database
export LEPTOS_ENV=DEV APP_DEMO__SEED=${APP_DEMO__SEED:-true}
if [ -z "${APP_MAIL__SMTP_URL:-}" ]; then export APP_MAIL__DEV_MAILBOX=${APP_MAIL__DEV_MAILBOX:-true}; fi
cargo_leptos watch
