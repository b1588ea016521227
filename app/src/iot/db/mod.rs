//! IoT queries: devices ([`devices`]), the ingest's batch write ([`ingest`]), readings for
//! charts and export ([`readings`]), relay commands ([`commands`]) and the rollup and partition
//! upkeep ([`upkeep`]).

pub mod commands;
pub mod devices;
pub mod ingest;
pub mod readings;
pub mod upkeep;
