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
    /// Cookies, links in mails, the development mailbox.
    pub auth: crate::tenancy::auth::AuthSettings,
    /// The installation's time zone (the operator's pages; businesses have their own).
    pub time_zone: chrono_tz::Tz,
    /// The MQTT broker address nodes are provisioned with (`mqtt://host:port`).
    pub broker_url: String,
    /// Answer each server function with a `Server-Timing` header of its database work
    /// (`APP_HTTP__SERVER_TIMING`; tests and development only, see [`crate::call`]).
    pub server_timing: bool,
}

/// The request's state: the one way server code reads it. Missing only when code meant for a
/// request runs outside one, which is a bug: an internal error, never a panic or an empty value.
#[track_caller]
pub fn state() -> Result<AppState, crate::error::AppError> {
    match leptos::prelude::use_context::<AppState>() {
        Some(state) => Ok(state),
        None => Err(crate::error::AppError::internal("AppState missing from the request context")),
    }
}

/// The installation's time zone, from the request's state.
pub fn default_time_zone() -> Result<chrono_tz::Tz, crate::error::AppError> {
    Ok(state()?.time_zone)
}

impl FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> Self {
        state.leptos_options.clone()
    }
}
