//! `GET /api/iot/export?device=UID&range=24h&format=csv|json` (or `from`/`to` as RFC 3339
//! instead of `range`): a device's readings streamed as CSV or JSON, an hour at a time, each
//! hour read in its own short transaction inside the business (memory stays flat whatever the
//! range). Needs `DevicesView`.

use app::error::AppError;
use app::iot::db::devices::Device;
use app::iot::db::readings;
use app::state::AppState;
use app::tenancy::auth::TenantScope;
use axum::body::Body;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Duration, Utc};
use diesel_async::AsyncConnection;
use futures::StreamExt;
use http::{HeaderValue, StatusCode, header};
use shared::format::fixed_plain;
use shared::ids::DeviceId;
use shared::iot::dto::ChartRange;
use shared::iot::sensor::SensorKind;
use shared::tenancy::Permission;

/// The path.
pub const EXPORT_URL: &str = "/api/iot/export";

/// Longest range one export may cover.
const MAX_DAYS: i64 = 400;

/// Query parameters.
#[derive(Debug, serde::Deserialize)]
pub struct ExportQuery {
    device: String,
    range: Option<String>,
    from: Option<String>,
    to: Option<String>,
    format: Option<String>,
}

/// The handler.
pub async fn export(State(state): State<AppState>, headers: http::HeaderMap, Query(q): Query<ExportQuery>) -> Response {
    prepare(&state, &headers, &q).await.into_response()
}

async fn prepare(state: &AppState, headers: &http::HeaderMap, q: &ExportQuery) -> Result<Response, AppError> {
    let scope = app::tenancy::auth::require_from_headers(&state.pool, headers, Permission::DevicesView).await?;
    let json = match q.format.as_deref().unwrap_or("csv") {
        "csv" => false,
        "json" => true,
        _ => return Err(AppError::invalid("format", "El formato es csv o json.")),
    };
    let (from, to) = range(q)?;
    let device = {
        let mut conn = state.pool.get().await.map_err(|e| AppError::unavailable(e))?;
        conn.transaction::<_, AppError, _>(async |conn| {
            scope.enter(conn).await?;
            Ok(Device::find(conn, &scope, &q.device).await?)
        })
        .await?
        .ok_or(AppError::NotFound)?
    };
    let tz = scope.time_zone();
    let name = format!("{}-{}.{}", device.uid, from.format("%Y%m%d%H%M"), if json { "json" } else { "csv" });
    let stream = rows(state.pool.clone(), scope, device.id, from, to, json, tz);
    let mut response = Response::new(Body::from_stream(stream));
    let content_type = if json { "application/json" } else { "text/csv; charset=utf-8" };
    response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{name}\"")) {
        response.headers_mut().insert(header::CONTENT_DISPOSITION, v);
    }
    *response.status_mut() = StatusCode::OK;
    Ok(response)
}

fn range(q: &ExportQuery) -> Result<(DateTime<Utc>, DateTime<Utc>), AppError> {
    let parse = |s: &str, field: &str| {
        DateTime::parse_from_rfc3339(s)
            .map(|d| d.with_timezone(&Utc))
            .map_err(|_| AppError::invalid(field, "Fecha inválida (formato 2026-11-24T10:00:00-03:00)."))
    };
    let now = Utc::now();
    let (from, to) = match (&q.from, &q.to, &q.range) {
        (Some(f), Some(t), _) => (parse(f, "from")?, parse(t, "to")?),
        (Some(f), None, _) => (parse(f, "from")?, now),
        (None, _, r) => {
            let range = ChartRange::from_code(r.as_deref().unwrap_or("24h"))
                .ok_or_else(|| AppError::invalid("range", "Rango desconocido."))?;
            (now - Duration::seconds(range.seconds()), now)
        }
    };
    if to <= from {
        return Err(AppError::invalid("to", "El final tiene que ser posterior al comienzo."));
    }
    if to - from > Duration::days(MAX_DAYS) {
        return Err(AppError::invalid("from", format!("Se exportan hasta {MAX_DAYS} días por vez.")));
    }
    Ok((from, to))
}

type Chunk = Result<bytes::Bytes, std::io::Error>;

fn rows(
    pool: app::db::DbPool,
    scope: TenantScope,
    device_id: DeviceId,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    json: bool,
    tz: chrono_tz::Tz,
) -> impl futures::Stream<Item = Chunk> + Send {
    let header = if json { "[".to_owned() } else { "fecha_hora,sensor,canal,valor,unidad\n".to_owned() };
    let windows = futures::stream::unfold((from, true), move |(start, first)| {
        let (pool, scope) = (pool.clone(), scope.clone());
        async move {
            if start >= to {
                return None;
            }
            let end = (start + Duration::hours(1)).min(to);
            let batch = async {
                let mut conn = pool.get().await.map_err(std::io::Error::other)?;
                conn.transaction::<_, diesel::result::Error, _>(async |conn| {
                    scope.enter(conn).await?;
                    readings::window(conn, device_id, start, end).await
                })
                .await
                .map_err(std::io::Error::other)
            }
            .await;
            let chunk = batch.map(|rows| {
                let mut out = String::with_capacity(rows.len() * 48);
                let mut first = first;
                for r in rows {
                    let Some(kind) = SensorKind::from_id(r.kind) else { continue };
                    let at = r.at.with_timezone(&tz).to_rfc3339();
                    let value = fixed_plain(r.value, kind.decimals());
                    if json {
                        if !first {
                            out.push(',');
                        }
                        out.push_str(&format!(
                            "\n{{\"at\":\"{at}\",\"sensor\":\"{}\",\"channel\":{},\"value\":{value},\"unit\":\"{}\"}}",
                            kind.code(),
                            r.channel,
                            kind.unit()
                        ));
                    } else {
                        out.push_str(&format!("{at},{},{},{value},{}\n", kind.code(), r.channel, kind.unit()));
                    }
                    first = false;
                }
                (out, first)
            });
            match chunk {
                Ok((text, still_first)) => Some((Ok(bytes::Bytes::from(text)), (end, still_first))),
                // The stream ends with an error: the download is cut short, never silently partial.
                Err(e) => Some((Err(e), (to, first))),
            }
        }
    });
    let footer = if json { "\n]\n" } else { "" };
    futures::stream::once(async move { Ok(bytes::Bytes::from(header)) })
        .chain(windows)
        .chain(futures::stream::once(async move { Ok(bytes::Bytes::from(footer)) }))
}
