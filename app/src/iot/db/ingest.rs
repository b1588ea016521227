//! The ingest's write: one transaction per batch of verified frames from many devices. It
//! locks the devices' rows (in id order, so concurrent batches cannot deadlock), keeps only
//! frames their replay window has not seen, and writes readings, latest values, late-rollup
//! marks, events, command acknowledgements and the devices' counters with a handful of
//! multi-row statements (`unnest` of arrays: one round trip each, whatever the batch size).
//!
//! Content that cannot be stored (`shared::iot::check`: a time outside the kept window, a text
//! no node sends, a value no sensor gives) never reaches a statement: the frame goes to
//! `device_quarantine` with its reason and is acknowledged with the rest. A frame PostgreSQL
//! itself refused comes back from the ingest marked [`VerifiedFrame::refused`] and is kept there
//! the same way.

use chrono::{DateTime, TimeZone, Utc};
use diesel::QueryResult;
use diesel::sql_types::{Array, BigInt, Bool, Integer, Nullable, SmallInt, Text, Timestamptz};
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use shared::ids::{DeviceId, TenantId};
use shared::iot::check::{self, TimeWindow};
use shared::iot::codes::EventKind;
use shared::iot::replay::{ReplayWindow, Verdict};
use shared::iot::wire::{NodeEvent, Uplink};
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// A frame whose MAC checked out.
#[derive(Debug, Clone)]
pub struct VerifiedFrame {
    /// Its sequence number.
    pub seq: u64,
    /// The node holds no frame up to this number (`UplinkFrame::floor`).
    pub floor: u64,
    /// The message.
    pub msg: Uplink,
    /// When the server received it.
    pub received_at: DateTime<Utc>,
    /// The frame as it arrived (kept if it goes to the quarantine).
    pub raw: bytes::Bytes,
    /// PostgreSQL refused this frame alone with this reason: keep it aside, store none of it.
    pub refused: Option<String>,
}

/// What one batch holds for one device.
#[derive(Debug, Clone, Default)]
pub struct DeviceBatch {
    /// Internal device id.
    pub device_id: DeviceId,
    /// Its business.
    pub tenant_id: TenantId,
    /// The key version the frames' MACs were checked with; frames checked with a key the device
    /// no longer has (rotated a moment ago) are not stored.
    pub key_version: i64,
    /// Verified frames, in arrival order.
    pub frames: Vec<VerifiedFrame>,
    /// Frames refused for a bad MAC.
    pub rejected_mac: i64,
    /// Frames refused as malformed (MAC fine, content not).
    pub rejected_malformed: i64,
    /// The last refusal's reason.
    pub problem: Option<String>,
}

/// Which node times the ingest accepts, and which count as late for the rollups.
#[derive(Debug, Clone, Copy)]
pub struct TimeLimits {
    /// Oldest storable time (the oldest partition kept).
    pub earliest: DateTime<Utc>,
    /// Newest storable time (the newest partition made).
    pub latest: DateTime<Utc>,
    /// Readings older than this may land in a minute already rolled up: mark it.
    pub late_before: DateTime<Utc>,
}

impl TimeLimits {
    /// The stored window in node time (Unix milliseconds).
    pub fn window(self) -> TimeWindow {
        let ms = |t: DateTime<Utc>| u64::try_from(t.timestamp_millis()).unwrap_or(0);
        TimeWindow { earliest_ms: ms(self.earliest), latest_ms: ms(self.latest) }
    }
}

/// What a batch did.
#[derive(Debug, Clone, Default)]
pub struct BatchOutcome {
    /// Per device: the sequence number to acknowledge (everything up to it is committed).
    pub acks: Vec<(DeviceId, u64)>,
    /// Frames stored.
    pub frames: u64,
    /// Readings stored.
    pub readings: u64,
    /// Frames already committed before (retries, replays).
    pub duplicates: u64,
    /// Readings refused (out of range, impossible time).
    pub rejected_values: u64,
    /// Frames kept in the quarantine.
    pub quarantined: u64,
    /// Frames not stored because the device's key changed after their MAC was checked.
    pub stale_key: u64,
}

impl BatchOutcome {
    /// Adds `later`, a batch committed after this one.
    pub fn merge(&mut self, later: Self) {
        for (device, upto) in later.acks {
            match self.acks.iter_mut().find(|(d, _)| *d == device) {
                Some(ack) => ack.1 = ack.1.max(upto),
                None => self.acks.push((device, upto)),
            }
        }
        self.frames += later.frames;
        self.readings += later.readings;
        self.duplicates += later.duplicates;
        self.rejected_values += later.rejected_values;
        self.quarantined += later.quarantined;
        self.stale_key += later.stale_key;
    }
}

/// Frames kept aside, as columns for one `unnest` insert.
#[derive(Default)]
struct Quarantine {
    tenant: Vec<TenantId>,
    device: Vec<DeviceId>,
    seq: Vec<i64>,
    payload: Vec<Vec<u8>>,
    reason: Vec<String>,
}

impl Quarantine {
    /// Longest reason kept (the column's limit).
    const REASON_MAX: usize = 500;

    fn push(&mut self, batch: &DeviceBatch, frame: &VerifiedFrame, reason: &str) {
        self.tenant.push(batch.tenant_id);
        self.device.push(batch.device_id);
        self.seq.push(i64::try_from(frame.seq).unwrap_or(-1));
        let mut payload = frame.raw.to_vec();
        payload.truncate(1024);
        self.payload.push(payload);
        let mut reason: String = reason.chars().filter(|c| !c.is_control()).take(Self::REASON_MAX).collect();
        if reason.is_empty() {
            reason.push('?');
        }
        self.reason.push(reason);
    }
}

/// Readings (or latest values, or rollup marks) as columns for one `unnest` statement.
#[derive(Default)]
struct Columns {
    tenant: Vec<TenantId>,
    device: Vec<DeviceId>,
    kind: Vec<i16>,
    channel: Vec<i16>,
    at: Vec<DateTime<Utc>>,
    value: Vec<i32>,
}

#[derive(diesel::QueryableByName)]
struct WindowRow {
    #[diesel(sql_type = BigInt)]
    id: DeviceId,
    #[diesel(sql_type = BigInt)]
    seq_upto: i64,
    #[diesel(sql_type = BigInt)]
    seq_above: i64,
    #[diesel(sql_type = BigInt)]
    key_version: i64,
}

/// Device, kind, channel.
type Sensor = (DeviceId, i16, i16);

/// A sensor's newest value in the batch.
#[derive(Debug, Clone, Copy)]
struct Latest {
    tenant: TenantId,
    value: i32,
    at: DateTime<Utc>,
}

/// A row of `device_events`.
struct EventRow {
    tenant: TenantId,
    device: DeviceId,
    kind: EventKind,
    at: DateTime<Utc>,
    detail: String,
}

/// A node's boot: what it said about itself.
struct BootRow {
    device: DeviceId,
    firmware: String,
    rssi: i16,
    relays: i16,
    at: DateTime<Utc>,
}

/// A node's answer to a relay command.
struct AckRow {
    device: DeviceId,
    seq: i64,
    ok: bool,
    on: Option<bool>,
}

/// What one device's frames did in the batch.
#[derive(Debug, Default)]
struct DeviceCounters {
    stored: i64,
    duplicates: i64,
    rejected_values: i64,
    last_seen: Option<DateTime<Utc>>,
    problem: Option<String>,
    quarantined: i64,
}

/// Everything a batch will write, worked out before any statement runs (no connection: the
/// replay windows come in, the rows to write come out).
#[derive(Default)]
struct Plan {
    quarantine: Quarantine,
    readings: Columns,
    latest: BTreeMap<Sensor, Latest>,
    dirty: BTreeSet<(DeviceId, i16, i16, DateTime<Utc>)>,
    events: Vec<EventRow>,
    acks: Vec<AckRow>,
    boots: Vec<BootRow>,
    /// Device, RSSI.
    statuses: Vec<(DeviceId, i16)>,
    counters: BTreeMap<DeviceId, DeviceCounters>,
}

impl Plan {
    /// Plans every frame of `batches` whose device has a window (locked, key unchanged).
    fn of(
        batches: &[DeviceBatch],
        windows: &mut HashMap<DeviceId, ReplayWindow>,
        limits: TimeLimits,
        out: &mut BatchOutcome,
    ) -> Self {
        let mut plan = Self::default();
        // Once per batch: every frame and reading is checked against the same window.
        let window_ms = limits.window();
        for batch in batches {
            let Some(window) = windows.get_mut(&batch.device_id) else { continue };
            plan.counters.entry(batch.device_id).or_default().problem.clone_from(&batch.problem);
            for frame in &batch.frames {
                plan.frame(batch, frame, window, limits, window_ms, out);
            }
        }
        plan
    }

    /// Sets `frame` aside in the quarantine with `reason`.
    fn keep_aside(&mut self, batch: &DeviceBatch, frame: &VerifiedFrame, reason: &str, out: &mut BatchOutcome) {
        self.quarantine.push(batch, frame, reason);
        self.counters.entry(batch.device_id).or_default().quarantined += 1;
        out.quarantined += 1;
    }

    fn frame(
        &mut self,
        batch: &DeviceBatch,
        frame: &VerifiedFrame,
        window: &mut ReplayWindow,
        limits: TimeLimits,
        window_ms: TimeWindow,
        out: &mut BatchOutcome,
    ) {
        // A number no window can hold: kept aside without touching the window (the node is
        // broken; its next good frame is stored as usual).
        if let Some(problem) = check::sequence_problem(frame.seq, frame.floor) {
            self.keep_aside(batch, frame, problem.label(), out);
            self.counters.entry(batch.device_id).or_default().problem =
                Some(format!("mensaje apartado: {}", problem.label()));
            return;
        }
        // Numbers the node gave up (its full queue dropped them) will never come: stop waiting
        // for them. Only frames below this one can be given up.
        window.give_up_to(frame.floor.min(frame.seq.saturating_sub(1)));
        let c = self.counters.entry(batch.device_id).or_default();
        if window.commit(frame.seq) == Verdict::Duplicate {
            c.duplicates += 1;
            out.duplicates += 1;
            return;
        }
        c.last_seen = Some(c.last_seen.map_or(frame.received_at, |s| s.max(frame.received_at)));
        // Committed in the window (so acknowledged) but stored only in the quarantine.
        let problem = frame
            .refused
            .clone()
            .or_else(|| check::message_problem(&frame.msg, window_ms).map(|p| p.label().to_owned()));
        if let Some(reason) = problem {
            c.problem = Some(format!("mensaje apartado: {reason}"));
            self.keep_aside(batch, frame, &reason, out);
            return;
        }
        c.stored += 1;
        out.frames += 1;
        match &frame.msg {
            Uplink::Telemetry { readings } => self.telemetry(batch, frame, readings, limits, window_ms, out),
            Uplink::Event(event) => self.event(batch, frame, event),
            Uplink::CommandAck { cmd, ok, on, .. } => {
                self.acks.push(AckRow {
                    device: batch.device_id,
                    seq: i64::try_from(*cmd).unwrap_or(i64::MAX),
                    ok: *ok,
                    on: Some(*on),
                });
                self.events.push(EventRow {
                    tenant: batch.tenant_id,
                    device: batch.device_id,
                    kind: EventKind::CommandAck,
                    at: frame.received_at,
                    detail: serde_json::to_string(&frame.msg).unwrap_or_else(|_| "{}".into()),
                });
            }
        }
    }

    fn telemetry(
        &mut self,
        batch: &DeviceBatch,
        frame: &VerifiedFrame,
        readings: &[shared::iot::wire::Reading],
        limits: TimeLimits,
        window_ms: TimeWindow,
        out: &mut BatchOutcome,
    ) {
        let (d, t) = (batch.device_id, batch.tenant_id);
        let mut refused: Vec<String> = Vec::new();
        for r in readings {
            if let Some(problem) = check::reading_problem(r, window_ms) {
                self.counters.entry(d).or_default().rejected_values += 1;
                out.rejected_values += 1;
                let (kind, label) = (r.k.code(), problem.label());
                refused.push(format!("{label}: {kind} canal {} = {} (t {})", r.c, r.v, r.t));
                continue;
            }
            let at = node_time(r.t, frame.received_at);
            let (kind, channel) = (r.k.id(), i16::from(r.c));
            self.readings.tenant.push(t);
            self.readings.device.push(d);
            self.readings.kind.push(kind);
            self.readings.channel.push(channel);
            self.readings.at.push(at);
            self.readings.value.push(r.v);
            out.readings += 1;
            let newest = Latest { tenant: t, value: r.v, at };
            let entry = self.latest.entry((d, kind, channel)).or_insert(newest);
            if at >= entry.at {
                *entry = newest;
            }
            if at < limits.late_before {
                self.dirty.insert((d, kind, channel, minute(at)));
            }
        }
        // The frame's good readings are stored; the frame is kept with the reasons of the others.
        if !refused.is_empty() {
            let reason = refused.join("; ");
            self.counters.entry(d).or_default().problem = Some(refused.swap_remove(0));
            self.keep_aside(batch, frame, &reason, out);
        }
    }

    fn event(&mut self, batch: &DeviceBatch, frame: &VerifiedFrame, event: &NodeEvent) {
        let d = batch.device_id;
        let (kind, at) = match event {
            NodeEvent::Boot { firmware, rssi, relays, .. } => {
                self.boots.push(BootRow {
                    device: d,
                    firmware: firmware.as_str().to_owned(),
                    rssi: *rssi,
                    relays: i16::from((*relays).min(8)),
                    at: frame.received_at,
                });
                (EventKind::Boot, frame.received_at)
            }
            NodeEvent::Status { rssi, .. } => {
                self.statuses.push((d, *rssi));
                (EventKind::Status, frame.received_at)
            }
            NodeEvent::Door { t: ms, .. } => (EventKind::Door, node_time(*ms, frame.received_at)),
            NodeEvent::Rfid { t: ms, .. } => (EventKind::Rfid, node_time(*ms, frame.received_at)),
        };
        let detail = serde_json::to_string(event).unwrap_or_else(|_| "{}".into());
        self.events.push(EventRow { tenant: batch.tenant_id, device: d, kind, at, detail });
    }
}

/// Writes `batches` (one per device) in one transaction (entered as the system).
pub async fn write_batch(
    conn: &mut AsyncPgConnection,
    batches: &[DeviceBatch],
    limits: TimeLimits,
) -> QueryResult<BatchOutcome> {
    conn.transaction::<_, diesel::result::Error, _>(async |conn| write(conn, batches, limits).await).await
}

async fn write(conn: &mut AsyncPgConnection, batches: &[DeviceBatch], limits: TimeLimits) -> QueryResult<BatchOutcome> {
    crate::rls::enter_system(conn).await?;
    // A batch never waits long: if it does, something is stuck and the nodes will resend.
    diesel::sql_query("SET LOCAL statement_timeout = '30s'").execute(conn).await?;
    let mut out = BatchOutcome::default();
    let mut windows = lock_windows(conn, batches, &mut out).await?;
    let plan = Plan::of(batches, &mut windows, limits, &mut out);
    insert_quarantine(conn, &plan.quarantine).await?;
    insert_readings(conn, &plan.readings).await?;
    upsert_latest(conn, &plan.latest).await?;
    mark_dirty(conn, &plan.dirty).await?;
    insert_events(conn, &plan.events).await?;
    record_boots(conn, &plan.boots, &plan.statuses).await?;
    record_acks(conn, &plan.acks).await?;
    update_devices(conn, batches, &windows, plan.counters, &mut out).await?;
    Ok(out)
}

/// Locks the batch's devices (in id order, so concurrent batches cannot deadlock) and returns
/// their replay windows. A device whose key rotated after its frames' MACs were checked (the
/// registry is a moment behind) gets none: those frames are neither stored nor acknowledged.
async fn lock_windows(
    conn: &mut AsyncPgConnection,
    batches: &[DeviceBatch],
    out: &mut BatchOutcome,
) -> QueryResult<HashMap<DeviceId, ReplayWindow>> {
    let mut ids: Vec<DeviceId> = batches.iter().map(|b| b.device_id).collect();
    ids.sort_unstable();
    ids.dedup();
    let rows: Vec<WindowRow> = diesel::sql_query(include_str!("sql/ingest_lock_devices.sql"))
        .bind::<Array<BigInt>, _>(&ids)
        .load(conn)
        .await?;
    let keys: HashMap<DeviceId, i64> = rows.iter().map(|w| (w.id, w.key_version)).collect();
    let mut windows: HashMap<DeviceId, ReplayWindow> =
        rows.into_iter().map(|w| (w.id, ReplayWindow::from_columns(w.seq_upto, w.seq_above))).collect();
    for batch in batches {
        if keys.get(&batch.device_id).is_some_and(|k| *k != batch.key_version) {
            windows.remove(&batch.device_id);
            out.stale_key += batch.frames.len() as u64;
        }
    }
    Ok(windows)
}

async fn insert_quarantine(conn: &mut AsyncPgConnection, kept: &Quarantine) -> QueryResult<()> {
    if kept.device.is_empty() {
        return Ok(());
    }
    diesel::sql_query(include_str!("sql/ingest_quarantine.sql"))
        .bind::<Array<BigInt>, _>(&kept.tenant)
        .bind::<Array<BigInt>, _>(&kept.device)
        .bind::<Array<BigInt>, _>(&kept.seq)
        .bind::<Array<diesel::sql_types::Bytea>, _>(&kept.payload)
        .bind::<Array<Text>, _>(&kept.reason)
        .execute(conn)
        .await
        .map(drop)
}

async fn insert_readings(conn: &mut AsyncPgConnection, rows: &Columns) -> QueryResult<()> {
    if rows.device.is_empty() {
        return Ok(());
    }
    diesel::sql_query(include_str!("sql/ingest_readings.sql"))
        .bind::<Array<BigInt>, _>(&rows.tenant)
        .bind::<Array<BigInt>, _>(&rows.device)
        .bind::<Array<SmallInt>, _>(&rows.kind)
        .bind::<Array<SmallInt>, _>(&rows.channel)
        .bind::<Array<Timestamptz>, _>(&rows.at)
        .bind::<Array<Integer>, _>(&rows.value)
        .execute(conn)
        .await
        .map(drop)
}

async fn upsert_latest(conn: &mut AsyncPgConnection, latest: &BTreeMap<Sensor, Latest>) -> QueryResult<()> {
    if latest.is_empty() {
        return Ok(());
    }
    let mut l = Columns::default();
    for ((d, k, ch), newest) in latest {
        l.tenant.push(newest.tenant);
        l.device.push(*d);
        l.kind.push(*k);
        l.channel.push(*ch);
        l.value.push(newest.value);
        l.at.push(newest.at);
    }
    diesel::sql_query(include_str!("sql/ingest_latest.sql"))
        .bind::<Array<BigInt>, _>(&l.tenant)
        .bind::<Array<BigInt>, _>(&l.device)
        .bind::<Array<SmallInt>, _>(&l.kind)
        .bind::<Array<SmallInt>, _>(&l.channel)
        .bind::<Array<Integer>, _>(&l.value)
        .bind::<Array<Timestamptz>, _>(&l.at)
        .execute(conn)
        .await
        .map(drop)
}

/// Marks the minutes late readings landed in, for the rollups to redo.
async fn mark_dirty(
    conn: &mut AsyncPgConnection,
    dirty: &BTreeSet<(DeviceId, i16, i16, DateTime<Utc>)>,
) -> QueryResult<()> {
    if dirty.is_empty() {
        return Ok(());
    }
    let mut m = Columns::default();
    for (d, k, ch, at) in dirty {
        m.device.push(*d);
        m.kind.push(*k);
        m.channel.push(*ch);
        m.at.push(*at);
    }
    diesel::sql_query(include_str!("sql/ingest_dirty.sql"))
        .bind::<Array<BigInt>, _>(&m.device)
        .bind::<Array<SmallInt>, _>(&m.kind)
        .bind::<Array<SmallInt>, _>(&m.channel)
        .bind::<Array<Timestamptz>, _>(&m.at)
        .execute(conn)
        .await
        .map(drop)
}

async fn insert_events(conn: &mut AsyncPgConnection, events: &[EventRow]) -> QueryResult<()> {
    for e in events {
        diesel::sql_query(
            "INSERT INTO device_events (tenant_id, device_id, kind, at, detail) VALUES ($1, $2, $3, $4, $5::jsonb)",
        )
        .bind::<BigInt, _>(e.tenant)
        .bind::<BigInt, _>(e.device)
        .bind::<Text, _>(e.kind)
        .bind::<Timestamptz, _>(e.at)
        .bind::<Text, _>(&e.detail)
        .execute(conn)
        .await?;
    }
    Ok(())
}

/// What nodes said about themselves when they booted or reported their signal.
async fn record_boots(
    conn: &mut AsyncPgConnection,
    boots: &[BootRow],
    statuses: &[(DeviceId, i16)],
) -> QueryResult<()> {
    for b in boots {
        diesel::sql_query(
            "UPDATE devices SET firmware = $2, rssi = $3, relay_count = $4, booted_at = $5 WHERE id = $1",
        )
        .bind::<BigInt, _>(b.device)
        .bind::<Text, _>(&b.firmware)
        .bind::<SmallInt, _>(b.rssi)
        .bind::<SmallInt, _>(b.relays)
        .bind::<Timestamptz, _>(b.at)
        .execute(conn)
        .await?;
    }
    for (d, rssi) in statuses {
        diesel::sql_query("UPDATE devices SET rssi = $2 WHERE id = $1")
            .bind::<BigInt, _>(d)
            .bind::<SmallInt, _>(rssi)
            .execute(conn)
            .await?;
    }
    Ok(())
}

async fn record_acks(conn: &mut AsyncPgConnection, acks: &[AckRow]) -> QueryResult<()> {
    for a in acks {
        diesel::sql_query(include_str!("sql/ingest_command_ack.sql"))
            .bind::<BigInt, _>(a.device)
            .bind::<BigInt, _>(a.seq)
            .bind::<Bool, _>(a.ok)
            .bind::<Nullable<Bool>, _>(a.on)
            .execute(conn)
            .await?;
    }
    Ok(())
}

/// Every device in the batch (each appears once): its window, counters, last seen and last
/// problem; and the acknowledgement each is owed.
async fn update_devices(
    conn: &mut AsyncPgConnection,
    batches: &[DeviceBatch],
    windows: &HashMap<DeviceId, ReplayWindow>,
    mut counters: BTreeMap<DeviceId, DeviceCounters>,
    out: &mut BatchOutcome,
) -> QueryResult<()> {
    let mut u = DeviceUpdate::default();
    for batch in batches {
        let Some(window) = windows.get(&batch.device_id) else { continue };
        let c = counters.remove(&batch.device_id).unwrap_or_default();
        let (upto, above) = window.to_columns();
        u.id.push(batch.device_id);
        u.upto.push(upto);
        u.above.push(above);
        u.seen.push(c.last_seen);
        u.ok.push(c.stored);
        u.dup.push(c.duplicates);
        u.mac.push(batch.rejected_mac);
        u.malformed.push(batch.rejected_malformed);
        u.vals.push(c.rejected_values);
        u.problem.push(c.problem);
        u.quarantined.push(c.quarantined);
        if c.stored > 0 || c.duplicates > 0 || c.quarantined > 0 {
            out.acks.push((batch.device_id, window.upto));
        }
    }
    if u.id.is_empty() {
        return Ok(());
    }
    diesel::sql_query(include_str!("sql/ingest_devices.sql"))
        .bind::<Array<BigInt>, _>(&u.id)
        .bind::<Array<BigInt>, _>(&u.upto)
        .bind::<Array<BigInt>, _>(&u.above)
        .bind::<Array<Nullable<Timestamptz>>, _>(&u.seen)
        .bind::<Array<BigInt>, _>(&u.ok)
        .bind::<Array<BigInt>, _>(&u.dup)
        .bind::<Array<BigInt>, _>(&u.mac)
        .bind::<Array<BigInt>, _>(&u.malformed)
        .bind::<Array<BigInt>, _>(&u.vals)
        .bind::<Array<Nullable<Text>>, _>(&u.problem)
        .bind::<Array<BigInt>, _>(&u.quarantined)
        .execute(conn)
        .await
        .map(drop)
}

/// The devices' new counters, as columns for one `unnest` update.
#[derive(Default)]
struct DeviceUpdate {
    id: Vec<DeviceId>,
    upto: Vec<i64>,
    above: Vec<i64>,
    seen: Vec<Option<DateTime<Utc>>>,
    ok: Vec<i64>,
    dup: Vec<i64>,
    mac: Vec<i64>,
    malformed: Vec<i64>,
    vals: Vec<i64>,
    problem: Vec<Option<String>>,
    quarantined: Vec<i64>,
}

/// The node's time for a reading, or the arrival time when the node had no clock (0).
fn node_time(ms: u64, received_at: DateTime<Utc>) -> DateTime<Utc> {
    if ms == 0 {
        return received_at;
    }
    i64::try_from(ms).ok().and_then(|ms| Utc.timestamp_millis_opt(ms).single()).unwrap_or(DateTime::<Utc>::MIN_UTC)
}

fn minute(at: DateTime<Utc>) -> DateTime<Utc> {
    let secs = at.timestamp().div_euclid(60) * 60;
    Utc.timestamp_opt(secs, 0).single().unwrap_or(at)
}
