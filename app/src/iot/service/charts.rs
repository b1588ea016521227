//! A device's charts over a range, from the rollups, with time labels in the business' zone.

use chrono::{DateTime, Utc};
use diesel_async::AsyncPgConnection;
use shared::iot::dto::{ChartPoint, ChartRange, ChartSeries};
use shared::iot::sensor::{SensorKind, to_f64};

use crate::error::AppError;
use crate::iot::db::devices::Device;
use crate::iot::db::readings::{self, Latest};
use crate::tenancy::auth::TenantScope;

/// Charts of every sensor the device reported (relays included), over `range`.
pub async fn charts(
    conn: &mut AsyncPgConnection,
    scope: &TenantScope,
    uid: &str,
    range: ChartRange,
) -> Result<Vec<ChartSeries>, AppError> {
    let device = Device::find(conn, scope, uid).await?.ok_or_else(|| AppError::NotFound.reply())?;
    let sensors = Latest::of_devices(conn, &[device.id]).await?;
    let step = range.step_seconds();
    // Align the window to whole buckets so the points do not shift between refreshes.
    let now = Utc::now().timestamp();
    let end = (now.div_euclid(step) + 1) * step;
    let start = end - range.seconds();
    let from = DateTime::from_timestamp(start, 0).ok_or_else(|| AppError::internal("time out of range"))?;
    let to = DateTime::from_timestamp(end, 0).ok_or_else(|| AppError::internal("time out of range"))?;
    let tz = scope.time_zone();
    let ticks = ticks(from, range, tz);
    let mut out = Vec::new();
    for s in sensors {
        let Some(kind) = SensorKind::from_id(s.kind) else { continue };
        let step_i32 = i32::try_from(step).unwrap_or(i32::MAX);
        let buckets =
            readings::series(conn, device.id, s.kind, s.channel, from, to, step_i32, range.uses_hours()).await?;
        let readings_count = buckets.iter().map(|b| b.n).sum();
        let points = buckets
            .iter()
            .filter(|b| b.n > 0)
            .map(|b| ChartPoint {
                x: (b.bucket - from).num_seconds(),
                avg: to_f64(kind, b.total as f64 / b.n as f64),
                min: to_f64(kind, f64::from(b.min_value)),
                max: to_f64(kind, f64::from(b.max_value)),
            })
            .collect();
        out.push(ChartSeries {
            kind,
            channel: u8::try_from(s.channel).unwrap_or(0),
            title: format!("{} {}", kind.label(), s.channel + 1),
            unit: kind.unit().to_owned(),
            span: range.seconds(),
            points,
            ticks: ticks.clone(),
            readings: readings_count,
        });
    }
    Ok(out)
}

/// Five or six x-axis labels in the business' time zone.
fn ticks(from: DateTime<Utc>, range: ChartRange, zone: chrono_tz::Tz) -> Vec<(i64, String)> {
    let every = match range {
        ChartRange::Hour => 600,
        ChartRange::Day => 4 * 3600,
        ChartRange::Week => 86_400,
        ChartRange::Month => 5 * 86_400,
    };
    let format = if matches!(range, ChartRange::Hour | ChartRange::Day) { "%H:%M" } else { "%d/%m" };
    let start = from.timestamp();
    let first = (start.div_euclid(every) + 1) * every;
    (0..)
        .map(|i| first + i * every)
        .take_while(|t| *t < start + range.seconds())
        .filter_map(|t| {
            DateTime::from_timestamp(t, 0).map(|at| (t - start, at.with_timezone(&zone).format(format).to_string()))
        })
        .collect()
}
