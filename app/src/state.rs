//! What the server hands to every request: the database pool, the live system monitor and
//! Leptos' options. Built by `server` at start-up; server functions read it from context.

use std::sync::Arc;

use axum::extract::FromRef;
use leptos::config::LeptosOptions;

use crate::db::DbPool;
use crate::system::monitor::SystemMonitor;

/// Shared server state; cheap to clone.
#[derive(Clone)]
pub struct AppState {
    /// PostgreSQL connections.
    pub pool: DbPool,
    /// Broker and database health, message rate, recent messages.
    pub monitor: Arc<SystemMonitor>,
    /// Site root, addresses, output name.
    pub leptos_options: LeptosOptions,
}

impl FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> Self {
        state.leptos_options.clone()
    }
}
