//! The audit log: security events of a business (role changes, invitations, removals, settings)
//! and of accounts (logins, failed logins, password changes). Owners read both for their members.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use shared::ids::{TenantId, UserId};
use shared::tenancy::audit::AuditAction;

use crate::schema::{account_events, audit_events, users};
use crate::tenancy::auth::TenantScope;

/// How many events the audit page shows.
pub const AUDIT_PAGE: i64 = 200;

/// Records an event in the scope's business.
pub async fn record(
    conn: &mut AsyncPgConnection,
    scope: &TenantScope,
    action: AuditAction,
    detail: &str,
    ip: &str,
) -> QueryResult<()> {
    diesel::insert_into(audit_events::table)
        .values((
            audit_events::tenant_id.eq(scope.tenant_id()),
            audit_events::actor_id.eq(scope.user_id()),
            audit_events::action.eq(action),
            audit_events::detail.eq(detail),
            audit_events::ip.eq(ip),
        ))
        .execute(conn)
        .await
        .map(drop)
}

/// Records an event in business `tenant_id` done by the platform operator (suspension): enters
/// that business for the rest of the caller's transaction.
pub async fn record_by_operator(
    conn: &mut AsyncPgConnection,
    operator: &crate::tenancy::auth::OperatorScope,
    tenant_id: TenantId,
    action: AuditAction,
    ip: &str,
) -> QueryResult<()> {
    operator.enter_business(conn, tenant_id).await?;
    diesel::insert_into(audit_events::table)
        .values((
            audit_events::tenant_id.eq(tenant_id),
            audit_events::actor_id.eq(operator.user_id()),
            audit_events::action.eq(action),
            audit_events::ip.eq(ip),
        ))
        .execute(conn)
        .await
        .map(drop)
}

/// Records an event of an account, in the business its session was working in (`None`: an
/// event of the account alone, which no business' log shows).
pub async fn record_account(
    conn: &mut AsyncPgConnection,
    user_id: UserId,
    tenant_id: Option<TenantId>,
    action: AuditAction,
    detail: &str,
    ip: &str,
) -> QueryResult<()> {
    diesel::insert_into(account_events::table)
        .values((
            account_events::user_id.eq(user_id),
            account_events::tenant_id.eq(tenant_id),
            account_events::action.eq(action),
            account_events::detail.eq(detail),
            account_events::ip.eq(ip),
        ))
        .execute(conn)
        .await
        .map(drop)
}

/// One event for the page.
#[derive(Debug, Clone, Queryable)]
pub struct EventRow {
    pub at: DateTime<Utc>,
    pub actor: Option<String>,
    pub action: AuditAction,
    pub detail: String,
    pub ip: String,
}

/// The scope's events and its current members' account events, newest first.
pub async fn list(conn: &mut AsyncPgConnection, scope: &TenantScope) -> QueryResult<Vec<EventRow>> {
    let business: Vec<EventRow> = audit_events::table
        .left_join(users::table)
        .filter(audit_events::tenant_id.eq(scope.tenant_id()))
        .order(audit_events::at.desc())
        .limit(AUDIT_PAGE)
        .select((
            audit_events::at,
            users::email.nullable(),
            audit_events::action,
            audit_events::detail,
            audit_events::ip,
        ))
        .load(conn)
        .await?;
    // Members' account events (logins, sign-outs) in this business: what the same accounts do in
    // other businesses, and from where, belongs to nobody here.
    let accounts: Vec<EventRow> = account_events::table
        .inner_join(users::table)
        .filter(account_events::tenant_id.eq(scope.tenant_id()))
        .order(account_events::at.desc())
        .limit(AUDIT_PAGE)
        .select((
            account_events::at,
            users::email.nullable(),
            account_events::action,
            account_events::detail,
            account_events::ip,
        ))
        .load(conn)
        .await?;
    let mut rows: Vec<EventRow> = business.into_iter().chain(accounts).collect();
    rows.sort_by_key(|e| std::cmp::Reverse(e.at));
    rows.truncate(usize::try_from(AUDIT_PAGE).unwrap_or(200));
    Ok(rows)
}
