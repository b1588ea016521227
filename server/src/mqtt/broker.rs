//! The embedded broker: rumqttd with an MQTT 3.1.1 and an MQTT 5 listener (they share one
//! router, so messages cross between them). rumqttd's `start()` blocks and has no shutdown, so
//! it runs on its own OS thread for the life of the process; the server closes its own client
//! before exiting and the process exit closes the listeners.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr, TcpListener};
use std::sync::Arc;

use anyhow::{Context, bail};
use app::system::monitor::SystemMonitor;
use rumqttd::{Broker, Config, ConnectionSettings, Meter, MetricSettings, MetricType, RouterConfig, ServerSettings};

/// Largest payload a client may publish: a node's telemetry batch is a few hundred bytes; 256
/// KiB leaves room for firmware status reports without letting one client hog the router.
pub const MAX_PAYLOAD_BYTES: usize = 256 * 1024;

/// Where the embedded broker listens.
#[derive(Debug, Clone, Copy)]
pub struct EmbeddedBroker {
    /// MQTT 3.1.1 listener.
    pub v4: SocketAddr,
    /// MQTT 5 listener.
    pub v5: SocketAddr,
}

impl EmbeddedBroker {
    /// Starts the broker on `bind` with the given ports (0 picks a free one), and a task that
    /// reports its connected-client count to `monitor`.
    pub fn start(
        bind: IpAddr,
        port_v4: u16,
        port_v5: u16,
        monitor: Arc<SystemMonitor>,
        registry: Arc<crate::iot::Registry>,
    ) -> anyhow::Result<Self> {
        let v4 = reserve(bind, port_v4).context("MQTT 3.1.1 port (APP_MQTT__PORT_V4)")?;
        let v5 = reserve(bind, port_v5).context("MQTT 5 port (APP_MQTT__PORT_V5)")?;
        if v4 == v5 {
            bail!("APP_MQTT__PORT_V4 and APP_MQTT__PORT_V5 must differ");
        }
        let mut broker = Broker::new(config(v4, v5, &registry)?);
        let meters = broker.meters().context("rumqttd meters link")?;
        std::thread::Builder::new()
            .name("mqtt-broker".into())
            .spawn(move || {
                if let Err(e) = broker.start() {
                    tracing::error!(error = %e, "embedded MQTT broker stopped");
                }
            })
            .context("starting the broker thread")?;
        tokio::spawn(async move {
            // The router pushes meters every second that saw traffic; the server's heartbeat
            // makes sure that is every second or two.
            while let Ok(batch) = meters.next().await {
                for meter in batch {
                    if let Meter::Router(_, router) = meter {
                        monitor.set_connected_clients(u32::try_from(router.total_connections).ok());
                    }
                }
            }
        });
        // rumqttd binds on its own threads and only logs a failure: make sure both answer.
        for addr in [v4, v5] {
            wait_listening(addr)
                .with_context(|| format!("the embedded MQTT broker did not start listening on {addr}"))?;
        }
        tracing::info!(%v4, %v5, "embedded MQTT broker listening (3.1.1 and 5)");
        Ok(Self { v4, v5 })
    }
}

/// Checks that `port` is free on `bind` (rumqttd only logs a failed bind), resolving 0 to a
/// free port. The listener is closed again before the broker binds.
fn reserve(bind: IpAddr, port: u16) -> anyhow::Result<SocketAddr> {
    let listener = TcpListener::bind((bind, port)).with_context(|| format!("{bind}:{port} is not available"))?;
    Ok(listener.local_addr()?)
}

/// Waits up to 5 s for `addr` to accept a TCP connection.
fn wait_listening(addr: SocketAddr) -> anyhow::Result<()> {
    let connect_to = if addr.ip().is_unspecified() { SocketAddr::from(([127, 0, 0, 1], addr.port())) } else { addr };
    let mut last = None;
    for _ in 0..100 {
        match std::net::TcpStream::connect_timeout(&connect_to, std::time::Duration::from_millis(200)) {
            Ok(_) => return Ok(()),
            Err(e) => last = Some(e),
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    Err(last.map_or_else(|| anyhow::anyhow!("no answer"), anyhow::Error::from))
}

fn config(v4: SocketAddr, v5: SocketAddr, registry: &Arc<crate::iot::Registry>) -> anyhow::Result<Config> {
    let listener = |name: &str, listen: SocketAddr| {
        let mut connections = ConnectionSettings {
            connection_timeout_ms: 5_000,
            max_payload_size: MAX_PAYLOAD_BYTES,
            max_inflight_count: 100,
            auth: None,
            external_auth: None,
            dynamic_filters: true,
        };
        // Every connection is checked against the device registry (from memory; misses are
        // asked of the server's runtime, never on the broker's).
        let registry = registry.clone();
        connections.set_auth_handler(move |client_id: String, user: String, pass: String| {
            let registry = registry.clone();
            async move { registry.authenticate(&client_id, &user, &pass).await }
        });
        (
            name.to_owned(),
            ServerSettings { name: name.to_owned(), listen, tls: None, next_connection_delay_ms: 1, connections },
        )
    };
    // MetricSettings has private fields: serde is the only way to build it. rumqttd's timer
    // needs both kinds configured.
    let every_second: MetricSettings = serde_json::from_value(serde_json::json!({ "push_interval": 1 }))?;
    let metrics = HashMap::from([(MetricType::Meters, every_second.clone()), (MetricType::Alerts, every_second)]);
    Ok(Config {
        id: 0,
        // rumqttd's shipped defaults.
        router: RouterConfig {
            max_connections: 10_010,
            max_outgoing_packet_count: 200,
            max_segment_size: 100 * 1024 * 1024,
            max_segment_count: 10,
            custom_segment: None,
            initialized_filters: None,
            shared_subscriptions_strategy: Default::default(),
        },
        v4: Some(HashMap::from([listener("mqtt-v4", v4)])),
        v5: Some(HashMap::from([listener("mqtt-v5", v5)])),
        metrics: Some(metrics),
        ..Default::default()
    })
}
