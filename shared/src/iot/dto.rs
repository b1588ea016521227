//! What the devices pages receive from the server (es-AR text already formatted with the
//! business' time zone, so the browser does no time-zone work).

use alloc::string::String;
use alloc::vec::Vec;
use serde::{Deserialize, Serialize};

use super::sensor::SensorKind;

/// A device is online if a frame arrived within this many seconds (nodes send at least a
/// status report every minute).
pub const ONLINE_WITHIN_SECS: i64 = 120;

/// One sensor's latest value.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SensorValue {
    /// Kind.
    pub kind: SensorKind,
    /// Channel.
    pub channel: u8,
    /// Raw fixed-point value.
    pub value: i32,
    /// Formatted with unit ("4,25 °C").
    pub text: String,
    /// When (local time).
    pub at: String,
}

/// A device in the list and at the top of its page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DeviceSummary {
    /// Public id.
    pub uid: String,
    /// Name.
    pub name: String,
    /// Location.
    pub location: String,
    /// A frame arrived within [`ONLINE_WITHIN_SECS`].
    pub online: bool,
    /// Its secret was revoked.
    pub revoked: bool,
    /// Last valid frame (local time), if any.
    pub last_seen: Option<String>,
    /// Wi-Fi signal (dBm).
    pub rssi: Option<i16>,
    /// Firmware version.
    pub firmware: Option<String>,
    /// Relays fitted (from its boot report).
    pub relay_count: u8,
    /// Latest values, sensors in a stable order.
    pub values: Vec<SensorValue>,
    /// Frames stored.
    pub frames_ok: i64,
    /// Frames refused (bad MAC, malformed, values) and received twice.
    pub rejected: DeviceRejections,
}

/// Refusal counters.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeviceRejections {
    /// Bad MAC.
    pub bad_mac: i64,
    /// Malformed.
    pub malformed: i64,
    /// Values out of range or impossible times.
    pub values: i64,
    /// Frames already stored (retries; replays).
    pub duplicates: i64,
    /// Frames kept aside: content that cannot be stored (see the device page's list).
    pub quarantined: i64,
    /// The last refusal, with its time.
    pub last_problem: Option<String>,
}

/// What a new (or re-keyed) device needs, shown once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeviceCredentials {
    /// Public id (MQTT username).
    pub uid: String,
    /// Name.
    pub name: String,
    /// The secret, 64 hex characters.
    pub secret: String,
    /// The broker address the node must use.
    pub broker_url: String,
    /// The password the node gives the broker (derived from the secret).
    pub broker_password: String,
    /// The provisioning JSON the QR code carries.
    pub provisioning: String,
    /// The QR code as an SVG document.
    pub qr_svg: String,
}

/// A relay's state.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RelayView {
    /// Relay number.
    pub relay: u8,
    /// State the node last reported (`None`: never).
    pub on: Option<bool>,
    /// A command waiting for the node: the state asked for.
    pub pending: Option<bool>,
    /// The last command's outcome ("Aplicado", "Vencido"...), if any.
    pub last_outcome: Option<String>,
}

/// A node event for the device page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventView {
    /// Local time.
    pub at: String,
    /// What happened, in words.
    pub text: String,
}

/// A frame kept aside, for the device page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuarantineView {
    /// When it arrived (local time).
    pub at: String,
    /// Its sequence number (-1: none a window can hold).
    pub seq: i64,
    /// Why it was kept aside.
    pub reason: String,
    /// What the node sent, as text (control characters shown as `\u{..}`).
    pub payload: String,
}

/// The device page's live part.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DeviceLive {
    /// Summary and latest values.
    pub device: DeviceSummary,
    /// Relays.
    pub relays: Vec<RelayView>,
    /// Latest events, newest first.
    pub events: Vec<EventView>,
    /// Latest frames kept aside, newest first.
    pub quarantine: Vec<QuarantineView>,
}

/// A chart's time range.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum ChartRange {
    /// Last hour, 1-minute buckets.
    Hour,
    /// Last 24 hours, 10-minute buckets.
    Day,
    /// Last 7 days, hourly buckets.
    Week,
    /// Last 30 days, 4-hour buckets.
    Month,
}

impl ChartRange {
    /// Every range, in button order.
    pub const ALL: [Self; 4] = [Self::Hour, Self::Day, Self::Week, Self::Month];

    /// Code in URLs.
    pub const fn code(self) -> &'static str {
        match self {
            Self::Hour => "1h",
            Self::Day => "24h",
            Self::Week => "7d",
            Self::Month => "30d",
        }
    }

    /// The range named `code`.
    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.code() == code)
    }

    /// Label.
    pub const fn label(self) -> &'static str {
        match self {
            Self::Hour => "1 h",
            Self::Day => "24 h",
            Self::Week => "7 días",
            Self::Month => "30 días",
        }
    }

    /// Length in seconds.
    pub const fn seconds(self) -> i64 {
        match self {
            Self::Hour => 3_600,
            Self::Day => 86_400,
            Self::Week => 7 * 86_400,
            Self::Month => 30 * 86_400,
        }
    }

    /// Bucket size in seconds (60 to 180 points per chart).
    pub const fn step_seconds(self) -> i64 {
        match self {
            Self::Hour => 60,
            Self::Day => 600,
            Self::Week => 3_600,
            Self::Month => 4 * 3_600,
        }
    }

    /// Whether hour rollups serve it.
    pub const fn uses_hours(self) -> bool {
        matches!(self, Self::Week | Self::Month)
    }
}

/// One chart point: a bucket's average, minimum and maximum in the kind's unit.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ChartPoint {
    /// Seconds from the chart's start.
    pub x: i64,
    /// Average.
    pub avg: f64,
    /// Minimum.
    pub min: f64,
    /// Maximum.
    pub max: f64,
}

/// One sensor's chart.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChartSeries {
    /// Kind.
    pub kind: SensorKind,
    /// Channel.
    pub channel: u8,
    /// Title ("Temperatura 1").
    pub title: String,
    /// Unit.
    pub unit: String,
    /// Chart length in seconds (x runs from 0 to this).
    pub span: i64,
    /// Points in time order.
    pub points: Vec<ChartPoint>,
    /// X-axis labels: seconds from the start and the local time to print.
    pub ticks: Vec<(i64, String)>,
    /// Readings the chart summarises.
    pub readings: i64,
}
