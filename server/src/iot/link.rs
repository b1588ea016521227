//! The ingest's own MQTT connection: subscribes to every node's uplink topic (a shared
//! subscription, so with several servers on one broker each frame goes to one of them),
//! hands each frame to the worker that owns its device, and publishes downlinks
//! (acknowledgements, commands). Same code against the embedded and an external broker.

use std::hash::{Hash, Hasher};
use std::sync::Arc;
use std::time::Duration;

use rumqttc::{AsyncClient, Event, MqttOptions, Packet, QoS};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use super::ingest::{IngestStats, Outgoing, RawFrame};
use crate::mqtt::ClientTarget;

/// The uplink filter (`+` is the device id).
pub const UPLINK_FILTER: &str = "mostrador/n/+/up";
/// Shared-subscription group of the servers' ingest.
pub const SHARE_GROUP: &str = "mostrador-ingest";

/// Runs the link until `shutdown`.
pub async fn run_link(
    target: ClientTarget,
    client_id: String,
    shared: bool,
    workers: Vec<mpsc::Sender<RawFrame>>,
    mut outgoing: mpsc::Receiver<Outgoing>,
    stats: Arc<IngestStats>,
    shutdown: CancellationToken,
) {
    let mut options = MqttOptions::new(client_id, target.host.clone(), target.port);
    options
        .set_keep_alive(Duration::from_secs(15))
        .set_max_packet_size(64 * 1024, 64 * 1024)
        .set_inflight(1000)
        .set_clean_session(true);
    if let Some((user, pass)) = &target.credentials {
        options.set_credentials(user.clone(), pass.clone());
    }
    let (client, mut eventloop) = AsyncClient::new(options, 20_000);
    let filter = if shared { format!("$share/{SHARE_GROUP}/{UPLINK_FILTER}") } else { UPLINK_FILTER.to_owned() };
    let mut backoff = Duration::from_millis(250);
    loop {
        tokio::select! {
            () = shutdown.cancelled() => break,
            Some(out) = outgoing.recv() => {
                if client.try_publish(out.topic, QoS::AtLeastOnce, false, out.payload).is_err() {
                    stats.acks_dropped.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                }
            }
            event = eventloop.poll() => match event {
                Ok(Event::Incoming(Packet::ConnAck(_))) => {
                    backoff = Duration::from_millis(250);
                    tracing::info!(%filter, "ingest link connected");
                    if let Err(e) = client.try_subscribe(&filter, QoS::AtLeastOnce) {
                        tracing::warn!(error = %e, "ingest subscribe failed");
                    }
                }
                Ok(Event::Incoming(Packet::Publish(p))) => {
                    let worker = &workers[worker_for(&p.topic, workers.len())];
                    let frame = RawFrame { topic: p.topic, payload: p.payload, received_at: chrono::Utc::now() };
                    // A full queue waits here: the broker holds the rest (back-pressure).
                    tokio::select! {
                        () = shutdown.cancelled() => break,
                        sent = worker.send(frame) => if sent.is_err() { break },
                    }
                }
                Ok(_) => {}
                Err(e) => {
                    tracing::debug!(error = %e, "ingest link: broker not reachable");
                    tokio::select! {
                        () = shutdown.cancelled() => break,
                        () = tokio::time::sleep(backoff) => {}
                    }
                    backoff = (backoff * 2).min(Duration::from_secs(5));
                }
            },
        }
    }
    let _ = client.try_disconnect();
    let _ = tokio::time::timeout(Duration::from_millis(300), eventloop.poll()).await;
    tracing::info!("ingest link stopped");
}

/// The worker that owns the device of `topic` (one device, one worker: its frames stay in order).
fn worker_for(topic: &str, workers: usize) -> usize {
    let mut h = std::collections::hash_map::DefaultHasher::new();
    topic.hash(&mut h);
    (h.finish() % workers.max(1) as u64) as usize
}
