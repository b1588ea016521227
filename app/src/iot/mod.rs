//! IoT: the business' devices (registry, secrets, provisioning QR), their live values and
//! charts, relay commands and exports. The ingest itself (MQTT, batching) lives in `server`;
//! its queries are here with the rest of the domain's.

pub mod api;
pub mod components;
#[cfg(feature = "ssr")]
pub mod db;
#[cfg(feature = "ssr")]
pub mod service;
