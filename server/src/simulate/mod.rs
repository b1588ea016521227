//! `mostrador simulate`: simulated sensor nodes speaking the real protocol over MQTT, each
//! running the same state machine as the firmware (`shared::iot::node`), one MQTT connection
//! per node. Two modes:
//! - `--devices N --rate R [--duration S] [--business SLUG]`: provisions N new devices in a
//!   business, runs them at R readings/s each, then waits until every reading is acknowledged
//!   and prints the sustained committed rate and publish-to-commit latency (the benchmark);
//!   `--summary FILE` writes what each node produced (the fault test checks it against the
//!   database).
//! - `--device UID --secret HEX [--rate R]`: one node with a known secret (the devices page's
//!   QR), until stopped; it drives two simulated relays.

mod args;
mod node;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use shared::iot::frame::Secret;

pub use self::args::SimulateArgs;
use self::node::{NodeReport, run_node};
use crate::config::Config;

/// What every node shares with the run: when to stop, and the totals.
struct Shared {
    stop_producing: AtomicBool,
    finish: AtomicBool,
    produced: AtomicU64,
    acked: AtomicU64,
    latencies: std::sync::Mutex<Vec<u32>>,
}

/// Runs the simulation.
pub async fn run(config: &Config, args: SimulateArgs) -> anyhow::Result<()> {
    let broker = match &args.broker {
        Some(b) => crate::mqtt::ClientTarget::from_url(b)?,
        None => match &config.mqtt.url {
            Some(u) => crate::mqtt::ClientTarget::from_url(u)?,
            None => crate::mqtt::ClientTarget::from_url(&format!("mqtt://127.0.0.1:{}", config.mqtt.port_v4))?,
        },
    };
    let nodes: Vec<(String, Secret)> = match (&args.device, &args.secret) {
        (Some(uid), Some(secret)) => {
            vec![(uid.clone(), Secret::from_hex(secret).context("--secret must be 64 hexadecimal characters")?)]
        }
        _ => provision(config, &args).await?,
    };
    let shared = Arc::new(Shared {
        stop_producing: AtomicBool::new(false),
        finish: AtomicBool::new(false),
        produced: AtomicU64::new(0),
        acked: AtomicU64::new(0),
        latencies: std::sync::Mutex::new(Vec::new()),
    });
    let mut handles = Vec::new();
    for (uid, secret) in nodes {
        let (broker, shared, rate) = (broker.clone(), shared.clone(), args.rate);
        handles.push(tokio::spawn(async move { run_node(broker, uid, secret, rate, shared).await }));
    }
    let measured = watch(&shared, &args).await;
    shared.stop_producing.store(true, Ordering::Relaxed);
    shared.finish.store(true, Ordering::Relaxed);
    let mut reports = Vec::new();
    for h in handles {
        match tokio::time::timeout(Duration::from_secs(5), h).await {
            Ok(Ok(Ok(r))) => reports.push(r),
            Ok(Ok(Err(e))) => eprintln!("a node failed: {e:#}"),
            _ => eprintln!("a node did not stop"),
        }
    }
    summarize(&shared, &args, measured, &reports)?;
    // A timed run must end with everything acknowledged; one stopped by hand just reports.
    let (p, a) = (shared.produced.load(Ordering::Relaxed), shared.acked.load(Ordering::Relaxed));
    if p != a && args.duration.is_some() {
        bail!("{} readings were not acknowledged", p - a);
    }
    Ok(())
}

/// Prints progress once a second; after `--duration`, stops production and waits for the last
/// acknowledgements. Returns the measured window (after a 5 s warm-up) and what it committed.
async fn watch(shared: &Shared, args: &SimulateArgs) -> Option<(Duration, u64)> {
    let started = Instant::now();
    let mut last = (0, 0);
    let mut window_start: Option<(Instant, u64)> = None;
    let mut measured: Option<(Duration, u64)> = None;
    let mut ticker = tokio::time::interval(Duration::from_secs(1));
    ticker.tick().await;
    let mut drain_started: Option<Instant> = None;
    loop {
        tokio::select! {
            _ = ticker.tick() => {}
            _ = tokio::signal::ctrl_c() => return measured,
        }
        let (p, a) = (shared.produced.load(Ordering::Relaxed), shared.acked.load(Ordering::Relaxed));
        println!(
            "t={:>4}s produced {:>8}/s committed {:>8}/s (total {p} / {a})",
            started.elapsed().as_secs(),
            p - last.0,
            a - last.1
        );
        last = (p, a);
        // The measurement skips the first 5 s (connections, warm-up).
        if window_start.is_none() && started.elapsed() >= Duration::from_secs(5) {
            window_start = Some((Instant::now(), a));
        }
        let Some(d) = args.duration else { continue };
        if drain_started.is_none() && started.elapsed() >= d {
            shared.stop_producing.store(true, Ordering::Relaxed);
            drain_started = Some(Instant::now());
            if let Some((at, acked)) = window_start {
                measured = Some((at.elapsed(), a - acked));
            }
            // Nodes may produce a little more before they see the flag: count again next time.
            continue;
        }
        if let Some(since) = drain_started
            && (a >= p || since.elapsed() > args.drain_timeout)
        {
            return measured;
        }
    }
}

/// Prints the run's figures and writes `--summary`.
fn summarize(
    shared: &Shared,
    args: &SimulateArgs,
    measured: Option<(Duration, u64)>,
    reports: &[NodeReport],
) -> anyhow::Result<()> {
    let dropped: u64 = reports.iter().map(|r| r.dropped).sum();
    let (p, a) = (shared.produced.load(Ordering::Relaxed), shared.acked.load(Ordering::Relaxed));
    let mut lat = shared.latencies.lock().map(|l| l.clone()).unwrap_or_default();
    lat.sort_unstable();
    let pct =
        |q: f64| lat.get(((lat.len() as f64 - 1.0) * q).round() as usize).map_or(0.0, |us| f64::from(*us) / 1000.0);
    println!(
        "== simulate: {} devices, {} readings/s each, {} readings per message",
        args.devices.max(1),
        args.rate,
        if args.rate >= 8.0 { 8 } else { 1 }
    );
    println!(
        "produced {p} readings, committed {a}, dropped by full node queues {dropped}, not committed {}",
        p.saturating_sub(a)
    );
    if let Some((d, n)) = measured.filter(|(d, _)| !d.is_zero()) {
        println!(
            "sustained: {:.0} readings/s committed over {:.1} s (after 5 s warm-up)",
            n as f64 / d.as_secs_f64(),
            d.as_secs_f64()
        );
    }
    println!(
        "publish-to-commit latency: p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms ({} messages)",
        pct(0.5),
        pct(0.99),
        pct(1.0),
        lat.len()
    );
    if let Some(path) = &args.summary {
        std::fs::write(path, serde_json::to_vec_pretty(reports)?)
            .with_context(|| format!("writing {}", path.display()))?;
    }
    Ok(())
}

async fn provision(config: &Config, args: &SimulateArgs) -> anyhow::Result<Vec<(String, Secret)>> {
    let pool = crate::db::pool(&config.database)?;
    let mut conn = pool.get().await.context("no database connection")?;
    let devices: Vec<(String, [u8; 32])> =
        (0..args.devices).map(|_| (app::iot::service::new_uid(), rand::random())).collect();
    let found = app::iot::db::devices::create_for_simulation(&mut conn, &args.business, "sim", &devices)
        .await
        .context("provisioning simulated devices")?;
    if found.is_none() {
        bail!("there is no business with slug `{}` (--business)", args.business);
    }
    println!("provisioned {} devices in `{}`", devices.len(), args.business);
    Ok(devices.into_iter().map(|(u, s)| (u, Secret(s))).collect())
}
