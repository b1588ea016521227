//! The ingest's own MQTT connection: subscribes to every node's uplink topic (a shared
//! subscription, so with several servers on one broker each frame goes to one of them) and
//! hands each frame to the worker that owns its device. A worker whose queue is full holds the
//! link for at most [`WORKER_WAIT`] (back-pressure); past that the frame is left
//! unacknowledged (its node keeps it and sends it again), so a stuck worker never stalls the
//! other workers' devices. Downlinks (acknowledgements, commands)
//! go out through [`Downlinks`], a handle on the same connection. The event loop runs alone in
//! its task: `EventLoop::poll` is never raced against anything but shutdown, because dropping
//! it half-way through a (re)connection drops the connection.

use std::hash::{Hash, Hasher};
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use rumqttc::{AsyncClient, Event, EventLoop, MqttOptions, Packet, QoS};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use super::ingest::{IngestStats, RawFrame};
use crate::mqtt::ClientTarget;

/// The uplink filter (`+` is the device id).
pub const UPLINK_FILTER: &str = "mostrador/n/+/up";
/// Shared-subscription group of the servers' ingest.
pub const SHARE_GROUP: &str = "mostrador-ingest";
/// How long the link waits for a worker whose queue is full before it drops the frame (the
/// node resends it): long enough to ride out a slow commit, short enough that one stuck worker
/// cannot stall every other worker's devices.
pub const WORKER_WAIT: std::time::Duration = std::time::Duration::from_millis(500);

/// Downlinks waiting to go out; beyond this they are dropped (and counted): a node that misses
/// an acknowledgement sends its frames again, a command is resent by its job.
pub const DOWNLINK_QUEUE: usize = 20_000;

/// Sends downlinks on the ingest's connection (never waits).
#[derive(Clone)]
pub struct Downlinks {
    client: AsyncClient,
    stats: Arc<IngestStats>,
}

impl Downlinks {
    /// Queues `payload` for `topic` with QoS 1; `false` (and counted) if the queue is full.
    pub fn send(&self, topic: String, payload: Vec<u8>) -> bool {
        let sent = self.client.try_publish(topic, QoS::AtLeastOnce, false, payload).is_ok();
        if !sent {
            self.stats.acks_dropped.fetch_add(1, Ordering::Relaxed);
        }
        sent
    }
}

/// The connection, before its event loop runs.
pub struct Link {
    client: AsyncClient,
    eventloop: EventLoop,
    filter: String,
}

impl Link {
    /// Prepares the connection to `target` as `client_id`.
    pub fn new(target: &ClientTarget, client_id: String, shared: bool) -> Self {
        let mut options = MqttOptions::new(client_id, target.host.clone(), target.port);
        options
            .set_keep_alive(Duration::from_secs(15))
            .set_max_packet_size(64 * 1024, 64 * 1024)
            .set_inflight(1000)
            .set_clean_session(true);
        if let Some((user, pass)) = &target.credentials {
            options.set_credentials(user.clone(), pass.clone());
        }
        let (client, eventloop) = AsyncClient::new(options, DOWNLINK_QUEUE);
        let filter = if shared { format!("$share/{SHARE_GROUP}/{UPLINK_FILTER}") } else { UPLINK_FILTER.to_owned() };
        Self { client, eventloop, filter }
    }

    /// A handle for sending downlinks.
    pub fn downlinks(&self, stats: Arc<IngestStats>) -> Downlinks {
        Downlinks { client: self.client.clone(), stats }
    }

    /// Runs the connection until `shutdown`.
    pub async fn run(self, workers: Vec<mpsc::Sender<RawFrame>>, stats: Arc<IngestStats>, shutdown: CancellationToken) {
        let Self { client, mut eventloop, filter } = self;
        let mut backoff = Duration::from_millis(250);
        loop {
            let event = tokio::select! {
                () = shutdown.cancelled() => break,
                event = eventloop.poll() => event,
            };
            match event {
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
                    // A busy worker holds the link for a moment (back-pressure through the broker,
                    // which keeps the nodes from resending); a stuck one never holds it longer.
                    let sent = tokio::select! {
                        () = shutdown.cancelled() => break,
                        sent = worker.send_timeout(frame, WORKER_WAIT) => sent,
                    };
                    match sent {
                        Ok(()) => {}
                        // Not acknowledged: its node keeps it and sends it again.
                        Err(mpsc::error::SendTimeoutError::Timeout(_)) => {
                            stats.queue_full.fetch_add(1, Ordering::Relaxed);
                        }
                        Err(mpsc::error::SendTimeoutError::Closed(_)) => break,
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
            }
        }
        let _ = client.try_disconnect();
        let _ = tokio::time::timeout(Duration::from_millis(300), eventloop.poll()).await;
        tracing::info!("ingest link stopped");
    }
}

/// The worker that owns the device of `topic` (one device, one worker: its frames stay in order).
fn worker_for(topic: &str, workers: usize) -> usize {
    let mut h = std::collections::hash_map::DefaultHasher::new();
    topic.hash(&mut h);
    (h.finish() % workers.max(1) as u64) as usize
}
