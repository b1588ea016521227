//! Members of a business: their role and their staff record (name, phone, bookable).

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use shared::ids::{MemberId, TenantId, UserId};
use shared::tenancy::Role;

use crate::schema::{memberships, tenants, users};
use crate::tenancy::auth::TenantScope;

/// A member with their account's email.
#[derive(Debug, Clone, Queryable)]
pub struct MemberRow {
    pub id: MemberId,
    pub user_id: UserId,
    pub role: Role,
    pub display_name: String,
    pub phone: Option<String>,
    pub is_professional: bool,
    pub created_at: DateTime<Utc>,
    pub email: String,
}

/// A membership to create.
#[derive(Insertable)]
#[diesel(table_name = memberships)]
pub struct NewMembership<'a> {
    pub tenant_id: TenantId,
    pub user_id: UserId,
    pub role: Role,
    pub display_name: &'a str,
}

/// What the members page may change about someone.
#[derive(AsChangeset)]
#[diesel(table_name = memberships, treat_none_as_null = true)]
pub struct MemberChanges<'a> {
    pub role: Role,
    pub display_name: &'a str,
    pub phone: Option<&'a str>,
    pub is_professional: bool,
}

/// A membership joined with its business, for the session's checks and the switcher.
#[derive(Debug, Clone, Queryable)]
pub struct MembershipOf {
    pub id: MemberId,
    pub tenant_id: TenantId,
    pub role: Role,
    pub tenant_name: String,
    pub rubro: shared::tenancy::business::Rubro,
    pub time_zone: String,
    pub suspended_at: Option<DateTime<Utc>>,
    pub last_activity_at: DateTime<Utc>,
}

/// The columns of a [`MembershipOf`], in its field order.
const MEMBERSHIP_OF: (
    memberships::id,
    memberships::tenant_id,
    memberships::role,
    tenants::name,
    tenants::rubro,
    tenants::time_zone,
    tenants::suspended_at,
    tenants::last_activity_at,
) = (
    memberships::id,
    memberships::tenant_id,
    memberships::role,
    tenants::name,
    tenants::rubro,
    tenants::time_zone,
    tenants::suspended_at,
    tenants::last_activity_at,
);

/// Adds a member (sign-up, accepted invitation). The caller has entered that tenant.
pub async fn create(conn: &mut AsyncPgConnection, new: &NewMembership<'_>) -> QueryResult<MemberId> {
    diesel::insert_into(memberships::table).values(new).returning(memberships::id).get_result(conn).await
}

/// The account's membership in `tenant_id`, with the business (the membership check).
pub async fn of_user_in(
    conn: &mut AsyncPgConnection,
    user_id: UserId,
    tenant_id: TenantId,
) -> QueryResult<Option<MembershipOf>> {
    memberships::table
        .inner_join(tenants::table)
        .filter(memberships::user_id.eq(user_id))
        .filter(memberships::tenant_id.eq(tenant_id))
        .select(MEMBERSHIP_OF)
        .first(conn)
        .await
        .optional()
}

/// Every business the account belongs to, by name.
pub async fn all_of_user(conn: &mut AsyncPgConnection, user_id: UserId) -> QueryResult<Vec<MembershipOf>> {
    memberships::table
        .inner_join(tenants::table)
        .filter(memberships::user_id.eq(user_id))
        .order(tenants::name.asc())
        .select(MEMBERSHIP_OF)
        .load(conn)
        .await
}

/// The columns of a [`MemberRow`], in its field order.
const MEMBER_COLUMNS: (
    memberships::id,
    memberships::user_id,
    memberships::role,
    memberships::display_name,
    memberships::phone,
    memberships::is_professional,
    memberships::created_at,
    users::email,
) = (
    memberships::id,
    memberships::user_id,
    memberships::role,
    memberships::display_name,
    memberships::phone,
    memberships::is_professional,
    memberships::created_at,
    users::email,
);

/// The scope's members, owners first, then by name.
pub async fn list(conn: &mut AsyncPgConnection, scope: &TenantScope) -> QueryResult<Vec<MemberRow>> {
    memberships::table
        .inner_join(users::table)
        .filter(memberships::tenant_id.eq(scope.tenant_id()))
        .order((memberships::role.ne(Role::Owner.code()), memberships::display_name.asc(), memberships::id.asc()))
        .select(MEMBER_COLUMNS)
        .load(conn)
        .await
}

/// One member of the scope's business.
pub async fn get(conn: &mut AsyncPgConnection, scope: &TenantScope, id: MemberId) -> QueryResult<MemberRow> {
    memberships::table
        .inner_join(users::table)
        .filter(memberships::tenant_id.eq(scope.tenant_id()))
        .filter(memberships::id.eq(id))
        .select(MEMBER_COLUMNS)
        .first(conn)
        .await
}

/// Whether `email` already belongs to the scope's business.
pub async fn email_is_member(conn: &mut AsyncPgConnection, scope: &TenantScope, email: &str) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        memberships::table
            .inner_join(users::table)
            .filter(memberships::tenant_id.eq(scope.tenant_id()))
            .filter(users::email.eq(email)),
    ))
    .get_result(conn)
    .await
}

/// Changes a member of the scope's business if their role is still `expected_role` (what the
/// caller's permission check was based on); `false` if it changed meanwhile.
pub async fn update(
    conn: &mut AsyncPgConnection,
    scope: &TenantScope,
    id: MemberId,
    expected_role: Role,
    changes: &MemberChanges<'_>,
) -> QueryResult<bool> {
    diesel::update(
        memberships::table
            .filter(memberships::tenant_id.eq(scope.tenant_id()))
            .filter(memberships::id.eq(id))
            .filter(memberships::role.eq(expected_role.code())),
    )
    .set(changes)
    .execute(conn)
    .await
    .map(|n| n == 1)
}

/// Removes a member from the scope's business if their role is still `expected_role`; `false`
/// if it changed meanwhile.
pub async fn remove(
    conn: &mut AsyncPgConnection,
    scope: &TenantScope,
    id: MemberId,
    expected_role: Role,
) -> QueryResult<bool> {
    diesel::delete(
        memberships::table
            .filter(memberships::tenant_id.eq(scope.tenant_id()))
            .filter(memberships::id.eq(id))
            .filter(memberships::role.eq(expected_role.code())),
    )
    .execute(conn)
    .await
    .map(|n| n == 1)
}
