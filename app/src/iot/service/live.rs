//! The devices list and one device's page: latest values, online state, relays with their
//! pending commands, recent events and the quarantine.

use chrono::{DateTime, Utc};
use diesel_async::AsyncPgConnection;
use shared::ids::DeviceId;
use shared::iot::codes::{CommandStatus, EventKind};
use shared::iot::dto::{
    DeviceLive, DeviceRejections, DeviceSummary, EventView, ONLINE_WITHIN_SECS, QuarantineView, RelayView, SensorValue,
};
use shared::iot::sensor::SensorKind;
use shared::iot::wire::{Command, MAX_RELAYS};

use crate::error::AppError;
use crate::iot::db::commands::CommandRow;
use crate::iot::db::devices::Device;
use crate::iot::db::readings::Latest;
use crate::tenancy::auth::TenantScope;
use crate::time::format_local;

/// Summaries of `devices` with their latest values.
pub async fn summaries(
    conn: &mut AsyncPgConnection,
    scope: &TenantScope,
    devices: Vec<Device>,
) -> Result<Vec<DeviceSummary>, AppError> {
    let ids: Vec<DeviceId> = devices.iter().map(|d| d.id).collect();
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
    let events = crate::iot::db::devices::recent_events(conn, scope, id, 15).await?;
    let kept = crate::iot::db::devices::recent_quarantine(conn, scope, id, 10).await?;
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
            let pending =
                mine.clone().find(|c| c.status == CommandStatus::Pending).and_then(|c| target_state(&c.command));
            let last_outcome =
                mine.into_iter().find(|c| c.status != CommandStatus::Pending).map(|c| c.status.label().to_owned());
            RelayView { relay, on, pending, last_outcome }
        })
        .collect();
    let tz = scope.time_zone();
    let events = events
        .into_iter()
        .map(|(kind, at, detail)| EventView { at: format_local(at, tz), text: event_text(kind, &detail) })
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

fn event_text(kind: EventKind, detail: &serde_json::Value) -> String {
    let field = |k: &str| detail.pointer(k).map(|v| v.to_string().trim_matches('"').to_owned()).unwrap_or_default();
    match kind {
        EventKind::Boot => format!("Arrancó: firmware {}, señal {} dBm", field("/boot/firmware"), field("/boot/rssi")),
        EventKind::Status => {
            format!("Estado: señal {} dBm, {} mensajes en cola", field("/status/rssi"), field("/status/queued"))
        }
        EventKind::Door => {
            if field("/door/open") == "1" {
                "Puerta abierta".into()
            } else {
                "Puerta cerrada".into()
            }
        }
        EventKind::Rfid => format!("Tarjeta leída: {}", field("/rfid/uid")),
        EventKind::CommandAck => format!(
            "Comando {} {}",
            field("/command_ack/cmd"),
            if field("/command_ack/ok") == "true" { "aplicado" } else { "rechazado" }
        ),
        EventKind::Rejected => "Mensaje rechazado por el servidor".into(),
    }
}
