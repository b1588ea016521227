//! The node protocol, version 1: what nodes publish (uplink) and what the server sends back
//! (downlink). JSON on the wire, written identically by `serde_json` (server) and
//! `serde-json-core` (ESP32); enums externally tagged, collections heapless so the types build
//! without an allocator. Framing and the MAC are in [`super::frame`].
//!
//! Topics: a node publishes on `mostrador/n/<device id>/up` and listens on
//! `mostrador/n/<device id>/down`.

use heapless::{String, Vec};
use serde::{Deserialize, Serialize};

use super::sensor::SensorKind;

/// Protocol version in every frame (`v`). A server refuses versions it does not speak.
pub const PROTOCOL_VERSION: u8 = 1;

/// Most readings in one telemetry message: a node's real batch, which keeps a message under
/// 600 bytes (one TCP segment, small enough for the ESP32's buffers).
pub const MAX_READINGS: usize = 8;

/// Most relays a node drives.
pub const MAX_RELAYS: u8 = 8;

/// Topic prefix shared by every node.
pub const TOPIC_PREFIX: &str = "mostrador/n/";

/// One measurement.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reading {
    /// What was measured.
    pub k: SensorKind,
    /// Which sensor of that kind on the node (0-based).
    pub c: u8,
    /// When, in node time: Unix milliseconds. 0 means the node has no clock yet; the server
    /// then uses the time the message arrived.
    pub t: u64,
    /// The value in the kind's fixed-point unit ([`SensorKind::decimals`]).
    pub v: i32,
}

/// Something that happened on the node, sent as soon as it happens.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NodeEvent {
    /// The node started: its firmware, Wi-Fi signal and how many relays it drives.
    Boot {
        /// Firmware version (semver).
        firmware: String<24>,
        /// Wi-Fi signal in dBm.
        rssi: i16,
        /// Free heap in bytes.
        free_heap: u32,
        /// Relays fitted (0..=[`MAX_RELAYS`]).
        relays: u8,
    },
    /// A status report (after boot on request): signal, uptime, what is waiting to be sent.
    Status {
        /// Wi-Fi signal in dBm.
        rssi: i16,
        /// Seconds since boot.
        uptime_s: u32,
        /// Messages waiting for the server's acknowledgement.
        queued: u16,
        /// Readings the node had to drop because its buffer was full, since boot.
        dropped: u32,
    },
    /// A door contact changed (1 open, 0 closed) on channel `c`.
    Door {
        /// Channel.
        c: u8,
        /// 1 open, 0 closed.
        open: u8,
        /// Node time, Unix milliseconds (0 unknown).
        t: u64,
    },
    /// An RFID card was read: its UID in hexadecimal (4, 7 or 10 bytes).
    Rfid {
        /// Card UID, uppercase hex.
        uid: String<20>,
        /// Node time, Unix milliseconds (0 unknown).
        t: u64,
    },
}

/// What a node publishes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Uplink {
    /// A batch of readings.
    Telemetry {
        /// 1..=[`MAX_READINGS`] readings.
        readings: Vec<Reading, MAX_READINGS>,
    },
    /// An event.
    Event(NodeEvent),
    /// The node applied (or refused) the command with sequence `cmd`.
    CommandAck {
        /// The command's sequence number.
        cmd: u64,
        /// Whether it was applied.
        ok: bool,
        /// The relay it concerned.
        relay: u8,
        /// That relay's state now.
        on: bool,
    },
}

/// An uplink message with its sequence number: the node counts up from a value it keeps across
/// reboots, and never reuses one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UplinkFrame {
    /// [`PROTOCOL_VERSION`].
    pub v: u8,
    /// Frame counter (LoRaWAN's FCntUp).
    pub seq: u64,
    /// Every frame up to this number is committed or was given up by the node (its queue
    /// overflowed while offline): the server stops waiting for the missing ones, so its
    /// acknowledgements move on at once instead of after 64 more frames. 0 (left out): none.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub floor: u64,
    /// The message.
    pub msg: Uplink,
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

/// A command for a node.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Command {
    /// Switch a relay on or off and leave it so.
    SetRelay {
        /// Relay number.
        relay: u8,
        /// On or off.
        on: bool,
    },
    /// Switch a relay on for `ms` milliseconds, then off.
    PulseRelay {
        /// Relay number.
        relay: u8,
        /// Milliseconds on.
        ms: u32,
    },
    /// Send a [`NodeEvent::Status`] and every relay's state now.
    RequestStatus,
}

/// What the server sends a node.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Downlink {
    /// Every uplink frame up to the frame's `seq` is committed to the database: the node may
    /// forget them.
    Committed,
    /// Do this. The frame's `seq` is the command counter (LoRaWAN's FCntDown): a node applies
    /// a command only if its number is higher than the last one it applied.
    Command(Command),
}

/// A downlink message with its sequence number (see [`Downlink`] for what `seq` means).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct DownlinkFrame {
    /// [`PROTOCOL_VERSION`].
    pub v: u8,
    /// Acknowledged uplink sequence, or command counter.
    pub seq: u64,
    /// The message.
    pub msg: Downlink,
}

/// Direction of a frame; part of what the MAC covers, so a frame cannot be reflected back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// Node to server.
    Up,
    /// Server to node.
    Down,
}

impl Direction {
    /// The topic's last level.
    pub const fn code(self) -> &'static str {
        match self {
            Self::Up => "up",
            Self::Down => "down",
        }
    }
}

/// The topic for `device_id` in `direction`.
pub fn topic(device_id: &str, direction: Direction) -> alloc::string::String {
    alloc::format!("{TOPIC_PREFIX}{device_id}/{}", direction.code())
}

/// The device id and direction of a node topic, if `topic` is one.
pub fn parse_topic(topic: &str) -> Option<(&str, Direction)> {
    let rest = topic.strip_prefix(TOPIC_PREFIX)?;
    let (id, dir) = rest.split_once('/')?;
    let dir = match dir {
        "up" => Direction::Up,
        "down" => Direction::Down,
        _ => return None,
    };
    is_device_id(id).then_some((id, dir))
}

/// Length of a device id.
pub const DEVICE_ID_LEN: usize = 12;

/// Whether `id` has a device id's shape: [`DEVICE_ID_LEN`] lowercase letters and digits (safe in
/// topics, broker usernames and URLs).
pub fn is_device_id(id: &str) -> bool {
    id.len() == DEVICE_ID_LEN && id.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
}
