//! The HTTP side: the axum router with Leptos pages and server functions, `/health`, the
//! status page's event stream, static files (precompressed), and the response headers.

mod events;
pub mod export;
mod health;
pub mod request_log;
mod router;
pub mod security;

pub use router::{rest_paths, rest_routes, router};
pub use security::SecurityPolicy;

/// Cancelled when the server starts shutting down; long-lived responses (the event stream) end
/// on it so the HTTP drain does not wait for them.
#[derive(Clone, Debug)]
pub struct Draining(pub tokio_util::sync::CancellationToken);
