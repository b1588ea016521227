//! Two flash slots (A/B) holding generations of one record: a save goes to the slot not
//! holding the newest good record, so a power cut mid-write leaves the previous one readable.
//! This is the one rule for choosing between them (provisioning, counters, calibration).

/// One of the two flash slots.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Slot {
    /// The first slot.
    A,
    /// The second slot.
    B,
}

impl Slot {
    /// The other slot.
    pub fn other(self) -> Self {
        match self {
            Self::A => Self::B,
            Self::B => Self::A,
        }
    }
}

/// The newer of two decoded slots (`None`: blank or corrupt) and where it is. Generations
/// compare in serial-number order (RFC 1982), so generation 0 is newer than `u32::MAX`.
pub fn newest<T>(a: Option<T>, b: Option<T>, generation: impl Fn(&T) -> u32) -> Option<(Slot, T)> {
    match (a, b) {
        (Some(a), Some(b)) if generation(&b).wrapping_sub(generation(&a)).cast_signed() > 0 => Some((Slot::B, b)),
        (Some(a), _) => Some((Slot::A, a)),
        (None, b) => b.map(|b| (Slot::B, b)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gen_of(g: &u32) -> u32 {
        *g
    }

    #[test]
    fn the_higher_generation_wins_and_wraps_around() {
        assert_eq!(newest(Some(3), Some(4), gen_of), Some((Slot::B, 4)));
        assert_eq!(newest(Some(9), Some(4), gen_of), Some((Slot::A, 9)));
        assert_eq!(newest(Some(u32::MAX), Some(0), gen_of), Some((Slot::B, 0)));
    }

    #[test]
    fn a_bad_slot_leaves_the_other_and_two_bad_slots_leave_nothing() {
        assert_eq!(newest(None, Some(4), gen_of), Some((Slot::B, 4)));
        assert_eq!(newest(Some(4), None, gen_of), Some((Slot::A, 4)));
        assert_eq!(newest::<u32>(None, None, gen_of), None);
    }
}
