//! One-time links sent by email: confirm the address, reset the password. Stored hashed;
//! using one marks it used, so a link works once.

use chrono::{Duration, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use shared::ids::UserId;

use crate::schema::email_tokens;

/// What a link is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    /// Confirms the email address.
    VerifyEmail,
    /// Sets a new password.
    ResetPassword,
}

impl Purpose {
    const fn code(self) -> &'static str {
        match self {
            Self::VerifyEmail => "verify_email",
            Self::ResetPassword => "reset_password",
        }
    }

    /// How long the link works: a reset link is short-lived, it is as good as the password.
    pub const fn ttl(self) -> Duration {
        match self {
            Self::VerifyEmail => Duration::days(3),
            Self::ResetPassword => Duration::hours(1),
        }
    }
}

/// Ends every unused link of `user_id` for `purpose` (a new link, or the password changed).
pub async fn expire(conn: &mut AsyncPgConnection, user_id: UserId, purpose: Purpose) -> QueryResult<()> {
    diesel::update(
        email_tokens::table
            .filter(email_tokens::user_id.eq(user_id))
            .filter(email_tokens::purpose.eq(purpose.code()))
            .filter(email_tokens::used_at.is_null()),
    )
    .set(email_tokens::used_at.eq(diesel::dsl::now))
    .execute(conn)
    .await
    .map(drop)
}

/// Stores a link for `user_id`; earlier unused links for the same purpose stop working.
pub async fn issue(
    conn: &mut AsyncPgConnection,
    user_id: UserId,
    purpose: Purpose,
    token_hash: &str,
) -> QueryResult<()> {
    expire(conn, user_id, purpose).await?;
    diesel::insert_into(email_tokens::table)
        .values((
            email_tokens::token_hash.eq(token_hash),
            email_tokens::user_id.eq(user_id),
            email_tokens::purpose.eq(purpose.code()),
            email_tokens::expires_at.eq(Utc::now() + purpose.ttl()),
        ))
        .execute(conn)
        .await
        .map(drop)
}

/// Uses a link: returns its account if it was valid (unused, unexpired, for `purpose`).
pub async fn consume(conn: &mut AsyncPgConnection, purpose: Purpose, token_hash: &str) -> QueryResult<Option<UserId>> {
    diesel::update(
        email_tokens::table
            .filter(email_tokens::token_hash.eq(token_hash))
            .filter(email_tokens::purpose.eq(purpose.code()))
            .filter(email_tokens::used_at.is_null())
            .filter(email_tokens::expires_at.gt(Utc::now())),
    )
    .set(email_tokens::used_at.eq(diesel::dsl::now))
    .returning(email_tokens::user_id)
    .get_result(conn)
    .await
    .optional()
}
