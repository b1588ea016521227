//! Relay commands: written (with the device's next command number) by the request, sent and
//! resent by whichever server's job finds them due, settled by the node's acknowledgement.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use shared::ids::{CommandId, DeviceId};
use shared::iot::codes::CommandStatus;

use crate::schema::{device_commands, devices};
use crate::tenancy::auth::TenantScope;

/// How long a command may wait for its node before it is given up: a relay switched minutes
/// late (a cold room's compressor) is worse than not at all.
pub const EXPIRES_AFTER_SECS: i64 = 60;

/// How often an unacknowledged command is sent again.
pub const RESEND_EVERY_SECS: i64 = 5;

/// A command as the device page shows it.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = device_commands)]
pub struct CommandRow {
    /// Id.
    pub id: CommandId,
    /// Device.
    pub device_id: DeviceId,
    /// Command number.
    pub seq: i64,
    /// Relay.
    pub relay: Option<i16>,
    /// The command's JSON (`shared::iot::wire::Command`).
    pub command: serde_json::Value,
    /// Where it stands.
    pub status: CommandStatus,
    /// Sends so far.
    pub attempts: i32,
    /// Asked at.
    pub created_at: DateTime<Utc>,
    /// Settled at.
    pub done_at: Option<DateTime<Utc>>,
    /// Relay state the node reported.
    pub relay_on: Option<bool>,
}

impl CommandRow {
    /// Writes a command for the business' device `device_id`; returns its number.
    pub async fn create(
        conn: &mut AsyncPgConnection,
        scope: &TenantScope,
        device_id: DeviceId,
        relay: Option<i16>,
        command: &shared::iot::wire::Command,
    ) -> QueryResult<i64> {
        let seq: i64 = diesel::update(devices::table)
            .filter(devices::tenant_id.eq(scope.tenant_id()))
            .filter(devices::id.eq(device_id))
            .set(devices::command_seq.eq(devices::command_seq + 1))
            .returning(devices::command_seq)
            .get_result(conn)
            .await?;
        let json = serde_json::to_value(command).unwrap_or(serde_json::Value::Null);
        diesel::insert_into(device_commands::table)
            .values((
                device_commands::tenant_id.eq(scope.tenant_id()),
                device_commands::device_id.eq(device_id),
                device_commands::seq.eq(seq),
                device_commands::relay.eq(relay),
                device_commands::command.eq(json),
                device_commands::requested_by.eq(Some(scope.user_id())),
                device_commands::expires_at.eq(Utc::now() + chrono::Duration::seconds(EXPIRES_AFTER_SECS)),
            ))
            .execute(conn)
            .await?;
        Ok(seq)
    }

    /// The device's latest commands, newest first.
    pub async fn recent(
        conn: &mut AsyncPgConnection,
        scope: &TenantScope,
        device_id: DeviceId,
        limit: i64,
    ) -> QueryResult<Vec<Self>> {
        device_commands::table
            .filter(device_commands::tenant_id.eq(scope.tenant_id()))
            .filter(device_commands::device_id.eq(device_id))
            .order(device_commands::id.desc())
            .limit(limit)
            .select(Self::as_select())
            .load(conn)
            .await
    }
}

/// A command due to be sent, with what is needed to sign it.
#[derive(Debug, Clone)]
pub struct DueCommand {
    /// Device's public id.
    pub uid: String,
    /// Device secret.
    pub secret: Vec<u8>,
    /// Command number.
    pub seq: i64,
    /// The command.
    pub command: serde_json::Value,
}

/// Command id, number, JSON, device uid, device secret.
type DueRow = (i64, i64, serde_json::Value, String, Option<Vec<u8>>);

/// Expires what waited too long, then claims up to `limit` due commands (`FOR UPDATE SKIP
/// LOCKED`: each goes to one server), pushing their next attempt [`RESEND_EVERY_SECS`] ahead.
/// The caller publishes them after this transaction commits. System context.
pub async fn claim_due(conn: &mut AsyncPgConnection, limit: i64) -> QueryResult<Vec<DueCommand>> {
    use diesel::dsl::now;
    use diesel_async::AsyncConnection;
    conn.transaction::<_, diesel::result::Error, _>(async |conn| {
        crate::rls::enter_system(conn).await?;
        diesel::update(device_commands::table)
            .filter(device_commands::status.eq(CommandStatus::Pending))
            .filter(device_commands::expires_at.le(now))
            .set((device_commands::status.eq(CommandStatus::Expired), device_commands::done_at.eq(now)))
            .execute(conn)
            .await?;
        let due: Vec<DueRow> = device_commands::table
            .inner_join(devices::table.on(devices::id.eq(device_commands::device_id)))
            .filter(device_commands::status.eq(CommandStatus::Pending))
            .filter(device_commands::next_attempt_at.le(now))
            .order(device_commands::next_attempt_at.asc())
            .limit(limit)
            .select((
                device_commands::id,
                device_commands::seq,
                device_commands::command,
                devices::uid,
                devices::secret,
            ))
            .for_update()
            .skip_locked()
            .load(conn)
            .await?;
        let ids: Vec<i64> = due.iter().map(|d| d.0).collect();
        diesel::update(device_commands::table.filter(device_commands::id.eq_any(&ids)))
            .set((
                device_commands::attempts.eq(device_commands::attempts + 1),
                device_commands::next_attempt_at.eq(Utc::now() + chrono::Duration::seconds(RESEND_EVERY_SECS)),
            ))
            .execute(conn)
            .await?;
        Ok(due
            .into_iter()
            .filter_map(|(_, seq, command, uid, secret)| Some(DueCommand { uid, secret: secret?, seq, command }))
            .collect())
    })
    .await
}
