//! `GET /api/system/events`: the status page's live stream (server-sent events). Each event's
//! data is a JSON `shared::system::StatusEvent`: a summary first, then every message the server
//! receives and a fresh summary every [`SUMMARY_EVERY`].

use std::convert::Infallible;
use std::time::Duration;

use app::state::AppState;
use axum::extract::State;
use axum::response::sse::{Event, KeepAlive, Sse};
use futures::Stream;
use futures::StreamExt;
use shared::system::StatusEvent;
use tokio_stream::wrappers::{BroadcastStream, IntervalStream};

/// How often counters and health are pushed: often enough to look live, rare enough that a
/// hundred open pages cost nothing.
pub const SUMMARY_EVERY: Duration = Duration::from_secs(2);

/// Streams status events to one page until it goes away.
pub async fn system_events(State(state): State<AppState>) -> Sse<impl Stream<Item = Result<Event, Infallible>>> {
    let monitor = state.monitor.clone();
    let messages = BroadcastStream::new(monitor.subscribe())
        // A page that lagged behind skips what it missed; the next summary catches it up.
        .filter_map(|item| async move { item.ok() })
        .filter(|event| std::future::ready(matches!(event, StatusEvent::Message(_))));
    let summaries = IntervalStream::new(tokio::time::interval(SUMMARY_EVERY))
        .map(move |_| StatusEvent::Summary(monitor.snapshot(false)));
    let stream = futures::stream::select(summaries, messages).map(|event| {
        Ok(match serde_json::to_string(&event) {
            Ok(json) => Event::default().data(json),
            Err(e) => Event::default().comment(format!("serialization failed: {e}")),
        })
    });
    Sse::new(stream).keep_alive(KeepAlive::default())
}
