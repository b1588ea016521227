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

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use rumqttc::{AsyncClient, Event, MqttOptions, Packet, QoS};
use shared::iot::frame::Secret;
use shared::iot::node::{Input, Node, NodeConfig, Output};
use shared::iot::sensor::SensorKind;
use shared::iot::wire::{Direction, NodeEvent, Reading, topic};

use crate::config::Config;

/// Parsed arguments.
#[derive(Debug, Clone)]
pub struct SimulateArgs {
    devices: usize,
    rate: f64,
    duration: Option<Duration>,
    business: String,
    broker: Option<String>,
    device: Option<(String, String)>,
    summary: Option<std::path::PathBuf>,
    drain_timeout: Duration,
}

impl SimulateArgs {
    /// Parses `--name value` pairs.
    pub fn parse(args: &[String]) -> anyhow::Result<Self> {
        let mut a = Self {
            devices: 1,
            rate: 1.0,
            duration: None,
            business: "carniceria-don-pepe".into(),
            broker: None,
            device: None,
            summary: None,
            drain_timeout: Duration::from_secs(120),
        };
        let (mut uid, mut secret) = (None, None);
        let mut it = args.iter();
        while let Some(flag) = it.next() {
            let mut value = || it.next().cloned().with_context(|| format!("{flag} needs a value"));
            match flag.as_str() {
                "--devices" => a.devices = value()?.parse().context("--devices")?,
                "--rate" => a.rate = value()?.parse().context("--rate")?,
                "--duration" => a.duration = Some(Duration::from_secs_f64(value()?.parse().context("--duration")?)),
                "--business" => a.business = value()?,
                "--broker" => a.broker = Some(value()?),
                "--device" => uid = Some(value()?),
                "--secret" => secret = Some(value()?),
                "--summary" => a.summary = Some(value()?.into()),
                "--drain-timeout" => {
                    a.drain_timeout = Duration::from_secs(value()?.parse().context("--drain-timeout")?)
                }
                other => bail!("unknown option {other}"),
            }
        }
        match (uid, secret) {
            (Some(u), Some(s)) => a.device = Some((u, s)),
            (None, None) => {}
            _ => bail!("--device and --secret go together"),
        }
        if !(a.rate > 0.0 && a.rate <= 100_000.0) || a.devices == 0 || a.devices > 5_000 {
            bail!("--rate must be in (0, 100000] and --devices in 1..=5000");
        }
        Ok(a)
    }
}

/// What one node did.
#[derive(Debug, Default, serde::Serialize)]
struct NodeReport {
    uid: String,
    produced: u64,
    acked: u64,
    first_t: u64,
    last_t: u64,
    dropped: u64,
}

/// What a node's MQTT connection reports to it.
enum LinkEvent {
    Connected,
    Downlink(bytes::Bytes),
    Lost,
}

/// Polls `eventloop` in its own task (its `poll` must never be dropped half-way through a
/// connection) and forwards what the node needs.
fn drive(mut eventloop: rumqttc::EventLoop, down: String) -> tokio::sync::mpsc::Receiver<LinkEvent> {
    let (tx, rx) = tokio::sync::mpsc::channel(256);
    tokio::spawn(async move {
        loop {
            let event = match eventloop.poll().await {
                Ok(Event::Incoming(Packet::ConnAck(_))) => LinkEvent::Connected,
                Ok(Event::Incoming(Packet::Publish(p))) if p.topic == down => LinkEvent::Downlink(p.payload),
                Ok(_) => continue,
                Err(_) => {
                    tokio::time::sleep(Duration::from_millis(500)).await;
                    LinkEvent::Lost
                }
            };
            if tx.send(event).await.is_err() {
                return;
            }
        }
    });
    rx
}

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
    let nodes: Vec<(String, Secret)> = match &args.device {
        Some((uid, secret)) => {
            vec![(uid.clone(), Secret::from_hex(secret).context("--secret must be 64 hexadecimal characters")?)]
        }
        None => provision(config, &args).await?,
    };
    let shared = Arc::new(Shared {
        stop_producing: AtomicBool::new(false),
        finish: AtomicBool::new(false),
        produced: AtomicU64::new(0),
        acked: AtomicU64::new(0),
        latencies: std::sync::Mutex::new(Vec::new()),
    });
    let started = Instant::now();
    let mut handles = Vec::new();
    for (uid, secret) in nodes {
        let (broker, shared, rate) = (broker.clone(), shared.clone(), args.rate);
        handles.push(tokio::spawn(async move { run_node(broker, uid, secret, rate, shared).await }));
    }
    // Progress once a second; stop producing after the duration.
    let mut last = (0, 0);
    let mut window_start: Option<(Instant, u64)> = None;
    let mut measured: Option<(Duration, u64)> = None;
    let mut ticker = tokio::time::interval(Duration::from_secs(1));
    ticker.tick().await;
    let mut drain_started: Option<Instant> = None;
    loop {
        tokio::select! {
            _ = ticker.tick() => {}
            _ = tokio::signal::ctrl_c() => break,
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
        if let Some(d) = args.duration {
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
                break;
            }
        }
    }
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
        std::fs::write(path, serde_json::to_vec_pretty(&reports)?)
            .with_context(|| format!("writing {}", path.display()))?;
    }
    // A timed run must end with everything acknowledged; one stopped by hand just reports.
    if p != a && args.duration.is_some() {
        bail!("{} readings were not acknowledged", p - a);
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

fn now_ms() -> u64 {
    u64::try_from(chrono::Utc::now().timestamp_millis()).unwrap_or(0)
}

async fn run_node(
    broker: crate::mqtt::ClientTarget,
    uid: String,
    secret: Secret,
    rate: f64,
    shared: Arc<Shared>,
) -> anyhow::Result<NodeReport> {
    let mut options = MqttOptions::new(uid.clone(), broker.host.clone(), broker.port);
    options.set_keep_alive(Duration::from_secs(15)).set_credentials(uid.clone(), secret.broker_password(&uid));
    let (client, eventloop) = AsyncClient::new(options, 4096);
    let down = topic(&uid, Direction::Down);
    let mut events = drive(eventloop, down.clone());
    let clock = Instant::now();
    let ms = || u64::try_from(clock.elapsed().as_millis()).unwrap_or(u64::MAX);
    // A node keeps its frame counter across reboots; a simulated one starts at the wall clock.
    let config = NodeConfig { batch_interval_ms: 1_000, ack_timeout_ms: 5_000, ..NodeConfig::default() };
    let mut node = Node::new(&uid, secret, now_ms(), 0, 2, config, ms());
    let mut out = Vec::new();
    let mut firmware = heapless::String::new();
    let _ = firmware.push_str("sim-1.0.0");
    node.handle(ms(), Input::Event(NodeEvent::Boot { firmware, rssi: -58, free_heap: 180_000, relays: 2 }), &mut out);
    let per_tick = if rate >= 8.0 { 8 } else { 1 };
    let mut produce = tokio::time::interval(Duration::from_secs_f64(f64::from(per_tick) / rate));
    produce.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Burst);
    let mut tick = tokio::time::interval(Duration::from_millis(100));
    let mut report = NodeReport { uid: uid.clone(), ..NodeReport::default() };
    let mut sent_at: BTreeMap<u64, Instant> = BTreeMap::new();
    let mut last_t = 0u64;
    let mut acked_upto = node.acked_upto();
    loop {
        tokio::select! {
            _ = produce.tick(), if !shared.stop_producing.load(Ordering::Relaxed) => {
                for i in 0..per_tick {
                    let t = now_ms().max(last_t + 1);
                    last_t = t;
                    if report.first_t == 0 { report.first_t = t; }
                    report.last_t = t;
                    let phase = (t as f64 / 60_000.0).sin();
                    let r = if i % 2 == 0 {
                        Reading { k: SensorKind::Temperature, c: 0, t, v: 400 + (150.0 * phase) as i32 }
                    } else {
                        Reading { k: SensorKind::Humidity, c: 0, t, v: 850 + (50.0 * phase) as i32 }
                    };
                    node.handle(ms(), Input::Reading(r), &mut out);
                    report.produced += 1;
                    shared.produced.fetch_add(1, Ordering::Relaxed);
                }
            }
            _ = tick.tick() => {
                if shared.finish.load(Ordering::Relaxed) {
                    return Ok(report);
                }
                node.handle(ms(), Input::Tick, &mut out);
            }
            Some(event) = events.recv() => match event {
                LinkEvent::Connected => {
                    let _ = client.try_subscribe(&down, QoS::AtLeastOnce);
                    node.handle(ms(), Input::Connected, &mut out);
                }
                LinkEvent::Downlink(payload) => node.handle(ms(), Input::Downlink(&payload), &mut out),
                LinkEvent::Lost => node.handle(ms(), Input::Disconnected, &mut out),
            },
        }
        for o in out.drain(..) {
            match o {
                Output::Publish { topic, payload, seq } => {
                    sent_at.entry(seq).or_insert_with(Instant::now);
                    // A full request queue loses nothing: the node resends after its timeout.
                    let _ = client.try_publish(topic, QoS::AtLeastOnce, false, payload);
                }
                Output::SetRelay { relay, on } => {
                    println!("{uid}: relé {relay} {}", if on { "encendido" } else { "apagado" })
                }
            }
        }
        // Every frame count at or below the acknowledgement is committed.
        let upto = node.acked_upto();
        if upto > acked_upto {
            acked_upto = upto;
            let done: Vec<u64> = sent_at.range(..=upto).map(|(s, _)| *s).collect();
            let mut lat = Vec::with_capacity(done.len());
            for seq in done {
                if let Some(at) = sent_at.remove(&seq) {
                    lat.push(u32::try_from(at.elapsed().as_micros()).unwrap_or(u32::MAX));
                }
            }
            if let Ok(mut l) = shared.latencies.lock() {
                l.extend(lat);
            }
        }
        // Readings a full queue dropped are lost on the node: not committed.
        let dropped = u64::from(node.stats().dropped_readings);
        report.dropped = dropped;
        let acked_now = report.produced - node.pending_readings() as u64 - dropped;
        if acked_now > report.acked {
            shared.acked.fetch_add(acked_now - report.acked, Ordering::Relaxed);
            report.acked = acked_now;
        }
    }
}
