//! One simulated node: the firmware's state machine (`shared::iot::node`) on its own MQTT
//! connection, producing readings at a rate and counting what the server acknowledged.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use rumqttc::{AsyncClient, Event, MqttOptions, Packet, QoS};
use shared::iot::frame::Secret;
use shared::iot::node::{Input, Node, NodeConfig, Output};
use shared::iot::sensor::SensorKind;
use shared::iot::wire::{Direction, NodeEvent, Reading, topic};

use super::Shared;

/// What one node did.
#[derive(Debug, Default, serde::Serialize)]
pub(super) struct NodeReport {
    pub(super) uid: String,
    pub(super) produced: u64,
    pub(super) acked: u64,
    pub(super) first_t: u64,
    pub(super) last_t: u64,
    pub(super) dropped: u64,
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

fn now_ms() -> u64 {
    u64::try_from(chrono::Utc::now().timestamp_millis()).unwrap_or(0)
}

/// A running node and its bookkeeping.
struct Sim {
    uid: String,
    node: Node,
    clock: Instant,
    client: AsyncClient,
    out: Vec<Output>,
    report: NodeReport,
    /// When each frame was first sent, until it is acknowledged.
    sent_at: BTreeMap<u64, Instant>,
    last_t: u64,
    acked_upto: u64,
    shared: Arc<Shared>,
}

impl Sim {
    fn ms(&self) -> u64 {
        u64::try_from(self.clock.elapsed().as_millis()).unwrap_or(u64::MAX)
    }

    fn handle(&mut self, input: Input<'_>) {
        let now = self.ms();
        self.node.handle(now, input, &mut self.out);
    }

    /// `per_tick` readings: a temperature and a humidity that drift slowly.
    fn produce(&mut self, per_tick: u32) {
        for i in 0..per_tick {
            let t = now_ms().max(self.last_t + 1);
            self.last_t = t;
            if self.report.first_t == 0 {
                self.report.first_t = t;
            }
            self.report.last_t = t;
            let phase = (t as f64 / 60_000.0).sin();
            let r = if i % 2 == 0 {
                Reading { k: SensorKind::Temperature, c: 0, t, v: 400 + (150.0 * phase) as i32 }
            } else {
                Reading { k: SensorKind::Humidity, c: 0, t, v: 850 + (50.0 * phase) as i32 }
            };
            self.handle(Input::Reading(r));
            self.report.produced += 1;
            self.shared.produced.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// Sends what the node wants sent, shows its relays.
    fn flush(&mut self) {
        for o in self.out.drain(..) {
            match o {
                Output::Publish { topic, payload, seq } => {
                    self.sent_at.entry(seq).or_insert_with(Instant::now);
                    // A full request queue loses nothing: the node resends after its timeout.
                    let _ = self.client.try_publish(topic, QoS::AtLeastOnce, false, payload);
                }
                Output::SetRelay { relay, on } => {
                    println!("{}: relé {relay} {}", self.uid, if on { "encendido" } else { "apagado" })
                }
            }
        }
    }

    /// Counts what the server acknowledged since the last call: latencies and committed readings.
    fn account(&mut self) {
        // Every frame count at or below the acknowledgement is committed.
        let upto = self.node.acked_upto();
        if upto > self.acked_upto {
            self.acked_upto = upto;
            let done: Vec<u64> = self.sent_at.range(..=upto).map(|(s, _)| *s).collect();
            let mut lat = Vec::with_capacity(done.len());
            for seq in done {
                if let Some(at) = self.sent_at.remove(&seq) {
                    lat.push(u32::try_from(at.elapsed().as_micros()).unwrap_or(u32::MAX));
                }
            }
            if let Ok(mut l) = self.shared.latencies.lock() {
                l.extend(lat);
            }
        }
        // Readings a full queue dropped are lost on the node: not committed.
        let dropped = u64::from(self.node.stats().dropped_readings);
        self.report.dropped = dropped;
        let acked_now = self.report.produced - self.node.pending_readings() as u64 - dropped;
        if acked_now > self.report.acked {
            self.shared.acked.fetch_add(acked_now - self.report.acked, Ordering::Relaxed);
            self.report.acked = acked_now;
        }
    }
}

/// Runs one node until the simulation finishes; returns what it did.
pub(super) async fn run_node(
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
    // A node keeps its frame counter across reboots; a simulated one starts at the wall clock.
    let config = NodeConfig { batch_interval_ms: 1_000, ack_timeout_ms: 5_000, ..NodeConfig::default() };
    let clock = Instant::now();
    let node = Node::new(&uid, secret, now_ms(), 0, 2, config, 0);
    let acked_upto = node.acked_upto();
    let report = NodeReport { uid: uid.clone(), ..NodeReport::default() };
    let mut sim = Sim {
        uid,
        node,
        clock,
        client: client.clone(),
        out: Vec::new(),
        report,
        sent_at: BTreeMap::new(),
        last_t: 0,
        acked_upto,
        shared: shared.clone(),
    };
    let mut firmware = heapless::String::new();
    let _ = firmware.push_str("sim-1.0.0");
    sim.handle(Input::Event(NodeEvent::Boot { firmware, rssi: -58, free_heap: 180_000, relays: 2 }));
    let per_tick = if rate >= 8.0 { 8 } else { 1 };
    let mut produce = tokio::time::interval(Duration::from_secs_f64(f64::from(per_tick) / rate));
    produce.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Burst);
    let mut tick = tokio::time::interval(Duration::from_millis(100));
    loop {
        tokio::select! {
            _ = produce.tick(), if !shared.stop_producing.load(Ordering::Relaxed) => sim.produce(per_tick),
            _ = tick.tick() => {
                if shared.finish.load(Ordering::Relaxed) {
                    return Ok(sim.report);
                }
                sim.handle(Input::Tick);
            }
            Some(event) = events.recv() => match event {
                LinkEvent::Connected => {
                    let _ = client.try_subscribe(&down, QoS::AtLeastOnce);
                    sim.handle(Input::Connected);
                }
                LinkEvent::Downlink(payload) => sim.handle(Input::Downlink(&payload)),
                LinkEvent::Lost => sim.handle(Input::Disconnected),
            },
        }
        sim.flush();
        sim.account();
    }
}
