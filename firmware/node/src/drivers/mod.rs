//! Sensor and actuator drivers behind embedded-hal 1.0 traits (never esp-hal), one file per part:
//! each owns its part's protocol and maths and turns what it measures into `Reading`s in the
//! kind's fixed-point unit. Shared here: building a reading and the debounce of digital inputs.

pub mod adc;
pub mod door;
pub mod flow;
pub mod gas;
pub mod power;
pub mod presence;
pub mod relay;
pub mod rfid;
pub mod sht3x;
pub mod soil;

use shared::iot::sensor::SensorKind;
use shared::iot::wire::Reading;

/// A reading of `kind` on `channel` with `value` in the kind's fixed-point unit, clamped to the
/// kind's range so the server never refuses it, and `t` = 0: the caller stamps the time once it
/// knows the clock. Drivers catch real faults (CRC, timeouts) themselves before this point.
pub fn reading(kind: SensorKind, channel: u8, value: i32) -> Reading {
    Reading { k: kind, c: channel, t: 0, v: clamp(kind, value) }
}

/// `value` limited to [`SensorKind::range`].
pub fn clamp(kind: SensorKind, value: i32) -> i32 {
    let (lo, hi) = kind.range();
    value.clamp(lo, hi)
}

/// `n / d` rounded to the nearest integer (halves away from zero); `d` must be positive. The
/// drivers' integer maths rounds once, here, so a value is never truncated twice.
pub(crate) fn div_round(n: i64, d: i64) -> i64 {
    if n >= 0 { (n + d / 2) / d } else { (n - d / 2) / d }
}

/// A digital level that must hold for `debounce_ms` before it counts: reed contacts and beam
/// receivers bounce for a few milliseconds at every change. The caller samples and passes the
/// time, so this stays pure and testable.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Debounce {
    debounce_ms: u32,
    stable: Option<bool>,
    candidate: Option<(bool, u64)>,
}

impl Debounce {
    /// A debouncer with no settled level yet.
    pub const fn new(debounce_ms: u32) -> Self {
        Self { debounce_ms, stable: None, candidate: None }
    }

    /// The settled level, once one has held for the debounce time.
    pub const fn stable(&self) -> Option<bool> {
        self.stable
    }

    /// Feeds the level sampled at `now_ms`; returns the new settled level when it changes (the
    /// first settle included).
    pub fn update(&mut self, level: bool, now_ms: u64) -> Option<bool> {
        if self.stable == Some(level) {
            self.candidate = None;
            return None;
        }
        let since = match self.candidate {
            Some((candidate, since)) if candidate == level => since,
            _ => {
                self.candidate = Some((level, now_ms));
                now_ms
            }
        };
        if now_ms.saturating_sub(since) < u64::from(self.debounce_ms) {
            return None;
        }
        self.stable = Some(level);
        self.candidate = None;
        Some(level)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn readings_are_clamped_to_the_kinds_range_and_left_unstamped() {
        let r = reading(SensorKind::Humidity, 2, 1_013);
        assert_eq!(r, Reading { k: SensorKind::Humidity, c: 2, t: 0, v: 1_000 });
        assert_eq!(reading(SensorKind::Temperature, 0, -6_000).v, -5_500);
        assert_eq!(reading(SensorKind::Temperature, 0, 2_345).v, 2_345);
    }

    #[test]
    fn division_rounds_to_nearest_in_both_signs() {
        assert_eq!(div_round(7, 2), 4);
        assert_eq!(div_round(-7, 2), -4);
        assert_eq!(div_round(10, 3), 3);
        assert_eq!(div_round(-10, 3), -3);
    }

    #[test]
    fn debounce_settles_only_after_the_level_held_long_enough() {
        let mut d = Debounce::new(50);
        assert_eq!(d.update(true, 0), None);
        assert_eq!(d.update(true, 49), None);
        assert_eq!(d.update(true, 50), Some(true));
        assert_eq!(d.update(true, 60), None);
        // A 30 ms glitch low is forgotten; the timer restarts on the next change.
        assert_eq!(d.update(false, 100), None);
        assert_eq!(d.update(true, 130), None);
        assert_eq!(d.update(false, 140), None);
        assert_eq!(d.update(false, 190), Some(false));
        assert_eq!(d.stable(), Some(false));
    }

    #[test]
    fn debounce_of_zero_settles_at_once() {
        let mut d = Debounce::new(0);
        assert_eq!(d.update(true, 5), Some(true));
        assert_eq!(d.update(false, 5), Some(false));
    }
}
