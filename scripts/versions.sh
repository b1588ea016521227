# Tool versions pinned for this project; sourced by the scripts. See ../shared/specs/TOOLCHAIN.md.
# cargo-leptos 0.3.11 needs rustc 1.96; 0.3.10 builds on 1.95.
CARGO_LEPTOS_VERSION=0.3.10
# Must equal the wasm-bindgen crate version pinned in Cargo.toml (cargo-leptos does not check).
WASM_BINDGEN_VERSION=0.2.130
# wasm-opt from npm; Debian's binaryen 108 breaks hydration.
BINARYEN_VERSION=132
# The test command's guard rails (scripts/test.sh), installed from crates.io with --locked.
CARGO_MACHETE_VERSION=0.9.1
CARGO_DENY_VERSION=0.20.2
LEPTOSFMT_VERSION=0.1.33
