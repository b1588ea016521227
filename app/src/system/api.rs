//! Server functions of the `system` domain.

use leptos::prelude::*;
use shared::system::SystemStatus;

use crate::error::AppError;

/// The status page's data: health, counters and the last messages, checked now.
#[server(prefix = "/api/system", endpoint = "get_system_status")]
pub async fn get_system_status() -> Result<SystemStatus, AppError> {
    let state = expect_context::<crate::state::AppState>();
    Ok(crate::system::monitor::current_status(&state).await)
}
