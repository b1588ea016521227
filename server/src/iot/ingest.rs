//! The ingest: frames from the MQTT link go, by device, to one of a few workers through
//! bounded queues (a full queue stops the link reading from the broker: back-pressure, not
//! memory). A worker takes whatever has queued up as one batch, checks each frame's MAC and
//! shape against the registry, writes the batch in one transaction and, once it is committed,
//! tells each node how far it may forget. A bad frame is counted against its device and
//! dropped; it never stops the batch. Content that cannot be stored is kept aside in the
//! quarantine (`app::iot::db::ingest`). A transaction PostgreSQL refuses for its data (a
//! permanent error, not a lost connection) is split in halves until the frames that cause it
//! stand alone; those are quarantined and the rest commits. Transient failures are retried with
//! back-off while the queue holds the rest; nothing is acknowledged that is not committed.

use shared::ids::DeviceId;
use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use app::db::DbPool;
use app::iot::db::ingest::{BatchOutcome, DeviceBatch, TimeLimits, VerifiedFrame, write_batch};
use app::iot::db::upkeep::LATE_AFTER_SECS;
use chrono::{DateTime, Utc};
use shared::iot::frame::{self, FrameError};
use shared::iot::wire::{Direction, Downlink, DownlinkFrame, PROTOCOL_VERSION, UplinkFrame, parse_topic, topic};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use super::registry::Registry;

/// Frames one worker takes at most per transaction (up to 16 000 readings).
pub const MAX_BATCH: usize = 2_000;

/// A frame as it came off the broker.
#[derive(Debug)]
pub struct RawFrame {
    /// Its topic.
    pub topic: String,
    /// Its bytes.
    pub payload: bytes::Bytes,
    /// When the link received it.
    pub received_at: DateTime<Utc>,
}

/// Counters of the ingest on this server (the status page and tests read them).
#[derive(Debug, Default)]
pub struct IngestStats {
    /// Frames taken off the broker.
    pub received: AtomicU64,
    /// Frames committed.
    pub committed_frames: AtomicU64,
    /// Readings committed.
    pub committed_readings: AtomicU64,
    /// Frames committed before (retries, replays).
    pub duplicates: AtomicU64,
    /// Frames from ids that are not devices, or revoked ones.
    pub unknown_device: AtomicU64,
    /// Frames whose MAC did not match.
    pub bad_mac: AtomicU64,
    /// Frames with a good MAC and bad content, or not frames at all.
    pub malformed: AtomicU64,
    /// Readings refused for their value or time.
    pub rejected_values: AtomicU64,
    /// Transactions committed.
    pub batches: AtomicU64,
    /// Transactions that failed (and were retried).
    pub failed_batches: AtomicU64,
    /// Acknowledgements not sent because the link's queue was full (the node resends).
    pub acks_dropped: AtomicU64,
    /// Frames kept in the quarantine (content that cannot be stored, or PostgreSQL refused).
    pub quarantined: AtomicU64,
    /// Frames PostgreSQL refused alone (a subset of `quarantined`).
    pub refused_by_database: AtomicU64,
    /// Frames not taken because their worker's queue was full (not acknowledged: the node
    /// resends them).
    pub queue_full: AtomicU64,
    /// Frames not stored because their device's key changed after the MAC check.
    pub stale_key: AtomicU64,
}

impl IngestStats {
    fn add(counter: &AtomicU64, n: u64) {
        counter.fetch_add(n, Ordering::Relaxed);
    }

    /// A counter's value.
    pub fn get(counter: &AtomicU64) -> u64 {
        counter.load(Ordering::Relaxed)
    }
}

/// Settings the workers share.
#[derive(Debug, Clone, Copy)]
pub struct IngestSettings {
    /// Days of readings kept.
    pub retention_days: i32,
    /// Days of partitions made ahead.
    pub ahead_days: i32,
}

impl IngestSettings {
    fn limits(self, now: DateTime<Utc>) -> TimeLimits {
        let midnight = |days: i64| {
            let d = now.date_naive() + chrono::Duration::days(days);
            d.and_hms_opt(0, 0, 0).map_or(now, |t| t.and_utc())
        };
        TimeLimits {
            earliest: midnight(1 - i64::from(self.retention_days)),
            // One day less than made: a partition always exists for what is accepted.
            latest: midnight(i64::from(self.ahead_days)),
            late_before: now - chrono::Duration::seconds(LATE_AFTER_SECS),
        }
    }
}

/// One worker: batches until its queue closes or `shutdown`.
pub async fn run_worker(
    mut queue: mpsc::Receiver<RawFrame>,
    registry: Arc<Registry>,
    pool: DbPool,
    downlinks: super::link::Downlinks,
    stats: Arc<IngestStats>,
    settings: IngestSettings,
    shutdown: CancellationToken,
) {
    let mut raw = Vec::with_capacity(MAX_BATCH);
    let mut logged = LogLimiter::default();
    loop {
        let n = tokio::select! {
            () = shutdown.cancelled() => return,
            n = queue.recv_many(&mut raw, MAX_BATCH) => n,
        };
        if n == 0 {
            return;
        }
        IngestStats::add(&stats.received, n as u64);
        let (uids, batches) = verify(&mut raw, &registry, &stats, &mut logged).await;
        if batches.is_empty() {
            continue;
        }
        let mut backoff = Duration::from_millis(200);
        let outcome = loop {
            match write(&pool, &batches, settings, &stats).await {
                Ok(outcome) => break outcome,
                Err(e) => {
                    IngestStats::add(&stats.failed_batches, 1);
                    tracing::warn!(error = %e, frames = n, "ingest batch failed (transient); retrying");
                    tokio::select! {
                        () = shutdown.cancelled() => return,
                        () = tokio::time::sleep(backoff) => {}
                    }
                    backoff = (backoff * 2).min(Duration::from_secs(5));
                }
            }
        };
        IngestStats::add(&stats.batches, 1);
        IngestStats::add(&stats.committed_frames, outcome.frames);
        IngestStats::add(&stats.committed_readings, outcome.readings);
        IngestStats::add(&stats.duplicates, outcome.duplicates);
        IngestStats::add(&stats.rejected_values, outcome.rejected_values);
        IngestStats::add(&stats.quarantined, outcome.quarantined);
        IngestStats::add(&stats.stale_key, outcome.stale_key);
        // Committed: now the nodes may forget.
        let uids: HashMap<DeviceId, &str> =
            batches.iter().zip(&uids).map(|(b, uid)| (b.device_id, uid.as_str())).collect();
        for (device_id, upto) in outcome.acks {
            let Some(uid) = uids.get(&device_id) else { continue };
            let Some(secret) = registry.cached(uid).and_then(|k| k.secret.clone()) else { continue };
            let ack = DownlinkFrame { v: PROTOCOL_VERSION, seq: upto, msg: Downlink::Committed };
            let Ok(payload) = frame::encode(&ack, &secret, Direction::Down, uid) else { continue };
            downlinks.send(topic(uid, Direction::Down), payload);
        }
    }
}

/// Why a batch could not be written.
#[derive(Debug, thiserror::Error)]
enum WriteError {
    /// No connection from the pool.
    #[error("no database connection: {0}")]
    Pool(#[from] diesel_async::pooled_connection::deadpool::PoolError),
    /// A database failure that is not about the data (retry the same batch).
    #[error("database: {0}")]
    Transient(diesel::result::Error),
}

async fn write(
    pool: &DbPool,
    batches: &[DeviceBatch],
    settings: IngestSettings,
    stats: &IngestStats,
) -> Result<BatchOutcome, WriteError> {
    let mut conn = pool.get().await?;
    write_isolating(&mut conn, batches, settings.limits(Utc::now()), stats).await
}

/// Writes `batches`; when PostgreSQL refuses them for their data, writes each half on its own
/// (earlier frames first, so each device's order holds), down to single frames, which are then
/// written as refused: kept in the quarantine with PostgreSQL's reason and acknowledged. Only
/// a refused batch is copied (to split it); the usual path writes `batches` as they are.
fn write_isolating<'a>(
    conn: &'a mut diesel_async::AsyncPgConnection,
    batches: &'a [DeviceBatch],
    limits: TimeLimits,
    stats: &'a IngestStats,
) -> std::pin::Pin<Box<dyn Future<Output = Result<BatchOutcome, WriteError>> + Send + 'a>> {
    Box::pin(async move {
        let error = match write_batch(conn, batches, limits).await {
            Ok(outcome) => return Ok(outcome),
            Err(e) if is_permanent(&e) => e,
            Err(e) => return Err(WriteError::Transient(e)),
        };
        let frames: usize = batches.iter().map(|b| b.frames.len()).sum();
        if frames <= 1 {
            let mut batches = batches.to_vec();
            let reason = format!("la base de datos rechazó el mensaje: {}", database_message(&error));
            tracing::warn!(error = %error, "a frame PostgreSQL refuses is kept in the quarantine");
            let mut any = false;
            for frame in batches.iter_mut().flat_map(|b| b.frames.iter_mut()) {
                frame.refused = Some(reason.clone());
                any = true;
            }
            // A batch with no frame (only refusal counters) cannot fail for its data: give up
            // on it as transient rather than loop.
            if !any {
                return Err(WriteError::Transient(error));
            }
            IngestStats::add(&stats.refused_by_database, 1);
            return write_batch(conn, &batches, limits).await.map_err(WriteError::Transient);
        }
        let (first, second) = split(batches, frames / 2);
        let mut outcome = write_isolating(conn, &first, limits, stats).await?;
        outcome.merge(write_isolating(conn, &second, limits, stats).await?);
        Ok(outcome)
    })
}

/// Splits `batches` after their first `at` frames (in order: device after device, as written).
/// A device's refusal counters stay with its first part.
fn split(batches: &[DeviceBatch], at: usize) -> (Vec<DeviceBatch>, Vec<DeviceBatch>) {
    let (mut first, mut second) = (Vec::new(), Vec::new());
    let mut left = at;
    for batch in batches {
        let mut batch = batch.clone();
        if left == 0 {
            second.push(batch);
        } else if batch.frames.len() <= left {
            left -= batch.frames.len();
            first.push(batch);
        } else {
            let rest = batch.frames.split_off(left);
            left = 0;
            let tail =
                DeviceBatch { frames: rest, rejected_mac: 0, rejected_malformed: 0, problem: None, ..batch.clone() };
            first.push(batch);
            second.push(tail);
        }
    }
    (first, second)
}

/// Whether PostgreSQL refused the batch for its data (the same batch would fail again), as
/// opposed to the connection, a timeout, a conflict between transactions or a full disk.
fn is_permanent(e: &diesel::result::Error) -> bool {
    use diesel::result::{DatabaseErrorKind as K, Error};
    let Error::DatabaseError(kind, info) = e else { return false };
    match kind {
        K::UniqueViolation
        | K::ForeignKeyViolation
        | K::NotNullViolation
        | K::CheckViolation
        | K::RestrictViolation
        | K::ExclusionViolation => true,
        // diesel-async names only the constraint classes; the rest arrive as Unknown. The
        // message tells the passing ones apart (timeouts, deadlocks, shutdowns, resources).
        K::Unknown => {
            let m = info.message().to_ascii_lowercase();
            const PASSING: [&str; 11] = [
                "timeout",
                "deadlock",
                "canceling statement",
                "terminating connection",
                "could not serialize",
                "the database system is",
                "out of memory",
                "out of shared memory",
                "no space left",
                "could not extend",
                "too many connections",
            ];
            !PASSING.iter().any(|p| m.contains(p))
        }
        _ => false,
    }
}

fn database_message(e: &diesel::result::Error) -> String {
    match e {
        diesel::result::Error::DatabaseError(_, info) => info.message().to_owned(),
        other => other.to_string(),
    }
}

/// Checks each raw frame and groups the good ones by device (arrival order kept); returns
/// the devices' public ids and their batches, in the same order.
async fn verify(
    raw: &mut Vec<RawFrame>,
    registry: &Registry,
    stats: &IngestStats,
    logged: &mut LogLimiter,
) -> (Vec<String>, Vec<DeviceBatch>) {
    let mut uids: Vec<String> = Vec::new();
    let mut by_device: Vec<DeviceBatch> = Vec::new();
    let mut index: HashMap<String, usize> = HashMap::new();
    for frame in raw.drain(..) {
        let Some((uid, Direction::Up)) = parse_topic(&frame.topic) else {
            IngestStats::add(&stats.malformed, 1);
            continue;
        };
        let Some(key) = registry.get(uid).await else {
            IngestStats::add(&stats.unknown_device, 1);
            logged.warn(uid, "frame from an unknown device");
            continue;
        };
        let Some(secret) = key.secret.as_ref() else {
            IngestStats::add(&stats.unknown_device, 1);
            logged.warn(uid, "frame from a revoked device");
            continue;
        };
        let slot = *index.entry(uid.to_owned()).or_insert_with(|| {
            uids.push(uid.to_owned());
            by_device.push(DeviceBatch {
                device_id: key.id,
                tenant_id: key.tenant_id,
                key_version: key.key_version,
                ..DeviceBatch::default()
            });
            by_device.len() - 1
        });
        let batch = &mut by_device[slot];
        let parsed = frame::verify(&frame.payload, secret, Direction::Up, uid).and_then(|json| {
            let f: UplinkFrame = serde_json::from_slice(json).map_err(|_| FrameError::Malformed)?;
            if f.v == PROTOCOL_VERSION { Ok(f) } else { Err(FrameError::Version) }
        });
        match parsed {
            Ok(f) => batch.frames.push(VerifiedFrame {
                seq: f.seq,
                floor: f.floor,
                msg: f.msg,
                received_at: frame.received_at,
                raw: frame.payload.clone(),
                refused: None,
            }),
            Err(FrameError::BadMac) => {
                IngestStats::add(&stats.bad_mac, 1);
                batch.rejected_mac += 1;
                batch.problem = Some("MAC inválido (otra clave, mensaje alterado o de otro equipo)".into());
                logged.warn(uid, "frame with a bad MAC");
            }
            Err(e) => {
                IngestStats::add(&stats.malformed, 1);
                batch.rejected_malformed += 1;
                batch.problem = Some(format!("mensaje mal formado ({})", e.code()));
                logged.warn(uid, "malformed frame");
            }
        }
    }
    (uids, by_device)
}

/// Logs a device's problems at most once a minute each (a broken node must not flood the log).
#[derive(Default)]
struct LogLimiter(HashMap<(String, &'static str), Instant>);

impl LogLimiter {
    fn warn(&mut self, uid: &str, what: &'static str) {
        let key = (uid.to_owned(), what);
        if self.0.get(&key).is_some_and(|at| at.elapsed() < Duration::from_secs(60)) {
            return;
        }
        if self.0.len() > 10_000 {
            self.0.clear();
        }
        self.0.insert(key, Instant::now());
        tracing::warn!(device = uid, "{what} (further ones from this device are counted, logged once a minute)");
    }
}
