//! Invitations to join a business with a role, by an emailed one-time link. The link's token
//! is stored hashed; whoever holds it may read its invitation (row-level security admits the
//! row whose hash the request presented in `app.invitation_hash`).

use chrono::{DateTime, Duration, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use shared::ids::{InvitationId, TenantId};

use crate::schema::{invitations, memberships};
use crate::tenancy::auth::TenantScope;

/// How long an invitation link works.
pub const INVITATION_TTL: Duration = Duration::days(7);

/// An invitation.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = invitations)]
pub struct InvitationRow {
    pub id: InvitationId,
    pub tenant_id: TenantId,
    pub email: String,
    pub role: shared::tenancy::Role,
    pub invited_by: Option<i64>,
    pub expires_at: DateTime<Utc>,
    pub accepted_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
}

impl InvitationRow {
    /// Neither accepted, revoked nor expired.
    pub fn is_open(&self) -> bool {
        self.accepted_at.is_none() && self.revoked_at.is_none() && self.expires_at > Utc::now()
    }
}

/// Creates an invitation in the scope's business; `None` if one is already open for `email`.
pub async fn create(
    conn: &mut AsyncPgConnection,
    scope: &TenantScope,
    email: &str,
    role: shared::tenancy::Role,
    token_hash: &str,
) -> QueryResult<Option<InvitationRow>> {
    let insert = diesel::insert_into(invitations::table)
        .values((
            invitations::tenant_id.eq(scope.tenant_id()),
            invitations::email.eq(email),
            invitations::role.eq(role),
            invitations::token_hash.eq(token_hash),
            invitations::invited_by.eq(scope.member_id()),
            invitations::expires_at.eq(Utc::now() + INVITATION_TTL),
        ))
        .returning(InvitationRow::as_returning())
        .get_result(conn)
        .await;
    match insert {
        Ok(row) => Ok(Some(row)),
        Err(e) if crate::db::is_unique_violation(&e, "invitations_open_key") => Ok(None),
        Err(e) => Err(e),
    }
}

/// Open invitations of the scope's business, with the inviter's name (`None` once they left).
pub async fn list_open(
    conn: &mut AsyncPgConnection,
    scope: &TenantScope,
) -> QueryResult<Vec<(InvitationRow, Option<String>)>> {
    invitations::table
        .left_join(
            memberships::table.on(memberships::tenant_id
                .eq(invitations::tenant_id)
                .and(memberships::id.nullable().eq(invitations::invited_by))),
        )
        .filter(invitations::tenant_id.eq(scope.tenant_id()))
        .filter(invitations::accepted_at.is_null())
        .filter(invitations::revoked_at.is_null())
        .filter(invitations::expires_at.gt(Utc::now()))
        .order(invitations::created_at.desc())
        .select((InvitationRow::as_select(), memberships::display_name.nullable()))
        .load(conn)
        .await
}

/// Revokes an open invitation of the scope's business.
pub async fn revoke(conn: &mut AsyncPgConnection, scope: &TenantScope, id: InvitationId) -> QueryResult<InvitationRow> {
    diesel::update(
        invitations::table
            .filter(invitations::tenant_id.eq(scope.tenant_id()))
            .filter(invitations::id.eq(id))
            .filter(invitations::accepted_at.is_null())
            .filter(invitations::revoked_at.is_null()),
    )
    .set(invitations::revoked_at.eq(diesel::dsl::now))
    .returning(InvitationRow::as_returning())
    .get_result(conn)
    .await
}

/// The invitation whose token hashes to `token_hash`. The caller has set `app.invitation_hash`.
pub async fn by_token(conn: &mut AsyncPgConnection, token_hash: &str) -> QueryResult<Option<InvitationRow>> {
    invitations::table
        .filter(invitations::token_hash.eq(token_hash))
        .select(InvitationRow::as_select())
        .first(conn)
        .await
        .optional()
}

/// Marks an open invitation accepted (the caller has entered its tenant); `false` if it was
/// accepted, revoked or expired meanwhile.
pub async fn mark_accepted(conn: &mut AsyncPgConnection, scope: &TenantScope, id: InvitationId) -> QueryResult<bool> {
    diesel::update(
        invitations::table
            .filter(invitations::tenant_id.eq(scope.tenant_id()))
            .filter(invitations::id.eq(id))
            .filter(invitations::accepted_at.is_null())
            .filter(invitations::revoked_at.is_null())
            .filter(invitations::expires_at.gt(Utc::now())),
    )
    .set(invitations::accepted_at.eq(diesel::dsl::now))
    .execute(conn)
    .await
    .map(|n| n == 1)
}
