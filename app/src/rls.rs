//! The row-level-security settings, in one place. Policies (migrations) read these `app.*`
//! settings through `app_tenant_id()`, `app_user_id()`, `app_is_operator()`, `app_is_system()`
//! and `app_invitation_hash()`; code sets them here and nowhere else, always local to the
//! caller's transaction (`set_config(name, value, true)`), so nothing leaks to the next user of
//! a pooled connection.

use diesel::sql_types::Text;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use shared::ids::{TenantId, UserId};

/// One `app.*` setting.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Setting {
    /// The business whose rows the transaction may touch.
    TenantId,
    /// The account acting (its own memberships across businesses).
    UserId,
    /// The platform operator (reads every business, suspends).
    Operator,
    /// The server's own cross-business work (ingest, jobs); never on a request's behalf.
    System,
    /// The hash of an invitation link the request holds (reads that invitation).
    InvitationHash,
}

impl Setting {
    /// The setting's name in PostgreSQL.
    pub const fn name(self) -> &'static str {
        match self {
            Self::TenantId => "app.tenant_id",
            Self::UserId => "app.user_id",
            Self::Operator => "app.operator",
            Self::System => "app.system",
            Self::InvitationHash => "app.invitation_hash",
        }
    }
}

/// Sets `setting` to `value` for the rest of the caller's transaction.
pub async fn set(conn: &mut AsyncPgConnection, setting: Setting, value: &str) -> diesel::QueryResult<()> {
    diesel::sql_query("SELECT set_config($1, $2, true)")
        .bind::<Text, _>(setting.name())
        .bind::<Text, _>(value)
        .execute(conn)
        .await
        .map(drop)
}

/// `app.tenant_id` and `app.user_id` in one round trip (every business request does it).
pub async fn enter_tenant_as(
    conn: &mut AsyncPgConnection,
    tenant_id: TenantId,
    user_id: UserId,
) -> diesel::QueryResult<()> {
    diesel::sql_query("SELECT set_config($1, $2, true), set_config($3, $4, true)")
        .bind::<Text, _>(Setting::TenantId.name())
        .bind::<Text, _>(tenant_id.to_string())
        .bind::<Text, _>(Setting::UserId.name())
        .bind::<Text, _>(user_id.to_string())
        .execute(conn)
        .await
        .map(drop)
}

/// Marks the transaction as the server's own cross-business work (the `system_rows` policies).
pub async fn enter_system(conn: &mut AsyncPgConnection) -> diesel::QueryResult<()> {
    set(conn, Setting::System, "on").await
}
