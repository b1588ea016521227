//! The audit log page's data.

use leptos::prelude::*;
use shared::tenancy::dto::AuditEntry;

use crate::error::AppError;

/// Security events of the current business and of its members' accounts, newest first.
#[server(prefix = "/api/tenancy", endpoint = "list_audit_events")]
pub async fn list_audit_events() -> Result<Vec<AuditEntry>, AppError> {
    use diesel_async::AsyncConnection;
    use shared::tenancy::Permission;

    use crate::tenancy::{auth, db::audit};
    let scope = auth::require(Permission::AuditView).await?;
    let mut conn = crate::db::conn().await?;
    let rows = conn
        .transaction(async |conn| {
            scope.enter(conn).await?;
            audit::list(conn, &scope).await
        })
        .await?;
    Ok(rows
        .into_iter()
        .map(|e| AuditEntry {
            at: crate::time::format_local(e.at, scope.time_zone()),
            actor: e.actor.unwrap_or_default(),
            action: audit::action_label(&e.action).to_owned(),
            detail: e.detail,
            ip: e.ip,
        })
        .collect())
}
