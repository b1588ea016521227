//! Upkeep of the readings: daily partitions made ahead and dropped after the retention, and
//! the minute and hour rollups (complete minutes up to [`ROLLUP_LAG_SECS`] ago, then any
//! minute a late reading landed in, then complete hours from the minutes). One server does each
//! round: the progress row is taken with `FOR UPDATE SKIP LOCKED`.

use chrono::{DateTime, Utc};
use diesel::sql_types::{Array, BigInt, Integer, SmallInt, Timestamptz};
use diesel::{OptionalExtension, QueryResult};
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use shared::ids::DeviceId;

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
    use diesel_async::AsyncConnection;
    // Adding or dropping a partition waits for the ingest's transactions on `readings`: longer
    // than the pool's 5 s lock timeout may allow on a busy server, so this one waits up to 60 s.
    conn.transaction::<_, diesel::result::Error, _>(async |conn| {
        diesel::sql_query("SET LOCAL lock_timeout = '60s'").execute(conn).await?;
        let row: Changed = diesel::sql_query("SELECT iot_prepare_partitions($1, $2) AS changed")
            .bind::<Integer, _>(ahead_days)
            .bind::<Integer, _>(retention_days)
            .get_result(conn)
            .await?;
        Ok(row.changed)
    })
    .await
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
    device_id: DeviceId,
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
        let (minutes, minutes_until) = roll_minutes(conn, progress.minutes_until).await?;
        round.minutes = minutes;
        round.late = roll_late(conn, minutes_until, progress.hours_until).await?;
        let (hours, hours_until) = roll_hours(conn, progress.hours_until, minutes_until).await?;
        round.hours = hours;
        diesel::sql_query("UPDATE reading_rollup_progress SET minutes_until = $1, hours_until = $2 WHERE id = 1")
            .bind::<Timestamptz, _>(minutes_until)
            .bind::<Timestamptz, _>(hours_until)
            .execute(conn)
            .await?;
        // Rollups older than the retention go with their partitions.
        for expired in [
            "DELETE FROM reading_minutes WHERE bucket < now() - make_interval(days => $1)",
            "DELETE FROM reading_hours WHERE bucket < now() - make_interval(days => $1)",
        ] {
            diesel::sql_query(expired).bind::<Integer, _>(retention_days).execute(conn).await?;
        }
        Ok(Some(round))
    })
    .await
}

/// Step 1: the complete minutes since `from` (at most [`MAX_MINUTES_PER_ROUND`]); returns the
/// rows written and the new end of the rolled minutes.
async fn roll_minutes(conn: &mut AsyncPgConnection, from: DateTime<Utc>) -> QueryResult<(usize, DateTime<Utc>)> {
    let now = Utc::now() - chrono::Duration::seconds(ROLLUP_LAG_SECS);
    let capped = from + chrono::Duration::minutes(MAX_MINUTES_PER_ROUND);
    let target = truncate(now.min(capped), 60);
    if target <= from {
        return Ok((0, from));
    }
    let rows = diesel::sql_query(concat!(include_str!("sql/rollup_minutes.sql"), replace_bucket!()))
        .bind::<Timestamptz, _>(from)
        .bind::<Timestamptz, _>(target)
        .execute(conn)
        .await?;
    Ok((rows, target))
}

/// Step 2: minutes that got late readings after they were rolled (before `minutes_until`):
/// recomputed whole, then the hours (before `hours_until`) they belong to. Returns the minutes
/// rewritten.
async fn roll_late(
    conn: &mut AsyncPgConnection,
    minutes_until: DateTime<Utc>,
    hours_until: DateTime<Utc>,
) -> QueryResult<usize> {
    let dirty: Vec<Dirty> = diesel::sql_query(include_str!("sql/rollup_take_dirty.sql"))
        .bind::<Timestamptz, _>(minutes_until)
        .load(conn)
        .await?;
    if dirty.is_empty() {
        return Ok(0);
    }
    let devices: Vec<DeviceId> = dirty.iter().map(|d| d.device_id).collect();
    let kinds: Vec<i16> = dirty.iter().map(|d| d.kind).collect();
    let channels: Vec<i16> = dirty.iter().map(|d| d.channel).collect();
    let buckets: Vec<DateTime<Utc>> = dirty.iter().map(|d| d.bucket).collect();
    let late = diesel::sql_query(concat!(include_str!("sql/rollup_late_minutes.sql"), replace_bucket!()))
        .bind::<Array<BigInt>, _>(&devices)
        .bind::<Array<SmallInt>, _>(&kinds)
        .bind::<Array<SmallInt>, _>(&channels)
        .bind::<Array<Timestamptz>, _>(&buckets)
        .execute(conn)
        .await?;
    diesel::sql_query(concat!(include_str!("sql/rollup_late_hours.sql"), replace_bucket!()))
        .bind::<Array<BigInt>, _>(&devices)
        .bind::<Array<SmallInt>, _>(&kinds)
        .bind::<Array<SmallInt>, _>(&channels)
        .bind::<Array<Timestamptz>, _>(&buckets)
        .bind::<Timestamptz, _>(hours_until)
        .execute(conn)
        .await?;
    Ok(late)
}

/// Step 3: the complete hours from `from` up to the rolled minutes, from their minutes; returns
/// the rows written and the new end of the rolled hours.
async fn roll_hours(
    conn: &mut AsyncPgConnection,
    from: DateTime<Utc>,
    minutes_until: DateTime<Utc>,
) -> QueryResult<(usize, DateTime<Utc>)> {
    let target = truncate(minutes_until, 3600);
    if target <= from {
        return Ok((0, from));
    }
    let rows = diesel::sql_query(concat!(include_str!("sql/rollup_hours.sql"), replace_bucket!()))
        .bind::<Timestamptz, _>(from)
        .bind::<Timestamptz, _>(target)
        .execute(conn)
        .await?;
    Ok((rows, target))
}

fn truncate(at: DateTime<Utc>, secs: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(at.timestamp().div_euclid(secs) * secs, 0).unwrap_or(at)
}
