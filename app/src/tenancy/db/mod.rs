//! Rows and queries of the tenancy domain. Tenant-owned queries take a [`TenantScope`] and
//! filter by it first; the caller owns the transaction and has entered the scope in it
//! (`scope.enter(conn)`), so row-level security applies as well.
//!
//! [`TenantScope`]: crate::tenancy::auth::TenantScope

pub mod audit;
pub mod email_tokens;
pub mod invitations;
pub mod login_attempts;
pub mod mail;
pub mod memberships;
pub mod sessions;
pub mod sign_up_requests;
pub mod tenants;
pub mod users;

use diesel::result::{DatabaseErrorKind, Error};

/// Whether `e` is the "last owner" refusal of the memberships trigger.
pub fn is_last_owner(e: &Error) -> bool {
    matches!(e, Error::DatabaseError(DatabaseErrorKind::CheckViolation, info) if info.constraint_name() == Some("memberships_last_owner"))
}
