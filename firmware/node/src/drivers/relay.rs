//! Relays on digital outputs: active-high or active-low wiring, off as the first thing a relay
//! does, and the node's bank of up to `MAX_RELAYS` relays addressed by number as commands name them.

use embedded_hal::digital::OutputPin;
use heapless::Vec;
use shared::iot::sensor::SensorKind;
use shared::iot::wire::{MAX_RELAYS, Reading};

use super::reading;

/// Which pin level switches the relay on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Wiring {
    /// On when the pin is high: a transistor or MOSFET driver.
    ActiveHigh,
    /// On when the pin is low: most opto-isolated relay modules, which also stay off while the
    /// pin floats during boot.
    ActiveLow,
}

/// What went wrong driving relays.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Error<E> {
    /// The pin refused the level.
    Pin(E),
    /// No relay with that number on this node.
    NoSuchRelay(u8),
    /// The bank already holds `MAX_RELAYS`.
    BankFull,
}

/// One relay.
#[derive(Debug)]
pub struct Relay<P> {
    pin: P,
    wiring: Wiring,
    on: bool,
}

impl<P: OutputPin> Relay<P> {
    /// Takes the pin and switches the relay off before anything else, so a reboot never leaves
    /// a valve open or a compressor running on a stale command.
    pub fn new(pin: P, wiring: Wiring) -> Result<Self, Error<P::Error>> {
        let mut relay = Self { pin, wiring, on: true };
        relay.set(false)?;
        Ok(relay)
    }

    /// Switches the relay on or off.
    pub fn set(&mut self, on: bool) -> Result<(), Error<P::Error>> {
        let high = on == (self.wiring == Wiring::ActiveHigh);
        if high { self.pin.set_high() } else { self.pin.set_low() }.map_err(Error::Pin)?;
        self.on = on;
        Ok(())
    }

    /// Whether the relay is on (as last applied successfully).
    pub const fn state(&self) -> bool {
        self.on
    }

    /// The Relay reading of relay `channel` (1 on, 0 off).
    pub fn reading(&self, channel: u8) -> Reading {
        reading(SensorKind::Relay, channel, i32::from(self.on))
    }
}

/// The node's relays, numbered from 0 in the order they were added.
#[derive(Debug)]
pub struct RelayBank<P> {
    relays: Vec<Relay<P>, { MAX_RELAYS as usize }>,
}

impl<P: OutputPin> Default for RelayBank<P> {
    fn default() -> Self {
        Self { relays: Vec::new() }
    }
}

impl<P: OutputPin> RelayBank<P> {
    /// An empty bank.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a relay (already off) and returns its number.
    pub fn push(&mut self, relay: Relay<P>) -> Result<u8, Error<P::Error>> {
        let number = self.len();
        self.relays.push(relay).map_err(|_| Error::BankFull)?;
        Ok(number)
    }

    /// Relays fitted (what `NodeEvent::Boot` reports).
    pub fn len(&self) -> u8 {
        // At most MAX_RELAYS, a u8.
        self.relays.len() as u8
    }

    /// Whether no relay is fitted.
    pub fn is_empty(&self) -> bool {
        self.relays.is_empty()
    }

    /// Switches relay `number`.
    pub fn set(&mut self, number: u8, on: bool) -> Result<(), Error<P::Error>> {
        self.relays.get_mut(usize::from(number)).ok_or(Error::NoSuchRelay(number))?.set(on)
    }

    /// Relay `number`'s state.
    pub fn state(&self, number: u8) -> Result<bool, Error<P::Error>> {
        self.relays.get(usize::from(number)).map(Relay::state).ok_or(Error::NoSuchRelay(number))
    }

    /// Every relay's reading, in number order.
    pub fn readings(&self) -> impl Iterator<Item = Reading> + '_ {
        (0u8..).zip(&self.relays).map(|(n, relay)| relay.reading(n))
    }
}

#[cfg(test)]
mod tests {
    use embedded_hal_mock::eh1::digital::{Mock, State, Transaction};

    use super::*;

    #[test]
    fn an_active_low_relay_is_driven_high_first_and_low_to_switch_on() {
        let mut pin = Mock::new(&[Transaction::set(State::High), Transaction::set(State::Low)]);
        let mut relay = Relay::new(pin.clone(), Wiring::ActiveLow).unwrap();
        assert!(!relay.state());
        relay.set(true).unwrap();
        assert!(relay.state());
        let r = relay.reading(4);
        assert_eq!((r.k, r.c, r.t, r.v), (SensorKind::Relay, 4, 0, 1));
        pin.done();
    }

    #[test]
    fn an_active_high_relay_starts_low() {
        let mut pin =
            Mock::new(&[Transaction::set(State::Low), Transaction::set(State::High), Transaction::set(State::Low)]);
        let mut relay = Relay::new(pin.clone(), Wiring::ActiveHigh).unwrap();
        relay.set(true).unwrap();
        relay.set(false).unwrap();
        assert!(!relay.state());
        pin.done();
    }

    #[test]
    fn the_bank_addresses_relays_by_number_and_refuses_unknown_ones() {
        let mut a = Mock::new(&[Transaction::set(State::High)]);
        let mut b = Mock::new(&[Transaction::set(State::High), Transaction::set(State::Low)]);
        let mut bank = RelayBank::new();
        assert_eq!(bank.push(Relay::new(a.clone(), Wiring::ActiveLow).unwrap()), Ok(0));
        assert_eq!(bank.push(Relay::new(b.clone(), Wiring::ActiveLow).unwrap()), Ok(1));
        bank.set(1, true).unwrap();
        assert_eq!(bank.set(2, true), Err(Error::NoSuchRelay(2)));
        assert_eq!(bank.state(7), Err(Error::NoSuchRelay(7)));
        assert_eq!((bank.state(0), bank.state(1)), (Ok(false), Ok(true)));
        let values: Vec<(u8, i32), 8> = bank.readings().map(|r| (r.c, r.v)).collect();
        assert_eq!(values.as_slice(), [(0, 0), (1, 1)]);
        a.done();
        b.done();
    }

    #[test]
    fn the_bank_holds_at_most_max_relays() {
        let expectations: std::vec::Vec<Transaction> = (0..=MAX_RELAYS).map(|_| Transaction::set(State::Low)).collect();
        let mut pin = Mock::new(&expectations);
        let mut bank = RelayBank::new();
        for n in 0..MAX_RELAYS {
            assert_eq!(bank.push(Relay::new(pin.clone(), Wiring::ActiveHigh).unwrap()), Ok(n));
        }
        let extra = Relay::new(pin.clone(), Wiring::ActiveHigh).unwrap();
        assert_eq!(bank.push(extra), Err(Error::BankFull));
        assert_eq!(bank.len(), MAX_RELAYS);
        pin.done();
    }
}
