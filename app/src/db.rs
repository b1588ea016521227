//! The database pool type and the health check shared by `/health` and the status page.

use std::time::{Duration, Instant};

use diesel_async::pooled_connection::deadpool::Pool;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use shared::system::Health;

/// The connection pool every request and job takes connections from.
pub type DbPool = Pool<AsyncPgConnection>;

/// How long a health check may take before the database counts as down: long enough for a
/// busy pool, short enough that `/health` answers a load balancer quickly.
pub const HEALTH_TIMEOUT: Duration = Duration::from_secs(3);

/// Takes a connection and runs `SELECT 1`.
pub async fn check_database(pool: &DbPool) -> Health {
    let started = Instant::now();
    let check = async {
        let mut conn = pool.get().await.map_err(|e| e.to_string())?;
        diesel::sql_query("SELECT 1").execute(&mut conn).await.map_err(|e| e.to_string())
    };
    match tokio::time::timeout(HEALTH_TIMEOUT, check).await {
        Ok(Ok(_)) => Health::Ok { latency_ms: elapsed_ms(started) },
        Ok(Err(cause)) => {
            tracing::warn!(%cause, "database health check failed");
            Health::Down { reason: "No se pudo consultar la base de datos.".into() }
        }
        Err(_) => Health::Down { reason: "La base de datos no respondió a tiempo.".into() },
    }
}

/// Milliseconds since `started`, saturating.
pub fn elapsed_ms(started: Instant) -> u32 {
    u32::try_from(started.elapsed().as_millis()).unwrap_or(u32::MAX)
}

/// A pooled connection.
pub type DbConn = diesel_async::pooled_connection::deadpool::Object<AsyncPgConnection>;

/// Takes a connection from the request's pool; a busy or unreachable database is
/// [`AppError::Unavailable`](crate::error::AppError::Unavailable).
pub async fn conn() -> Result<DbConn, crate::error::AppError> {
    let state = crate::state::state()?;
    state.pool.get().await.map_err(|e| crate::error::AppError::unavailable(e))
}

/// Whether `e` is a unique violation of `constraint` (named, so a clash on another key is never
/// taken for this one): the one way every domain recognises "already taken".
pub fn is_unique_violation(e: &diesel::result::Error, constraint: &str) -> bool {
    use diesel::result::{DatabaseErrorKind, Error};
    matches!(e, Error::DatabaseError(DatabaseErrorKind::UniqueViolation, info) if info.constraint_name() == Some(constraint))
}
