//! Server functions of the `system` domain.

use leptos::prelude::*;
use shared::system::SystemStatus;

use crate::error::AppError;

/// The status page's data (the platform operator only): health, counters and the last messages, checked now. With
/// `topic_filter` (an MQTT filter such as `carniceria/#`), only the messages it matches.
#[server(prefix = "/api/system", endpoint = "get_system_status")]
pub async fn get_system_status(topic_filter: Option<String>) -> Result<SystemStatus, AppError> {
    crate::call::as_operator(async |_, _| Ok(())).await?;
    let filter = shared::mqtt_topic::parse_optional_filter(topic_filter.as_deref().unwrap_or_default())
        .map_err(|e| AppError::invalid("topico", e))?;
    let state = crate::state::state()?;
    // After the guard's transaction: the status checks the database on a connection of its own,
    // as `/health` does, so a busy pool shows on the page.
    let mut status = crate::system::monitor::current_status(&state).await;
    if let Some(filter) = filter {
        status.recent.retain(|m| shared::mqtt_topic::matches(filter, &m.topic));
    }
    Ok(status)
}
