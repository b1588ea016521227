//! The node's wall time: an offset from the monotonic clock (ms since boot) to Unix ms, set from
//! an SNTP reply ([`sntp`]), so readings buffered while offline carry the time they were taken.
//! Pure: the firmware does the UDP exchange and passes the bytes and its monotonic times in.

use core::fmt;

pub mod sntp;

/// 2024-01-01T00:00:00Z in Unix ms. Nothing this firmware stamps can be older, so an earlier time
/// comes from a server that lost its clock (a dead RTC battery reads as 1970 or 2000).
pub const MIN_UNIX_MS: u64 = 1_704_067_200_000;

/// 2100-01-01T00:00:00Z in Unix ms (excluded). A later time is as surely a broken server as an
/// earlier one, and it keeps the arithmetic far from the NTP era 1 limit (2104).
pub const MAX_UNIX_MS: u64 = 4_102_444_800_000;

/// Whether `unix_ms` is in [`MIN_UNIX_MS`, `MAX_UNIX_MS`): a time worth stamping readings with.
pub const fn is_plausible(unix_ms: u64) -> bool {
    unix_ms >= MIN_UNIX_MS && unix_ms < MAX_UNIX_MS
}

/// A wall time outside 2024-2099, refused by [`WallClock::set`]; it carries the refused Unix ms.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OutOfRange(pub u64);

impl fmt::Display for OutOfRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "wall time {} ms is outside 2024-2099, ignored", self.0)
    }
}

impl core::error::Error for OutOfRange {}

/// Unix ms as a function of the monotonic clock, once known. Unknown after boot: readings are then
/// stamped 0 and the server uses their arrival time.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct WallClock {
    /// Unix ms minus monotonic ms at the last [`WallClock::set`]; `None` until then.
    offset_ms: Option<i64>,
}

impl WallClock {
    /// A clock that does not know the time yet.
    pub const fn new() -> Self {
        Self { offset_ms: None }
    }

    /// Records that it was `unix_ms` when the monotonic clock read `mono_ms`. A time outside
    /// 2024-2099 is refused and the clock keeps what it had (unknown, or the previous setting).
    pub fn set(&mut self, unix_ms: u64, mono_ms: u64) -> Result<(), OutOfRange> {
        if !is_plausible(unix_ms) {
            return Err(OutOfRange(unix_ms));
        }
        // Both fit in i64 for any plausible time and any uptime below 290 million years.
        let offset = i64::try_from(i128::from(unix_ms) - i128::from(mono_ms)).map_err(|_| OutOfRange(unix_ms))?;
        self.offset_ms = Some(offset);
        Ok(())
    }

    /// Unix ms when the monotonic clock read `mono_ms`; `None` while the time is unknown.
    pub fn unix_ms(&self, mono_ms: u64) -> Option<u64> {
        mono_ms.checked_add_signed(self.offset_ms?)
    }

    /// The `t` for a reading taken at `mono_ms`: Unix ms, or 0 (unknown) before the first set.
    pub fn stamp(&self, mono_ms: u64) -> u64 {
        self.unix_ms(mono_ms).unwrap_or(0)
    }

    /// Whether a plausible time has been set since boot.
    pub const fn is_set(&self) -> bool {
        self.offset_ms.is_some()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const JUNE_2025_MS: u64 = 1_748_779_200_000;

    #[test]
    fn stamp_before_set_is_zero_and_after_set_tracks_the_monotonic_clock() {
        let mut clock = WallClock::new();
        assert!(!clock.is_set());
        assert_eq!(clock.stamp(5_000), 0);
        assert_eq!(clock.unix_ms(5_000), None);

        clock.set(JUNE_2025_MS, 10_000).unwrap();
        assert!(clock.is_set());
        assert_eq!(clock.stamp(10_000), JUNE_2025_MS);
        assert_eq!(clock.stamp(1_210_000), JUNE_2025_MS + 1_200_000);
    }

    #[test]
    fn a_reading_taken_before_the_clock_was_set_gets_an_earlier_time() {
        let mut clock = WallClock::new();
        clock.set(JUNE_2025_MS, 600_000).unwrap();
        assert_eq!(clock.stamp(0), JUNE_2025_MS - 600_000);
    }

    #[test]
    fn a_time_before_2024_is_refused_and_the_clock_stays_unknown() {
        let mut clock = WallClock::new();
        assert_eq!(clock.set(0, 1_000), Err(OutOfRange(0)));
        assert_eq!(clock.set(MIN_UNIX_MS - 1, 1_000), Err(OutOfRange(MIN_UNIX_MS - 1)));
        assert!(!clock.is_set());
        assert_eq!(clock.stamp(1_000), 0);
        assert!(clock.set(MIN_UNIX_MS, 1_000).is_ok());
    }

    #[test]
    fn a_time_from_2100_on_is_refused_and_the_previous_setting_is_kept() {
        let mut clock = WallClock::new();
        clock.set(JUNE_2025_MS, 0).unwrap();
        assert_eq!(clock.set(MAX_UNIX_MS, 1_000), Err(OutOfRange(MAX_UNIX_MS)));
        assert_eq!(clock.stamp(1_000), JUNE_2025_MS + 1_000);
    }

    #[test]
    fn a_later_set_replaces_the_offset() {
        let mut clock = WallClock::new();
        clock.set(JUNE_2025_MS, 0).unwrap();
        clock.set(JUNE_2025_MS + 60_000, 59_950).unwrap();
        assert_eq!(clock.stamp(59_950), JUNE_2025_MS + 60_000);
    }

    #[test]
    fn a_refused_time_says_what_it_was_in_the_log() {
        assert_eq!(OutOfRange(0).to_string(), "wall time 0 ms is outside 2024-2099, ignored");
    }
}
