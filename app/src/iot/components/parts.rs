//! Pieces both devices pages show: the status badge, the latest values and the plain-text
//! figures (last seen, signal, firmware).

use leptos::prelude::*;
use shared::iot::dto::{DeviceSummary, SensorValue};

/// "En línea" / "Sin conexión" / "Dado de baja".
#[component]
pub fn StatusBadge(
    /// The device.
    device: DeviceSummary,
) -> impl IntoView {
    let (class, code, text) = if device.revoked {
        ("badge bad", "revoked", "Dado de baja")
    } else if device.online {
        ("badge ok", "online", "En línea")
    } else {
        ("badge warn", "offline", "Sin conexión")
    };
    view! {
        <span class=class data-testid="device-status" data-status=code>
            {text}
        </span>
    }
}

/// The latest values, each with its kind and channel ("Temperatura 1: 4,25 °C"); the value
/// carries `data-testid="live-<kind>-<channel>"`.
#[component]
pub fn LiveValues(
    /// Values in the server's (stable) order.
    values: Vec<SensorValue>,
) -> impl IntoView {
    if values.is_empty() {
        return view! {
            <p class="empty" data-testid="no-values">
                "Todavía no mandó lecturas."
            </p>
        }
        .into_any();
    }
    view! {
        <ul class="readings">
            {values
                .into_iter()
                .map(|v| {
                    view! {
                        <li title=format!("Medido: {}", v.at)>
                            <span class="reading-label">
                                {format!("{} {}", v.kind.label(), u16::from(v.channel) + 1)}
                            </span>
                            <strong class="reading-value" data-testid=format!("live-{}-{}", v.kind.code(), v.channel)>
                                {v.text}
                            </strong>
                        </li>
                    }
                })
                .collect_view()}
        </ul>
    }
    .into_any()
}

/// Location, last seen, Wi-Fi signal and firmware in one line ("Depósito · Visto: … · Señal:
/// -61 dBm · Firmware: 1.4.2"), dashes for what the node has not reported.
pub fn meta_line(device: &DeviceSummary) -> String {
    let seen = device.last_seen.as_deref().unwrap_or("nunca");
    let rssi = device.rssi.map_or_else(|| "—".to_owned(), |r| format!("{r} dBm"));
    let firmware = device.firmware.as_deref().unwrap_or("—");
    let details = format!("Visto: {seen} · Señal: {rssi} · Firmware: {firmware}");
    if device.location.is_empty() { details } else { format!("{} · {details}", device.location) }
}
