//! Server-side sessions. The browser's cookie holds a random token; this table holds only its
//! SHA-256, so a copy of the database cannot be used to log in.

use chrono::{DateTime, Duration, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use shared::ids::{SessionId, TenantId, UserId};

use crate::schema::{sessions, users};

/// A session may live this long in total, however active.
pub const SESSION_MAX_AGE: Duration = Duration::days(30);
/// A session unused for this long expires.
pub const SESSION_IDLE: Duration = Duration::days(14);
/// `last_seen_at` is written at most this often per session (one write per request would
/// make every page view a database write).
pub const TOUCH_EVERY: Duration = Duration::minutes(1);

/// A live session joined with its account.
#[derive(Debug, Clone, Queryable)]
pub struct ActiveSession {
    pub id: SessionId,
    pub user_id: UserId,
    pub current_tenant_id: Option<TenantId>,
    pub last_seen_at: DateTime<Utc>,
    pub email: String,
    pub display_name: String,
    pub email_verified_at: Option<DateTime<Utc>>,
    pub is_operator: bool,
}

/// A session as listed on "my sessions".
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = sessions)]
pub struct SessionRow {
    pub id: SessionId,
    pub ip: String,
    pub user_agent: String,
    pub created_at: DateTime<Utc>,
    pub last_seen_at: DateTime<Utc>,
}

impl ActiveSession {
    /// The unexpired, unrevoked session whose token hashes to `token_hash`.
    pub async fn find(conn: &mut AsyncPgConnection, token_hash: &str) -> QueryResult<Option<Self>> {
        let now = Utc::now();
        sessions::table
            .inner_join(users::table)
            .filter(sessions::token_hash.eq(token_hash))
            .filter(sessions::revoked_at.is_null())
            .filter(sessions::expires_at.gt(now))
            .filter(sessions::last_seen_at.gt(now - SESSION_IDLE))
            .select((
                sessions::id,
                sessions::user_id,
                sessions::current_tenant_id,
                sessions::last_seen_at,
                users::email,
                users::display_name,
                users::email_verified_at,
                users::is_operator,
            ))
            .first(conn)
            .await
            .optional()
    }

    /// Records activity of session `id`, last seen at `last_seen_at`, at most every
    /// [`TOUCH_EVERY`]. Never waits: a row another call holds is left alone (that call is
    /// recording activity too, or revoking it), so calls on one session never queue behind each
    /// other and never deadlock over it.
    pub async fn touch(conn: &mut AsyncPgConnection, id: SessionId, last_seen_at: DateTime<Utc>) -> QueryResult<()> {
        if Utc::now() - last_seen_at < TOUCH_EVERY {
            return Ok(());
        }
        diesel::sql_query(
            "UPDATE sessions SET last_seen_at = now() \
             WHERE id = (SELECT id FROM sessions WHERE id = $1 FOR NO KEY UPDATE SKIP LOCKED)",
        )
        .bind::<diesel::sql_types::BigInt, _>(id)
        .execute(conn)
        .await
        .map(drop)
    }
}

/// Starts a session for `user_id`; returns its id.
pub async fn create(
    conn: &mut AsyncPgConnection,
    token_hash: &str,
    user_id: UserId,
    tenant_id: Option<TenantId>,
    ip: &str,
    user_agent: &str,
) -> QueryResult<SessionId> {
    diesel::insert_into(sessions::table)
        .values((
            sessions::token_hash.eq(token_hash),
            sessions::user_id.eq(user_id),
            sessions::current_tenant_id.eq(tenant_id),
            sessions::ip.eq(ip),
            sessions::user_agent.eq(user_agent),
            sessions::expires_at.eq(Utc::now() + SESSION_MAX_AGE),
        ))
        .returning(sessions::id)
        .get_result(conn)
        .await
}

/// Switches the business a session works in.
pub async fn set_tenant(conn: &mut AsyncPgConnection, session_id: SessionId, tenant_id: TenantId) -> QueryResult<()> {
    diesel::update(sessions::table.find(session_id))
        .set(sessions::current_tenant_id.eq(tenant_id))
        .execute(conn)
        .await
        .map(drop)
}

/// Ends one session of `user_id` (a session of someone else is left alone); returns whether one ended.
pub async fn revoke(conn: &mut AsyncPgConnection, user_id: UserId, session_id: SessionId) -> QueryResult<bool> {
    diesel::update(
        sessions::table.find(session_id).filter(sessions::user_id.eq(user_id)).filter(sessions::revoked_at.is_null()),
    )
    .set(sessions::revoked_at.eq(diesel::dsl::now))
    .execute(conn)
    .await
    .map(|n| n > 0)
}

/// Ends every session of `user_id` except `keep`; returns how many ended.
pub async fn revoke_others(
    conn: &mut AsyncPgConnection,
    user_id: UserId,
    keep: Option<SessionId>,
) -> QueryResult<usize> {
    diesel::update(
        sessions::table
            .filter(sessions::user_id.eq(user_id))
            .filter(sessions::revoked_at.is_null())
            .filter(sessions::id.ne(keep.unwrap_or(SessionId(-1)))),
    )
    .set(sessions::revoked_at.eq(diesel::dsl::now))
    .execute(conn)
    .await
}

/// The live sessions of `user_id`, newest first (by start: a stable order, unlike last activity,
/// so a page and its hydration see the same rows in the same places).
pub async fn list(conn: &mut AsyncPgConnection, user_id: UserId) -> QueryResult<Vec<SessionRow>> {
    let now = Utc::now();
    sessions::table
        .filter(sessions::user_id.eq(user_id))
        .filter(sessions::revoked_at.is_null())
        .filter(sessions::expires_at.gt(now))
        .filter(sessions::last_seen_at.gt(now - SESSION_IDLE))
        .order((sessions::created_at.desc(), sessions::id.desc()))
        .select(SessionRow::as_select())
        .load(conn)
        .await
}

/// Deletes sessions that ended more than a day ago (a job calls it).
pub async fn prune(conn: &mut AsyncPgConnection) -> QueryResult<usize> {
    let cutoff = Utc::now() - Duration::days(1);
    diesel::delete(
        sessions::table.filter(
            sessions::expires_at
                .lt(cutoff)
                .or(sessions::revoked_at.lt(cutoff))
                .or(sessions::last_seen_at.lt(cutoff - SESSION_IDLE)),
        ),
    )
    .execute(conn)
    .await
}
