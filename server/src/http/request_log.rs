//! One log line per request, at its end: `request` with the request id (also sent back as
//! `x-request-id`, so a person can quote it), method, path, status and duration. Every line the
//! request's own code logs carries the same id, through the `request` span. Health checks (load
//! balancers poll them) log at DEBUG; answers of 500 and above at ERROR; the rest at INFO. The
//! event stream's duration is the time to its first byte, not the life of the stream.
//! What is logged where: `docs/LOGGING.md`.

use std::time::Instant;

use axum::extract::Request;
use axum::middleware::Next;
use axum::response::Response;
use http::HeaderValue;
use tracing::Instrument;

/// The response header carrying the request id.
pub const REQUEST_ID_HEADER: &str = "x-request-id";

/// The middleware (`axum::middleware::from_fn(log_request)`). The id is always made here, never
/// taken from the client, so a log line cannot be made to look like another request's.
pub async fn log_request(request: Request, next: Next) -> Response {
    let id = format!("{:016x}", rand::random::<u64>());
    let method = request.method().clone();
    let path = request.uri().path().to_owned();
    let span = tracing::info_span!("request", id = %id, method = %method, path = %path);
    let started = Instant::now();
    let mut response = next.run(request).instrument(span.clone()).await;
    let status = response.status().as_u16();
    let duration_ms = started.elapsed().as_secs_f64() * 1000.0;
    span.in_scope(|| {
        if status >= 500 {
            tracing::error!(status, duration_ms, "request");
        } else if path == "/health" {
            tracing::debug!(status, duration_ms, "request");
        } else {
            tracing::info!(status, duration_ms, "request");
        }
    });
    if let Ok(value) = HeaderValue::from_str(&id) {
        response.headers_mut().insert(REQUEST_ID_HEADER, value);
    }
    response
}
