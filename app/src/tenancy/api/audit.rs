//! The audit log page's data.

use leptos::prelude::*;
use shared::tenancy::dto::AuditEntry;

use crate::error::AppError;

/// Security events of the current business and of its members' accounts, newest first.
#[server(prefix = "/api/tenancy", endpoint = "list_audit_events")]
pub async fn list_audit_events() -> Result<Vec<AuditEntry>, AppError> {
    use shared::tenancy::Permission;

    use crate::tenancy::db::audit;
    crate::call::in_business(Permission::AuditView, async |conn, scope| {
        let rows = audit::list(conn, scope).await?;
        Ok(rows
            .into_iter()
            .map(|e| AuditEntry {
                at: crate::time::format_local(e.at, scope.time_zone()),
                actor: e.actor.unwrap_or_default(),
                action: e.action.label().to_owned(),
                detail: e.detail,
                ip: e.ip,
            })
            .collect())
    })
    .await
}
