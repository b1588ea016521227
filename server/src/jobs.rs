//! Background jobs of every server: the database health check, this server's heartbeat in
//! `server_instances` (which also counts the servers alive), the mail outbox, and pruning of
//! ended sessions and old login attempts. All stop on shutdown.

use std::time::Duration;

use app::state::AppState;
use app::system::db::{HEARTBEAT_EVERY_SECS, NewServerInstance, ServerInstance};
use shared::system::BrokerMode;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

/// Why a round of a background job failed. The job logs it and runs again at its next tick.
#[derive(Debug, thiserror::Error)]
pub enum JobError {
    /// No connection from the pool (the database is down or every connection is busy).
    #[error("no database connection: {0}")]
    Pool(#[from] diesel_async::pooled_connection::deadpool::PoolError),
    /// A query failed.
    #[error("database: {0}")]
    Database(#[from] diesel::result::Error),
}

/// How often the database is checked for the status page's live summary.
pub const HEALTH_EVERY: Duration = Duration::from_secs(5);

/// Starts the jobs on `tasks`.
pub fn spawn_all(
    tasks: &TaskTracker,
    state: &AppState,
    server_id: &str,
    mode: BrokerMode,
    mail: std::sync::Arc<crate::mail::Sender>,
    shutdown: CancellationToken,
) {
    let s = state.clone();
    tasks.spawn(every(crate::mail::POLL_EVERY, shutdown.clone(), move || {
        let (s, mail) = (s.clone(), mail.clone());
        async move {
            if let Err(e) = crate::mail::send_due(&s.pool, &mail).await {
                tracing::warn!(error = %e, "mail outbox round failed");
            }
        }
    }));

    let s = state.clone();
    tasks.spawn(every(PRUNE_EVERY, shutdown.clone(), move || {
        let s = s.clone();
        async move { prune(&s).await }
    }));

    let s = state.clone();
    let stop = shutdown.clone();
    tasks.spawn(every(HEALTH_EVERY, stop, move || {
        let s = s.clone();
        async move {
            let health = app::db::check_database(&s.pool).await;
            s.monitor.set_database(health);
        }
    }));

    let s = state.clone();
    let id = server_id.to_owned();
    tasks.spawn(every(Duration::from_secs(HEARTBEAT_EVERY_SECS), shutdown, move || {
        let (s, id) = (s.clone(), id.clone());
        async move { heartbeat(&s, &id, mode).await }
    }));
}

/// How often ended sessions and old login attempts are deleted.
pub const PRUNE_EVERY: Duration = Duration::from_secs(3600);

async fn prune(state: &AppState) {
    use app::tenancy::db::{login_attempts, sessions};
    let result = async {
        let mut conn = state.pool.get().await?;
        let s = sessions::prune(&mut conn).await?;
        let a = login_attempts::prune(&mut conn).await?;
        Ok::<_, JobError>((s, a))
    }
    .await;
    match result {
        Ok((sessions, attempts)) => tracing::debug!(sessions, attempts, "pruned"),
        Err(e) => tracing::warn!(error = %e, "pruning failed"),
    }
}

/// Runs `job` now and then every `period` until `shutdown`.
pub async fn every<F, Fut>(period: Duration, shutdown: CancellationToken, job: F)
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    let mut ticks = tokio::time::interval(period);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            () = shutdown.cancelled() => return,
            _ = ticks.tick() => job().await,
        }
    }
}

#[tracing::instrument(skip(state))]
async fn heartbeat(state: &AppState, server_id: &str, mode: BrokerMode) {
    let hostname = server_id.split(':').next().unwrap_or_default();
    let me = NewServerInstance {
        id: server_id,
        hostname,
        version: env!("CARGO_PKG_VERSION"),
        broker_mode: match mode {
            BrokerMode::Embedded => "embedded",
            BrokerMode::External => "external",
        },
    };
    let result = async {
        let mut conn = state.pool.get().await?;
        ServerInstance::heartbeat(&mut conn, &me).await?;
        let alive = ServerInstance::count_alive(&mut conn).await?;
        ServerInstance::prune_stale(&mut conn).await?;
        Ok::<_, JobError>(alive)
    }
    .await;
    match result {
        Ok(alive) => state.monitor.set_servers_online(u32::try_from(alive).unwrap_or(u32::MAX)),
        Err(e) => tracing::warn!(error = %e, "heartbeat failed"),
    }
}

/// Removes this server's heartbeat row at a clean shutdown.
pub async fn deregister(state: &AppState, server_id: &str) {
    let removed = async {
        let mut conn = state.pool.get().await?;
        Ok::<_, JobError>(ServerInstance::remove(&mut conn, server_id).await?)
    };
    match tokio::time::timeout(Duration::from_secs(3), removed).await {
        Ok(Ok(())) => {}
        Ok(Err(e)) => tracing::warn!(error = %e, "could not remove the heartbeat row"),
        Err(_) => tracing::warn!("removing the heartbeat row timed out"),
    }
}
