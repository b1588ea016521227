//! The guards server functions start with. A [`TenantScope`] can only be built here, after the
//! session's membership in its business is checked and the role allows the permission; queries
//! of tenant-owned tables take one and filter by it, and [`TenantScope::enter`] sets
//! `app.tenant_id` in the transaction so row-level security agrees.

use diesel_async::{AsyncConnection, AsyncPgConnection};
use shared::ids::{MemberId, SessionId, TenantId, UserId};
use shared::tenancy::{Permission, Role};

use crate::error::AppError;
use crate::rls::{self, Setting};
use crate::tenancy::db::{memberships, sessions::ActiveSession, tenants::Tenant};

/// The signed-in account behind the request's cookie.
#[derive(Debug, Clone)]
pub struct SessionUser {
    /// The session row.
    pub session_id: SessionId,
    /// The account.
    pub user_id: UserId,
    /// Its email.
    pub email: String,
    /// Its name.
    pub display_name: String,
    /// Whether the email was confirmed.
    pub email_verified: bool,
    /// The platform operator.
    pub is_operator: bool,
    /// The business the session works in.
    pub current_tenant_id: Option<TenantId>,
    /// When the session was last seen (before this request).
    pub last_seen_at: chrono::DateTime<chrono::Utc>,
}

impl SessionUser {
    /// Sets `app.user_id` in the caller's transaction (lets the account read its own
    /// memberships across businesses, nothing else).
    pub async fn enter(&self, conn: &mut AsyncPgConnection) -> diesel::QueryResult<()> {
        Self::enter_user_id(conn, self.user_id).await
    }

    /// [`SessionUser::enter`] for an account that has no session yet (logging in).
    pub async fn enter_user_id(conn: &mut AsyncPgConnection, user_id: UserId) -> diesel::QueryResult<()> {
        rls::set(conn, Setting::UserId, &user_id.to_string()).await
    }
}

/// Enters the business of an invitation whose link the request holds, to read its name (the
/// link is the authority; no membership exists yet).
pub(in crate::tenancy) async fn enter_invited_business(
    conn: &mut AsyncPgConnection,
    tenant_id: TenantId,
) -> diesel::QueryResult<()> {
    rls::set(conn, Setting::TenantId, &tenant_id.to_string()).await
}

/// Sets `app.invitation_hash`: the request holds that invitation's link and may read it.
pub async fn set_invitation_hash(conn: &mut AsyncPgConnection, hash: &str) -> diesel::QueryResult<()> {
    rls::set(conn, Setting::InvitationHash, hash).await
}

/// Permission to work on one business' rows, as one member with one role.
#[derive(Debug, Clone)]
pub struct TenantScope {
    tenant_id: TenantId,
    user_id: UserId,
    member_id: MemberId,
    role: Role,
    time_zone: chrono_tz::Tz,
    /// The member's business has not noted activity for a while ([`note_activity`]).
    activity_stale: bool,
}

impl TenantScope {
    /// The business.
    pub fn tenant_id(&self) -> TenantId {
        self.tenant_id
    }
    /// The account acting.
    pub fn user_id(&self) -> UserId {
        self.user_id
    }
    /// Its membership in the business.
    pub fn member_id(&self) -> MemberId {
        self.member_id
    }
    /// Its role there.
    pub fn role(&self) -> Role {
        self.role
    }
    /// The business' time zone (for showing times), parsed once when the scope is made.
    pub fn time_zone(&self) -> chrono_tz::Tz {
        self.time_zone
    }

    /// Sets `app.tenant_id` and `app.user_id` for the rest of the caller's transaction.
    pub async fn enter(&self, conn: &mut AsyncPgConnection) -> diesel::QueryResult<()> {
        rls::enter_tenant_as(conn, self.tenant_id, self.user_id).await
    }

    /// The scope of a member who just joined (sign-up, accepted invitation): built by the
    /// tenancy code itself, right after it wrote that membership in the same transaction.
    pub(in crate::tenancy) fn for_new_member(
        tenant_id: TenantId,
        user_id: UserId,
        member_id: MemberId,
        role: Role,
        time_zone: &str,
    ) -> Self {
        Self { tenant_id, user_id, member_id, role, time_zone: crate::time::zone(time_zone), activity_stale: false }
    }
}

/// Permission to act as the platform operator (every business, read and suspend).
#[derive(Debug, Clone)]
pub struct OperatorScope {
    user_id: UserId,
}

impl OperatorScope {
    /// The operator's scope for `user`, if the account is the operator.
    pub fn of(user: &SessionUser) -> Option<Self> {
        user.is_operator.then_some(Self { user_id: user.user_id })
    }

    /// The operator's account.
    pub fn user_id(&self) -> UserId {
        self.user_id
    }

    /// Enters business `tenant_id` too (to write its audit log).
    pub async fn enter_business(&self, conn: &mut AsyncPgConnection, tenant_id: TenantId) -> diesel::QueryResult<()> {
        rls::set(conn, Setting::TenantId, &tenant_id.to_string()).await
    }

    /// Sets `app.operator` for the rest of the caller's transaction.
    pub async fn enter(&self, conn: &mut AsyncPgConnection) -> diesel::QueryResult<()> {
        rls::set(conn, Setting::Operator, "on").await?;
        rls::set(conn, Setting::UserId, &self.user_id.to_string()).await
    }
}

/// The session behind the request's cookie, if it is live. Its activity is recorded at the end of
/// the call ([`note_activity`]), after the work, so the row is never held while the work runs.
pub async fn current_session(conn: &mut AsyncPgConnection) -> Result<Option<SessionUser>, AppError> {
    session_of_token(conn, super::session_token()).await
}

async fn session_of_token(
    conn: &mut AsyncPgConnection,
    token: Option<String>,
) -> Result<Option<SessionUser>, AppError> {
    let Some(token) = token else { return Ok(None) };
    let Some(session) = ActiveSession::find(conn, &super::token_hash(&token)).await? else { return Ok(None) };
    Ok(Some(SessionUser {
        session_id: session.id,
        user_id: session.user_id,
        email: session.email,
        display_name: session.display_name,
        email_verified: session.email_verified_at.is_some(),
        is_operator: session.is_operator,
        current_tenant_id: session.current_tenant_id,
        last_seen_at: session.last_seen_at,
    }))
}

/// Whether the cookie in `headers` belongs to a live operator session (for plain axum handlers
/// such as the status event stream, which run outside Leptos' context).
pub async fn is_operator_request(pool: &crate::db::DbPool, headers: &http::HeaderMap) -> Result<bool, AppError> {
    let Some(token) = super::session_token_from(headers) else { return Ok(false) };
    let mut conn = pool.get().await.map_err(|e| AppError::unavailable(e))?;
    Ok(ActiveSession::find(&mut conn, &super::token_hash(&token)).await?.is_some_and(|s| s.is_operator))
}

/// The guard of [`crate::call::in_business`] for plain axum handlers (downloads, streams), which
/// run outside Leptos' context: the session comes from `headers`' cookie. The scope is checked
/// in a transaction of its own, since what follows streams.
pub async fn require_from_headers(
    pool: &crate::db::DbPool,
    headers: &http::HeaderMap,
    permission: Permission,
) -> Result<TenantScope, AppError> {
    let mut conn = pool.get().await.map_err(|e| AppError::unavailable(e))?;
    conn.transaction(async |conn| {
        let user =
            session_of_token(conn, super::session_token_from(headers)).await?.ok_or(AppError::Unauthenticated)?;
        let scope = scope_in(conn, user.clone(), permission).await?;
        note_activity(conn, &user, Some(&scope)).await?;
        Ok(scope)
    })
    .await
}

/// A scope on `user`'s current business if its role there allows `permission`, checked in the
/// caller's transaction (which it enters: `app.tenant_id` and `app.user_id` are set after it).
/// No business, no membership, or a role that may not: `Forbidden`; a suspended membership:
/// `Suspended`.
pub async fn scope_in(
    conn: &mut AsyncPgConnection,
    user: SessionUser,
    permission: Permission,
) -> Result<TenantScope, AppError> {
    let tenant_id = user.current_tenant_id.ok_or(AppError::Forbidden)?;
    rls::enter_tenant_as(conn, tenant_id, user.user_id).await?;
    let membership = memberships::of_user_in(conn, user.user_id, tenant_id).await?.ok_or(AppError::Forbidden)?;
    if membership.suspended_at.is_some() {
        return Err(AppError::Suspended);
    }
    let role = membership.role;
    if !role.allows(permission) {
        return Err(AppError::Forbidden);
    }
    let scope = TenantScope {
        tenant_id,
        user_id: user.user_id,
        member_id: membership.id,
        role,
        time_zone: crate::time::zone(&membership.time_zone),
        activity_stale: chrono::Utc::now() - membership.last_activity_at >= Tenant::TOUCH_EVERY,
    };
    Ok(scope)
}

/// Records that `user`'s session (and `scope`'s business) were active: the last statements of a
/// call that succeeded. Both updates skip a row another call holds, so nothing waits on them.
pub async fn note_activity(
    conn: &mut AsyncPgConnection,
    user: &SessionUser,
    scope: Option<&TenantScope>,
) -> diesel::QueryResult<()> {
    ActiveSession::touch(conn, user.session_id, user.last_seen_at).await?;
    if let Some(scope) = scope.filter(|s| s.activity_stale) {
        Tenant::touch(conn, scope).await?;
    }
    Ok(())
}
