//! The node's MQTT 5 session: connects to the broker (client id and user name = device id,
//! password derived from the secret), subscribes to the node's downlink topic, and shuttles
//! between the network and `shared::iot::node::Node` (frames out, acknowledgements and
//! commands in), reconnecting with back-off forever. Platform-free: the firmware plugs in
//! embassy-net sockets and embassy-time, the host twin tokio.
//!
//! rust-mqtt's `poll()` is not cancel-safe, so the loop races only `poll_header()` (which is)
//! against the sensors' inbox and a timer, and reads a packet's body outside the race.

#![expect(
    async_fn_in_trait,
    reason = "one single-threaded executor runs the session: embassy on the board, a current-thread runtime in the twin"
)]

use alloc::string::String;
use alloc::vec::Vec;
use core::fmt::Debug;
use core::num::NonZero;

use embassy_futures::select::{Either3, select, select3};
use rust_mqtt::Bytes;
use rust_mqtt::buffer::AllocBuffer;
use rust_mqtt::client::event::Event;
use rust_mqtt::client::options::{ConnectOptions, PublicationOptions, SubscriptionOptions, TopicReference};
use rust_mqtt::client::{Client, MqttError};
use rust_mqtt::config::KeepAlive;
use rust_mqtt::types::{MqttBinary, MqttString, TopicFilter, TopicName};
use shared::iot::node::{Input, Node, Output};
use shared::iot::sensor::SensorKind;
use shared::iot::wire::{Direction, MAX_RELAYS, NodeEvent, Reading, topic};

use crate::backoff::{Backoff, seed_from};

/// MQTT keep-alive the node asks for. The embedded broker refuses 0 ("never"), and a dead TCP connection
/// is noticed within 1.5 times this.
pub const KEEP_ALIVE_S: u16 = 30;
/// How often the node's clock ticks (batch deadlines, ack timeouts, relay pulses).
pub const TICK_MS: u64 = 100;
/// Longest wait for the broker's CONNACK or SUBACK.
pub const HANDSHAKE_TIMEOUT_MS: u64 = 10_000;
/// Longest a publication, ping or packet read may take: a broker that stops taking data ends
/// the session (which reconnects) long before the firmware's watchdog would reset the node.
pub const STALL_MS: u64 = 15_000;
/// A session that held this long (or got frames committed) resets the reconnection back-off.
pub const HELD_MS: u64 = 30_000;

/// Outgoing QoS 1 publications in flight at once: the node's own window (16) plus room for
/// events and command acknowledgements.
const SEND_MAXIMUM: usize = 32;
/// Type of the rust-mqtt client the session uses: 1 subscription, 4 incoming QoS 1 messages,
/// [`SEND_MAXIMUM`] outgoing, no subscription ids, 1 user property, no topic aliases.
type MqttClient<'b, N> = Client<'static, 'b, N, AllocBuffer, 1, 4, SEND_MAXIMUM, 0, 1, 0, 0>;

/// Where and as whom to connect.
#[derive(Debug, Clone)]
pub struct Credentials {
    /// The device id (MQTT client id and user name).
    pub device_id: String,
    /// The broker password (`Secret::broker_password`, never the secret itself).
    pub password: String,
    /// Broker host name or address.
    pub host: String,
    /// Broker MQTT 5 port.
    pub port: u16,
}

/// Opens TCP connections to the broker.
pub trait Network {
    /// A connected stream (it may borrow the network's socket buffers).
    type Conn<'a>: embedded_io_async::Read + embedded_io_async::Write
    where
        Self: 'a;
    /// Why a connection could not be opened.
    type Error: Debug;
    /// Resolves `host` and connects.
    async fn connect<'a>(&'a mut self, host: &str, port: u16) -> Result<Self::Conn<'a>, Self::Error>;
}

/// Monotonic time.
pub trait Clock {
    /// Milliseconds since an arbitrary start (boot).
    fn now_ms(&self) -> u64;
    /// Waits `ms` milliseconds (cancel-safe).
    async fn sleep_ms(&self, ms: u64);
}

/// What the sensors report.
#[derive(Debug, Clone)]
pub enum SensorInput {
    /// A measurement.
    Reading(Reading),
    /// Something to report at once (door, card, boot).
    Event(NodeEvent),
}

/// The sensors' queue.
pub trait Inbox {
    /// The next reading or event (cancel-safe: a cancelled call loses nothing).
    async fn next(&mut self) -> SensorInput;
}

/// Where the session reaches the board.
pub trait Hooks {
    /// Drive relay `relay` on or off (the node has already checked the number).
    fn set_relay(&mut self, relay: u8, on: bool);
    /// The Wi-Fi signal now, for status reports.
    fn rssi(&mut self) -> i16 {
        0
    }
    /// The broker accepted or lost the session (an LED, a log line).
    fn link(&mut self, _up: bool) {}
    /// Called after every step: persist `next_seq` (ahead of use) and `last_command` when they
    /// pass what was last saved.
    fn counters(&mut self, _node: &Node) {}
}

/// What a node reports as it starts, before any reading: the boot event, then every relay's
/// state (off: the board drives them off at boot, whatever the server showed before).
pub fn boot_report(firmware: &str, rssi: i16, free_heap: u32, relays: u8) -> Vec<SensorInput> {
    let boot =
        NodeEvent::Boot { firmware: heapless::String::try_from(firmware).unwrap_or_default(), rssi, free_heap, relays };
    let states =
        (0..relays.min(MAX_RELAYS)).map(|c| SensorInput::Reading(Reading { k: SensorKind::Relay, c, t: 0, v: 0 }));
    core::iter::once(SensorInput::Event(boot)).chain(states).collect()
}

/// Why a session ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SessionEnd {
    /// TCP connection refused, DNS failed, network down.
    Connect(String),
    /// The broker refused or broke the MQTT session (bad password, protocol error).
    Mqtt(String),
    /// No CONNACK/SUBACK in time.
    HandshakeTimeout,
    /// Nothing heard from the broker for 1.5 keep-alive periods.
    Silent,
    /// A publication, ping or read did not finish within [`STALL_MS`].
    Stalled,
}

/// Runs the node forever: connect, serve, and after each loss wait a back-off delay (still
/// taking readings into the node's buffer) and connect again.
pub async fn run<N: Network, C: Clock, I: Inbox, H: Hooks>(
    node: &mut Node,
    creds: &Credentials,
    net: &mut N,
    clock: &C,
    inbox: &mut I,
    hooks: &mut H,
) -> ! {
    let mut backoff = Backoff::for_node(seed_from(&creds.device_id));
    let mut out = Vec::new();
    loop {
        let end = serve(node, creds, net, clock, inbox, hooks, &mut backoff).await;
        log::warn!("MQTT session ended: {end:?}");
        hooks.link(false);
        node.handle(clock.now_ms(), Input::Disconnected, &mut out);
        apply(&mut out, hooks);
        let delay = backoff.next_delay();
        log::info!("reconnecting in {delay} ms (attempt {})", backoff.attempts());
        idle(node, clock, inbox, hooks, delay).await;
    }
}

/// While offline: keep ticking the node and buffering readings for `ms`.
async fn idle<C: Clock, I: Inbox, H: Hooks>(node: &mut Node, clock: &C, inbox: &mut I, hooks: &mut H, ms: u64) {
    while_offline(clock.sleep_ms(ms), node, clock, inbox, hooks).await;
}

/// Runs `work` (a wait, or connecting) to its end while the node keeps taking readings, ticking
/// and driving relay pulses; nothing is published meanwhile (frames stay queued).
async fn while_offline<F: Future, C: Clock, I: Inbox, H: Hooks>(
    work: F,
    node: &mut Node,
    clock: &C,
    inbox: &mut I,
    hooks: &mut H,
) -> F::Output {
    let mut work = core::pin::pin!(work);
    let mut out = Vec::new();
    let mut next_tick = clock.now_ms() + TICK_MS;
    loop {
        let wait = next_tick.saturating_sub(clock.now_ms());
        // `work` is polled again on the next turn, never dropped before it ends.
        match select3(work.as_mut(), inbox.next(), clock.sleep_ms(wait)).await {
            Either3::First(done) => return done,
            Either3::Second(input) => feed(node, clock.now_ms(), input, &mut out),
            Either3::Third(()) => {}
        }
        tick_when_due(node, clock, &mut next_tick, &mut out);
        out.retain(|o| matches!(o, Output::SetRelay { .. }));
        apply(&mut out, hooks);
        hooks.counters(node);
    }
}

/// Ticks the node when `next_tick` has passed, so ticks keep their pace however many inputs
/// arrive between them.
fn tick_when_due<C: Clock>(node: &mut Node, clock: &C, next_tick: &mut u64, out: &mut Vec<Output>) {
    let now = clock.now_ms();
    if now >= *next_tick {
        node.handle(now, Input::Tick, out);
        *next_tick = now + TICK_MS;
    }
}

/// Hands one sensor input to the node.
pub fn feed(node: &mut Node, now: u64, input: SensorInput, out: &mut Vec<Output>) {
    match input {
        SensorInput::Reading(r) => node.handle(now, Input::Reading(r), out),
        SensorInput::Event(e) => node.handle(now, Input::Event(e), out),
    }
}

/// Carries out relay outputs (publications are handled by the caller).
fn apply<H: Hooks>(out: &mut Vec<Output>, hooks: &mut H) {
    for o in out.drain(..) {
        if let Output::SetRelay { relay, on } = o {
            hooks.set_relay(relay, on);
        }
    }
}

/// One connection, from TCP connect to its loss.
async fn serve<N: Network, C: Clock, I: Inbox, H: Hooks>(
    node: &mut Node,
    creds: &Credentials,
    net: &mut N,
    clock: &C,
    inbox: &mut I,
    hooks: &mut H,
    backoff: &mut Backoff,
) -> SessionEnd {
    let mut buffer = AllocBuffer;
    let mut client: MqttClient<'_, N::Conn<'_>> = Client::new(&mut buffer);
    // DNS, TCP and the MQTT handshake take up to ~40 s: readings keep coming meanwhile.
    let setup = async {
        let conn =
            net.connect(&creds.host, creds.port).await.map_err(|e| SessionEnd::Connect(alloc::format!("{e:?}")))?;
        handshake(&mut client, conn, creds, clock).await
    };
    if let Err(end) = while_offline(setup, node, clock, inbox, hooks).await {
        return end;
    }
    log::info!("MQTT session up as {}", creds.device_id);
    hooks.link(true);
    node.set_rssi(hooks.rssi());

    let mut out = Vec::new();
    node.handle(clock.now_ms(), Input::Connected, &mut out);
    let keep_alive_ms = u64::from(KEEP_ALIVE_S) * 1000;
    let up_at = clock.now_ms();
    let (mut last_sent, mut last_heard, mut next_tick) = (up_at, up_at, up_at + TICK_MS);
    let acked_at_start = node.acked_upto();
    let mut held = false;
    loop {
        match with_deadline(clock, publish_all(&mut client, &mut out, hooks)).await {
            Some(Ok(())) => {}
            Some(Err(end)) => return end,
            None => return SessionEnd::Stalled,
        }
        if !out.is_empty() {
            last_sent = clock.now_ms();
        }
        out.clear();
        hooks.counters(node);

        let now = clock.now_ms();
        // A session only counts as working once it held for a while or got frames committed:
        // one the broker drops at once (a cloned id, a refused publish) keeps backing off.
        if !held && (now.saturating_sub(up_at) >= HELD_MS || node.acked_upto() > acked_at_start) {
            held = true;
            backoff.reset();
        }
        if now.saturating_sub(last_heard) > keep_alive_ms * 3 / 2 {
            return SessionEnd::Silent;
        }
        if now.saturating_sub(last_sent) >= keep_alive_ms / 2 {
            match with_deadline(clock, client.ping()).await {
                Some(Ok(())) => last_sent = now,
                Some(Err(e)) => return SessionEnd::Mqtt(alloc::format!("ping: {e:?}")),
                None => return SessionEnd::Stalled,
            }
        }

        let wait = next_tick.saturating_sub(now);
        match select3(client.poll_header(), inbox.next(), clock.sleep_ms(wait)).await {
            Either3::First(Ok(header)) => {
                last_heard = clock.now_ms();
                let event = match with_deadline(clock, client.poll_body(header)).await {
                    Some(Ok(e)) => e,
                    Some(Err(e)) => return SessionEnd::Mqtt(alloc::format!("{e:?}")),
                    None => return SessionEnd::Stalled,
                };
                if let Event::Publish(p) = event {
                    node.set_rssi(hooks.rssi());
                    node.handle(clock.now_ms(), Input::Downlink(p.message.as_bytes()), &mut out);
                }
            }
            Either3::First(Err(e)) => return SessionEnd::Mqtt(alloc::format!("{e:?}")),
            Either3::Second(input) => feed(node, clock.now_ms(), input, &mut out),
            Either3::Third(()) => {}
        }
        tick_when_due(node, clock, &mut next_tick, &mut out);
    }
}

/// `work`'s result, or `None` if it took longer than [`STALL_MS`] (a peer that accepts no
/// data: the session is dropped, and with it whatever `work` left half done).
async fn with_deadline<F: Future, C: Clock>(clock: &C, work: F) -> Option<F::Output> {
    match select(work, clock.sleep_ms(STALL_MS)).await {
        embassy_futures::select::Either::First(r) => Some(r),
        embassy_futures::select::Either::Second(()) => None,
    }
}

/// CONNECT + CONNACK, SUBSCRIBE + SUBACK, within [`HANDSHAKE_TIMEOUT_MS`].
async fn handshake<T: embedded_io_async::Read + embedded_io_async::Write, C: Clock>(
    client: &mut MqttClient<'_, T>,
    conn: T,
    creds: &Credentials,
    clock: &C,
) -> Result<(), SessionEnd> {
    let fail = |what: &str, e: &dyn Debug| SessionEnd::Mqtt(alloc::format!("{what}: {e:?}"));
    let user = MqttString::from_str(&creds.device_id).map_err(|e| fail("device id", &e))?;
    let password = MqttBinary::from_slice(creds.password.as_bytes()).map_err(|e| fail("password", &e))?;
    let keep_alive = KeepAlive::Seconds(NonZero::new(KEEP_ALIVE_S).ok_or(SessionEnd::HandshakeTimeout)?);
    // A clean session each time: the node itself resends whatever the server did not commit.
    let options = ConnectOptions::new().clean_start().keep_alive(keep_alive).user_name(user.clone()).password(password);
    let steps = async {
        client.connect(conn, &options, Some(user)).await.map_err(|e| fail("connect", &e))?;
        let down = topic(&creds.device_id, Direction::Down);
        let name = MqttString::from_str(&down).map_err(|e| fail("topic", &e))?;
        let filter = TopicFilter::new(name).ok_or_else(|| fail("topic", &"filter"))?;
        client
            .subscribe(filter, &SubscriptionOptions::new().at_least_once())
            .await
            .map_err(|e| fail("subscribe", &e))?;
        loop {
            match client.poll().await {
                Ok(Event::Suback(s)) if s.reason_code.is_success() => return Ok(()),
                Ok(Event::Suback(s)) => return Err(fail("subscription refused", &s.reason_code)),
                Ok(_) => {}
                Err(e) => return Err(fail("suback", &e)),
            }
        }
    };
    match select(steps, clock.sleep_ms(HANDSHAKE_TIMEOUT_MS)).await {
        embassy_futures::select::Either::First(r) => r,
        embassy_futures::select::Either::Second(()) => Err(SessionEnd::HandshakeTimeout),
    }
}

/// Publishes the node's frames (QoS 1, in order) and drives its relays.
async fn publish_all<T: embedded_io_async::Read + embedded_io_async::Write, H: Hooks>(
    client: &mut MqttClient<'_, T>,
    out: &mut [Output],
    hooks: &mut H,
) -> Result<(), SessionEnd> {
    let mut stopped = false;
    for o in out.iter() {
        match o {
            Output::SetRelay { relay, on } => hooks.set_relay(*relay, *on),
            Output::Publish { .. } if stopped => {}
            Output::Publish { topic, payload, seq } => {
                let name = MqttString::from_str(topic)
                    .ok()
                    .and_then(TopicName::new)
                    .ok_or_else(|| SessionEnd::Mqtt(alloc::format!("bad topic {topic}")))?;
                let options = PublicationOptions::new(TopicReference::Name(name)).at_least_once();
                match client.publish(&options, Bytes::from(&payload[..])).await {
                    Ok(_) => {}
                    // The broker's in-flight limit: stop here, in order; the node sends these
                    // frames again when their acknowledgement times out.
                    Err(MqttError::SendQuotaExceeded) => {
                        log::warn!("broker's in-flight limit reached at frame {seq}; later");
                        stopped = true;
                    }
                    Err(e) => return Err(SessionEnd::Mqtt(alloc::format!("publish {seq}: {e:?}"))),
                }
            }
        }
    }
    Ok(())
}
