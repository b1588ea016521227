//! IoT on the server: the device registry the broker authenticates against ([`registry`]),
//! the MQTT link ([`link`]) feeding the ingest workers ([`ingest`]), and the jobs that keep
//! partitions, rollups and relay commands moving ([`jobs`]). [`start`] wires them up.

pub mod ingest;
pub mod jobs;
pub mod link;
pub mod registry;

use std::sync::Arc;

use app::db::DbPool;
use app::system::monitor::SystemMonitor;
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
    (registry, misses): (Arc<Registry>, registry::MissQueue),
    pool: DbPool,
    (target, client_id): (ClientTarget, String),
    monitor: Arc<SystemMonitor>,
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
    tasks.spawn(link.run(workers, stats.clone(), shutdown.clone()));
    jobs::spawn(tasks, pool, config.retention_days, downlinks, shutdown.clone());
    tasks.spawn(report_stats(stats.clone(), monitor, shutdown));
    stats
}

/// Hands the ingest's counters to the status page every [`REPORT_EVERY`] (with the readings
/// rate over the last 10 s) and logs them every [`STATS_EVERY`] while frames arrive.
async fn report_stats(stats: Arc<IngestStats>, monitor: Arc<SystemMonitor>, shutdown: CancellationToken) {
    let mut tick = tokio::time::interval(REPORT_EVERY);
    let mut window: std::collections::VecDeque<(std::time::Instant, u64)> = std::collections::VecDeque::new();
    let mut last_logged = (std::time::Instant::now(), 0);
    loop {
        tokio::select! {
            () = shutdown.cancelled() => return,
            _ = tick.tick() => {}
        }
        let now = std::time::Instant::now();
        let readings = IngestStats::get(&stats.committed_readings);
        window.push_back((now, readings));
        while window.len() > 1 && window.front().is_some_and(|(at, _)| now - *at > std::time::Duration::from_secs(10)) {
            window.pop_front();
        }
        let rate_x100 = match window.front() {
            Some((at, first)) if now > *at => {
                ((readings - first) as f64 * 100.0 / (now - *at).as_secs_f64()).round() as u64
            }
            _ => 0,
        };
        monitor.set_ingest(shared::system::IngestSummary {
            readings_per_sec_x100: rate_x100,
            readings,
            frames: IngestStats::get(&stats.committed_frames),
            duplicates: IngestStats::get(&stats.duplicates),
            bad_mac: IngestStats::get(&stats.bad_mac),
            malformed: IngestStats::get(&stats.malformed),
            unknown_device: IngestStats::get(&stats.unknown_device),
            rejected_values: IngestStats::get(&stats.rejected_values),
        });
        let received = IngestStats::get(&stats.received);
        if received != last_logged.1 && now - last_logged.0 >= STATS_EVERY {
            last_logged = (now, received);
            tracing::info!(stats = ?stats, "ingest");
        }
    }
}

/// How often the status page's ingest figures are refreshed.
pub const REPORT_EVERY: std::time::Duration = std::time::Duration::from_secs(2);

/// How often the ingest's counters are logged.
pub const STATS_EVERY: std::time::Duration = std::time::Duration::from_secs(10);
