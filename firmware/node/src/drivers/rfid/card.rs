//! What the reader reads: a card's UID (4, 7 or 10 bytes) and its hex form for
//! `NodeEvent::Rfid`, ISO 14443-3's CRC_A, and the filter that reports a card left on the
//! reader once.

use heapless::String;
use shared::iot::wire::NodeEvent;

/// A card's UID: 4, 7 or 10 bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Uid {
    bytes: [u8; 10],
    len: u8,
}

impl Uid {
    /// No bytes yet: what the cascade starts from.
    pub(super) const EMPTY: Self = Self { bytes: [0; 10], len: 0 };

    /// A UID from its bytes, if they are 4, 7 or 10 (single, double or triple size).
    pub fn from_bytes(bytes: &[u8]) -> Option<Self> {
        if !matches!(bytes.len(), 4 | 7 | 10) {
            return None;
        }
        let mut uid = Self::EMPTY;
        uid.extend(bytes);
        Some(uid)
    }

    /// The UID's bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes[..usize::from(self.len)]
    }

    /// Uppercase hex, as `NodeEvent::Rfid` carries it.
    pub fn hex(&self) -> String<20> {
        const DIGITS: &[u8; 16] = b"0123456789ABCDEF";
        let mut hex = String::new();
        for byte in self.as_bytes() {
            for nibble in [byte >> 4, byte & 0x0F] {
                // Ten bytes are twenty digits: always fits.
                let _ = hex.push(char::from(DIGITS[usize::from(nibble)]));
            }
        }
        hex
    }

    /// The event reporting this card (the caller stamps `t`).
    pub fn event(&self) -> NodeEvent {
        NodeEvent::Rfid { uid: self.hex(), t: 0 }
    }

    /// Appends a cascade level's bytes; past ten bytes the rest is dropped (the cascade stops at
    /// level 3, so it never happens).
    pub(super) fn extend(&mut self, part: &[u8]) {
        let start = usize::from(self.len);
        let n = part.len().min(self.bytes.len() - start);
        self.bytes[start..start + n].copy_from_slice(&part[..n]);
        // n <= 10.
        self.len += n as u8;
    }
}

/// ISO 14443-3 CRC_A (initial 0x6363, reflected CCITT), sent low byte first.
pub fn crc_a(data: &[u8]) -> u16 {
    let mut crc: u16 = 0x6363;
    for &byte in data {
        let mut b = byte ^ (crc as u8);
        b ^= b << 4;
        crc = (crc >> 8) ^ (u16::from(b) << 8) ^ (u16::from(b) << 3) ^ (u16::from(b) >> 4);
    }
    crc
}

/// Reports a card once while it stays on the reader: the same UID seen again within the window
/// of its last sighting is a repeat. Each sighting renews the window, so a card left on the
/// reader for minutes is still one tap.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CardFilter {
    window_ms: u32,
    last: Option<(Uid, u64)>,
}

impl CardFilter {
    /// 2 s: several reader polls, so a card left on the reader is always seen again within it,
    /// and a deliberate second tap rarely comes sooner.
    pub const DEFAULT_WINDOW_MS: u32 = 2_000;

    /// A filter with a window of `window_ms`.
    pub const fn new(window_ms: u32) -> Self {
        Self { window_ms, last: None }
    }

    /// Whether `uid`, seen at `now_ms`, is a new tap to report.
    pub fn accept(&mut self, uid: &Uid, now_ms: u64) -> bool {
        let repeat = matches!(self.last, Some((last, seen))
            if last == *uid && now_ms.saturating_sub(seen) < u64::from(self.window_ms));
        self.last = Some((*uid, now_ms));
        !repeat
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crc_a_matches_the_halt_frame_and_a_mifare_sak() {
        // HLTA is sent as 50 00 57 CD; a MIFARE Classic answers SELECT with 08 B6 DD.
        assert_eq!(crc_a(&[0x50, 0x00]).to_le_bytes(), [0x57, 0xCD]);
        assert_eq!(crc_a(&[0x08]).to_le_bytes(), [0xB6, 0xDD]);
        // ISO 14443-3 annex B: 00 00 -> A0 1E.
        assert_eq!(crc_a(&[0x00, 0x00]).to_le_bytes(), [0xA0, 0x1E]);
    }

    #[test]
    fn a_uid_is_uppercase_hex_in_the_rfid_event() {
        let uid = Uid::from_bytes(&[0x04, 0xA2, 0x24, 0x6A, 0x2C, 0x58, 0x80]).unwrap();
        assert_eq!(uid.hex().as_str(), "04A2246A2C5880");
        let NodeEvent::Rfid { uid: hex, t } = Uid::from_bytes(&[0xDE, 0xAD, 0xBE, 0xEF]).unwrap().event() else {
            panic!("not an Rfid event");
        };
        assert_eq!((hex.as_str(), t), ("DEADBEEF", 0));
        assert_eq!(Uid::from_bytes(&[0xFF; 10]).unwrap().hex().len(), 20);
        assert_eq!(Uid::from_bytes(&[1, 2, 3]), None);
    }

    #[test]
    fn a_card_left_on_the_reader_is_reported_once() {
        let card = Uid::from_bytes(&[1, 2, 3, 4]).unwrap();
        let other = Uid::from_bytes(&[5, 6, 7, 8]).unwrap();
        let mut filter = CardFilter::new(CardFilter::DEFAULT_WINDOW_MS);
        // Held for 5 s, seen every 200 ms: one tap.
        let taps = (0..25).filter(|i| filter.accept(&card, i * 200)).count();
        assert_eq!(taps, 1);
        // Another card is a new tap, and so is the first one again after it; then the window
        // applies again: renewed at 5 100, over at 7 100.
        assert!(filter.accept(&other, 5_000));
        assert!(filter.accept(&card, 5_100));
        assert!(!filter.accept(&card, 7_099));
        assert!(filter.accept(&card, 9_100));
    }
}
