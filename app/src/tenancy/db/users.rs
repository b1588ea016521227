//! Accounts. Not tenant-owned: a person may belong to several businesses.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use shared::ids::UserId;

use crate::schema::users;

/// An account.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = users)]
pub struct User {
    pub id: UserId,
    pub email: String,
    pub password_hash: String,
    pub display_name: String,
    pub email_verified_at: Option<DateTime<Utc>>,
    pub is_operator: bool,
}

/// A new account.
#[derive(Insertable)]
#[diesel(table_name = users)]
pub struct NewUser<'a> {
    pub email: &'a str,
    pub password_hash: &'a str,
    pub display_name: &'a str,
    pub is_operator: bool,
}

impl User {
    /// The account with this (normalised) email.
    pub async fn by_email(conn: &mut AsyncPgConnection, email: &str) -> QueryResult<Option<Self>> {
        users::table.filter(users::email.eq(email)).select(Self::as_select()).first(conn).await.optional()
    }

    /// The account with this id.
    pub async fn by_id(conn: &mut AsyncPgConnection, id: UserId) -> QueryResult<Self> {
        users::table.find(id).select(Self::as_select()).first(conn).await
    }

    /// Creates an account; fails with a unique violation on `users_email_key` if the email is taken.
    pub async fn create(conn: &mut AsyncPgConnection, new: &NewUser<'_>) -> QueryResult<Self> {
        diesel::insert_into(users::table).values(new).returning(Self::as_returning()).get_result(conn).await
    }

    /// Replaces the password hash.
    pub async fn set_password(conn: &mut AsyncPgConnection, id: UserId, hash: &str) -> QueryResult<()> {
        diesel::update(users::table.find(id))
            .set((users::password_hash.eq(hash), users::password_changed_at.eq(diesel::dsl::now)))
            .execute(conn)
            .await
            .map(drop)
    }

    /// Marks the email as confirmed (keeps the first confirmation time).
    pub async fn mark_verified(conn: &mut AsyncPgConnection, id: UserId) -> QueryResult<()> {
        diesel::update(users::table.find(id).filter(users::email_verified_at.is_null()))
            .set(users::email_verified_at.eq(diesel::dsl::now))
            .execute(conn)
            .await
            .map(drop)
    }
}
