//! "Mis sesiones": the signed-in account's open sessions, and closing them.

use leptos::prelude::*;
use shared::ids::SessionId;
use shared::tenancy::dto::SessionEntry;

use crate::error::AppError;

/// The account's open sessions: this one first, then the others by start, newest first.
#[server(prefix = "/api/tenancy", endpoint = "list_my_sessions")]
pub async fn list_my_sessions() -> Result<Vec<SessionEntry>, AppError> {
    use crate::tenancy::db::sessions;
    let tz = crate::state::default_time_zone()?;
    crate::call::as_account(async |conn, user| {
        let mut rows = sessions::list(conn, user.user_id).await?;
        // This browser's session first.
        rows.sort_by_key(|s| s.id != user.session_id);
        Ok(rows
            .into_iter()
            .map(|s| SessionEntry {
                id: s.id,
                current: s.id == user.session_id,
                user_agent: shared::tenancy::user_agent::describe_user_agent(&s.user_agent),
                ip: s.ip,
                created_at: crate::time::format_local(s.created_at, tz),
                last_seen_at: crate::time::format_local(s.last_seen_at, tz),
            })
            .collect())
    })
    .await
}

/// Closes one of the account's sessions (another account's id is "not found").
#[server(prefix = "/api/tenancy", endpoint = "revoke_session")]
pub async fn revoke_session(session_id: SessionId) -> Result<(), AppError> {
    use crate::tenancy::{auth, db::audit, db::sessions};
    let ip = auth::request_meta().ip;
    crate::call::as_account(async |conn, user| {
        if !sessions::revoke(conn, user.user_id, session_id).await? {
            return Err(AppError::NotFound);
        }
        audit::record_account(
            conn,
            user.user_id,
            user.current_tenant_id,
            shared::tenancy::audit::AuditAction::SessionsRevoked,
            "1",
            &ip,
        )
        .await?;
        Ok(())
    })
    .await
}

/// Closes every session of the account except this one; returns how many.
#[server(prefix = "/api/tenancy", endpoint = "revoke_other_sessions")]
pub async fn revoke_other_sessions() -> Result<usize, AppError> {
    use crate::tenancy::{auth, db::audit, db::sessions};
    let ip = auth::request_meta().ip;
    crate::call::as_account(async |conn, user| {
        let n = sessions::revoke_others(conn, user.user_id, Some(user.session_id)).await?;
        let detail = n.to_string();
        audit::record_account(
            conn,
            user.user_id,
            user.current_tenant_id,
            shared::tenancy::audit::AuditAction::SessionsRevoked,
            &detail,
            &ip,
        )
        .await?;
        Ok(n)
    })
    .await
}
