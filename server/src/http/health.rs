//! `GET /health`: checks PostgreSQL (a live `SELECT 1`) and the broker (the server's MQTT
//! client is connected). 200 when both work, 503 otherwise, with a JSON body saying which,
//! so a load balancer can take a broken server out of rotation.

use app::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::Serialize;
use shared::system::Health;

/// The `/health` body.
#[derive(Debug, Serialize)]
pub struct HealthReport {
    /// `ok` or `degraded`.
    pub status: &'static str,
    /// PostgreSQL.
    pub database: Health,
    /// The MQTT broker.
    pub broker: Health,
    /// The server's version.
    pub version: &'static str,
}

/// Answers `/health`.
pub async fn health(State(state): State<AppState>) -> (StatusCode, Json<HealthReport>) {
    let database = app::db::check_database(&state.pool).await;
    state.monitor.set_database(database.clone());
    let broker = state.monitor.snapshot(false).broker;
    let ok = database.is_ok() && broker.is_ok();
    let report = HealthReport {
        status: if ok { "ok" } else { "degraded" },
        database,
        broker,
        version: env!("CARGO_PKG_VERSION"),
    };
    let code = if ok { StatusCode::OK } else { StatusCode::SERVICE_UNAVAILABLE };
    (code, Json(report))
}
