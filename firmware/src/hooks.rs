//! What the MQTT session does to the board: switch relays, read the Wi-Fi signal, save the frame
//! counters to flash ahead of use, and tell the watchdog the session loop is alive.

use core::sync::atomic::Ordering;

use esp_hal::gpio::Output;
use mostrador_node::counters::Counters;
use mostrador_node::drivers::relay::RelayBank;
use mostrador_node::session::Hooks;
use shared::iot::node::Node;

use crate::storage::Flash;
use crate::watchdog::{self, Part};

/// The session's view of the board.
pub struct SessionHooks {
    relays: RelayBank<Output<'static>>,
    flash: Flash,
    saved: Counters,
}

impl SessionHooks {
    /// Hooks over the board's relays, with the counters last saved.
    pub fn new(relays: RelayBank<Output<'static>>, flash: Flash, saved: Counters) -> Self {
        Self { relays, flash, saved }
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
        if let Some(next) = self.saved.due(node.next_seq(), node.last_command()) {
            match self.flash.save_counters(&next) {
                Ok(()) => self.saved = next,
                Err(e) => log::error!("frame counters not saved: {e}"),
            }
        }
    }
}
