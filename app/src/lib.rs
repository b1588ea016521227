//! Mostrador's web application: the Leptos UI (rendered on the server, hydrated in the browser),
//! the server functions it calls and, behind the `ssr` feature, the backend code they use.
//! Organised by domain (`system` now; `tenancy`, `iot`, `pos`... as they arrive); the page shell
//! (layout, navigation, home, error pages) lives in `shell`.

#![recursion_limit = "256"]

pub mod components;
pub mod error;
pub mod iot;
pub mod shell;
pub mod system;
pub mod tenancy;

#[cfg(feature = "ssr")]
pub mod call;
#[cfg(feature = "ssr")]
pub mod db;
#[cfg(feature = "ssr")]
pub mod rls;
#[cfg(feature = "ssr")]
pub mod schema;
#[cfg(feature = "ssr")]
pub mod state;
#[cfg(feature = "ssr")]
pub mod time;

pub use shell::{App, shell};
