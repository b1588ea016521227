//! Framing and authenticity: a frame on the wire is the message's JSON, a `.` and the MAC in
//! lowercase hex. The MAC is HMAC-SHA256 with the device's own secret, truncated to 128 bits
//! (RFC 2104 §5), over a domain label, the direction, the device id and the JSON bytes. So a
//! frame only verifies for the device and the direction it was made for; the sequence number
//! inside it (checked by [`super::replay`] and the node) stops replays.

use hmac::{Hmac, Mac};
use serde::Serialize;
use serde::de::DeserializeOwned;
use sha2::Sha256;

use super::wire::{Direction, PROTOCOL_VERSION};

/// Bytes of the device secret.
pub const SECRET_LEN: usize = 32;
/// Bytes of the (truncated) MAC.
pub const MAC_LEN: usize = 16;
/// Largest frame a node or the server sends (JSON + `.` + MAC).
pub const MAX_FRAME: usize = 1024;

const LABEL: &[u8] = b"mostrador/v1/";

/// A device secret.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(pub [u8; SECRET_LEN]);

impl core::fmt::Debug for Secret {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("Secret(..)")
    }
}

impl Secret {
    /// The secret in `bytes` (as the database keeps it), if it is [`SECRET_LEN`] long.
    pub fn from_bytes(bytes: &[u8]) -> Option<Self> {
        <[u8; SECRET_LEN]>::try_from(bytes).ok().map(Self)
    }

    /// Parses the 64-character hex form people and the QR code carry.
    pub fn from_hex(hex: &str) -> Option<Self> {
        let mut out = [0u8; SECRET_LEN];
        decode_hex(hex.trim(), &mut out)?;
        Some(Self(out))
    }

    /// The 64-character lowercase hex form.
    pub fn to_hex(&self) -> alloc::string::String {
        let mut s = alloc::string::String::with_capacity(SECRET_LEN * 2);
        for b in self.0 {
            push_hex(&mut s, b);
        }
        s
    }

    /// The password the device gives the MQTT broker: derived from the secret, so the secret
    /// itself never crosses the network (MQTT passwords travel in clear on plain TCP).
    pub fn broker_password(&self, device_id: &str) -> alloc::string::String {
        let mut mac = self.hmac();
        mac.update(LABEL);
        mac.update(b"broker-password/");
        mac.update(device_id.as_bytes());
        let tag = mac.finalize().into_bytes();
        let mut s = alloc::string::String::with_capacity(32);
        for b in &tag[..16] {
            push_hex(&mut s, *b);
        }
        s
    }

    fn hmac(&self) -> Hmac<Sha256> {
        // HMAC takes keys of any length: this cannot fail.
        match <Hmac<Sha256> as Mac>::new_from_slice(&self.0) {
            Ok(m) => m,
            Err(_) => unreachable!("HMAC accepts any key length"),
        }
    }

    fn tag(&self, direction: Direction, device_id: &str, json: &[u8]) -> [u8; MAC_LEN] {
        let mut mac = self.hmac();
        mac.update(LABEL);
        mac.update(direction.code().as_bytes());
        mac.update(b"/");
        mac.update(device_id.as_bytes());
        mac.update(b"\n");
        mac.update(json);
        let full = mac.finalize().into_bytes();
        let mut out = [0u8; MAC_LEN];
        out.copy_from_slice(&full[..MAC_LEN]);
        out
    }
}

/// Why a frame was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FrameError {
    /// Not `json.mac`, or too large.
    Shape,
    /// The MAC does not match: another device's secret, altered, or forged.
    BadMac,
    /// The MAC matches but the JSON is not a message of this protocol.
    Malformed,
    /// A protocol version this side does not speak.
    Version,
    /// The message would not fit in [`MAX_FRAME`].
    TooLarge,
}

impl FrameError {
    /// A short code for counters and logs.
    pub const fn code(self) -> &'static str {
        match self {
            Self::Shape => "shape",
            Self::BadMac => "bad_mac",
            Self::Malformed => "malformed",
            Self::Version => "version",
            Self::TooLarge => "too_large",
        }
    }
}

/// Encodes `message` for `device_id` into `buf` and returns the frame's length.
pub fn encode_into<T: Serialize>(
    message: &T,
    secret: &Secret,
    direction: Direction,
    device_id: &str,
    buf: &mut [u8],
) -> Result<usize, FrameError> {
    let room = buf.len().min(MAX_FRAME).saturating_sub(1 + MAC_LEN * 2);
    let json_len = serde_json_core::to_slice(message, &mut buf[..room]).map_err(|_| FrameError::TooLarge)?;
    let tag = secret.tag(direction, device_id, &buf[..json_len]);
    buf[json_len] = b'.';
    let mut at = json_len + 1;
    for b in tag {
        let [hi, lo] = hex_pair(b);
        buf[at] = hi;
        buf[at + 1] = lo;
        at += 2;
    }
    Ok(at)
}

/// Encodes `message` into a new vector (see [`encode_into`]).
pub fn encode<T: Serialize>(
    message: &T,
    secret: &Secret,
    direction: Direction,
    device_id: &str,
) -> Result<alloc::vec::Vec<u8>, FrameError> {
    let mut buf = [0u8; MAX_FRAME];
    let len = encode_into(message, secret, direction, device_id, &mut buf)?;
    Ok(buf[..len].to_vec())
}

/// Splits a frame into its JSON and checks its MAC, without parsing the JSON.
pub fn verify<'a>(
    frame: &'a [u8],
    secret: &Secret,
    direction: Direction,
    device_id: &str,
) -> Result<&'a [u8], FrameError> {
    if frame.len() > MAX_FRAME || frame.len() < MAC_LEN * 2 + 3 {
        return Err(FrameError::Shape);
    }
    let (json, rest) = frame.split_at(frame.len() - MAC_LEN * 2 - 1);
    if rest[0] != b'.' {
        return Err(FrameError::Shape);
    }
    let mut given = [0u8; MAC_LEN];
    let hex = core::str::from_utf8(&rest[1..]).map_err(|_| FrameError::Shape)?;
    decode_hex(hex, &mut given).ok_or(FrameError::Shape)?;
    let expected = secret.tag(direction, device_id, json);
    // Constant time, so the MAC cannot be guessed byte by byte from response times.
    if !constant_time_eq(&expected, &given) {
        return Err(FrameError::BadMac);
    }
    Ok(json)
}

/// Whether `a` and `b` are equal, taking the same time wherever they differ (MACs, passwords).
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// A message that carries the protocol version.
pub trait Versioned {
    /// The frame's `v`.
    fn version(&self) -> u8;
}

impl Versioned for super::wire::UplinkFrame {
    fn version(&self) -> u8 {
        self.v
    }
}

impl Versioned for super::wire::DownlinkFrame {
    fn version(&self) -> u8 {
        self.v
    }
}

/// Verifies and parses a frame with `serde-json-core` (no allocator needed).
pub fn decode<T: DeserializeOwned + Versioned>(
    frame: &[u8],
    secret: &Secret,
    direction: Direction,
    device_id: &str,
) -> Result<T, FrameError> {
    let json = verify(frame, secret, direction, device_id)?;
    let (message, _): (T, usize) = serde_json_core::from_slice(json).map_err(|_| FrameError::Malformed)?;
    if message.version() != PROTOCOL_VERSION {
        return Err(FrameError::Version);
    }
    Ok(message)
}

fn hex_pair(b: u8) -> [u8; 2] {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    [DIGITS[usize::from(b >> 4)], DIGITS[usize::from(b & 0xf)]]
}

fn push_hex(s: &mut alloc::string::String, b: u8) {
    for c in hex_pair(b) {
        s.push(char::from(c));
    }
}

fn decode_hex(hex: &str, out: &mut [u8]) -> Option<()> {
    if hex.len() != out.len() * 2 {
        return None;
    }
    let nibble = |c: u8| match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        b'A'..=b'F' => Some(c - b'A' + 10),
        _ => None,
    };
    for (i, pair) in hex.as_bytes().chunks_exact(2).enumerate() {
        out[i] = (nibble(pair[0])? << 4) | nibble(pair[1])?;
    }
    Some(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::iot::sensor::SensorKind;
    use crate::iot::wire::*;

    fn secret(b: u8) -> Secret {
        Secret([b; SECRET_LEN])
    }

    fn telemetry(seq: u64) -> UplinkFrame {
        let mut readings = heapless::Vec::new();
        readings.push(Reading { k: SensorKind::Temperature, c: 0, t: 1_764_000_000_000, v: -405 }).unwrap();
        readings.push(Reading { k: SensorKind::Door, c: 1, t: 1_764_000_000_500, v: 1 }).unwrap();
        UplinkFrame { v: PROTOCOL_VERSION, seq, floor: 0, msg: Uplink::Telemetry { readings } }
    }

    fn all_messages() -> alloc::vec::Vec<UplinkFrame> {
        let mut firmware = heapless::String::new();
        firmware.push_str("1.4.2").unwrap();
        let mut uid = heapless::String::new();
        uid.push_str("04A1B2C3D4E5F6").unwrap();
        let msgs = [
            telemetry(7).msg,
            Uplink::Event(NodeEvent::Boot { firmware, rssi: -67, free_heap: 123_456, relays: 2 }),
            Uplink::Event(NodeEvent::Status { rssi: -70, uptime_s: 3600, queued: 3, dropped: 0 }),
            Uplink::Event(NodeEvent::Door { c: 0, open: 1, t: 0 }),
            Uplink::Event(NodeEvent::Rfid { uid, t: 1_764_000_000_000 }),
            Uplink::CommandAck { cmd: 12, ok: true, relay: 1, on: false },
        ];
        msgs.into_iter().enumerate().map(|(i, msg)| UplinkFrame { v: 1, seq: i as u64 + 1, floor: 0, msg }).collect()
    }

    #[test]
    fn serde_json_and_serde_json_core_write_the_same_bytes() {
        for frame in all_messages() {
            let a = serde_json::to_vec(&frame).unwrap();
            let mut buf = [0u8; 1024];
            let n = serde_json_core::to_slice(&frame, &mut buf).unwrap();
            assert_eq!(core::str::from_utf8(&a).unwrap(), core::str::from_utf8(&buf[..n]).unwrap());
            // And both read it back.
            assert_eq!(serde_json::from_slice::<UplinkFrame>(&a).unwrap(), frame);
            assert_eq!(serde_json_core::from_slice::<UplinkFrame>(&a).unwrap().0, frame);
        }
        for msg in [
            Downlink::Committed,
            Downlink::Command(Command::SetRelay { relay: 0, on: true }),
            Downlink::Command(Command::PulseRelay { relay: 1, ms: 1500 }),
            Downlink::Command(Command::RequestStatus),
        ] {
            let frame = DownlinkFrame { v: 1, seq: 99, msg };
            let a = serde_json::to_vec(&frame).unwrap();
            let mut buf = [0u8; 256];
            let n = serde_json_core::to_slice(&frame, &mut buf).unwrap();
            assert_eq!(a, &buf[..n]);
            assert_eq!(serde_json_core::from_slice::<DownlinkFrame>(&a).unwrap().0, frame);
        }
    }

    #[test]
    fn the_wire_format_is_stable() {
        let json = serde_json::to_string(&telemetry(42)).unwrap();
        assert_eq!(
            json,
            r#"{"v":1,"seq":42,"msg":{"telemetry":{"readings":[{"k":"temperature","c":0,"t":1764000000000,"v":-405},{"k":"door","c":1,"t":1764000000500,"v":1}]}}}"#
        );
        let down = serde_json::to_string(&DownlinkFrame { v: 1, seq: 5, msg: Downlink::Committed }).unwrap();
        assert_eq!(down, r#"{"v":1,"seq":5,"msg":"committed"}"#);
    }

    #[test]
    fn a_frame_verifies_only_for_its_device_direction_and_secret() {
        let frame = encode(&telemetry(1), &secret(1), Direction::Up, "aaaaaaaaaaaa").unwrap();
        let back: UplinkFrame = decode(&frame, &secret(1), Direction::Up, "aaaaaaaaaaaa").unwrap();
        assert_eq!(back, telemetry(1));
        assert_eq!(decode::<UplinkFrame>(&frame, &secret(2), Direction::Up, "aaaaaaaaaaaa"), Err(FrameError::BadMac));
        assert_eq!(decode::<UplinkFrame>(&frame, &secret(1), Direction::Up, "bbbbbbbbbbbb"), Err(FrameError::BadMac));
        assert_eq!(decode::<UplinkFrame>(&frame, &secret(1), Direction::Down, "aaaaaaaaaaaa"), Err(FrameError::BadMac));
    }

    #[test]
    fn any_change_to_a_frame_is_caught() {
        let frame = encode(&telemetry(1), &secret(1), Direction::Up, "aaaaaaaaaaaa").unwrap();
        for i in 0..frame.len() {
            let mut bad = frame.clone();
            bad[i] ^= 0x01;
            assert!(decode::<UplinkFrame>(&bad, &secret(1), Direction::Up, "aaaaaaaaaaaa").is_err(), "byte {i}");
        }
        assert_eq!(verify(b"{}", &secret(1), Direction::Up, "aaaaaaaaaaaa"), Err(FrameError::Shape));
        assert_eq!(
            verify(&frame[..frame.len() - 1], &secret(1), Direction::Up, "aaaaaaaaaaaa"),
            Err(FrameError::Shape)
        );
    }

    #[test]
    fn signed_garbage_is_malformed_and_other_versions_refused() {
        let secret = secret(3);
        let mut frame = alloc::vec::Vec::from(&b"{\"v\":1,\"seq\":\"x\"}"[..]);
        let tag = secret.tag(Direction::Up, "aaaaaaaaaaaa", &frame);
        frame.push(b'.');
        for b in tag {
            frame.extend_from_slice(&hex_pair(b));
        }
        assert_eq!(decode::<UplinkFrame>(&frame, &secret, Direction::Up, "aaaaaaaaaaaa"), Err(FrameError::Malformed));
        let v2 = UplinkFrame { v: 2, ..telemetry(1) };
        let frame = encode(&v2, &secret, Direction::Up, "aaaaaaaaaaaa").unwrap();
        assert_eq!(decode::<UplinkFrame>(&frame, &secret, Direction::Up, "aaaaaaaaaaaa"), Err(FrameError::Version));
    }

    #[test]
    fn secrets_round_trip_through_hex_and_derive_a_broker_password() {
        let s = Secret::from_hex(&"ab".repeat(32)).unwrap();
        assert_eq!(s.to_hex(), "ab".repeat(32));
        assert!(Secret::from_hex("abc").is_none());
        assert!(Secret::from_hex(&"zz".repeat(32)).is_none());
        let p = s.broker_password("aaaaaaaaaaaa");
        assert_eq!(p.len(), 32);
        assert_ne!(p, s.broker_password("bbbbbbbbbbbb"));
        assert!(!p.contains(&s.to_hex()[..8]));
    }

    #[test]
    fn topics_name_one_device() {
        assert_eq!(topic("k3f9x2m8q1ab", Direction::Up), "mostrador/n/k3f9x2m8q1ab/up");
        assert_eq!(parse_topic("mostrador/n/k3f9x2m8q1ab/down"), Some(("k3f9x2m8q1ab", Direction::Down)));
        assert_eq!(parse_topic("mostrador/n/K3F9X2M8Q1AB/up"), None);
        assert_eq!(parse_topic("mostrador/n/k3f9x2m8q1ab/up/x"), None);
        assert_eq!(parse_topic("otra/cosa"), None);
    }
}
