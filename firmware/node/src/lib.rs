//! The sensor node's portable code, shared by the ESP32-C3 firmware and its host twin: sensor
//! and relay drivers behind embedded-hal 1.0, the board profile per rubro, provisioning (the
//! devices page's QR/JSON, the flash record, the serial console) and the MQTT 5 session that
//! drives `shared::iot::node::Node`. Nothing here touches esp-hal, so all of it is tested on
//! the host.
#![cfg_attr(not(any(test, feature = "std")), no_std)]

extern crate alloc;

pub mod backoff;
pub mod board;
pub mod calibration;
pub mod console;
pub mod counters;
pub mod drivers;
pub mod provision;
pub mod session;
pub mod slots;
#[cfg(feature = "host")]
pub mod twin;
pub mod wallclock;
