//! Queries on `server_instances`: each app server's heartbeat row.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};

use crate::schema::server_instances;

/// How long a server may go without a heartbeat and still count as alive. Heartbeats are sent
/// every [`HEARTBEAT_EVERY_SECS`]; four missed beats mean the server is gone.
pub const ALIVE_WINDOW_SECS: i64 = 60;
/// How often each server refreshes its row.
pub const HEARTBEAT_EVERY_SECS: u64 = 15;

/// An app server as it announced itself.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = server_instances)]
pub struct ServerInstance {
    /// `hostname:pid:random`, unique per process.
    pub id: String,
    /// The machine it runs on.
    pub hostname: String,
    /// Its `CARGO_PKG_VERSION`.
    pub version: String,
    /// `embedded` or `external`.
    pub broker_mode: String,
    /// When the process started.
    pub started_at: DateTime<Utc>,
    /// Its last heartbeat.
    pub last_seen_at: DateTime<Utc>,
}

/// A server announcing itself.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = server_instances)]
pub struct NewServerInstance<'a> {
    /// See [`ServerInstance::id`].
    pub id: &'a str,
    /// See [`ServerInstance::hostname`].
    pub hostname: &'a str,
    /// See [`ServerInstance::version`].
    pub version: &'a str,
    /// See [`ServerInstance::broker_mode`].
    pub broker_mode: &'a str,
}

impl ServerInstance {
    /// Inserts the row, or refreshes `last_seen_at` if it exists.
    pub async fn heartbeat(conn: &mut AsyncPgConnection, me: &NewServerInstance<'_>) -> QueryResult<()> {
        diesel::insert_into(server_instances::table)
            .values(me)
            .on_conflict(server_instances::id)
            .do_update()
            .set(server_instances::last_seen_at.eq(diesel::dsl::now))
            .execute(conn)
            .await
            .map(|_| ())
    }

    /// Servers seen in the last [`ALIVE_WINDOW_SECS`].
    pub async fn count_alive(conn: &mut AsyncPgConnection) -> QueryResult<i64> {
        let since = Utc::now() - chrono::Duration::seconds(ALIVE_WINDOW_SECS);
        server_instances::table.filter(server_instances::last_seen_at.gt(since)).count().get_result(conn).await
    }

    /// Removes this server's row at a clean shutdown.
    pub async fn remove(conn: &mut AsyncPgConnection, id: &str) -> QueryResult<()> {
        diesel::delete(server_instances::table.find(id)).execute(conn).await.map(|_| ())
    }

    /// Deletes rows of servers gone for more than a day (crashed without removing theirs).
    pub async fn prune_stale(conn: &mut AsyncPgConnection) -> QueryResult<usize> {
        let stale = diesel::dsl::sql::<diesel::sql_types::Bool>("last_seen_at < now() - interval '1 day'");
        diesel::delete(server_instances::table.filter(stale)).execute(conn).await
    }
}
