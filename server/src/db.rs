//! PostgreSQL at start-up: the connection pool and the embedded migrations (from
//! `migrations/`, compiled into the binary and run before the server accepts requests).

use std::time::Duration;

use anyhow::Context;
use app::db::DbPool;
use diesel_async::RunQueryDsl;
use diesel_async::pooled_connection::deadpool::Pool;
use diesel_async::pooled_connection::{AsyncDieselConnectionManager, ManagerConfig};
use diesel_async::{AsyncConnection, AsyncMigrationHarness, AsyncPgConnection};
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};

use crate::config::{DatabaseConfig, redact_url};

/// Every migration in `migrations/`, embedded at compile time.
pub const MIGRATIONS: EmbeddedMigrations = embed_migrations!("../migrations");

/// How long a request waits for a free connection before answering "unavailable".
pub const POOL_WAIT: Duration = Duration::from_secs(5);
/// How long opening a new connection may take.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// Set on each of the application role's connections when it opens: no statement waits more than
/// 5 s for a lock (a row or an attempt limit's advisory lock another call holds); it fails instead
/// and the call answers "try again" (`AppError::Unavailable`), so a stuck call cannot pile up
/// others behind it and fill the pool.
pub const SESSION_SETTINGS: &str = "SET lock_timeout = '5s'";

/// Builds the pool of the application role (`app_url`). Connections open lazily.
pub fn pool(config: &DatabaseConfig) -> anyhow::Result<DbPool> {
    let mut setup = ManagerConfig::<AsyncPgConnection>::default();
    setup.custom_setup = Box::new(|url| {
        let url = url.to_owned();
        Box::pin(async move {
            let mut conn = AsyncPgConnection::establish(&url).await?;
            diesel::sql_query(SESSION_SETTINGS)
                .execute(&mut conn)
                .await
                .map_err(diesel::ConnectionError::CouldntSetupConfiguration)?;
            Ok(conn)
        })
    });
    let manager = AsyncDieselConnectionManager::<AsyncPgConnection>::new_with_config(config.app_url.clone(), setup);
    Pool::builder(manager)
        .max_size(config.pool_size)
        .wait_timeout(Some(POOL_WAIT))
        .create_timeout(Some(CONNECT_TIMEOUT))
        .runtime(deadpool::Runtime::Tokio1)
        .build()
        .context("building the PostgreSQL pool")
}

/// Connects, retrying for up to `patience` (PostgreSQL may still be starting).
pub async fn connect(url: &str, patience: Duration) -> anyhow::Result<AsyncPgConnection> {
    let deadline = tokio::time::Instant::now() + patience;
    loop {
        match tokio::time::timeout(CONNECT_TIMEOUT, AsyncPgConnection::establish(url)).await {
            Ok(Ok(conn)) => return Ok(conn),
            Ok(Err(e)) if tokio::time::Instant::now() >= deadline => {
                return Err(e).with_context(|| format!("connecting to {}", redact_url(url)));
            }
            Err(_) if tokio::time::Instant::now() >= deadline => {
                anyhow::bail!("connecting to {}: timed out", redact_url(url));
            }
            Ok(Err(e)) => tracing::warn!(error = %e, "PostgreSQL not ready, retrying"),
            Err(_) => tracing::warn!("PostgreSQL connection timed out, retrying"),
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}

/// Runs the migrations that have not run yet on the database at `url`; returns their names.
pub async fn run_migrations(url: &str) -> anyhow::Result<Vec<String>> {
    let conn = connect(url, Duration::from_secs(30)).await?;
    // The harness is synchronous (it drives the async connection on this runtime), so it runs
    // on a blocking thread.
    tokio::task::spawn_blocking(move || {
        let mut harness = AsyncMigrationHarness::new(conn);
        harness
            .run_pending_migrations(MIGRATIONS)
            .map(|done| done.iter().map(ToString::to_string).collect())
            .map_err(|e| anyhow::anyhow!("running migrations: {e}"))
    })
    .await
    .context("migration task")?
}
