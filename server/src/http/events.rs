//! `GET /api/system/events`: the status page's live stream (server-sent events). Each event's
//! data is a JSON `shared::system::StatusEvent`: a full snapshot first, then every message the
//! server receives and a summary every [`SUMMARY_EVERY`]. Only for operator sessions. Streams end when the server starts
//! shutting down, so open pages never hold a shutdown up.

use std::convert::Infallible;
use std::time::Duration;

use app::state::AppState;
use axum::Extension;
use axum::extract::State;
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use futures::Stream;
use futures::StreamExt;
use shared::system::StatusEvent;
use tokio_stream::wrappers::{BroadcastStream, IntervalStream};
use tokio_util::sync::CancellationToken;

use super::Draining;

/// How often counters and health are pushed: often enough to look live, rare enough that a
/// hundred open pages cost nothing.
pub const SUMMARY_EVERY: Duration = Duration::from_secs(2);

/// Streams status events to one operator's page until it goes away; anyone else gets 401.
pub async fn system_events(
    State(state): State<AppState>,
    Extension(Draining(draining)): Extension<Draining>,
    headers: http::HeaderMap,
) -> Response {
    match app::tenancy::auth::is_operator_request(&state.pool, &headers).await {
        Ok(true) => stream(&state, draining).into_response(),
        // Visitors and members alike: only the operator has this stream.
        Ok(false) => (http::StatusCode::UNAUTHORIZED, "Solo el operador de la plataforma.").into_response(),
        Err(e) => e.into_response(),
    }
}

fn stream(state: &AppState, draining: CancellationToken) -> Sse<impl Stream<Item = Result<Event, Infallible>> + use<>> {
    let monitor = state.monitor.clone();
    // Subscribe before taking the snapshot: a message arriving in between is in both, and the
    // page skips the copy by its sequence number; none falls in a gap.
    let subscription = monitor.subscribe();
    let snapshot = futures::stream::once(std::future::ready(StatusEvent::Snapshot(monitor.snapshot(true))));
    let messages = BroadcastStream::new(subscription)
        // A page that lagged behind skips what it missed; the next summary catches it up.
        .filter_map(|item| async move { item.ok() })
        .filter(|event| std::future::ready(matches!(event, StatusEvent::Message(_))));
    let mut every = tokio::time::interval(SUMMARY_EVERY);
    every.reset(); // the snapshot stands for the first summary
    let summaries = IntervalStream::new(every).map(move |_| StatusEvent::Summary(monitor.snapshot(false)));
    let live = futures::stream::select(summaries, messages);
    let stream = snapshot.chain(live).take_until(draining.cancelled_owned()).map(|event| {
        Ok(match serde_json::to_string(&event) {
            Ok(json) => Event::default().data(json),
            Err(e) => Event::default().comment(format!("serialization failed: {e}")),
        })
    });
    Sse::new(stream).keep_alive(KeepAlive::default())
}
