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
}

/// The installation's time zone name, from the request's state (Buenos Aires outside a request).
pub fn default_time_zone() -> String {
    leptos::prelude::use_context::<AppState>().map_or_else(
        || chrono_tz::America::Argentina::Buenos_Aires.name().to_owned(),
        |s| s.time_zone.name().to_owned(),
    )
}

impl FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> Self {
        state.leptos_options.clone()
    }
}
