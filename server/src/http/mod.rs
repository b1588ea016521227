//! The HTTP side: the axum router with Leptos pages and server functions, `/health`, the
//! status page's event stream, static files (precompressed), and the response headers.

mod events;
mod health;
mod router;

pub use router::router;
