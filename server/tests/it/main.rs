//! Integration tests: the real router on port 0, a real PostgreSQL database per test (cloned
//! from a migrated template) and the real embedded MQTT broker on free loopback ports. One
//! binary, so it links once.
#![expect(clippy::unwrap_used, clippy::expect_used, reason = "tests and their fixtures fail loudly")]

mod db_schema;
mod db_system;
mod external_broker;
mod firmware_twin;
mod fixtures;
mod helpers;
mod http_shell;
mod iot_ingest;
mod iot_quarantine;
mod iot_rollups;
mod mail_outbox;
mod mqtt_hostile;
mod nodes;
mod system_status;
mod tenancy_flows;
mod tenancy_rls;
mod tenancy_sweep;
