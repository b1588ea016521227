//! IoT queries: devices ([`devices`]), the ingest's batch write ([`ingest`]), readings for
//! charts and export ([`readings`]), relay commands ([`commands`]) and the rollup and partition
//! upkeep ([`upkeep`]).

pub mod commands;
pub mod devices;
pub mod ingest;
pub mod readings;
pub mod upkeep;

use diesel::sql_types::Text;
use diesel_async::{AsyncPgConnection, RunQueryDsl};

/// Marks the current transaction as the server's own cross-business work (ingest, jobs): the
/// `system_rows` policies let it through. Never called on a request's behalf.
pub async fn enter_system(conn: &mut AsyncPgConnection) -> diesel::QueryResult<()> {
    diesel::sql_query("SELECT set_config('app.system', $1, true)").bind::<Text, _>("on").execute(conn).await?;
    Ok(())
}
