//! Upkeep of the readings: daily partitions made ahead and dropped after the retention, and
//! the minute and hour rollups (complete minutes up to [`ROLLUP_LAG_SECS`] ago, then any
//! minute a late reading landed in, then complete hours from the minutes). One server does each
//! round: the progress row is taken with `FOR UPDATE SKIP LOCKED`.

use chrono::{DateTime, Utc};
use diesel::sql_types::{Array, BigInt, Integer, SmallInt, Timestamptz};
use diesel::{OptionalExtension, QueryResult};
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};

/// Minutes are rolled up once they are this old. Readings older than [`LATE_AFTER_SECS`] when
/// they arrive mark their minute for a second pass instead, and an ingest transaction never
/// lasts 30 s: so no reading can slip between the two.
pub const ROLLUP_LAG_SECS: i64 = 300;

/// Readings older than this on arrival are "late" (see [`ROLLUP_LAG_SECS`]).
pub const LATE_AFTER_SECS: i64 = 90;

/// A rollup row is always recomputed whole from its source, so a conflict replaces it. (A
/// macro: `concat!` needs a literal.)
macro_rules! replace_bucket {
    () => {
        " ON CONFLICT (device_id, kind, channel, bucket) DO UPDATE SET n = excluded.n, \
         total = excluded.total, min_value = excluded.min_value, max_value = excluded.max_value"
    };
}

/// Most minutes rolled in one round, so catching up after downtime stays in small steps.
const MAX_MINUTES_PER_ROUND: i64 = 120;

/// Makes partitions `ahead_days` ahead, drops those older than `retention_days`; returns how
/// many changed.
pub async fn prepare_partitions(
    conn: &mut AsyncPgConnection,
    ahead_days: i32,
    retention_days: i32,
) -> QueryResult<i32> {
    #[derive(diesel::QueryableByName)]
    struct Changed {
        #[diesel(sql_type = Integer)]
        changed: i32,
    }
    let row: Changed = diesel::sql_query("SELECT iot_prepare_partitions($1, $2) AS changed")
        .bind::<Integer, _>(ahead_days)
        .bind::<Integer, _>(retention_days)
        .get_result(conn)
        .await?;
    Ok(row.changed)
}

/// What a rollup round did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct RollupRound {
    /// Minute rows written.
    pub minutes: usize,
    /// Late minutes recomputed.
    pub late: usize,
    /// Hour rows written.
    pub hours: usize,
}

#[derive(diesel::QueryableByName)]
struct Dirty {
    #[diesel(sql_type = BigInt)]
    device_id: i64,
    #[diesel(sql_type = SmallInt)]
    kind: i16,
    #[diesel(sql_type = SmallInt)]
    channel: i16,
    #[diesel(sql_type = Timestamptz)]
    bucket: DateTime<Utc>,
}

#[derive(diesel::QueryableByName)]
struct Progress {
    #[diesel(sql_type = Timestamptz)]
    minutes_until: DateTime<Utc>,
    #[diesel(sql_type = Timestamptz)]
    hours_until: DateTime<Utc>,
}

/// One rollup round (system context); `None` if another server is doing one.
pub async fn roll_up(conn: &mut AsyncPgConnection, retention_days: i32) -> QueryResult<Option<RollupRound>> {
    conn.transaction::<_, diesel::result::Error, _>(async |conn| {
        crate::rls::enter_system(conn).await?;
        let progress: Option<Progress> = diesel::sql_query(
            "SELECT minutes_until, hours_until FROM reading_rollup_progress WHERE id = 1 FOR UPDATE SKIP LOCKED",
        )
        .get_result(conn)
        .await
        .optional()?;
        let Some(progress) = progress else { return Ok(None) };
        let mut round = RollupRound::default();

        // 1. Complete minutes since the last round.
        let target: DateTime<Utc> = {
            let lag = chrono::Duration::seconds(ROLLUP_LAG_SECS);
            let now = Utc::now() - lag;
            let capped = progress.minutes_until + chrono::Duration::minutes(MAX_MINUTES_PER_ROUND);
            truncate(now.min(capped), 60)
        };
        let mut minutes_until = progress.minutes_until;
        if target > progress.minutes_until {
            round.minutes = diesel::sql_query(concat!(
                "INSERT INTO reading_minutes (tenant_id, device_id, kind, channel, bucket, n, total, min_value, max_value) \
                 SELECT tenant_id, device_id, kind, channel, date_trunc('minute', at), count(*), sum(value), min(value), max(value) \
                   FROM readings WHERE at >= $1 AND at < $2 GROUP BY 1, 2, 3, 4, 5",
                replace_bucket!()
            ),
            )
            .bind::<Timestamptz, _>(progress.minutes_until)
            .bind::<Timestamptz, _>(target)
            .execute(conn)
            .await?;
            minutes_until = target;
        }

        // 2. Minutes that got late readings after they were rolled: recompute them whole,
        //    then the hours they belong to.
        let dirty: Vec<Dirty> = diesel::sql_query(
            "DELETE FROM reading_rollup_dirty WHERE ctid IN \
               (SELECT ctid FROM reading_rollup_dirty WHERE bucket < $1 LIMIT 5000) \
             RETURNING device_id, kind, channel, bucket",
        )
        .bind::<Timestamptz, _>(minutes_until)
        .load(conn)
        .await?;
        if !dirty.is_empty() {
            let devices: Vec<i64> = dirty.iter().map(|d| d.device_id).collect();
            let kinds: Vec<i16> = dirty.iter().map(|d| d.kind).collect();
            let channels: Vec<i16> = dirty.iter().map(|d| d.channel).collect();
            let buckets: Vec<DateTime<Utc>> = dirty.iter().map(|d| d.bucket).collect();
            round.late = diesel::sql_query(concat!(
                "WITH l AS (SELECT * FROM unnest($1::int8[], $2::int2[], $3::int2[], $4::timestamptz[]) \
                              AS l(device_id, kind, channel, bucket)) \
                 INSERT INTO reading_minutes (tenant_id, device_id, kind, channel, bucket, n, total, min_value, max_value) \
                 SELECT r.tenant_id, l.device_id, l.kind, l.channel, l.bucket, count(*), sum(r.value), min(r.value), max(r.value) \
                   FROM l JOIN readings r ON r.device_id = l.device_id AND r.kind = l.kind AND r.channel = l.channel \
                    AND r.at >= l.bucket AND r.at < l.bucket + interval '1 minute' \
                  GROUP BY 1, 2, 3, 4, 5",
                replace_bucket!()
            ),
            )
            .bind::<Array<BigInt>, _>(&devices)
            .bind::<Array<SmallInt>, _>(&kinds)
            .bind::<Array<SmallInt>, _>(&channels)
            .bind::<Array<Timestamptz>, _>(&buckets)
            .execute(conn)
            .await?;
            diesel::sql_query(concat!(
                "WITH h AS (SELECT DISTINCT device_id, kind, channel, date_trunc('hour', bucket) AS hour \
                              FROM unnest($1::int8[], $2::int2[], $3::int2[], $4::timestamptz[]) \
                                   AS l(device_id, kind, channel, bucket) \
                             WHERE date_trunc('hour', bucket) < $5) \
                 INSERT INTO reading_hours (tenant_id, device_id, kind, channel, bucket, n, total, min_value, max_value) \
                 SELECT m.tenant_id, h.device_id, h.kind, h.channel, h.hour, sum(m.n), sum(m.total), \
                        min(m.min_value), max(m.max_value) \
                   FROM h JOIN reading_minutes m ON m.device_id = h.device_id AND m.kind = h.kind \
                    AND m.channel = h.channel AND m.bucket >= h.hour AND m.bucket < h.hour + interval '1 hour' \
                  GROUP BY 1, 2, 3, 4, 5",
                replace_bucket!()
            ),
            )
            .bind::<Array<BigInt>, _>(&devices)
            .bind::<Array<SmallInt>, _>(&kinds)
            .bind::<Array<SmallInt>, _>(&channels)
            .bind::<Array<Timestamptz>, _>(&buckets)
            .bind::<Timestamptz, _>(progress.hours_until)
            .execute(conn)
            .await?;
        }

        // 3. Complete hours from their minutes.
        let hours_target = truncate(minutes_until, 3600);
        let mut hours_until = progress.hours_until;
        if hours_target > progress.hours_until {
            round.hours = diesel::sql_query(concat!(
                "INSERT INTO reading_hours (tenant_id, device_id, kind, channel, bucket, n, total, min_value, max_value) \
                 SELECT tenant_id, device_id, kind, channel, date_trunc('hour', bucket), sum(n), sum(total), \
                        min(min_value), max(max_value) \
                   FROM reading_minutes WHERE bucket >= $1 AND bucket < $2 GROUP BY 1, 2, 3, 4, 5",
                replace_bucket!()
            ),
            )
            .bind::<Timestamptz, _>(progress.hours_until)
            .bind::<Timestamptz, _>(hours_target)
            .execute(conn)
            .await?;
            hours_until = hours_target;
        }
        diesel::sql_query("UPDATE reading_rollup_progress SET minutes_until = $1, hours_until = $2 WHERE id = 1")
            .bind::<Timestamptz, _>(minutes_until)
            .bind::<Timestamptz, _>(hours_until)
            .execute(conn)
            .await?;
        // Rollups older than the retention go with their partitions.
        diesel::sql_query("DELETE FROM reading_minutes WHERE bucket < now() - make_interval(days => $1)")
        .bind::<Integer, _>(retention_days)
        .execute(conn)
        .await?;
        diesel::sql_query("DELETE FROM reading_hours WHERE bucket < now() - make_interval(days => $1)")
            .bind::<Integer, _>(retention_days)
            .execute(conn)
            .await?;
        Ok(Some(round))
    })
    .await
}

fn truncate(at: DateTime<Utc>, secs: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(at.timestamp().div_euclid(secs) * secs, 0).unwrap_or(at)
}
