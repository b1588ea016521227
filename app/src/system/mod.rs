//! The `system` domain: the installation's own health, for the platform operator. It owns the
//! status page ("Estado del sistema"), the live monitor the MQTT client feeds, and the
//! `server_instances` heartbeat table that tells how many app servers are alive.

pub mod api;
pub mod components;

#[cfg(feature = "ssr")]
pub mod db;
#[cfg(feature = "ssr")]
pub mod monitor;
