# Tool versions pinned for this project; sourced by the scripts. See ../shared/specs/TOOLCHAIN.md.
# cargo-leptos 0.3.11 needs rustc 1.96; 0.3.10 builds on 1.95.
CARGO_LEPTOS_VERSION=0.3.10
# Must equal the wasm-bindgen crate version pinned in Cargo.toml (cargo-leptos does not check).
WASM_BINDGEN_VERSION=0.2.130
# wasm-opt from npm; Debian's binaryen 108 breaks hydration.
BINARYEN_VERSION=132
