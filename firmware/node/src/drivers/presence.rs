//! People sensing on digital inputs: a PIR motion sensor turned into Presence with a hold time
//! (present until the PIR has been quiet for a while), and an IR-beam counter that counts each
//! debounced break once into PeopleCount.

use embedded_hal::digital::InputPin;
use shared::iot::sensor::SensorKind;
use shared::iot::wire::Reading;

use super::{Debounce, reading};

/// Default hold: a person browsing a rack stands still for tens of seconds, and an HC-SR501
/// only re-triggers on movement; 60 s without motion is a fair "nobody there".
pub const DEFAULT_HOLD_MS: u32 = 60_000;

/// Default beam debounce: a walking person breaks a waist-high beam for 200 ms or more, while
/// receiver glitches and a swinging bag strap last a few milliseconds.
pub const DEFAULT_BEAM_DEBOUNCE_MS: u32 = 30;

/// A PIR sensor (HC-SR501 or AM312): output high while it sees motion.
#[derive(Debug)]
pub struct Pir<P> {
    pin: P,
    hold_ms: u32,
    last_motion_ms: Option<u64>,
}

impl<P: InputPin> Pir<P> {
    /// A PIR on `pin` that keeps presence for `hold_ms` after the last motion.
    pub fn new(pin: P, hold_ms: u32) -> Self {
        Self { pin, hold_ms, last_motion_ms: None }
    }

    /// Samples the PIR at `now_ms` and returns whether someone is present.
    pub fn poll(&mut self, now_ms: u64) -> Result<bool, P::Error> {
        if self.pin.is_high()? {
            self.last_motion_ms = Some(now_ms);
        }
        Ok(self.present(now_ms))
    }

    /// Whether there was motion within the hold time before `now_ms`.
    pub fn present(&self, now_ms: u64) -> bool {
        self.last_motion_ms.is_some_and(|at| now_ms.saturating_sub(at) < u64::from(self.hold_ms))
    }

    /// The Presence reading of sensor `channel` at `now_ms` (1 someone, 0 nobody).
    pub fn reading(&self, channel: u8, now_ms: u64) -> Reading {
        reading(SensorKind::Presence, channel, i32::from(self.present(now_ms)))
    }
}

/// An IR break-beam across a doorway. It counts passes, not visitors: one beam cannot tell in
/// from out, so through a single door each visitor counts twice.
#[derive(Debug)]
pub struct BeamCounter<P> {
    pin: P,
    broken_high: bool,
    debounce: Debounce,
    count: u32,
}

impl<P: InputPin> BeamCounter<P> {
    /// A counter on `pin`, whose level is high when the beam is broken if `broken_high` (most
    /// receivers pull low while they see the beam), resuming from `count` (restored from flash).
    pub fn new(pin: P, broken_high: bool, debounce_ms: u32, count: u32) -> Self {
        Self { pin, broken_high, debounce: Debounce::new(debounce_ms), count }
    }

    /// Samples the beam at `now_ms` (poll every 10 ms); returns true when a new break counted.
    /// A beam already broken at start-up is not counted.
    pub fn poll(&mut self, now_ms: u64) -> Result<bool, P::Error> {
        let broken = self.pin.is_high()? == self.broken_high;
        let before = self.debounce.stable();
        let counted = self.debounce.update(broken, now_ms) == Some(true) && before.is_some();
        if counted {
            self.count = self.count.saturating_add(1);
        }
        Ok(counted)
    }

    /// Breaks counted; it only grows.
    pub const fn count(&self) -> u32 {
        self.count
    }

    /// The PeopleCount reading of counter `channel`.
    pub fn reading(&self, channel: u8) -> Reading {
        reading(SensorKind::PeopleCount, channel, i32::try_from(self.count).unwrap_or(i32::MAX))
    }
}

#[cfg(test)]
mod tests {
    use embedded_hal_mock::eh1::digital::{Mock, State, Transaction};

    use super::*;

    fn levels(states: &[State]) -> Mock {
        Mock::new(&states.iter().map(|s| Transaction::get(*s)).collect::<Vec<_>>())
    }

    #[test]
    fn presence_holds_until_the_pir_has_been_quiet_for_the_hold_time() {
        use State::{High, Low};
        let mut pin = levels(&[Low, High, Low, Low, Low]);
        let mut pir = Pir::new(pin.clone(), 10_000);
        let seen: Vec<bool> = [0, 1_000, 5_000, 10_999, 11_000].iter().map(|t| pir.poll(*t).unwrap()).collect();
        assert_eq!(seen, [false, true, true, true, false]);
        assert_eq!(pir.reading(1, 10_999).v, 1);
        let r = pir.reading(1, 11_000);
        assert_eq!((r.k, r.c, r.t, r.v), (SensorKind::Presence, 1, 0, 0));
        pin.done();
    }

    #[test]
    fn new_motion_during_the_hold_extends_it() {
        use State::{High, Low};
        let mut pin = levels(&[High, High, Low]);
        let mut pir = Pir::new(pin.clone(), 10_000);
        pir.poll(0).unwrap();
        pir.poll(8_000).unwrap();
        assert!(pir.poll(17_000).unwrap());
        assert!(!pir.present(18_000));
        pin.done();
    }

    #[test]
    fn each_beam_break_counts_once_and_glitches_do_not_count() {
        use State::{High, Low};
        // Receiver low while it sees the beam: high is broken.
        let levels_over_time = [
            (0, Low),
            (40, Low),
            (50, High), // a glitch: 10 ms
            (60, Low),
            (100, High), // a person: 200 ms
            (130, High),
            (200, High),
            (300, Low),
            (340, Low),
            (400, High), // a second person
            (440, High),
            (500, Low),
        ];
        let mut pin = levels(&levels_over_time.map(|(_, s)| s));
        let mut beam = BeamCounter::new(pin.clone(), true, DEFAULT_BEAM_DEBOUNCE_MS, 0);
        let counted: Vec<u64> =
            levels_over_time.iter().filter_map(|(t, _)| beam.poll(*t).unwrap().then_some(*t)).collect();
        assert_eq!(counted, [130, 440]);
        assert_eq!(beam.count(), 2);
        pin.done();
    }

    #[test]
    fn a_beam_broken_at_start_up_is_not_counted_and_the_count_resumes() {
        use State::{High, Low};
        let mut pin = levels(&[Low, Low, Low, High, High]);
        let mut beam = BeamCounter::new(pin.clone(), false, 20, 41);
        for t in [0, 20, 40, 60, 80] {
            beam.poll(t).unwrap();
        }
        assert_eq!(beam.count(), 41);
        let r = beam.reading(0);
        assert_eq!((r.k, r.v), (SensorKind::PeopleCount, 41));
        pin.done();
    }
}
