//! The server's own MQTT client: connects to the embedded or the external broker the same way,
//! subscribes to the configured topics, records what arrives in the system monitor, keeps the
//! broker's health current, and announces this server with a heartbeat. Reconnects with
//! back-off and re-subscribes on every CONNACK (a new session has no subscriptions).

use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use app::system::monitor::SystemMonitor;
use rumqttc::{AsyncClient, Event, MqttOptions, Packet, QoS};
use shared::system::Health;
use tokio_util::sync::CancellationToken;

use super::SYSTEM_TOPIC_PREFIX;

/// Mosquitto's count of connected clients (published every `sys_interval`, 10 s by default).
pub const SYS_CLIENTS_CONNECTED: &str = "$SYS/broker/clients/connected";

/// How often this server announces itself (and measures the broker's latency by its own
/// heartbeat's round trip).
pub const HEARTBEAT_EVERY: Duration = Duration::from_secs(2);

/// Longest wait between reconnection attempts.
const MAX_BACKOFF: Duration = Duration::from_secs(10);

/// Which broker to connect to and as whom.
#[derive(Clone)]
pub struct ClientTarget {
    /// Host name or address.
    pub host: String,
    /// TCP port.
    pub port: u16,
    /// Username and password, if the broker wants them.
    pub credentials: Option<(String, String)>,
    /// Whether this is an external broker (then `$SYS` is asked for the client count).
    pub external: bool,
}

impl std::fmt::Debug for ClientTarget {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientTarget")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("username", &self.credentials.as_ref().map(|(u, _)| u))
            .field("external", &self.external)
            .finish()
    }
}

impl ClientTarget {
    /// Parses `mqtt://[user[:password]@]host[:port]` (`tcp://` is accepted too).
    pub fn from_url(url: &str) -> anyhow::Result<Self> {
        let parsed = url::Url::parse(url).context("APP_MQTT__URL is not a URL")?;
        if !matches!(parsed.scheme(), "mqtt" | "tcp") {
            bail!("APP_MQTT__URL must start with mqtt:// (TLS brokers are not supported yet)");
        }
        let host = match parsed.host().context("APP_MQTT__URL has no host")? {
            // host_str() keeps IPv6 brackets, which a socket address lookup does not want.
            url::Host::Ipv6(ip) => ip.to_string(),
            other => other.to_string(),
        };
        let decode = |s: &str| percent_encoding::percent_decode_str(s).decode_utf8_lossy().into_owned();
        let credentials = (!parsed.username().is_empty())
            .then(|| (decode(parsed.username()), parsed.password().map(decode).unwrap_or_default()));
        Ok(Self { host, port: parsed.port().unwrap_or(1883), credentials, external: true })
    }
}

/// Runs the client until `shutdown`, then disconnects cleanly.
#[tracing::instrument(skip_all, fields(broker = %format!("{}:{}", target.host, target.port)))]
pub async fn run_client(
    target: ClientTarget,
    client_id: String,
    topics: Vec<String>,
    monitor: Arc<SystemMonitor>,
    shutdown: CancellationToken,
) {
    let mut options = MqttOptions::new(client_id.clone(), target.host.clone(), target.port);
    options.set_keep_alive(Duration::from_secs(15)).set_max_packet_size(1024 * 1024, 64 * 1024);
    if let Some((user, pass)) = &target.credentials {
        options.set_credentials(user.clone(), pass.clone());
    }
    let (client, mut eventloop) = AsyncClient::new(options, 256);
    let heartbeat_topic = format!("{SYSTEM_TOPIC_PREFIX}servidores/{client_id}");
    let mut heartbeat = tokio::time::interval(HEARTBEAT_EVERY);
    let mut backoff = Duration::from_millis(250);
    let mut connected_at: Option<Instant> = None;
    // The heartbeat comes back to us through the broker: its round trip is the broker latency.
    let mut heartbeat_sent: Option<Instant> = None;
    let mut attempt_started = Instant::now();

    loop {
        tokio::select! {
            () = shutdown.cancelled() => break,
            _ = heartbeat.tick(), if connected_at.is_some() => {
                // try_publish: never block the loop that must poll for the publish to go out.
                if client.try_publish(&heartbeat_topic, QoS::AtMostOnce, false, b"1".to_vec()).is_ok() {
                    heartbeat_sent = Some(Instant::now());
                }
            }
            event = eventloop.poll() => match event {
                Ok(Event::Incoming(Packet::ConnAck(_))) => {
                    tracing::info!("connected to MQTT broker");
                    backoff = Duration::from_millis(250);
                    connected_at = Some(Instant::now());
                    monitor.set_broker(Health::Ok { latency_ms: app::db::elapsed_ms(attempt_started) });
                    subscribe(&client, &topics, &heartbeat_topic, target.external).await;
                }
                Ok(Event::Incoming(Packet::Publish(p))) => {
                    if p.topic == heartbeat_topic {
                        if let Some(sent) = heartbeat_sent.take() {
                            monitor.set_broker(Health::Ok { latency_ms: app::db::elapsed_ms(sent) });
                        }
                    } else if p.topic == SYS_CLIENTS_CONNECTED {
                        let count = std::str::from_utf8(&p.payload).ok().and_then(|s| s.trim().parse().ok());
                        monitor.set_connected_clients(count);
                    } else if !p.topic.starts_with(SYSTEM_TOPIC_PREFIX) {
                        monitor.record_message(&p.topic, &p.payload, p.qos as u8, p.retain);
                    }
                }
                Ok(_) => {}
                Err(e) => {
                    if connected_at.take().is_some() {
                        tracing::warn!(error = %e, "lost the MQTT broker");
                    } else {
                        tracing::debug!(error = %e, "MQTT broker not reachable");
                    }
                    monitor.set_broker(Health::Down { reason: format!("Sin conexión con el broker MQTT ({e}).") });
                    tokio::select! {
                        () = shutdown.cancelled() => break,
                        () = tokio::time::sleep(backoff) => {}
                    }
                    backoff = (backoff * 2).min(MAX_BACKOFF);
                    attempt_started = Instant::now();
                }
            },
        }
    }
    if connected_at.is_some() {
        let _ = client.disconnect().await;
        // Let the DISCONNECT go out.
        let _ = tokio::time::timeout(Duration::from_millis(500), eventloop.poll()).await;
    }
    monitor.set_broker(Health::Down { reason: "El servidor se está apagando.".into() });
    tracing::info!("MQTT client stopped");
}

async fn subscribe(client: &AsyncClient, topics: &[String], heartbeat_topic: &str, external: bool) {
    let own = std::iter::once(heartbeat_topic).chain(topics.iter().map(String::as_str));
    for topic in own {
        // QoS 1: messages arrive with the publisher's QoS (capped at 1), so the page shows it.
        if let Err(e) = client.subscribe(topic, QoS::AtLeastOnce).await {
            tracing::warn!(%topic, error = %e, "subscribe failed");
        }
    }
    if external {
        // Brokers without $SYS simply never answer; the page then shows "—".
        let _ = client.subscribe(SYS_CLIENTS_CONNECTED, QoS::AtMostOnce).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_broker_urls() {
        let t = ClientTarget::from_url("mqtt://srv:p%40ss@broker.local:1884").unwrap();
        assert_eq!((t.host.as_str(), t.port), ("broker.local", 1884));
        assert_eq!(t.credentials, Some(("srv".into(), "p@ss".into())));
        let t = ClientTarget::from_url("mqtt://127.0.0.1").unwrap();
        assert_eq!((t.port, t.credentials), (1883, None));
        assert_eq!(ClientTarget::from_url("mqtt://[::1]:1885").unwrap().host, "::1");
        assert!(ClientTarget::from_url("mqtts://x").is_err());
        assert!(ClientTarget::from_url("nonsense").is_err());
    }

    #[test]
    fn debug_hides_the_password() {
        let t = ClientTarget::from_url("mqtt://u:secret@h").unwrap();
        assert!(!format!("{t:?}").contains("secret"));
    }
}
