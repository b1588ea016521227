//! Test nodes and the helpers every IoT test shares: a device added through the API, a node
//! running the shared state machine over the broker (what it has seen), readings, counts in the
//! database, and waiting for something to happen. The one home for them: feature test files
//! import from here, never from each other.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use diesel::sql_types::BigInt;
use diesel_async::RunQueryDsl;
use rumqttc::{AsyncClient, Event, MqttOptions, Packet, QoS};
use shared::iot::dto::DeviceCredentials;
use shared::iot::frame::Secret;
use shared::iot::node::{Input, Node, NodeConfig, Output};
use shared::iot::sensor::SensorKind;
use shared::iot::wire::{Direction, Reading, topic};
use tokio::sync::mpsc;

use crate::helpers::{Session, TestApp};

/// Adds a device through the API as `session`.
pub async fn add_device(app: &TestApp, session: &Session, name: &str) -> DeviceCredentials {
    let call = app::iot::api::AddDevice { name: name.to_owned(), location: "Trastienda".to_owned() };
    app.run(&call, Some(session)).await.unwrap_or_else(|e| panic!("adding {name}: {e:?}"))
}

/// What a test node has seen.
#[derive(Debug, Default, Clone)]
pub struct NodeView {
    pub acked_upto: u64,
    pub pending: usize,
    pub relays: Vec<bool>,
    pub connected: bool,
}

/// A node on the shared state machine over an MQTT 3.1.1 connection.
pub struct TestNode {
    pub readings: mpsc::Sender<Reading>,
    pub view: Arc<Mutex<NodeView>>,
    pub first_seq: u64,
    task: tokio::task::JoinHandle<()>,
    poller: tokio::task::JoinHandle<()>,
}

impl Drop for TestNode {
    fn drop(&mut self) {
        self.task.abort();
        self.poller.abort();
    }
}

impl TestNode {
    pub fn start(port: u16, creds: &DeviceCredentials) -> Self {
        let secret = Secret::from_hex(&creds.secret).unwrap();
        let uid = creds.uid.clone();
        let first_seq = 1_000;
        let mut opts = MqttOptions::new(uid.clone(), "127.0.0.1", port);
        opts.set_keep_alive(Duration::from_secs(5)).set_credentials(uid.clone(), creds.broker_password.clone());
        let (client, mut eventloop) = AsyncClient::new(opts, 100);
        // The event loop polls alone in its task: dropping `poll` mid-connection drops it.
        let (events_tx, mut events) = mpsc::channel::<Option<Vec<u8>>>(100);
        let poller = tokio::spawn(async move {
            loop {
                let event = match eventloop.poll().await {
                    Ok(Event::Incoming(Packet::ConnAck(_))) => None,
                    Ok(Event::Incoming(Packet::Publish(p))) => Some(p.payload.to_vec()),
                    Ok(_) => continue,
                    Err(_) => {
                        tokio::time::sleep(Duration::from_millis(200)).await;
                        continue;
                    }
                };
                if events_tx.send(event).await.is_err() {
                    return;
                }
            }
        });
        let (tx, mut rx) = mpsc::channel::<Reading>(100);
        let view = Arc::new(Mutex::new(NodeView::default()));
        let v = view.clone();
        let task = tokio::spawn(async move {
            let start = std::time::Instant::now();
            let ms = || start.elapsed().as_millis() as u64;
            let config =
                NodeConfig { batch_size: 4, batch_interval_ms: 200, ack_timeout_ms: 2_000, ..NodeConfig::default() };
            let mut node = Node::new(&uid, secret, first_seq, 0, 2, config, ms());
            let mut out = Vec::new();
            let down = topic(&uid, Direction::Down);
            let mut tick = tokio::time::interval(Duration::from_millis(50));
            loop {
                tokio::select! {
                    Some(r) = rx.recv() => node.handle(ms(), Input::Reading(r), &mut out),
                    _ = tick.tick() => node.handle(ms(), Input::Tick, &mut out),
                    Some(ev) = events.recv() => match ev {
                        None => {
                            client.try_subscribe(&down, QoS::AtLeastOnce).unwrap();
                            node.handle(ms(), Input::Connected, &mut out);
                            v.lock().unwrap().connected = true;
                        }
                        Some(payload) => node.handle(ms(), Input::Downlink(&payload), &mut out),
                    },
                }
                for o in out.drain(..) {
                    if let Output::Publish { topic, payload, .. } = o {
                        let _ = client.try_publish(topic, QoS::AtLeastOnce, false, payload);
                    }
                }
                let mut view = v.lock().unwrap();
                view.acked_upto = node.acked_upto();
                view.pending = node.pending_readings();
                view.relays = node.relays().to_vec();
            }
        });
        Self { readings: tx, view, first_seq, task, poller }
    }

    pub async fn wait(&self, what: &str, ok: impl Fn(&NodeView) -> bool) {
        for _ in 0..200 {
            if ok(&self.view.lock().unwrap()) {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("node never got to: {what} ({:?})", self.view.lock().unwrap());
    }
}

pub fn temp(i: u64) -> Reading {
    Reading { k: SensorKind::Temperature, c: 0, t: 1_764_000_000_000 + i * 1000 + chrono_offset(), v: 400 + i as i32 }
}

/// Today, so the reading lands in an existing partition.
fn chrono_offset() -> u64 {
    (chrono::Utc::now().timestamp_millis() as u64).saturating_sub(1_764_000_000_000 + 3_600_000)
}

#[derive(diesel::QueryableByName, Debug)]
struct Count {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

pub async fn count(app: &TestApp, sql: &str) -> i64 {
    let mut conn = app.owner_conn().await;
    diesel::sql_query(sql).get_result::<Count>(&mut conn).await.unwrap().n
}

pub async fn device_counter(app: &TestApp, uid: &str, column: &str) -> i64 {
    count(app, &format!("SELECT {column} AS n FROM devices WHERE uid = '{uid}'")).await
}

pub async fn eventually(what: &str, mut check: impl AsyncFnMut() -> bool) {
    for _ in 0..100 {
        if check().await {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("never happened: {what}");
}
