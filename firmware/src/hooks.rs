//! What the MQTT session does to the board: switch relays, read the Wi-Fi signal, save the frame
//! counters to flash ahead of use (and the sensors' growing totals hourly), and tell the
//! watchdog the session loop is alive.

use core::sync::atomic::Ordering;

use embassy_time::Instant;
use esp_hal::gpio::Output;
use mostrador_node::counters::{Counters, TOTALS_EVERY_MS};
use mostrador_node::drivers::relay::RelayBank;
use mostrador_node::session::Hooks;
use shared::iot::node::Node;

use crate::sensors;
use crate::storage::Flash;
use crate::watchdog::{self, Part};

/// The session's view of the board.
pub struct SessionHooks {
    relays: RelayBank<Output<'static>>,
    flash: Flash,
    saved: Counters,
    totals_checked_at: u64,
}

impl SessionHooks {
    /// Hooks over the board's relays, with the counters last saved.
    pub fn new(relays: RelayBank<Output<'static>>, flash: Flash, saved: Counters) -> Self {
        Self { relays, flash, saved, totals_checked_at: Instant::now().as_millis() }
    }
}

impl Hooks for SessionHooks {
    fn set_relay(&mut self, relay: u8, on: bool) {
        match self.relays.set(relay, on) {
            Ok(()) => log::info!("relay {relay} {}", if on { "on" } else { "off" }),
            Err(e) => log::error!("relay {relay}: {e:?}"),
        }
    }

    fn rssi(&mut self) -> i16 {
        i16::try_from(crate::net::RSSI.load(Ordering::Relaxed)).unwrap_or(0)
    }

    fn link(&mut self, up: bool) {
        log::info!("server link {}", if up { "up" } else { "down" });
        watchdog::alive(Part::Session);
    }

    fn counters(&mut self, node: &Node) {
        watchdog::alive(Part::Session);
        let now = Instant::now().as_millis();
        let totals = sensors::totals();
        // Frame numbers and commands as soon as due (with the totals of the moment); the
        // sensors' growing totals at most hourly.
        let next = match self.saved.due(node.next_seq(), node.last_command()) {
            Some(due) => Some(Counters { totals, ..due }),
            None if now.saturating_sub(self.totals_checked_at) >= TOTALS_EVERY_MS => {
                self.totals_checked_at = now;
                self.saved.with_totals(totals)
            }
            None => None,
        };
        if let Some(next) = next {
            match self.flash.save_counters(&next) {
                Ok(()) => self.saved = next,
                Err(e) => log::error!("frame counters not saved: {e}"),
            }
        }
    }
}
