//! Which uplink sequence numbers a device has already had committed: a cumulative high-water
//! mark plus a 64-frame bitmap above it (the IPsec anti-replay window). It holds in two
//! integers per device, so the server keeps it in the device's row and updates it in the
//! same transaction as the readings: a frame is stored once even when it arrives twice, out
//! of order, or at two servers.

use serde::{Deserialize, Serialize};

/// Frames above the high-water mark the window remembers.
pub const WINDOW: u64 = 64;

/// A device's committed sequence numbers.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReplayWindow {
    /// Every sequence number up to this one is committed (or was skipped by the node).
    pub upto: u64,
    /// Bit `i` set: sequence `upto + 1 + i` is committed.
    pub above: u64,
}

/// What to do with a frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Never seen: store it.
    Fresh,
    /// Already committed (a retry or a replay): do not store it again, acknowledge it.
    Duplicate,
}

impl ReplayWindow {
    /// Whether `seq` is new.
    pub const fn check(&self, seq: u64) -> Verdict {
        if seq <= self.upto {
            return Verdict::Duplicate;
        }
        let offset = seq - self.upto - 1;
        if offset < WINDOW && self.above & (1 << offset) != 0 { Verdict::Duplicate } else { Verdict::Fresh }
    }

    /// Marks `seq` committed and returns the verdict it had. A number more than [`WINDOW`]
    /// ahead of the mark moves it to `seq`: the node skipped those numbers (it does after a
    /// reboot), so they count as done.
    pub fn commit(&mut self, seq: u64) -> Verdict {
        if self.check(seq) == Verdict::Duplicate {
            return Verdict::Duplicate;
        }
        if seq - self.upto > WINDOW {
            // Only a node that skipped numbers gets here (at most 16 frames are ever in
            // flight): everything below `seq` is given up, so the acknowledgement moves on.
            self.upto = seq - 1;
            self.above = 0;
        }
        let offset = seq - self.upto - 1;
        self.above |= 1 << offset;
        while self.above & 1 == 1 {
            self.above >>= 1;
            self.upto += 1;
        }
        Verdict::Fresh
    }

    /// The node holds no frame up to `floor` any more (each was committed, or dropped from its
    /// full queue): stop waiting for those numbers, so the acknowledgement can move past a gap
    /// the node will never fill. A floor at or below the mark changes nothing.
    pub fn give_up_to(&mut self, floor: u64) {
        if floor <= self.upto {
            return;
        }
        let shift = floor - self.upto;
        self.above = if shift >= WINDOW { 0 } else { self.above >> shift };
        self.upto = floor;
        while self.above & 1 == 1 {
            self.above >>= 1;
            self.upto += 1;
        }
    }

    /// The window as stored (PostgreSQL has no unsigned integers; the bits are kept as-is).
    pub const fn to_columns(self) -> (i64, i64) {
        (self.upto as i64, self.above as i64)
    }

    /// The window from its stored columns.
    pub const fn from_columns(upto: i64, above: i64) -> Self {
        Self { upto: upto as u64, above: above as u64 }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_floor_above_a_gap_moves_the_mark_past_it_and_keeps_what_was_committed_above() {
        let mut w = ReplayWindow::default();
        for seq in [1, 2, 3, 7, 8] {
            w.commit(seq);
        }
        assert_eq!(w.upto, 3, "4..=6 missing");
        // The node dropped 4 and 5 from its queue; 6 is still on its way.
        w.give_up_to(5);
        assert_eq!(w.upto, 5);
        assert_eq!(w.check(7), Verdict::Duplicate, "7 and 8 stay committed");
        assert_eq!(w.commit(6), Verdict::Fresh);
        assert_eq!(w.upto, 8);
        w.give_up_to(2);
        assert_eq!(w.upto, 8, "an old floor changes nothing");
        w.give_up_to(500);
        assert_eq!((w.upto, w.above), (500, 0));
    }

    #[test]
    fn in_order_frames_advance_the_mark() {
        let mut w = ReplayWindow::default();
        for seq in 1..=10 {
            assert_eq!(w.commit(seq), Verdict::Fresh);
        }
        assert_eq!(w, ReplayWindow { upto: 10, above: 0 });
        assert_eq!(w.commit(10), Verdict::Duplicate);
        assert_eq!(w.commit(3), Verdict::Duplicate);
    }

    #[test]
    fn out_of_order_frames_are_kept_once_and_the_mark_waits_for_the_gap() {
        let mut w = ReplayWindow { upto: 5, above: 0 };
        assert_eq!(w.commit(7), Verdict::Fresh);
        assert_eq!(w.upto, 5);
        assert_eq!(w.commit(7), Verdict::Duplicate);
        assert_eq!(w.commit(8), Verdict::Fresh);
        assert_eq!(w.commit(6), Verdict::Fresh);
        assert_eq!(w, ReplayWindow { upto: 8, above: 0 });
    }

    #[test]
    fn a_jump_past_the_window_gives_up_on_the_skipped_numbers() {
        let mut w = ReplayWindow::default();
        // A new device's first frame can carry any number.
        assert_eq!(w.commit(1_764_000_000_000), Verdict::Fresh);
        assert_eq!(w.upto, 1_764_000_000_000);
        let mut w = ReplayWindow { upto: 100, above: 0 };
        assert_eq!(w.commit(102), Verdict::Fresh);
        assert_eq!(w.commit(100 + 1 + 64 + 10), Verdict::Fresh);
        // The skipped numbers count as done, so the acknowledgement covers the new frame.
        assert_eq!(w, ReplayWindow { upto: 175, above: 0 });
        assert_eq!(w.check(101), Verdict::Duplicate);
        assert_eq!(w.commit(175), Verdict::Duplicate);
        assert_eq!(w.commit(176), Verdict::Fresh);
    }

    #[test]
    fn columns_round_trip_every_bit() {
        let w = ReplayWindow { upto: u64::MAX / 2 + 7, above: u64::MAX - 1 };
        let (a, b) = w.to_columns();
        assert_eq!(ReplayWindow::from_columns(a, b), w);
    }

    #[test]
    fn any_order_of_a_burst_commits_each_once() {
        // Every permutation-ish order of 1..=20 (reversed, interleaved) ends at 20 with each
        // number fresh exactly once.
        for stride in 1..7u64 {
            let mut w = ReplayWindow::default();
            w.commit(1);
            let mut fresh = 1;
            for start in 0..stride {
                let mut s = 2 + start;
                while s <= 20 {
                    if w.commit(s) == Verdict::Fresh {
                        fresh += 1;
                    }
                    assert_eq!(w.commit(s), Verdict::Duplicate);
                    s += stride;
                }
            }
            assert_eq!((fresh, w.upto, w.above), (20, 20, 0), "stride {stride}");
        }
    }
}
