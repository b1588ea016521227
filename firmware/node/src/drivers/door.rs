//! Door contact (reed switch) on a digital input: which pin level means open (NO or NC switch,
//! pull-up or pull-down), the time-based debounce, and a change reported once per open or close.

use embedded_hal::digital::InputPin;
use shared::iot::sensor::SensorKind;
use shared::iot::wire::Reading;

use super::{Debounce, reading};

/// Default debounce: reed switches bounce for 1–5 ms and a slammed door rattles for tens of
/// milliseconds; 50 ms hides both and is still instant to a person.
pub const DEFAULT_DEBOUNCE_MS: u32 = 50;

/// The pin level that means the door is open.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OpenLevel {
    /// High when open: a normally-open reed (closed by the magnet) to GND with a pull-up, the
    /// usual wiring.
    High,
    /// Low when open: a normally-closed reed to GND with a pull-up, or any contact to 3V3 with a
    /// pull-down.
    Low,
}

/// A door that opened or closed, once its contact settled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DoorChange {
    /// Now open.
    Opened,
    /// Now closed.
    Closed,
}

impl DoorChange {
    /// The value of `NodeEvent::Door`'s `open` and of the Door reading: 1 open, 0 closed.
    pub const fn open(self) -> u8 {
        match self {
            Self::Opened => 1,
            Self::Closed => 0,
        }
    }
}

/// A door contact.
#[derive(Debug)]
pub struct Door<P> {
    pin: P,
    open_level: OpenLevel,
    debounce: Debounce,
}

impl<P: InputPin> Door<P> {
    /// A door on `pin` with the default debounce; its state is unknown until it settles.
    pub fn new(pin: P, open_level: OpenLevel) -> Self {
        Self::with_debounce(pin, open_level, DEFAULT_DEBOUNCE_MS)
    }

    /// A door whose contact must hold for `debounce_ms` before a change counts.
    pub fn with_debounce(pin: P, open_level: OpenLevel, debounce_ms: u32) -> Self {
        Self { pin, open_level, debounce: Debounce::new(debounce_ms) }
    }

    /// Samples the contact at `now_ms` (poll every 10–20 ms). Returns a change once, when a new
    /// state has held for the debounce time. The first state after start-up settles silently:
    /// it is not a change, and [`Self::reading`] reports it.
    pub fn poll(&mut self, now_ms: u64) -> Result<Option<DoorChange>, P::Error> {
        let high = self.pin.is_high()?;
        let open = high == (self.open_level == OpenLevel::High);
        let before = self.debounce.stable();
        let settled = self.debounce.update(open, now_ms);
        Ok(match (before, settled) {
            (Some(_), Some(true)) => Some(DoorChange::Opened),
            (Some(_), Some(false)) => Some(DoorChange::Closed),
            _ => None,
        })
    }

    /// Whether the door is open, once the contact has settled.
    pub fn is_open(&self) -> Option<bool> {
        self.debounce.stable()
    }

    /// The Door reading of contact `channel` (1 open, 0 closed), once settled.
    pub fn reading(&self, channel: u8) -> Option<Reading> {
        self.is_open().map(|open| reading(SensorKind::Door, channel, i32::from(open)))
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
    fn door_settles_its_first_state_without_an_event() {
        let mut pin = levels(&[State::Low, State::Low]);
        let mut door = Door::new(pin.clone(), OpenLevel::High);
        assert_eq!(door.poll(0).unwrap(), None);
        assert_eq!(door.is_open(), None);
        assert_eq!(door.reading(0), None);
        assert_eq!(door.poll(50).unwrap(), None);
        assert_eq!(door.is_open(), Some(false));
        pin.done();
    }

    #[test]
    fn door_reports_an_opening_once_after_the_debounce() {
        use State::{High, Low};
        let mut pin = levels(&[Low, Low, High, High, High, High]);
        let mut door = Door::new(pin.clone(), OpenLevel::High);
        let polls: Vec<_> = [0, 60, 100, 120, 150, 200].iter().map(|t| door.poll(*t).unwrap()).collect();
        assert_eq!(polls, [None, None, None, None, Some(DoorChange::Opened), None]);
        let r = door.reading(3).unwrap();
        assert_eq!((r.k, r.c, r.t, r.v), (SensorKind::Door, 3, 0, 1));
        pin.done();
    }

    #[test]
    fn door_ignores_a_bounce_shorter_than_the_debounce() {
        use State::{High, Low};
        let mut pin = levels(&[Low, Low, High, Low, High, Low, Low]);
        let mut door = Door::new(pin.clone(), OpenLevel::High);
        for t in [0, 50, 100, 110, 130, 140, 400] {
            assert_eq!(door.poll(t).unwrap(), None, "at {t} ms");
        }
        assert_eq!(door.is_open(), Some(false));
        pin.done();
    }

    #[test]
    fn door_with_a_normally_closed_contact_reads_low_as_open() {
        use State::{High, Low};
        let mut pin = levels(&[High, Low, Low]);
        let mut door = Door::with_debounce(pin.clone(), OpenLevel::Low, 20);
        assert_eq!(door.poll(0).unwrap(), None);
        assert_eq!(door.poll(10).unwrap(), None);
        assert_eq!(door.poll(30).unwrap(), None);
        assert_eq!(door.is_open(), Some(true));
        pin.done();
    }

    #[test]
    fn door_reports_closing_after_an_opening() {
        use State::{High, Low};
        let mut pin = levels(&[High, High, Low, Low]);
        let mut door = Door::with_debounce(pin.clone(), OpenLevel::High, 10);
        assert_eq!(door.poll(0).unwrap(), None);
        assert_eq!(door.poll(10).unwrap(), None);
        assert_eq!(door.poll(20).unwrap(), None);
        assert_eq!(door.poll(30).unwrap(), Some(DoorChange::Closed));
        assert_eq!(DoorChange::Closed.open(), 0);
        pin.done();
    }
}
