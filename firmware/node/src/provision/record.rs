//! The provisioning as a flash record, kept in two slots (A/B). A record is magic, format,
//! payload length, generation, payload and a CRC-32 over all of it, so erased flash (all 0xFF)
//! reads as "not provisioned" and a torn write as "corrupt", never as settings. Saves go to the
//! slot not holding the newest good record, so a power cut mid-write keeps the previous one.
//! Pure functions: the firmware reads and writes the two flash sectors.

use core::fmt;

use shared::iot::frame::{SECRET_LEN, Secret};

use super::{Broker, Identity, ProfileCode, Provisioning, Wifi};
use crate::slots;
pub use crate::slots::Slot;

/// Bytes the firmware writes per slot: a multiple of 4 (flash writes are word-aligned) with room
/// for the largest payload (about 230 bytes), small enough for a stack buffer.
pub const RECORD_LEN: usize = 256;

const MAGIC: [u8; 4] = *b"MPRV";
const FORMAT: u8 = 1;
/// Magic (4), format (1), reserved (1), payload length (2), generation (4).
const HEADER_LEN: usize = 12;
const CRC_LEN: usize = 4;
const PAYLOAD_MAX: usize = RECORD_LEN - HEADER_LEN - CRC_LEN;
/// Flags, id, secret, host, port, SSID, password, profile (strings carry a length byte).
const PAYLOAD_LARGEST: usize = 1 + 12 + SECRET_LEN + (1 + 63 + 2) + (1 + 32 + 1 + 63) + (1 + 16);
const _: () = assert!(RECORD_LEN.is_multiple_of(4) && RECORD_LEN <= 512 && PAYLOAD_LARGEST <= PAYLOAD_MAX);

const HAS_IDENTITY: u8 = 1;
const HAS_BROKER: u8 = 1 << 1;
const HAS_WIFI: u8 = 1 << 2;
const HAS_PROFILE: u8 = 1 << 3;

/// Why a slot holds no usable record.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RecordError {
    /// Erased flash: the node was never provisioned (or was erased).
    Blank,
    /// Wrong magic, length or CRC: a torn write or foreign data.
    Corrupt,
    /// A record format this firmware does not know (written by a newer one).
    UnknownFormat(u8),
    /// The CRC matches but a value fails its check.
    Invalid,
}

impl fmt::Display for RecordError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Blank => f.write_str("sin aprovisionar"),
            Self::Corrupt => f.write_str("registro dañado (escritura interrumpida)"),
            Self::UnknownFormat(v) => write!(f, "registro en formato {v}, desconocido para este firmware"),
            Self::Invalid => f.write_str("registro con valores inválidos"),
        }
    }
}

/// A good record: its generation and settings.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Stored {
    /// Incremented (wrapping) on every save; the newer of two slots wins.
    pub generation: u32,
    /// The settings.
    pub provisioning: Provisioning,
}

impl Provisioning {
    /// Writes the record for `generation` into `buf`, padded with 0xFF like erased flash.
    pub fn encode(&self, generation: u32, buf: &mut [u8; RECORD_LEN]) {
        buf.fill(0xFF);
        let mut w = Writer { buf: &mut buf[HEADER_LEN..HEADER_LEN + PAYLOAD_MAX], at: 1 };
        let mut flags = 0;
        if let Some(identity) = &self.identity {
            flags |= HAS_IDENTITY;
            w.put(identity.device_id().as_bytes());
            w.put(&identity.secret().0);
        }
        if let Some(broker) = &self.broker {
            flags |= HAS_BROKER;
            w.put_str(broker.host());
            w.put(&broker.port().to_le_bytes());
        }
        if let Some(wifi) = &self.wifi {
            flags |= HAS_WIFI;
            w.put_str(wifi.ssid());
            w.put_str(wifi.password());
        }
        if let Some(profile) = &self.profile {
            flags |= HAS_PROFILE;
            w.put_str(profile.as_str());
        }
        w.buf[0] = flags;
        let len = w.at;
        buf[..4].copy_from_slice(&MAGIC);
        buf[4] = FORMAT;
        buf[5] = 0;
        // `len` <= PAYLOAD_MAX (checked at compile time above), so it fits in a u16.
        buf[6..8].copy_from_slice(&(len as u16).to_le_bytes());
        buf[8..12].copy_from_slice(&generation.to_le_bytes());
        let end = HEADER_LEN + len;
        let crc = crc32(&buf[..end]);
        buf[end..end + CRC_LEN].copy_from_slice(&crc.to_le_bytes());
    }

    /// Reads a record's settings; see [`read`].
    pub fn decode(bytes: &[u8]) -> Result<Self, RecordError> {
        read(bytes).map(|stored| stored.provisioning)
    }
}

/// Reads a slot's bytes (at least the record; a whole sector is fine).
pub fn read(bytes: &[u8]) -> Result<Stored, RecordError> {
    let record = &bytes[..RECORD_LEN.min(bytes.len())];
    if !record.is_empty() && record.iter().all(|b| *b == 0xFF) {
        return Err(RecordError::Blank);
    }
    let header = bytes.get(..HEADER_LEN).ok_or(RecordError::Corrupt)?;
    if header[..4] != MAGIC {
        return Err(RecordError::Corrupt);
    }
    let len = usize::from(u16::from_le_bytes([header[6], header[7]]));
    if len > PAYLOAD_MAX {
        return Err(RecordError::Corrupt);
    }
    let end = HEADER_LEN + len;
    let stored_crc = bytes.get(end..end + CRC_LEN).ok_or(RecordError::Corrupt)?;
    if crc32(&bytes[..end]).to_le_bytes() != stored_crc {
        return Err(RecordError::Corrupt);
    }
    if header[4] != FORMAT {
        return Err(RecordError::UnknownFormat(header[4]));
    }
    let generation = u32::from_le_bytes([header[8], header[9], header[10], header[11]]);
    let provisioning = payload(&bytes[HEADER_LEN..end]).ok_or(RecordError::Invalid)?;
    Ok(Stored { generation, provisioning })
}

fn payload(bytes: &[u8]) -> Option<Provisioning> {
    let mut r = Reader(bytes);
    let flags = r.take(1)?[0];
    let mut p = Provisioning::default();
    if flags & HAS_IDENTITY != 0 {
        let id = core::str::from_utf8(r.take(12)?).ok()?;
        p.identity = Some(Identity::from_parts(id, Secret::from_bytes(r.take(SECRET_LEN)?)?).ok()?);
    }
    if flags & HAS_BROKER != 0 {
        let host = r.str()?;
        let port = r.take(2)?;
        p.broker = Some(Broker::new(host, u16::from_le_bytes([port[0], port[1]])).ok()?);
    }
    if flags & HAS_WIFI != 0 {
        p.wifi = Some(Wifi::new(r.str()?, r.str()?).ok()?);
    }
    if flags & HAS_PROFILE != 0 {
        p.profile = Some(ProfileCode::new(r.str()?).ok()?);
    }
    let known = HAS_IDENTITY | HAS_BROKER | HAS_WIFI | HAS_PROFILE;
    (r.0.is_empty() && flags & !known == 0).then_some(p)
}

/// The slot holding the newest good record, and its settings; `None` if neither is good.
pub fn pick(a: &[u8], b: &[u8]) -> Option<(Slot, Provisioning)> {
    newest(a, b).map(|(slot, stored)| (slot, stored.provisioning))
}

/// Where the next save goes and with which generation: the slot not holding the newest good
/// record, one generation on (wrapping). With no good record: slot A, generation 0.
pub fn next_slot(a: &[u8], b: &[u8]) -> (Slot, u32) {
    match newest(a, b) {
        Some((slot, stored)) => (slot.other(), stored.generation.wrapping_add(1)),
        None => (Slot::A, 0),
    }
}

fn newest(a: &[u8], b: &[u8]) -> Option<(Slot, Stored)> {
    slots::newest(read(a).ok(), read(b).ok(), |s| s.generation)
}

/// CRC-32/ISO-HDLC (the zlib/Ethernet CRC): reflected polynomial 0xEDB88320, initial value and
/// final XOR 0xFFFFFFFF. Bitwise rather than table-driven: records are small and flash is not.
pub fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = u32::MAX;
    for byte in bytes {
        crc ^= u32::from(*byte);
        for _ in 0..8 {
            crc = (crc >> 1) ^ (0xEDB8_8320 & (crc & 1).wrapping_neg());
        }
    }
    !crc
}

struct Writer<'a> {
    buf: &'a mut [u8],
    at: usize,
}

impl Writer<'_> {
    /// Appends `bytes`; the payload's size is bounded at compile time, so it always fits.
    fn put(&mut self, bytes: &[u8]) {
        self.buf[self.at..self.at + bytes.len()].copy_from_slice(bytes);
        self.at += bytes.len();
    }

    /// Appends a length byte and the string (every string kept is at most 63 bytes).
    fn put_str(&mut self, s: &str) {
        self.put(&[s.len() as u8]);
        self.put(s.as_bytes());
    }
}

struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        let (head, tail) = self.0.split_at_checked(n)?;
        self.0 = tail;
        Some(head)
    }

    fn str(&mut self) -> Option<&'a str> {
        let len = usize::from(self.take(1)?[0]);
        core::str::from_utf8(self.take(len)?).ok()
    }
}

#[cfg(test)]
mod tests;
