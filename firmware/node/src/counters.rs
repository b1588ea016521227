//! The numbers a node must never reuse across reboots, kept in flash: frame sequence numbers
//! (the server refuses a number it has committed, so a node that restarted from 1 would be
//! refused until it passed its old count) and the last command applied (so an old command is
//! not applied twice, kept with a hash of the device id it belongs to: a board provisioned as
//! another device starts its command count again, as the server does). Sequence numbers are
//! reserved in blocks ahead of use, so flash is written once per [`SEQ_BLOCK`] frames, not per
//! frame. Same A/B slots as the provisioning.

use crate::provision::crc32;

/// Frames numbered per flash write: at one frame every 5 s, a write every ~85 minutes.
pub const SEQ_BLOCK: u64 = 1024;
/// Bytes a record takes in its slot (a multiple of 4 for word-aligned flash writes).
pub const COUNTERS_LEN: usize = 48;
/// Energy meters and people counters a board may have (per kind).
pub const TOTAL_CHANNELS: usize = 2;
/// How often growing totals are saved: an hour of energy or visitors is the most a power cut
/// can lose, and two sectors taking turns last decades at one write an hour.
pub const TOTALS_EVERY_MS: u64 = 3_600_000;
const MAGIC: [u8; 4] = *b"MCNT";
/// Magic 4, generation 4, reservation 8, last command 8, device 4, totals 16; then the CRC.
const BODY: usize = 44;

/// The persisted counters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Counters {
    /// Incremented (wrapping) on every save; the newer slot wins.
    pub generation: u32,
    /// Every sequence number below this may have been used: a boot starts here.
    pub seq_reserved: u64,
    /// The last command number applied.
    pub last_command: u64,
    /// FNV-1a of the device id `last_command` belongs to (0: none yet).
    pub device: u32,
    /// Counters the sensors report that only grow (energy, people), so a reboot resumes them.
    pub totals: Totals,
}

/// Sensor totals that only grow, by channel.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Totals {
    /// Energy meters, Wh.
    pub energy_wh: [u32; TOTAL_CHANNELS],
    /// People counters (beam breaks).
    pub people: [u32; TOTAL_CHANNELS],
}

impl Default for Counters {
    fn default() -> Self {
        Self { generation: 0, seq_reserved: 1, last_command: 0, device: 0, totals: Totals::default() }
    }
}

impl Counters {
    /// The counters for device `device_id`: the same, or, when the board was provisioned as
    /// another device, its command count back to 0 (the server numbers each device's commands
    /// from 1; the old count would refuse them as replays). Frame numbers carry on either way.
    /// The flag says whether anything changed (then save before use).
    pub fn for_device(self, device_id: &str) -> (Self, bool) {
        let device = device_hash(device_id);
        if self.device == device {
            return (self, false);
        }
        (Self { last_command: 0, device, ..self }, true)
    }

    /// Where a booting node numbers its first frame.
    pub const fn reserve_from(&self) -> u64 {
        self.seq_reserved
    }

    /// The record to save after numbering frames from `next_seq`, when `next_seq` has come
    /// within half a block of the reservation (or passed it), or a newer command was applied;
    /// `None` when nothing needs writing.
    pub fn due(&self, next_seq: u64, last_command: u64) -> Option<Self> {
        let seq_due = next_seq.saturating_add(SEQ_BLOCK / 2) > self.seq_reserved;
        if !seq_due && last_command <= self.last_command {
            return None;
        }
        let seq_reserved = if seq_due { next_seq.saturating_add(SEQ_BLOCK) } else { self.seq_reserved };
        Some(Self {
            generation: self.generation.wrapping_add(1),
            seq_reserved,
            last_command: last_command.max(self.last_command),
            ..*self
        })
    }

    /// The record to save with newer `totals`, or `None` when they have not changed.
    pub fn with_totals(&self, totals: Totals) -> Option<Self> {
        (totals != self.totals).then(|| Self { generation: self.generation.wrapping_add(1), totals, ..*self })
    }

    /// The slot bytes.
    pub fn encode(&self) -> [u8; COUNTERS_LEN] {
        let mut buf = [0xFF; COUNTERS_LEN];
        buf[..4].copy_from_slice(&MAGIC);
        buf[4..8].copy_from_slice(&self.generation.to_le_bytes());
        buf[8..16].copy_from_slice(&self.seq_reserved.to_le_bytes());
        buf[16..24].copy_from_slice(&self.last_command.to_le_bytes());
        buf[24..28].copy_from_slice(&self.device.to_le_bytes());
        let words = self.totals.energy_wh.iter().chain(&self.totals.people);
        for (i, w) in words.enumerate() {
            buf[28 + 4 * i..32 + 4 * i].copy_from_slice(&w.to_le_bytes());
        }
        let crc = crc32(&buf[..BODY]);
        buf[BODY..COUNTERS_LEN].copy_from_slice(&crc.to_le_bytes());
        buf
    }

    /// Reads a slot; `None` for erased, torn or foreign bytes.
    pub fn decode(bytes: &[u8]) -> Option<Self> {
        let buf = bytes.get(..COUNTERS_LEN)?;
        if buf[..4] != MAGIC || crc32(&buf[..BODY]).to_le_bytes() != buf[BODY..COUNTERS_LEN] {
            return None;
        }
        let u32_at = |i: usize| buf.get(i..i + 4).and_then(|b| b.try_into().ok()).map(u32::from_le_bytes);
        let u64_at = |i: usize| buf.get(i..i + 8).and_then(|b| b.try_into().ok()).map(u64::from_le_bytes);
        Some(Self {
            generation: u32::from_le_bytes(buf[4..8].try_into().ok()?),
            seq_reserved: u64_at(8)?,
            last_command: u64_at(16)?,
            device: u32_at(24)?,
            totals: Totals { energy_wh: [u32_at(28)?, u32_at(32)?], people: [u32_at(36)?, u32_at(40)?] },
        })
    }

    /// The newest good record of two slots, and whether it is in the first one (the next save
    /// goes to the other). Neither good: defaults, saved into the first.
    pub fn pick(a: &[u8], b: &[u8]) -> (Self, bool) {
        match crate::slots::newest(Self::decode(a), Self::decode(b), |r| r.generation) {
            Some((slot, newest)) => (newest, slot == crate::slots::Slot::A),
            None => (Self::default(), false),
        }
    }
}

/// The device id's 32-bit FNV-1a (enough to tell two devices apart on one board).
fn device_hash(device_id: &str) -> u32 {
    device_id.bytes().fold(0x811c_9dc5, |h, b| (h ^ u32::from(b)).wrapping_mul(0x0100_0193))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_fresh_node_numbers_from_one_and_reserves_a_block_at_once() {
        let c = Counters::default();
        assert_eq!(c.reserve_from(), 1);
        let saved = c.due(1, 0).expect("the first boot reserves");
        assert_eq!(saved.seq_reserved, 1 + SEQ_BLOCK);
        assert_eq!(saved.generation, 1);
    }

    #[test]
    fn nothing_is_written_while_well_inside_the_reserved_block() {
        let c = Counters { generation: 3, seq_reserved: 2048, last_command: 7, ..Counters::default() };
        assert_eq!(c.due(1500, 7), None);
        assert!(c.due(1600, 7).is_some(), "within half a block: extend");
        assert_eq!(c.due(1500, 8).map(|n| (n.seq_reserved, n.last_command)), Some((2048, 8)));
    }

    #[test]
    fn a_reboot_never_reuses_a_number_it_may_have_sent() {
        // Boot, number frames (saving whenever due, before the frame goes out), crash at
        // different points, boot again: the first number after a boot is above every one sent.
        let mut stored = Counters::default();
        let mut highest_sent = 0;
        for frames_before_crash in [0, 1, 511, 512, 513, 3000, 7] {
            let first = stored.reserve_from();
            assert!(first > highest_sent, "boot numbers from {first}, {highest_sent} was sent");
            for next in first..first + frames_before_crash {
                if let Some(s) = stored.due(next, 0) {
                    stored = s;
                }
                assert!(next < stored.seq_reserved, "frame {next} sent beyond the saved reservation");
                highest_sent = next;
            }
        }
    }

    #[test]
    fn records_round_trip_and_torn_or_blank_slots_are_ignored() {
        let c = Counters {
            generation: 9,
            seq_reserved: 123_456,
            last_command: 42,
            device: 0xDEAD_BEEF,
            totals: Totals { energy_wh: [12_345, 7], people: [99, u32::MAX] },
        };
        assert_eq!(Counters::decode(&c.encode()), Some(c));
        assert_eq!(Counters::decode(&[0xFF; COUNTERS_LEN]), None);
        let mut torn = c.encode();
        torn[10] ^= 0x01;
        assert_eq!(Counters::decode(&torn), None);
        let newer = Counters { generation: 10, ..c };
        assert_eq!(Counters::pick(&c.encode(), &newer.encode()), (newer, false));
        assert_eq!(Counters::pick(&c.encode(), &torn), (c, true));
        assert_eq!(Counters::pick(&[0xFF; COUNTERS_LEN], &[0; COUNTERS_LEN]), (Counters::default(), false));
    }

    #[test]
    fn the_generation_wraps_without_the_older_slot_winning() {
        let old = Counters { generation: u32::MAX, seq_reserved: 10, ..Counters::default() };
        let new = Counters { generation: 0, seq_reserved: 20, ..Counters::default() };
        assert_eq!(Counters::pick(&old.encode(), &new.encode()).0, new);
    }

    #[test]
    fn a_board_provisioned_as_another_device_starts_its_command_count_again() {
        let (mine, changed) = Counters::default().for_device("a1b2c3d4e5f6");
        assert!(changed, "a new board records its device");
        let used = Counters { last_command: 40, seq_reserved: 9_000, ..mine };
        assert_eq!(used.for_device("a1b2c3d4e5f6"), (used, false));
        let (other, changed) = used.for_device("zzzzzzzzzzzz");
        assert!(changed);
        assert_eq!((other.last_command, other.seq_reserved), (0, 9_000), "frame numbers carry on");
        let round = Counters::decode(&other.encode()).map(|c| c.device);
        assert_eq!(round, Some(other.device));
    }

    #[test]
    fn totals_are_saved_only_when_they_changed_and_keep_everything_else() {
        let c = Counters { generation: 4, seq_reserved: 3_000, last_command: 9, ..Counters::default() };
        assert_eq!(c.with_totals(Totals::default()), None);
        let t = Totals { energy_wh: [1_500, 0], people: [42, 0] };
        let saved = c.with_totals(t).expect("changed");
        assert_eq!((saved.generation, saved.seq_reserved, saved.last_command, saved.totals), (5, 3_000, 9, t));
        assert_eq!(saved.due(3_000, 9).map(|n| n.totals), Some(t), "a reservation keeps the totals");
    }
}
