//! MQTT: the embedded broker (rmqtt, started in-process unless `APP_MQTT__URL` names an
//! external one) with its access rules ([`acl`]), and the server's own client (rumqttc), which
//! takes the same code path against either broker and feeds the system monitor.

pub mod acl;
pub mod broker;
pub mod client;
pub mod front;

pub use broker::EmbeddedBroker;
pub use client::{ClientTarget, run_client};

/// Topics under this prefix are the servers' own traffic (presence heartbeats), not shown as
/// received messages.
pub const SYSTEM_TOPIC_PREFIX: &str = "mostrador/sistema/";
