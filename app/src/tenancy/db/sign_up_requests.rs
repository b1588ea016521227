//! Sign-ups waiting for their address to be confirmed (see the migration
//! `tenancy_sign_up_requests`). Stored under the hash of the mailed link's token; using one marks
//! it used, so a link works once.

use chrono::{Duration, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};

use crate::schema::sign_up_requests;

/// How long a sign-up link works.
pub const TTL: Duration = Duration::days(3);

/// A sign-up form, checked, with the password already hashed.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = sign_up_requests)]
pub struct SignUpRequest {
    pub email: String,
    pub password_hash: String,
    pub display_name: String,
    pub business_name: String,
    pub rubro: shared::tenancy::business::Rubro,
    /// The 11 digits, or empty.
    pub cuit: String,
    pub iva_condition: shared::tenancy::business::IvaCondition,
}

/// Stores a request under `token_hash`; requests that ended more than a day ago are removed.
pub async fn insert(conn: &mut AsyncPgConnection, token_hash: &str, request: &SignUpRequest) -> QueryResult<()> {
    diesel::delete(sign_up_requests::table.filter(sign_up_requests::expires_at.lt(Utc::now() - Duration::days(1))))
        .execute(conn)
        .await?;
    diesel::insert_into(sign_up_requests::table)
        .values((
            request,
            sign_up_requests::token_hash.eq(token_hash),
            sign_up_requests::expires_at.eq(Utc::now() + TTL),
        ))
        .execute(conn)
        .await
        .map(drop)
}

/// The password hash of the open (unused, unexpired) request behind a link, to check the
/// password before anything is created.
pub async fn open(conn: &mut AsyncPgConnection, token_hash: &str) -> QueryResult<Option<String>> {
    sign_up_requests::table
        .filter(sign_up_requests::token_hash.eq(token_hash))
        .filter(sign_up_requests::used_at.is_null())
        .filter(sign_up_requests::expires_at.gt(Utc::now()))
        .select(sign_up_requests::password_hash)
        .first(conn)
        .await
        .optional()
}

/// Uses a link: the request if it was valid (unused, unexpired). Every other open request for
/// the same address ends with it. Two links of one address used at once take turns (a lock on
/// the address for the caller's transaction), so neither sees a deadlock.
pub async fn consume(conn: &mut AsyncPgConnection, token_hash: &str) -> QueryResult<Option<SignUpRequest>> {
    let email: Option<String> = sign_up_requests::table
        .filter(sign_up_requests::token_hash.eq(token_hash))
        .select(sign_up_requests::email)
        .first(conn)
        .await
        .optional()?;
    let Some(email) = email else { return Ok(None) };
    diesel::sql_query("SELECT pg_advisory_xact_lock(hashtext('sign_up:' || $1))")
        .bind::<diesel::sql_types::Text, _>(&email)
        .execute(conn)
        .await?;
    let request: Option<SignUpRequest> = diesel::update(
        sign_up_requests::table
            .filter(sign_up_requests::token_hash.eq(token_hash))
            .filter(sign_up_requests::used_at.is_null())
            .filter(sign_up_requests::expires_at.gt(Utc::now())),
    )
    .set(sign_up_requests::used_at.eq(diesel::dsl::now))
    .returning(SignUpRequest::as_returning())
    .get_result(conn)
    .await
    .optional()?;
    if request.is_some() {
        diesel::update(
            sign_up_requests::table
                .filter(sign_up_requests::email.eq(&email))
                .filter(sign_up_requests::used_at.is_null()),
        )
        .set(sign_up_requests::used_at.eq(diesel::dsl::now))
        .execute(conn)
        .await?;
    }
    Ok(request)
}
