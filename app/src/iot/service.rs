//! The devices pages' work, behind the server functions: creating devices with their secret
//! and provisioning QR, summaries with live values, charts, relay commands. Each function runs
//! inside the caller's transaction, which has entered the business.

use chrono::{DateTime, Utc};
use diesel_async::AsyncPgConnection;
use shared::iot::dto::{
    ChartPoint, ChartRange, ChartSeries, DeviceCredentials, DeviceLive, DeviceRejections, DeviceSummary, EventView,
    ONLINE_WITHIN_SECS, QuarantineView, RelayView, SensorValue,
};
use shared::iot::frame::Secret;
use shared::iot::sensor::{SensorKind, to_f64};
use shared::iot::wire::{Command, DEVICE_ID_LEN, MAX_RELAYS};

use super::db::commands::CommandRow;
use super::db::devices::{Device, NewDevice};
use super::db::readings::{self, Latest};
use crate::error::AppError;
use crate::tenancy::auth::TenantScope;
use crate::time::format_local;

/// Checks a device's name and location.
pub fn check_names(name: &str, location: &str) -> Result<(String, String), AppError> {
    let name = name.trim();
    if name.is_empty() {
        return Err(AppError::invalid("name", "Poné un nombre (por ejemplo «Cámara 1»)."));
    }
    if name.chars().count() > 80 {
        return Err(AppError::invalid("name", "El nombre puede tener hasta 80 caracteres."));
    }
    if shared::text::has_control(name) {
        return Err(AppError::invalid("name", shared::text::HAS_CONTROL));
    }
    let location = location.trim();
    if location.chars().count() > 80 {
        return Err(AppError::invalid("location", "La ubicación puede tener hasta 80 caracteres."));
    }
    if shared::text::has_control(location) {
        return Err(AppError::invalid("location", shared::text::HAS_CONTROL));
    }
    Ok((name.to_owned(), location.to_owned()))
}

/// A new random public id: 12 lowercase letters and digits (no 0/1/l/o to misread).
pub fn new_uid() -> String {
    const ALPHABET: &[u8] = b"abcdefghijkmnpqrstuvwxyz23456789";
    (0..DEVICE_ID_LEN).map(|_| char::from(ALPHABET[usize::from(rand::random::<u8>() % 32)])).collect()
}

/// Adds a device and returns what the node needs (shown once).
pub async fn add_device(
    conn: &mut AsyncPgConnection,
    scope: &TenantScope,
    name: &str,
    location: &str,
    broker_url: &str,
) -> Result<DeviceCredentials, AppError> {
    let (name, location) = check_names(name, location)?;
    let secret = Secret(rand::random());
    // 32^12 ids: a clash is astronomically rare, but the unique key would refuse it; try again.
    for _ in 0..3 {
        let uid = new_uid();
        let new =
            NewDevice { tenant_id: scope.tenant_id(), uid: &uid, name: &name, location: &location, secret: &secret.0 };
        match Device::create(conn, scope, &new).await {
            Ok(_) => return Ok(credentials(&uid, &name, &secret, broker_url)),
            Err(e) if crate::db::is_unique_violation(&e, "devices_uid_key") => {}
            Err(e) => return Err(e.into()),
        }
    }
    Err(AppError::internal("could not find a free device id"))
}

/// Gives a device a new secret and returns it (shown once).
pub async fn rotate_secret(
    conn: &mut AsyncPgConnection,
    scope: &TenantScope,
    uid: &str,
    broker_url: &str,
) -> Result<DeviceCredentials, AppError> {
    let device = Device::find(conn, scope, uid).await?.ok_or_else(|| AppError::NotFound.reply())?;
    let secret = Secret(rand::random());
    if !Device::rotate(conn, scope, uid, &secret.0).await? {
        return Err(AppError::NotFound.reply());
    }
    Ok(credentials(uid, &device.name, &secret, broker_url))
}

/// The credentials, provisioning JSON and QR code for a device.
pub fn credentials(uid: &str, name: &str, secret: &Secret, broker_url: &str) -> DeviceCredentials {
    let provisioning =
        serde_json::json!({ "v": 1, "id": uid, "secret": secret.to_hex(), "broker": broker_url }).to_string();
    let qr_svg = qrcode::QrCode::with_error_correction_level(provisioning.as_bytes(), qrcode::EcLevel::M)
        .map(|code| {
            code.render::<qrcode::render::svg::Color<'_>>()
                .min_dimensions(240, 240)
                .quiet_zone(true)
                .dark_color(qrcode::render::svg::Color("#111"))
                .light_color(qrcode::render::svg::Color("#fff"))
                .build()
        })
        .unwrap_or_default();
    DeviceCredentials {
        uid: uid.to_owned(),
        name: name.to_owned(),
        secret: secret.to_hex(),
        broker_url: broker_url.to_owned(),
        broker_password: secret.broker_password(uid),
        provisioning,
        qr_svg,
    }
}

/// Summaries of `devices` with their latest values.
pub async fn summaries(
    conn: &mut AsyncPgConnection,
    scope: &TenantScope,
    devices: Vec<Device>,
) -> Result<Vec<DeviceSummary>, AppError> {
    let ids: Vec<i64> = devices.iter().map(|d| d.id).collect();
    let latest = Latest::of_devices(conn, &ids).await?;
    let now = Utc::now();
    Ok(devices
        .into_iter()
        .map(|d| {
            let values = latest.iter().filter(|l| l.device_id == d.id).filter_map(|l| value(l, scope)).collect();
            summary(d, values, now, scope)
        })
        .collect())
}

fn value(l: &Latest, scope: &TenantScope) -> Option<SensorValue> {
    let kind = SensorKind::from_id(l.kind)?;
    Some(SensorValue {
        kind,
        channel: u8::try_from(l.channel).ok()?,
        value: l.value,
        text: kind.format(l.value),
        at: format_local(l.at, scope.time_zone()),
    })
}

fn summary(d: Device, values: Vec<SensorValue>, now: DateTime<Utc>, scope: &TenantScope) -> DeviceSummary {
    let tz = scope.time_zone();
    let last_problem = d.last_problem.map(|p| match d.last_problem_at {
        Some(at) => format!("{} ({})", p, format_local(at, tz)),
        None => p,
    });
    DeviceSummary {
        online: d.revoked_at.is_none()
            && d.last_seen_at.is_some_and(|at| (now - at).num_seconds() <= ONLINE_WITHIN_SECS),
        revoked: d.revoked_at.is_some(),
        last_seen: d.last_seen_at.map(|at| format_local(at, tz)),
        uid: d.uid,
        name: d.name,
        location: d.location,
        rssi: d.rssi,
        firmware: d.firmware,
        relay_count: u8::try_from(d.relay_count).unwrap_or(0),
        values,
        frames_ok: d.frames_ok,
        rejected: DeviceRejections {
            bad_mac: d.rejected_mac,
            malformed: d.rejected_malformed,
            values: d.rejected_values,
            quarantined: d.frames_quarantined,
            duplicates: d.frames_duplicate,
            last_problem,
        },
    }
}

/// The device page's live data.
pub async fn live(conn: &mut AsyncPgConnection, scope: &TenantScope, uid: &str) -> Result<DeviceLive, AppError> {
    let device = Device::find(conn, scope, uid).await?.ok_or_else(|| AppError::NotFound.reply())?;
    let id = device.id;
    let commands = CommandRow::recent(conn, scope, id, 20).await?;
    let events = super::db::devices::recent_events(conn, scope, id, 15).await?;
    let kept = super::db::devices::recent_quarantine(conn, scope, id, 10).await?;
    let mut summary = summaries(conn, scope, vec![device]).await?.pop().ok_or_else(|| AppError::NotFound.reply())?;
    let relay_count = summary
        .relay_count
        .max(summary.values.iter().filter(|v| v.kind == SensorKind::Relay).map(|v| v.channel + 1).max().unwrap_or(0));
    summary.relay_count = relay_count;
    let relays = (0..relay_count.min(MAX_RELAYS))
        .map(|relay| {
            let on =
                summary.values.iter().find(|v| v.kind == SensorKind::Relay && v.channel == relay).map(|v| v.value != 0);
            let mine = commands.iter().filter(|c| c.relay == Some(i16::from(relay)));
            let pending = mine.clone().find(|c| c.status == "pending").and_then(|c| target_state(&c.command));
            let last_outcome =
                mine.into_iter().find(|c| c.status != "pending").map(|c| outcome_label(&c.status).to_owned());
            RelayView { relay, on, pending, last_outcome }
        })
        .collect();
    let tz = scope.time_zone();
    let events = events
        .into_iter()
        .map(|(kind, at, detail)| EventView { at: format_local(at, tz), text: event_text(&kind, &detail) })
        .collect();
    let quarantine = kept
        .into_iter()
        .map(|(seq, payload, reason, at)| QuarantineView {
            at: format_local(at, tz),
            seq,
            reason,
            payload: String::from_utf8_lossy(&payload).escape_default().to_string(),
        })
        .collect();
    Ok(DeviceLive { device: summary, relays, events, quarantine })
}

fn target_state(command: &serde_json::Value) -> Option<bool> {
    match serde_json::from_value::<Command>(command.clone()).ok()? {
        Command::SetRelay { on, .. } => Some(on),
        Command::PulseRelay { .. } => Some(true),
        Command::RequestStatus => None,
    }
}

fn outcome_label(status: &str) -> &'static str {
    match status {
        "applied" => "Aplicado por el equipo",
        "refused" => "Rechazado por el equipo",
        "expired" => "Vencido: el equipo no respondió",
        _ => "Esperando al equipo",
    }
}

fn event_text(kind: &str, detail: &serde_json::Value) -> String {
    let field = |k: &str| detail.pointer(k).map(|v| v.to_string().trim_matches('"').to_owned()).unwrap_or_default();
    match kind {
        "boot" => format!("Arrancó: firmware {}, señal {} dBm", field("/boot/firmware"), field("/boot/rssi")),
        "status" => {
            format!("Estado: señal {} dBm, {} mensajes en cola", field("/status/rssi"), field("/status/queued"))
        }
        "door" => {
            if field("/door/open") == "1" {
                "Puerta abierta".into()
            } else {
                "Puerta cerrada".into()
            }
        }
        "rfid" => format!("Tarjeta leída: {}", field("/rfid/uid")),
        "command_ack" => format!(
            "Comando {} {}",
            field("/command_ack/cmd"),
            if field("/command_ack/ok") == "true" { "aplicado" } else { "rechazado" }
        ),
        other => other.to_owned(),
    }
}

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

/// Asks the device to switch `relay`; returns the command number.
pub async fn switch_relay(
    conn: &mut AsyncPgConnection,
    scope: &TenantScope,
    uid: &str,
    relay: u8,
    on: bool,
) -> Result<i64, AppError> {
    let device = Device::find(conn, scope, uid).await?.ok_or_else(|| AppError::NotFound.reply())?;
    if device.revoked_at.is_some() {
        return Err(AppError::conflict("El equipo está dado de baja: no recibe comandos."));
    }
    if relay >= MAX_RELAYS {
        return Err(AppError::invalid("relay", "Ese relé no existe."));
    }
    let command = Command::SetRelay { relay, on };
    Ok(CommandRow::create(conn, scope, device.id, Some(i16::from(relay)), &command).await?)
}
