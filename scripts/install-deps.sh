#!/usr/bin/env bash
# Installs whatever this project needs and is missing: Debian packages, Rust targets,
# cargo-leptos, the wasm-bindgen CLI, wasm-opt (binaryen from npm) and the e2e npm packages.
# Idempotent: every step checks first. Only package registries are used (Debian, crates.io, npm).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/versions.sh

log() { printf '\033[1;34m[install]\033[0m %s\n' "$*"; }
SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi

# --- Debian packages -------------------------------------------------------------------------
need_apt=()
command -v pg_ctl >/dev/null 2>&1 || ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1 || need_apt+=(postgresql)
command -v psql >/dev/null 2>&1 || need_apt+=(postgresql-client)
command -v mosquitto_pub >/dev/null 2>&1 || need_apt+=(mosquitto-clients)
[ -x /usr/sbin/mosquitto ] || need_apt+=(mosquitto)
if [ "${MOSTRADOR_SKIP_BROWSER:-0}" != 1 ]; then
  [ -x /usr/bin/chromium ] || need_apt+=(chromium)
fi
command -v node >/dev/null 2>&1 || need_apt+=(nodejs npm)
command -v curl >/dev/null 2>&1 || need_apt+=(curl)
command -v gcc >/dev/null 2>&1 || need_apt+=(build-essential)
command -v perl >/dev/null 2>&1 || need_apt+=(perl)
command -v pkg-config >/dev/null 2>&1 || need_apt+=(pkg-config)
if [ ${#need_apt[@]} -gt 0 ]; then
  log "apt-get install ${need_apt[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need_apt[@]}"
  # Debian starts the packages' own services where systemd runs. Ours are private: the system
  # Mosquitto would take port 1883 from the embedded broker, the system cluster is not used.
  if command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ]; then
    for unit in mosquitto postgresql; do
      if [[ " ${need_apt[*]} " == *" $unit "* ]]; then $SUDO systemctl disable --now "$unit" >/dev/null 2>&1 || true; fi
    done
  fi
fi

# --- Rust components the test command uses ---------------------------------------------------
installed_components=$(rustup component list --installed)
for c in rustfmt clippy; do
  grep -q "^$c" <<<"$installed_components" || { log "rustup component add $c"; rustup component add "$c"; }
done

# --- Rust targets ----------------------------------------------------------------------------
installed_targets=$(rustup target list --installed)
for t in wasm32-unknown-unknown riscv32imc-unknown-none-elf; do
  if ! grep -qx "$t" <<<"$installed_targets"; then
    log "rustup target add $t"
    rustup target add "$t"
  fi
done

# --- The firmware's pinned toolchain ---------------------------------------------------------
# firmware/rust-toolchain.toml names "1.95.0". Where the installed stable *is* 1.95.0 and no
# toolchain of that name exists, point the name at it rather than downloading a second copy.
host_triple=$(rustc -vV | sed -n 's/^host: //p')
if ! rustup run 1.95.0 rustc --version >/dev/null 2>&1; then
  stable_dir=$(rustc +stable --print sysroot)
  if rustc +stable --version | grep -q '^rustc 1\.95\.0 '; then
    log "toolchain 1.95.0 -> $stable_dir"
    ln -sfn "$stable_dir" "${RUSTUP_HOME:-$HOME/.rustup}/toolchains/1.95.0-$host_triple"
  else
    log "rustup toolchain install 1.95.0 (firmware/rust-toolchain.toml)"
    rustup toolchain install 1.95.0 --profile minimal --target riscv32imc-unknown-none-elf
  fi
fi
if ! rustup target list --installed --toolchain 1.95.0 | grep -qx riscv32imc-unknown-none-elf; then
  rustup target add --toolchain 1.95.0 riscv32imc-unknown-none-elf
fi

# --- cargo-leptos ----------------------------------------------------------------------------
if ! cargo leptos --version 2>/dev/null | grep -q "$CARGO_LEPTOS_VERSION"; then
  log "cargo install cargo-leptos $CARGO_LEPTOS_VERSION (slow: ~20 min on 2 cores)"
  cargo install cargo-leptos --version "$CARGO_LEPTOS_VERSION" --locked
fi

# --- wasm-bindgen CLI, same version as the wasm-bindgen crate in Cargo.lock ------------------
if ! wasm-bindgen --version 2>/dev/null | grep -q "$WASM_BINDGEN_VERSION"; then
  log "cargo install wasm-bindgen-cli $WASM_BINDGEN_VERSION"
  cargo install wasm-bindgen-cli --version "$WASM_BINDGEN_VERSION" --force
fi

# --- the test command's guard rails (unused dependencies, licenses and sources, view! format) --
# About 1.5, 3 and 1.5 min on 2 cores the first time; kept in ~/.cargo/bin after that.
if ! cargo machete --version 2>/dev/null | grep -qx "$CARGO_MACHETE_VERSION"; then
  log "cargo install cargo-machete $CARGO_MACHETE_VERSION"
  cargo install cargo-machete --version "$CARGO_MACHETE_VERSION" --locked
fi
if ! cargo deny --version 2>/dev/null | grep -q "cargo-deny $CARGO_DENY_VERSION\$"; then
  log "cargo install cargo-deny $CARGO_DENY_VERSION"
  cargo install cargo-deny --version "$CARGO_DENY_VERSION" --locked
fi
if ! leptosfmt --version 2>/dev/null | grep -q "leptosfmt $LEPTOSFMT_VERSION\$"; then
  log "cargo install leptosfmt $LEPTOSFMT_VERSION"
  cargo install leptosfmt --version "$LEPTOSFMT_VERSION" --locked
fi

# --- wasm-opt from npm's binaryen (Debian's 108 breaks hydration) ----------------------------
if ! wasm-opt --version 2>/dev/null | grep -q "version $BINARYEN_VERSION"; then
  log "npm install -g binaryen@$BINARYEN_VERSION"
  $SUDO npm install -g --no-fund --no-audit "binaryen@$BINARYEN_VERSION"
fi

# --- npm packages for the browser tests ------------------------------------------------------
if [ ! -d end2end/node_modules/@playwright/test ]; then
  log "npm ci in end2end/"
  (cd end2end && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-fund --no-audit)
fi
log "all dependencies present"
