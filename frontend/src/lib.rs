//! The browser entry point: cargo-leptos builds this crate to wasm and the page calls
//! `hydrate()`, which attaches the reactive UI to the HTML the server already rendered.

/// Hydrates the server-rendered page.
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_body(app::App);
}
