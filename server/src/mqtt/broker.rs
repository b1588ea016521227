//! The embedded broker: rmqtt, run as a library on the server's own runtime, with two TCP
//! listeners (the "3.1.1" and the "5" port of the configuration; each speaks both versions).
//! Every CONNECT, SUBSCRIBE and PUBLISH goes through [`Gate`], which asks the device registry
//! ([`crate::iot::Registry`]) and the rules in [`super::acl`]: a device may publish only to its
//! own uplink topic and subscribe only to its own downlink topic; the server's own clients
//! (superusers) alone may use `$share`; service users get only what their rights say. The
//! registry kicks a device off as soon as its key is rotated or revoked. The public ports belong
//! to [`super::front`], which closes connections that send no CONNECT in time and hands the rest
//! to the broker's loopback listeners.
//!
//! Limits: packets of at most [`MAX_PACKET_BYTES`] (a larger one disconnects its sender only;
//! the server's clients accept more), 16 QoS 1 messages in flight and 1 000 queued per
//! session (2 000 and 100 000 for the servers' own clients, which take every node's frames), at
//! most [`MAX_CONNECTIONS_PER_IP`] connections per address (checked at CONNECT), no retained
//! store, no Last Will. rmqtt logs through `log` (bridged into `tracing`); ordinary
//! client behaviour is logged at INFO or DEBUG.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::num::NonZeroU16;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::{Context, bail};
use app::system::monitor::SystemMonitor;
use async_trait::async_trait;
use rmqtt::codec::v5::SubscribeAckReason;
use rmqtt::context::ServerContext;
use rmqtt::hook::{Handler, HookResult, Parameter, ReturnType, Type};
use rmqtt::net::Builder;
use rmqtt::server::MqttServer;
use rmqtt::subscribe::SharedSubscription;
use rmqtt::types::{
    AuthResult, ClientId, Id, IsOnline, NodeId, PublishAclResult, SharedGroup, SubscribeAclResult,
    SubscriptionIdentifier, SubscriptionOptions, TopicName,
};

use super::acl::{self, Access};
use super::front;
use crate::iot::Registry;

/// Largest packet a client may send (a node's frame is at most 1 KiB; the server's own clients
/// accept 64 KiB, so nothing the broker forwards can be too large for them).
pub const MAX_PACKET_BYTES: u32 = 16 * 1024;

/// Connections one address may hold (a shop's NAT with every node behind it fits; a flood
/// from one host does not).
pub const MAX_CONNECTIONS_PER_IP: usize = 1_000;

/// Where the embedded broker listens.
#[derive(Debug, Clone, Copy)]
pub struct EmbeddedBroker {
    /// The first listener (the port nodes speaking MQTT 3.1.1 were given).
    pub v4: SocketAddr,
    /// The second listener (the port in the devices' provisioning: MQTT 5).
    pub v5: SocketAddr,
    /// The loopback listener the server's own client uses: straight to the broker, without the
    /// front door's relay (a local process is trusted, see [`super::front`]).
    pub internal: SocketAddr,
}

/// One of the broker's loopback listeners, with the limits every client gets; `proxied` ones take
/// the client's address from the front door's PROXY line.
fn loopback_listener(name: &str, proxied: bool) -> anyhow::Result<rmqtt::net::Listener> {
    let listener = Builder::new()
        .name(name)
        .laddr(SocketAddr::from(([127, 0, 0, 1], 0)))
        .proxy_protocol(proxied)
        .proxy_protocol_timeout(Duration::from_secs(1))
        .allow_anonymous(false)
        .max_packet_size(MAX_PACKET_BYTES)
        .max_inflight(NonZeroU16::new(16).context("inflight")?)
        .max_mqueue_len(1_000)
        .max_handshaking_limit(512)
        .max_connections(10_000)
        .handshake_timeout(front::PRE_CONNECT_DEADLINE)
        .min_keepalive(5)
        .max_keepalive(3_600)
        .allow_zero_keepalive(false)
        .session_expiry_interval(Duration::from_secs(300))
        .max_session_expiry_interval(Duration::from_secs(3_600))
        .message_expiry_interval(Duration::from_secs(120))
        .max_subscriptions(16)
        .max_qos_allowed(rmqtt::codec::types::QoS::AtLeastOnce)
        .bind()
        .context("the broker's loopback listener")?;
    Ok(listener)
}

impl EmbeddedBroker {
    /// Starts the broker on `bind` with the given ports (0 picks a free one) on the current
    /// runtime, and a task that reports its connected-client count to `monitor`.
    pub async fn start(
        bind: IpAddr,
        port_v4: u16,
        port_v5: u16,
        monitor: Arc<SystemMonitor>,
        registry: Arc<Registry>,
    ) -> anyhow::Result<Self> {
        if port_v4 == port_v5 && port_v4 != 0 {
            bail!("APP_MQTT__PORT_V4 and APP_MQTT__PORT_V5 must differ");
        }
        let scx = ServerContext::new()
            // rmqtt refuses CONNECTs while the machine is busy: a build on two cores would
            // make devices fail at random.
            .busy_check_enable(false)
            .mqtt_max_sessions(100_000)
            .build()
            .await;
        *scx.extends.shared_subscription_mut().await = Box::new(RoundRobin(AtomicUsize::new(0)));
        *scx.extends.fitter_mgr_mut().await = Box::new(Fitters(registry.clone()));
        let gate = Arc::new(Gate {
            registry: registry.clone(),
            per_ip: Mutex::new(HashMap::new()),
            connected: AtomicUsize::new(0),
        });
        let register = scx.extends.hook_mgr().register();
        for typ in [
            Type::ClientAuthenticate,
            Type::ClientSubscribeCheckAcl,
            Type::MessagePublishCheckAcl,
            Type::ClientConnected,
            Type::ClientDisconnected,
        ] {
            register.add(typ, Box::new(GateRef(gate.clone()))).await;
        }
        // Handlers are off until started; without them every subscribe and publish would pass.
        register.start().await;

        // The broker listens on loopback only, behind the front door (super::front) on the
        // public ports, which gives it the client's address in a PROXY line.
        let public = |port: u16| {
            front::bind(SocketAddr::new(bind, port)).with_context(|| format!("{bind}:{port} is not available"))
        };
        let public_v4 = public(port_v4).context("MQTT 3.1.1 port (APP_MQTT__PORT_V4)")?;
        let public_v5 = public(port_v5).context("MQTT 5 port (APP_MQTT__PORT_V5)")?;
        let (v4, v5) = (public_v4.local_addr()?, public_v5.local_addr()?);
        let (first, second, own) = (
            loopback_listener("mqtt-v4", true)?,
            loopback_listener("mqtt-v5", true)?,
            loopback_listener("mqtt-internal", false)?,
        );
        let (inner_v4, inner_v5, internal) = (first.local_addr()?, second.local_addr()?, own.local_addr()?);
        let server = MqttServer::new(scx.clone())
            .listener_by_id(first.tcp()?, 1)
            .listener_by_id(second.tcp()?, 2)
            .listener_by_id(own.tcp()?, 3)
            .build();
        tokio::spawn(async move {
            if let Err(e) = server.run().await {
                tracing::error!(error = %e, "embedded MQTT broker stopped");
            }
        });
        let pending = Arc::new(front::Pending::default());
        tokio::spawn(front::serve(public_v4, inner_v4, pending.clone()));
        tokio::spawn(front::serve(public_v5, inner_v5, pending));
        registry.set_kicker(Box::new(Kicker(scx.clone())));
        let counter = gate.clone();
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(Duration::from_secs(1));
            loop {
                tick.tick().await;
                monitor.set_connected_clients(u32::try_from(counter.connected.load(Ordering::Relaxed)).ok());
            }
        });
        tracing::info!(%v4, %v5, "embedded MQTT broker listening (3.1.1 and 5, topic ACL from the device registry)");
        Ok(Self { v4, v5, internal })
    }
}

/// Disconnects a device whose key changed (the registry calls it).
struct Kicker(ServerContext);

impl crate::iot::registry::Kick for Kicker {
    fn kick(&self, client_id: &str) {
        let scx = self.0.clone();
        let id = Id::from(scx.node.id(), ClientId::from(client_id.to_owned()));
        tokio::spawn(async move {
            let mut entry = scx.extends.shared().await.entry(id);
            if entry.session().is_some() {
                match entry.kick(true, true, true).await {
                    Ok(_) => tracing::info!(client = %entry.id().client_id, "device disconnected: its key changed"),
                    Err(e) => tracing::warn!(error = %e, "could not disconnect a device whose key changed"),
                }
            }
        });
    }
}

/// The broker's checks (one value shared by every hook type).
struct Gate {
    registry: Arc<Registry>,
    per_ip: Mutex<HashMap<IpAddr, usize>>,
    connected: AtomicUsize,
}

struct GateRef(Arc<Gate>);

#[async_trait]
impl Handler for GateRef {
    async fn hook(&self, param: &Parameter, acc: Option<HookResult>) -> ReturnType {
        let gate = &self.0;
        match param {
            Parameter::ClientAuthenticate(info) => {
                let ip = info.ipaddress().map(|a| a.ip());
                if ip.is_some_and(|ip| gate.connections_of(ip) >= MAX_CONNECTIONS_PER_IP) {
                    tracing::debug!(?ip, "MQTT connection refused: too many from this address");
                    return (false, Some(HookResult::AuthResult(AuthResult::NotAuthorized)));
                }
                let client_id = info.client_id().to_string();
                let username = info.username().map(ToString::to_string).unwrap_or_default();
                let password = info.password().map(|p| String::from_utf8_lossy(p).into_owned()).unwrap_or_default();
                let access = if info.last_will().is_some() {
                    // A will is published by the broker without an ACL check: none allowed.
                    Access::Denied
                } else {
                    gate.registry.access(&client_id, &username, &password).await
                };
                let result = match access {
                    Access::Server => AuthResult::Allow(true, None),
                    Access::Device | Access::Service | Access::Observer => AuthResult::Allow(false, None),
                    Access::Denied => {
                        tracing::debug!(client = %client_id, user = %username, "MQTT connection refused");
                        AuthResult::BadUsernameOrPassword
                    }
                };
                (false, Some(HookResult::AuthResult(result)))
            }
            Parameter::ClientSubscribeCheckAcl(session, sub) => {
                let who = gate.registry.known_access(&session.id.client_id, session.id.username.as_deref());
                let ok =
                    acl::may_subscribe(&who, &session.id.client_id, &sub.topic_filter, sub.opts.has_shared_group());
                if !ok {
                    tracing::debug!(client = %session.id.client_id, filter = %sub.topic_filter, "MQTT subscription refused");
                }
                let result = if ok {
                    SubscribeAclResult::new_success(sub.opts.qos(), None)
                } else {
                    SubscribeAclResult::new_failure(SubscribeAckReason::NotAuthorized)
                };
                (false, Some(HookResult::SubscribeAclResult(result)))
            }
            Parameter::MessagePublishCheckAcl(session, publish) => {
                let who = gate.registry.known_access(&session.id.client_id, session.id.username.as_deref());
                let ok = acl::may_publish(&who, &session.id.client_id, &publish.topic, publish.retain);
                let result = if ok {
                    PublishAclResult::allow()
                } else {
                    tracing::debug!(client = %session.id.client_id, topic = %publish.topic, "MQTT publish refused");
                    PublishAclResult::rejected(false, None)
                };
                (false, Some(HookResult::PublishAclResult(result)))
            }
            Parameter::ClientConnected(session) => {
                gate.connected.fetch_add(1, Ordering::Relaxed);
                if let Some(addr) = session.id.remote_addr {
                    gate.add_connection(addr.ip(), 1);
                }
                (true, acc)
            }
            Parameter::ClientDisconnected(session, _) => {
                let _ = gate.connected.fetch_update(Ordering::Relaxed, Ordering::Relaxed, |n| n.checked_sub(1));
                if let Some(addr) = session.id.remote_addr {
                    gate.add_connection(addr.ip(), -1);
                }
                (true, acc)
            }
            _ => (true, acc),
        }
    }
}

impl Gate {
    fn connections_of(&self, ip: IpAddr) -> usize {
        self.per_ip.lock().map(|m| m.get(&ip).copied().unwrap_or(0)).unwrap_or(0)
    }

    fn add_connection(&self, ip: IpAddr, delta: isize) {
        if let Ok(mut map) = self.per_ip.lock() {
            let n = map.entry(ip).or_insert(0);
            *n = n.saturating_add_signed(delta);
            if *n == 0 {
                map.remove(&ip);
            }
        }
    }
}

/// Session limits: the listeners' for everyone, but the servers' own clients (the ingest link
/// takes every node's frames) get a window and a queue sized for the whole ingest.
struct Fitters(Arc<Registry>);

/// QoS 1 messages in flight to one of the servers' clients.
const SERVER_INFLIGHT: u16 = 2_000;
/// Messages queued for one of the servers' clients (about 4 s of the ingest's ceiling).
const SERVER_QUEUE: usize = 100_000;

impl rmqtt::fitter::FitterManager for Fitters {
    fn create(
        &self,
        info: Arc<rmqtt::types::ConnectInfo>,
        id: Id,
        cfg: rmqtt::types::ListenerConfig,
    ) -> rmqtt::types::FitterType {
        let server = self.0.known_access(info.client_id().as_ref(), info.username().map(|u| &**u)) == Access::Server;
        let default = rmqtt::fitter::DefaultFitter::new(info, id, cfg);
        if server { Arc::new(ServerFitter(default)) } else { Arc::new(default) }
    }
}

/// [`rmqtt::fitter::DefaultFitter`] with the servers' window and queue.
struct ServerFitter(rmqtt::fitter::DefaultFitter);

#[async_trait]
impl rmqtt::fitter::Fitter for ServerFitter {
    fn keep_alive(&self, keep_alive: &mut u16) -> rmqtt::Result<u16> {
        self.0.keep_alive(keep_alive)
    }
    fn max_mqueue_len(&self) -> usize {
        SERVER_QUEUE
    }
    fn mqueue_rate_limit(&self) -> (std::num::NonZeroU32, Duration) {
        self.0.mqueue_rate_limit()
    }
    fn max_inflight(&self) -> NonZeroU16 {
        NonZeroU16::new(SERVER_INFLIGHT).unwrap_or(NonZeroU16::MIN)
    }
    fn session_expiry_interval(&self, d: Option<&rmqtt::types::Disconnect>) -> Duration {
        self.0.session_expiry_interval(d)
    }
    fn message_expiry_interval(&self, publish: &rmqtt::codec::types::Publish) -> Duration {
        self.0.message_expiry_interval(publish)
    }
    fn max_client_topic_aliases(&self) -> u16 {
        self.0.max_client_topic_aliases()
    }
    fn max_server_topic_aliases(&self) -> u16 {
        self.0.max_server_topic_aliases()
    }
}

/// `$share/<group>/...`: each message to one online member of the group, in turn (the servers'
/// ingest links split the frames).
struct RoundRobin(AtomicUsize);

#[async_trait]
impl SharedSubscription for RoundRobin {
    fn is_supported(&self) -> bool {
        true
    }

    async fn choice(
        &self,
        _scx: &ServerContext,
        _group: &SharedGroup,
        _publisher: &Id,
        _topic: &TopicName,
        members: &[(NodeId, ClientId, SubscriptionOptions, Option<Vec<SubscriptionIdentifier>>, Option<IsOnline>)],
    ) -> Option<(usize, IsOnline)> {
        if members.is_empty() {
            return None;
        }
        let start = self.0.fetch_add(1, Ordering::Relaxed);
        (0..members.len())
            .map(|i| (start + i) % members.len())
            .find(|&i| members[i].4.unwrap_or(false))
            .map(|i| (i, true))
            .or(Some((start % members.len(), false)))
    }
}
