//! IoT on the server: the device registry the broker authenticates against ([`registry`]),
//! the MQTT link ([`link`]) feeding the ingest workers ([`ingest`]), and the jobs that keep
//! partitions, rollups and relay commands moving ([`jobs`]). [`start`] wires them up.

pub mod ingest;
pub mod jobs;
pub mod link;
pub mod registry;

use std::sync::Arc;

use app::db::DbPool;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use crate::mqtt::ClientTarget;
pub use ingest::{IngestSettings, IngestStats};
pub use registry::{Registry, ServiceUsers};

/// Frames waiting per worker before the link stops reading (about 2 s at full speed).
pub const QUEUE_PER_WORKER: usize = 8_000;

/// IoT settings.
#[derive(Debug, Clone)]
pub struct IotConfig {
    /// Ingest workers (`APP_IOT__WORKERS`, default 2).
    pub workers: usize,
    /// Days of readings kept (`APP_IOT__RETENTION_DAYS`, default 400).
    pub retention_days: i32,
    /// Subscribe with `$share/` so several servers split the frames (`APP_IOT__SHARED_SUBSCRIPTION`,
    /// default true).
    pub shared_subscription: bool,
    /// The broker address nodes are told to use (`APP_IOT__BROKER_URL`); default: the embedded
    /// broker's MQTT 5 port on the public host, or the external broker's host and port.
    pub broker_url: Option<String>,
}

/// Starts the registry's refresher, the workers and the link (to `target` as `client_id`) on
/// `tasks`.
pub fn start(
    tasks: &TaskTracker,
    config: &IotConfig,
    registry: Arc<Registry>,
    misses: registry::MissQueue,
    pool: DbPool,
    (target, client_id): (ClientTarget, String),
    shutdown: CancellationToken,
) -> Arc<IngestStats> {
    let stats = Arc::new(IngestStats::default());
    tasks.spawn(registry::run(registry.clone(), misses, pool.clone(), shutdown.clone()));
    let settings = IngestSettings { retention_days: config.retention_days, ahead_days: jobs::PARTITIONS_AHEAD_DAYS };
    let link = link::Link::new(&target, client_id, config.shared_subscription);
    let downlinks = link.downlinks(stats.clone());
    let mut workers = Vec::new();
    for _ in 0..config.workers.max(1) {
        let (tx, rx) = mpsc::channel(QUEUE_PER_WORKER);
        workers.push(tx);
        tasks.spawn(ingest::run_worker(
            rx,
            registry.clone(),
            pool.clone(),
            downlinks.clone(),
            stats.clone(),
            settings,
            shutdown.clone(),
        ));
    }
    tasks.spawn(link.run(workers, shutdown.clone()));
    jobs::spawn(tasks, pool, config.retention_days, downlinks, shutdown.clone());
    tasks.spawn(log_stats(stats.clone(), shutdown));
    stats
}

/// Logs the ingest's counters every [`STATS_EVERY`] while frames arrive.
async fn log_stats(stats: Arc<IngestStats>, shutdown: CancellationToken) {
    let mut tick = tokio::time::interval(STATS_EVERY);
    let mut last = 0;
    loop {
        tokio::select! {
            () = shutdown.cancelled() => return,
            _ = tick.tick() => {}
        }
        let received = IngestStats::get(&stats.received);
        if received != last {
            last = received;
            tracing::info!(stats = ?stats, "ingest");
        }
    }
}

/// How often the ingest's counters are logged.
pub const STATS_EVERY: std::time::Duration = std::time::Duration::from_secs(10);
