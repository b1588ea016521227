//! What the system status page ("Estado del sistema") shows: database and broker health,
//! connected clients, message rate and the last messages the server received. Built by the
//! server, sent to the browser as JSON both by a server function and by the live event stream.

use alloc::string::String;
use alloc::vec::Vec;
use serde::{Deserialize, Serialize};

/// How many recent messages the page keeps and shows.
pub const RECENT_MESSAGES: usize = 50;

/// Payload bytes shown per message; longer payloads are cut (and marked) so one big message
/// cannot bloat the page or the event stream.
pub const PAYLOAD_PREVIEW_BYTES: usize = 512;

/// Health of one part the server depends on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Health {
    /// Working; `latency_ms` is how long the last check took.
    Ok { latency_ms: u32 },
    /// Not working, with a reason safe to show to the operator.
    Down { reason: String },
}

impl Health {
    /// Whether this part works.
    pub const fn is_ok(&self) -> bool {
        matches!(self, Self::Ok { .. })
    }
}

/// Which broker the server talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum BrokerMode {
    /// rmqtt running inside this server process.
    Embedded,
    /// An external broker (Mosquitto, EMQX) given by `APP_MQTT__URL`.
    External,
}

/// One MQTT message as the server received it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReceivedMessage {
    /// Increasing per server process; lets the browser skip messages it already shows.
    pub seq: u64,
    /// The topic it was published on.
    pub topic: String,
    /// The payload as text (lossy UTF-8), cut at [`PAYLOAD_PREVIEW_BYTES`].
    pub payload: String,
    /// The full payload size in bytes.
    pub size: u32,
    /// Whether `payload` was cut.
    pub truncated: bool,
    /// QoS level it arrived with (0, 1 or 2).
    pub qos: u8,
    /// Whether the broker delivered it as a retained message.
    pub retained: bool,
    /// When the server received it, Unix milliseconds (UTC).
    pub received_at_ms: i64,
    /// The same instant in the installation's time zone, `HH:MM:SS`, formatted by the server
    /// so the browser needs no time-zone database.
    pub received_at_local: String,
}

/// Everything the status page shows at one moment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SystemStatus {
    /// This server's version (`CARGO_PKG_VERSION`).
    pub version: String,
    /// How long this server process has been running, in seconds.
    pub uptime_secs: u64,
    /// PostgreSQL.
    pub database: Health,
    /// The MQTT broker as the server's own client sees it.
    pub broker: Health,
    /// Embedded or external broker.
    pub broker_mode: BrokerMode,
    /// Clients connected to the broker, when the broker tells (the embedded broker's count, or
    /// `$SYS/broker/clients/connected` on Mosquitto).
    pub connected_clients: Option<u32>,
    /// Messages per second over the last 10 s, in hundredths.
    pub rate_10s_x100: u64,
    /// Messages per second over the last 60 s, in hundredths.
    pub rate_60s_x100: u64,
    /// Messages received since this server started.
    pub total_messages: u64,
    /// App servers seen alive in the last minute (from PostgreSQL heartbeats).
    pub servers_online: u32,
    /// The most recent messages, newest first, at most [`RECENT_MESSAGES`].
    pub recent: Vec<ReceivedMessage>,
    /// This server's sensor ingest.
    pub ingest: IngestSummary,
}

/// What this server's sensor ingest has done since it started.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct IngestSummary {
    /// Readings committed per second over the last 10 s, in hundredths.
    pub readings_per_sec_x100: u64,
    /// Readings committed.
    pub readings: u64,
    /// Frames committed.
    pub frames: u64,
    /// Frames received again (retries, replays): acknowledged, not stored twice.
    pub duplicates: u64,
    /// Frames refused: MAC did not match.
    pub bad_mac: u64,
    /// Frames refused: not a frame of the protocol.
    pub malformed: u64,
    /// Frames refused: no such device, or revoked.
    pub unknown_device: u64,
    /// Readings refused: impossible value or time.
    pub rejected_values: u64,
}

/// A change pushed to open status pages over the live event stream.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum StatusEvent {
    /// The whole status, recent messages included: the first event of every connection, so a
    /// page that (re)connects, possibly to another server, starts from that server's state.
    Snapshot(SystemStatus),
    /// A new message arrived.
    Message(ReceivedMessage),
    /// Periodic refresh of the counters and health (without `recent`, which is sent as
    /// `Message` events).
    Summary(SystemStatus),
}

/// Cuts `payload` to at most [`PAYLOAD_PREVIEW_BYTES`] of lossy UTF-8 text on a character
/// boundary. Returns the text and whether it was cut.
pub fn payload_preview(payload: &[u8]) -> (String, bool) {
    let cut = payload.len() > PAYLOAD_PREVIEW_BYTES;
    let bytes = if cut { &payload[..PAYLOAD_PREVIEW_BYTES] } else { payload };
    let mut text = String::from_utf8_lossy(bytes).into_owned();
    if cut && text.ends_with('\u{FFFD}') {
        // The cut may split a multi-byte character; drop the broken tail.
        text.pop();
    }
    (text, cut)
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec;

    #[test]
    fn short_payloads_are_shown_whole() {
        assert_eq!(payload_preview(b"{\"t\":4.5}"), ("{\"t\":4.5}".into(), false));
    }

    #[test]
    fn long_payloads_are_cut_on_a_character_boundary() {
        let mut payload = vec![b'a'; PAYLOAD_PREVIEW_BYTES - 1];
        payload.extend_from_slice("ñandú".as_bytes());
        let (text, cut) = payload_preview(&payload);
        assert!(cut);
        assert!(text.len() <= PAYLOAD_PREVIEW_BYTES);
        assert!(!text.contains('\u{FFFD}'));
    }

    #[test]
    fn binary_payloads_become_replacement_characters() {
        let (text, cut) = payload_preview(&[0xff, 0x41]);
        assert_eq!(text, "\u{FFFD}A");
        assert!(!cut);
    }

    #[test]
    fn status_events_are_externally_tagged() {
        let event = StatusEvent::Message(ReceivedMessage {
            seq: 1,
            topic: "a".into(),
            payload: "x".into(),
            size: 1,
            truncated: false,
            qos: 0,
            retained: false,
            received_at_ms: 0,
            received_at_local: "00:00:00".into(),
        });
        let json = serde_json::to_string(&event).unwrap();
        assert!(json.starts_with("{\"Message\":{"));
        assert_eq!(serde_json::from_str::<StatusEvent>(&json).unwrap(), event);
    }
}
