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
use shared::iot::check::{self, TimeWindow};
use shared::iot::replay::{ReplayWindow, Verdict};
use shared::iot::wire::{NodeEvent, Uplink};
use std::collections::{BTreeMap, HashMap};

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
    pub device_id: i64,
    /// Its business.
    pub tenant_id: i64,
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
    pub acks: Vec<(i64, u64)>,
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
    tenant: Vec<i64>,
    device: Vec<i64>,
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

#[derive(Default)]
struct Columns {
    tenant: Vec<i64>,
    device: Vec<i64>,
    kind: Vec<i16>,
    channel: Vec<i16>,
    at: Vec<DateTime<Utc>>,
    value: Vec<i32>,
}

#[derive(diesel::QueryableByName)]
struct WindowRow {
    #[diesel(sql_type = BigInt)]
    id: i64,
    #[diesel(sql_type = BigInt)]
    seq_upto: i64,
    #[diesel(sql_type = BigInt)]
    seq_above: i64,
    #[diesel(sql_type = BigInt)]
    key_version: i64,
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
    let mut ids: Vec<i64> = batches.iter().map(|b| b.device_id).collect();
    ids.sort_unstable();
    ids.dedup();
    let windows: Vec<WindowRow> = diesel::sql_query(
        "SELECT id, seq_upto, seq_above, key_version FROM devices WHERE id = ANY($1) AND revoked_at IS NULL \
         ORDER BY id FOR UPDATE",
    )
    .bind::<Array<BigInt>, _>(&ids)
    .load(conn)
    .await?;
    let mut out = BatchOutcome::default();
    let keys: HashMap<i64, i64> = windows.iter().map(|w| (w.id, w.key_version)).collect();
    let mut windows: HashMap<i64, ReplayWindow> =
        windows.into_iter().map(|w| (w.id, ReplayWindow::from_columns(w.seq_upto, w.seq_above))).collect();
    // A key rotated after these frames' MACs were checked (the registry is a moment behind):
    // they were signed with a key the device no longer has. Not stored, not acknowledged.
    for batch in batches {
        if keys.get(&batch.device_id).is_some_and(|k| *k != batch.key_version) {
            windows.remove(&batch.device_id);
            out.stale_key += batch.frames.len() as u64;
        }
    }
    let window_ms = limits.window();
    let mut kept = Quarantine::default();

    let mut rows = Columns::default();
    let mut latest: BTreeMap<Sensor, (i64, i32, DateTime<Utc>)> = BTreeMap::new();
    let mut dirty: BTreeMap<(i64, i16, i16, DateTime<Utc>), ()> = BTreeMap::new();
    let mut events: Vec<Event> = Vec::new();
    let mut acks: Vec<(i64, i64, bool, Option<bool>)> = Vec::new();
    let mut boots: Vec<Boot> = Vec::new();
    let mut statuses: Vec<(i64, i16)> = Vec::new();
    // Per device: ok, duplicate, rejected values, last seen, problem.
    let mut counters: BTreeMap<i64, Counters> = BTreeMap::new();

    for batch in batches {
        let Some(window) = windows.get_mut(&batch.device_id) else { continue };
        let c = counters.entry(batch.device_id).or_default();
        c.4.clone_from(&batch.problem);
        for frame in &batch.frames {
            let (d, t) = (batch.device_id, batch.tenant_id);
            // A number no window can hold: kept aside without touching the window (the node
            // is broken; its next good frame is stored as usual).
            if let Some(problem) = check::sequence_problem(frame.seq, frame.floor) {
                kept.push(batch, frame, problem.label());
                c.5 += 1;
                out.quarantined += 1;
                c.4 = Some(format!("mensaje apartado: {}", problem.label()));
                continue;
            }
            // Numbers the node gave up (its full queue dropped them) will never come: stop
            // waiting for them. Only frames below this one can be given up.
            window.give_up_to(frame.floor.min(frame.seq.saturating_sub(1)));
            if window.commit(frame.seq) == Verdict::Duplicate {
                c.1 += 1;
                out.duplicates += 1;
                continue;
            }
            c.3 = Some(c.3.map_or(frame.received_at, |s| s.max(frame.received_at)));
            // Committed in the window (so acknowledged) but stored only in the quarantine.
            let problem = frame
                .refused
                .clone()
                .or_else(|| check::message_problem(&frame.msg, window_ms).map(|p| p.label().to_owned()));
            if let Some(reason) = problem {
                kept.push(batch, frame, &reason);
                c.5 += 1;
                out.quarantined += 1;
                c.4 = Some(format!("mensaje apartado: {reason}"));
                continue;
            }
            c.0 += 1;
            out.frames += 1;
            let when = |ms: u64| node_time(ms, frame.received_at);
            match &frame.msg {
                Uplink::Telemetry { readings } => {
                    let mut refused: Vec<String> = Vec::new();
                    for r in readings {
                        if let Some(problem) = check::reading_problem(r, window_ms) {
                            c.2 += 1;
                            out.rejected_values += 1;
                            refused.push(format!(
                                "{}: {} canal {} = {} (t {})",
                                problem.label(),
                                r.k.code(),
                                r.c,
                                r.v,
                                r.t
                            ));
                            continue;
                        }
                        let at = when(r.t);
                        let (kind, channel) = (r.k.id(), i16::from(r.c));
                        rows.tenant.push(t);
                        rows.device.push(d);
                        rows.kind.push(kind);
                        rows.channel.push(channel);
                        rows.at.push(at);
                        rows.value.push(r.v);
                        out.readings += 1;
                        let entry = latest.entry((d, kind, channel)).or_insert((t, r.v, at));
                        if at >= entry.2 {
                            *entry = (t, r.v, at);
                        }
                        if at < limits.late_before {
                            dirty.insert((d, kind, channel, minute(at)), ());
                        }
                    }
                    // The frame's good readings are stored; the frame is kept with the reasons
                    // of the others.
                    if !refused.is_empty() {
                        let reason = refused.join("; ");
                        c.4 = Some(refused.swap_remove(0));
                        kept.push(batch, frame, &reason);
                        c.5 += 1;
                        out.quarantined += 1;
                    }
                }
                Uplink::Event(event) => {
                    let (kind, at) = match event {
                        NodeEvent::Boot { firmware, rssi, relays, .. } => {
                            boots.push((
                                d,
                                firmware.as_str().to_owned(),
                                *rssi,
                                i16::from((*relays).min(8)),
                                frame.received_at,
                            ));
                            ("boot", frame.received_at)
                        }
                        NodeEvent::Status { rssi, .. } => {
                            statuses.push((d, *rssi));
                            ("status", frame.received_at)
                        }
                        NodeEvent::Door { t: ms, .. } => ("door", when(*ms)),
                        NodeEvent::Rfid { t: ms, .. } => ("rfid", when(*ms)),
                    };
                    let detail = serde_json::to_string(event).unwrap_or_else(|_| "{}".into());
                    events.push((t, d, kind, at, detail));
                }
                Uplink::CommandAck { cmd, ok, on, .. } => {
                    acks.push((d, i64::try_from(*cmd).unwrap_or(i64::MAX), *ok, Some(*on)));
                    let detail = serde_json::to_string(&frame.msg).unwrap_or_else(|_| "{}".into());
                    events.push((t, d, "command_ack", frame.received_at, detail));
                }
            }
        }
    }

    if !kept.device.is_empty() {
        diesel::sql_query(
            "INSERT INTO device_quarantine (tenant_id, device_id, seq, payload, reason) \
             SELECT * FROM unnest($1::int8[], $2::int8[], $3::int8[], $4::bytea[], $5::text[])",
        )
        .bind::<Array<BigInt>, _>(&kept.tenant)
        .bind::<Array<BigInt>, _>(&kept.device)
        .bind::<Array<BigInt>, _>(&kept.seq)
        .bind::<Array<diesel::sql_types::Bytea>, _>(&kept.payload)
        .bind::<Array<Text>, _>(&kept.reason)
        .execute(conn)
        .await?;
    }
    if !rows.device.is_empty() {
        diesel::sql_query(
            "INSERT INTO readings (tenant_id, device_id, kind, channel, at, value) \
             SELECT * FROM unnest($1::int8[], $2::int8[], $3::int2[], $4::int2[], $5::timestamptz[], $6::int4[])",
        )
        .bind::<Array<BigInt>, _>(&rows.tenant)
        .bind::<Array<BigInt>, _>(&rows.device)
        .bind::<Array<SmallInt>, _>(&rows.kind)
        .bind::<Array<SmallInt>, _>(&rows.channel)
        .bind::<Array<Timestamptz>, _>(&rows.at)
        .bind::<Array<Integer>, _>(&rows.value)
        .execute(conn)
        .await?;
    }
    if !latest.is_empty() {
        let mut l = Columns::default();
        for ((d, k, ch), (t, v, at)) in &latest {
            l.tenant.push(*t);
            l.device.push(*d);
            l.kind.push(*k);
            l.channel.push(*ch);
            l.value.push(*v);
            l.at.push(*at);
        }
        diesel::sql_query(
            "INSERT INTO device_latest (tenant_id, device_id, kind, channel, value, at) \
             SELECT * FROM unnest($1::int8[], $2::int8[], $3::int2[], $4::int2[], $5::int4[], $6::timestamptz[]) \
             ON CONFLICT (device_id, kind, channel) DO UPDATE SET value = excluded.value, at = excluded.at \
             WHERE device_latest.at <= excluded.at",
        )
        .bind::<Array<BigInt>, _>(&l.tenant)
        .bind::<Array<BigInt>, _>(&l.device)
        .bind::<Array<SmallInt>, _>(&l.kind)
        .bind::<Array<SmallInt>, _>(&l.channel)
        .bind::<Array<Integer>, _>(&l.value)
        .bind::<Array<Timestamptz>, _>(&l.at)
        .execute(conn)
        .await?;
    }
    if !dirty.is_empty() {
        let mut m = Columns::default();
        for (d, k, ch, at) in dirty.keys() {
            m.device.push(*d);
            m.kind.push(*k);
            m.channel.push(*ch);
            m.at.push(*at);
        }
        diesel::sql_query(
            "INSERT INTO reading_rollup_dirty (device_id, kind, channel, bucket) \
             SELECT * FROM unnest($1::int8[], $2::int2[], $3::int2[], $4::timestamptz[]) ON CONFLICT DO NOTHING",
        )
        .bind::<Array<BigInt>, _>(&m.device)
        .bind::<Array<SmallInt>, _>(&m.kind)
        .bind::<Array<SmallInt>, _>(&m.channel)
        .bind::<Array<Timestamptz>, _>(&m.at)
        .execute(conn)
        .await?;
    }
    for (t, d, kind, at, detail) in &events {
        diesel::sql_query(
            "INSERT INTO device_events (tenant_id, device_id, kind, at, detail) VALUES ($1, $2, $3, $4, $5::jsonb)",
        )
        .bind::<BigInt, _>(t)
        .bind::<BigInt, _>(d)
        .bind::<Text, _>(*kind)
        .bind::<Timestamptz, _>(at)
        .bind::<Text, _>(detail)
        .execute(conn)
        .await?;
    }
    for (d, firmware, rssi, relays, at) in &boots {
        diesel::sql_query(
            "UPDATE devices SET firmware = $2, rssi = $3, relay_count = $4, booted_at = $5 WHERE id = $1",
        )
        .bind::<BigInt, _>(d)
        .bind::<Text, _>(firmware)
        .bind::<SmallInt, _>(rssi)
        .bind::<SmallInt, _>(relays)
        .bind::<Timestamptz, _>(at)
        .execute(conn)
        .await?;
    }
    for (d, rssi) in &statuses {
        diesel::sql_query("UPDATE devices SET rssi = $2 WHERE id = $1")
            .bind::<BigInt, _>(d)
            .bind::<SmallInt, _>(rssi)
            .execute(conn)
            .await?;
    }
    for (d, seq, ok, on) in &acks {
        diesel::sql_query(
            "UPDATE device_commands SET status = CASE WHEN $3 THEN 'applied' ELSE 'refused' END, relay_on = $4, \
             done_at = now() WHERE device_id = $1 AND seq = $2 AND status IN ('pending', 'expired')",
        )
        .bind::<BigInt, _>(d)
        .bind::<BigInt, _>(seq)
        .bind::<Bool, _>(ok)
        .bind::<Nullable<Bool>, _>(on)
        .execute(conn)
        .await?;
    }

    // Every device in the batch (each appears once): its window, counters, last seen and
    // last problem.
    let mut u = DeviceUpdate::default();
    for batch in batches {
        let Some(window) = windows.get(&batch.device_id) else { continue };
        let (ok, dup, vals, seen, problem, quarantined) = counters.remove(&batch.device_id).unwrap_or_default();
        let (upto, above) = window.to_columns();
        u.id.push(batch.device_id);
        u.upto.push(upto);
        u.above.push(above);
        u.seen.push(seen);
        u.ok.push(ok);
        u.dup.push(dup);
        u.mac.push(batch.rejected_mac);
        u.malformed.push(batch.rejected_malformed);
        u.vals.push(vals);
        u.problem.push(problem);
        u.quarantined.push(quarantined);
        if ok > 0 || dup > 0 || quarantined > 0 {
            out.acks.push((batch.device_id, window.upto));
        }
    }
    if !u.id.is_empty() {
        diesel::sql_query(
            "UPDATE devices d SET seq_upto = u.upto, seq_above = u.above, \
               last_seen_at = greatest(d.last_seen_at, u.seen), \
               frames_ok = d.frames_ok + u.ok, frames_duplicate = d.frames_duplicate + u.dup, \
               rejected_mac = d.rejected_mac + u.mac, rejected_malformed = d.rejected_malformed + u.malformed, \
               rejected_values = d.rejected_values + u.vals, \
               frames_quarantined = d.frames_quarantined + u.quarantined, \
               last_problem = coalesce(u.problem, d.last_problem), \
               last_problem_at = CASE WHEN u.problem IS NULL THEN d.last_problem_at ELSE now() END \
             FROM unnest($1::int8[], $2::int8[], $3::int8[], $4::timestamptz[], $5::int8[], $6::int8[], $7::int8[], \
                         $8::int8[], $9::int8[], $10::text[], $11::int8[]) \
                  AS u(id, upto, above, seen, ok, dup, mac, malformed, vals, problem, quarantined) \
             WHERE d.id = u.id",
        )
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
        .await?;
    }
    Ok(out)
}

/// Device, kind, channel.
type Sensor = (i64, i16, i16);
/// Tenant, device, kind, time, detail JSON.
type Event = (i64, i64, &'static str, DateTime<Utc>, String);
/// Device, firmware, RSSI, relays, time.
type Boot = (i64, String, i16, i16, DateTime<Utc>);
/// Per device: frames stored, duplicates, refused values, last seen, last problem, frames kept
/// in the quarantine.
type Counters = (i64, i64, i64, Option<DateTime<Utc>>, Option<String>, i64);

#[derive(Default)]
struct DeviceUpdate {
    id: Vec<i64>,
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
