//! What the server checks in a frame whose MAC is good, before any of it reaches the database.
//! A node with its own key can still send content PostgreSQL would refuse (a time that does not
//! fit a `timestamptz`, a NUL inside a text or a JSON string) or that no node sends (a relay it
//! does not have). Each such field gets a [`Problem`] here, so the ingest keeps the frame aside
//! with its reason (and acknowledges it) instead of failing the batch it came in.

use super::sensor::SensorKind;
use super::wire::{MAX_RELAYS, NodeEvent, Reading, Uplink, UplinkFrame};

/// Highest sequence number a frame may carry (2^53: exact in a JavaScript number and in a
/// PostgreSQL `bigint`; a node sending ten frames a second needs 28 million years to get there).
pub const MAX_SEQ: u64 = 1 << 53;

/// Channels a node can have of one kind.
pub const MAX_CHANNEL: u8 = 16;

/// Wi-Fi signal a radio can report, in dBm.
pub const RSSI_RANGE: (i16, i16) = (-127, 20);

/// The node times the server can store, in Unix milliseconds: `[earliest, latest)`. 0 ("no
/// clock yet") is always accepted: the server uses the arrival time then.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TimeWindow {
    /// Oldest storable time.
    pub earliest_ms: u64,
    /// First time past the newest storable one.
    pub latest_ms: u64,
}

impl TimeWindow {
    /// Whether `t` can be stored.
    pub const fn accepts(self, t: u64) -> bool {
        t == 0 || (t >= self.earliest_ms && t < self.latest_ms)
    }
}

/// Why (part of) a frame cannot be stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Problem {
    /// A reading outside its kind's range.
    ValueOutOfRange,
    /// A relay the node cannot have.
    NoSuchRelay,
    /// A channel number no node has.
    NoSuchChannel,
    /// A node time outside the stored window.
    TimeOutOfWindow,
    /// A sequence number above [`MAX_SEQ`] (or 0).
    SequenceOutOfRange,
    /// The firmware version is not a version (control characters, NUL, other symbols).
    BadFirmware,
    /// The card UID is not 4, 7 or 10 bytes in uppercase hexadecimal.
    BadCardUid,
    /// A Wi-Fi signal no radio reports.
    BadSignal,
    /// A door state other than 0 or 1.
    BadDoorState,
}

impl Problem {
    /// Stable code (logs, the quarantine table).
    pub const fn code(self) -> &'static str {
        match self {
            Self::ValueOutOfRange => "value_out_of_range",
            Self::NoSuchRelay => "no_such_relay",
            Self::NoSuchChannel => "no_such_channel",
            Self::TimeOutOfWindow => "time_out_of_window",
            Self::SequenceOutOfRange => "sequence_out_of_range",
            Self::BadFirmware => "bad_firmware",
            Self::BadCardUid => "bad_card_uid",
            Self::BadSignal => "bad_signal",
            Self::BadDoorState => "bad_door_state",
        }
    }

    /// What the device page says.
    pub const fn label(self) -> &'static str {
        match self {
            Self::ValueOutOfRange => "valor fuera de rango",
            Self::NoSuchRelay => "relé inexistente",
            Self::NoSuchChannel => "canal inexistente",
            Self::TimeOutOfWindow => "fecha fuera de rango",
            Self::SequenceOutOfRange => "número de mensaje fuera de rango",
            Self::BadFirmware => "versión de firmware inválida",
            Self::BadCardUid => "código de tarjeta inválido",
            Self::BadSignal => "señal Wi-Fi imposible",
            Self::BadDoorState => "estado de puerta inválido",
        }
    }
}

/// Why `reading` cannot be stored, if it cannot.
pub fn reading_problem(reading: &Reading, window: TimeWindow) -> Option<Problem> {
    if !reading.k.accepts(reading.v) {
        return Some(Problem::ValueOutOfRange);
    }
    if reading.k == SensorKind::Relay && reading.c >= MAX_RELAYS {
        return Some(Problem::NoSuchRelay);
    }
    if reading.c >= MAX_CHANNEL {
        return Some(Problem::NoSuchChannel);
    }
    if !window.accepts(reading.t) {
        return Some(Problem::TimeOutOfWindow);
    }
    None
}

/// Why the frame as a whole cannot be stored, if it cannot: [`sequence_problem`], then
/// [`message_problem`].
pub fn frame_problem(frame: &UplinkFrame, window: TimeWindow) -> Option<Problem> {
    sequence_problem(frame.seq, frame.floor).or_else(|| message_problem(&frame.msg, window))
}

/// A sequence number (or floor) no replay window can hold.
pub const fn sequence_problem(seq: u64, floor: u64) -> Option<Problem> {
    if seq == 0 || seq > MAX_SEQ || floor > MAX_SEQ { Some(Problem::SequenceOutOfRange) } else { None }
}

/// Why a message cannot be stored, if it cannot (an event or acknowledgement field). Readings
/// are checked one by one with [`reading_problem`]: the good ones of a frame are stored even when
/// another is not.
pub fn message_problem(msg: &Uplink, window: TimeWindow) -> Option<Problem> {
    match msg {
        Uplink::Telemetry { .. } => None,
        Uplink::Event(event) => event_problem(event, window),
        Uplink::CommandAck { cmd, relay, .. } => {
            if *cmd > MAX_SEQ {
                Some(Problem::SequenceOutOfRange)
            } else if *relay >= MAX_RELAYS {
                Some(Problem::NoSuchRelay)
            } else {
                None
            }
        }
    }
}

fn event_problem(event: &NodeEvent, window: TimeWindow) -> Option<Problem> {
    let signal_ok = |rssi: i16| rssi >= RSSI_RANGE.0 && rssi <= RSSI_RANGE.1;
    match event {
        NodeEvent::Boot { firmware, rssi, relays, .. } => {
            if !is_version(firmware) {
                Some(Problem::BadFirmware)
            } else if !signal_ok(*rssi) {
                Some(Problem::BadSignal)
            } else if *relays > MAX_RELAYS {
                Some(Problem::NoSuchRelay)
            } else {
                None
            }
        }
        NodeEvent::Status { rssi, .. } => (!signal_ok(*rssi)).then_some(Problem::BadSignal),
        NodeEvent::Door { c, open, t } => {
            if *c >= MAX_CHANNEL {
                Some(Problem::NoSuchChannel)
            } else if *open > 1 {
                Some(Problem::BadDoorState)
            } else if !window.accepts(*t) {
                Some(Problem::TimeOutOfWindow)
            } else {
                None
            }
        }
        NodeEvent::Rfid { uid, t } => {
            if !is_card_uid(uid) {
                Some(Problem::BadCardUid)
            } else if !window.accepts(*t) {
                Some(Problem::TimeOutOfWindow)
            } else {
                None
            }
        }
    }
}

/// A firmware version: 1..=24 of letters, digits and `.-+_` (semver with a build suffix).
pub fn is_version(s: &str) -> bool {
    !s.is_empty() && s.len() <= 24 && s.bytes().all(|b| b.is_ascii_alphanumeric() || b"._+-".contains(&b))
}

/// A card UID: 4, 7 or 10 bytes as uppercase hexadecimal.
pub fn is_card_uid(s: &str) -> bool {
    matches!(s.len(), 8 | 14 | 20) && s.bytes().all(|b| b.is_ascii_digit() || (b'A'..=b'F').contains(&b))
}

#[cfg(test)]
mod tests {
    use super::*;
    use heapless::String;

    const WINDOW: TimeWindow = TimeWindow { earliest_ms: 1_000, latest_ms: 2_000 };

    fn frame(msg: Uplink) -> UplinkFrame {
        UplinkFrame { v: 1, seq: 7, floor: 0, msg }
    }

    fn text<const N: usize>(s: &str) -> String<N> {
        String::try_from(s).unwrap()
    }

    #[test]
    fn an_event_time_past_the_window_or_u64_max_is_refused_and_zero_is_not() {
        for t in [u64::MAX, 2_000, 999] {
            let door = frame(Uplink::Event(NodeEvent::Door { c: 0, open: 1, t }));
            assert_eq!(frame_problem(&door, WINDOW), Some(Problem::TimeOutOfWindow), "t = {t}");
        }
        for t in [0, 1_000, 1_999] {
            let door = frame(Uplink::Event(NodeEvent::Door { c: 0, open: 1, t }));
            assert_eq!(frame_problem(&door, WINDOW), None, "t = {t}");
        }
    }

    #[test]
    fn texts_with_nul_or_control_characters_are_refused() {
        let boot =
            |fw: &str| frame(Uplink::Event(NodeEvent::Boot { firmware: text(fw), rssi: -60, free_heap: 1, relays: 2 }));
        assert_eq!(frame_problem(&boot("1.2.0"), WINDOW), None);
        assert_eq!(frame_problem(&boot("1.2.0+abc-rc_1"), WINDOW), None);
        for bad in ["1.2\0", "", "1.2\n", "versión", "1 2"] {
            assert_eq!(frame_problem(&boot(bad), WINDOW), Some(Problem::BadFirmware), "{bad:?}");
        }
        let card = |uid: &str| frame(Uplink::Event(NodeEvent::Rfid { uid: text(uid), t: 0 }));
        assert_eq!(frame_problem(&card("04A1B2C3"), WINDOW), None);
        assert_eq!(frame_problem(&card("04A1B2C3D4E5F6"), WINDOW), None);
        for bad in ["04a1b2c3", "04A1B2\0C", "04A1B2C", "XYZ12345"] {
            assert_eq!(frame_problem(&card(bad), WINDOW), Some(Problem::BadCardUid), "{bad:?}");
        }
    }

    #[test]
    fn numbers_out_of_range_are_refused() {
        let huge = UplinkFrame { seq: MAX_SEQ + 1, ..frame(Uplink::Telemetry { readings: heapless::Vec::new() }) };
        assert_eq!(frame_problem(&huge, WINDOW), Some(Problem::SequenceOutOfRange));
        let zero = UplinkFrame { seq: 0, ..huge.clone() };
        assert_eq!(frame_problem(&zero, WINDOW), Some(Problem::SequenceOutOfRange));
        let ack = frame(Uplink::CommandAck { cmd: 3, ok: true, relay: MAX_RELAYS, on: true });
        assert_eq!(frame_problem(&ack, WINDOW), Some(Problem::NoSuchRelay));
        let status = frame(Uplink::Event(NodeEvent::Status { rssi: 300, uptime_s: 1, queued: 0, dropped: 0 }));
        assert_eq!(frame_problem(&status, WINDOW), Some(Problem::BadSignal));
        let door = frame(Uplink::Event(NodeEvent::Door { c: 0, open: 2, t: 0 }));
        assert_eq!(frame_problem(&door, WINDOW), Some(Problem::BadDoorState));
        let r = Reading { k: SensorKind::Temperature, c: 0, t: 1_500, v: 50 };
        assert_eq!(reading_problem(&r, WINDOW), None);
        assert_eq!(reading_problem(&Reading { v: i32::MAX, ..r }, WINDOW), Some(Problem::ValueOutOfRange));
        assert_eq!(reading_problem(&Reading { c: 200, ..r }, WINDOW), Some(Problem::NoSuchChannel));
        assert_eq!(reading_problem(&Reading { t: u64::MAX, ..r }, WINDOW), Some(Problem::TimeOutOfWindow));
        let relay = Reading { k: SensorKind::Relay, c: MAX_RELAYS, t: 0, v: 1 };
        assert_eq!(reading_problem(&relay, WINDOW), Some(Problem::NoSuchRelay));
    }
}
