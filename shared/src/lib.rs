//! Domain types and pure logic used by every part of Mostrador: the browser (wasm), the server
//! and the ESP32 firmware (`riscv32imc-unknown-none-elf`). No I/O here, no std unless the `std`
//! feature is on, serde without default features, so the same types cross every boundary.
#![cfg_attr(not(any(test, feature = "std")), no_std)]

extern crate alloc;

#[cfg(feature = "diesel")]
mod stored_code;

pub mod format;
pub mod ids;
pub mod iot;
pub mod money;
pub mod mqtt_topic;
pub mod rate;
pub mod system;
pub mod tenancy;
pub mod text;
