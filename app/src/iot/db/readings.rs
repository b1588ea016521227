//! Reading the readings back: the latest value of each sensor, chart series (from the hour
//! and minute rollups where they are complete, raw readings after that) and export windows.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Bool, Integer, Interval, SmallInt, Timestamptz};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use shared::ids::DeviceId;

use crate::schema::device_latest;

/// A sensor's latest value.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = device_latest)]
pub struct Latest {
    /// Device.
    pub device_id: DeviceId,
    /// Sensor kind id.
    pub kind: i16,
    /// Channel.
    pub channel: i16,
    /// Value.
    pub value: i32,
    /// Node time.
    pub at: DateTime<Utc>,
}

impl Latest {
    /// Latest values of `device_ids` (the caller's transaction has entered the business).
    pub async fn of_devices(conn: &mut AsyncPgConnection, device_ids: &[DeviceId]) -> QueryResult<Vec<Self>> {
        device_latest::table
            .filter(device_latest::device_id.eq_any(device_ids))
            .order((device_latest::device_id, device_latest::kind, device_latest::channel))
            .select(Self::as_select())
            .load(conn)
            .await
    }
}

/// One chart bucket.
#[derive(Debug, Clone, QueryableByName)]
pub struct Bucket {
    /// Bucket start.
    #[diesel(sql_type = Timestamptz)]
    pub bucket: DateTime<Utc>,
    /// Readings in it.
    #[diesel(sql_type = BigInt)]
    pub n: i64,
    /// Their sum.
    #[diesel(sql_type = BigInt)]
    pub total: i64,
    /// Smallest.
    #[diesel(sql_type = Integer)]
    pub min_value: i32,
    /// Largest.
    #[diesel(sql_type = Integer)]
    pub max_value: i32,
}

/// One sensor's buckets of `step_secs` over `[from, to)`. Hours come from `reading_hours`
/// (when `use_hours`), minutes from `reading_minutes`, both only up to where the rollup job
/// has got; raw readings cover the rest, so the newest bucket is always current.
#[expect(clippy::too_many_arguments, reason = "one query's parameters")]
pub async fn series(
    conn: &mut AsyncPgConnection,
    device_id: DeviceId,
    kind: i16,
    channel: i16,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    step_secs: i32,
    use_hours: bool,
) -> QueryResult<Vec<Bucket>> {
    let step = diesel::data_types::PgInterval::from_microseconds(i64::from(step_secs) * 1_000_000);
    diesel::sql_query(
        "WITH p AS (SELECT minutes_until, hours_until FROM reading_rollup_progress WHERE id = 1), \
         s AS ( \
           SELECT h.bucket AS b, h.n::int8 AS n, h.total, h.min_value AS mn, h.max_value AS mx \
             FROM reading_hours h, p \
            WHERE $7 AND h.device_id = $1 AND h.kind = $2 AND h.channel = $3 \
              AND h.bucket >= $4 AND h.bucket < least($5, p.hours_until) \
           UNION ALL \
           SELECT m.bucket, m.n::int8, m.total, m.min_value, m.max_value \
             FROM reading_minutes m, p \
            WHERE m.device_id = $1 AND m.kind = $2 AND m.channel = $3 \
              AND m.bucket >= CASE WHEN $7 THEN greatest($4, p.hours_until) ELSE $4 END \
              AND m.bucket < least($5, p.minutes_until) \
           UNION ALL \
           SELECT date_bin($6, r.at, $4), count(*), sum(r.value)::int8, min(r.value), max(r.value) \
             FROM readings r, p \
            WHERE r.device_id = $1 AND r.kind = $2 AND r.channel = $3 \
              AND r.at >= greatest($4, p.minutes_until) AND r.at < $5 \
            GROUP BY 1 \
         ) \
         SELECT date_bin($6, b, $4) AS bucket, sum(n)::int8 AS n, sum(total)::int8 AS total, \
                min(mn) AS min_value, max(mx) AS max_value \
           FROM s GROUP BY 1 ORDER BY 1",
    )
    .bind::<BigInt, _>(device_id)
    .bind::<SmallInt, _>(kind)
    .bind::<SmallInt, _>(channel)
    .bind::<Timestamptz, _>(from)
    .bind::<Timestamptz, _>(to)
    .bind::<Interval, _>(step)
    .bind::<Bool, _>(use_hours)
    .load(conn)
    .await
}

/// One exported reading.
#[derive(Debug, Clone, QueryableByName)]
pub struct ExportRow {
    /// Sensor kind id.
    #[diesel(sql_type = SmallInt)]
    pub kind: i16,
    /// Channel.
    #[diesel(sql_type = SmallInt)]
    pub channel: i16,
    /// Node time.
    #[diesel(sql_type = Timestamptz)]
    pub at: DateTime<Utc>,
    /// Value.
    #[diesel(sql_type = Integer)]
    pub value: i32,
}

/// A device's readings in `[from, to)`, in time order (the export reads an hour at a time, so
/// memory stays flat whatever the range).
pub async fn window(
    conn: &mut AsyncPgConnection,
    device_id: DeviceId,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> QueryResult<Vec<ExportRow>> {
    diesel::sql_query(
        "SELECT kind, channel, at, value FROM readings \
          WHERE device_id = $1 AND at >= $2 AND at < $3 ORDER BY at, kind, channel",
    )
    .bind::<BigInt, _>(device_id)
    .bind::<Timestamptz, _>(from)
    .bind::<Timestamptz, _>(to)
    .load(conn)
    .await
}
