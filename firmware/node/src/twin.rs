//! The host twin: the firmware's session code ([`crate::session::run`]) over tokio sockets
//! (through embedded-io-adapters), a tokio clock, a channel for sensor inputs and a shared
//! record of relay states. It proves the firmware's protocol against the real server and
//! broker without a board; the test suite and `mostrador-twin` drive it.

use std::sync::{Arc, Mutex};
use std::time::Instant;

use embedded_io_adapters::tokio_1::FromTokio;
use shared::iot::frame::Secret;
use shared::iot::node::{Node, NodeConfig};
use tokio::net::TcpStream;
use tokio::sync::mpsc;

use crate::session::{self, Clock, Credentials, Hooks, Inbox, Network, SensorInput};

/// Firmware version the twin reports at boot (the real firmware's, so the server sees the same).
pub const FIRMWARE: &str = env!("CARGO_PKG_VERSION");

/// TCP through tokio.
#[derive(Debug, Default)]
pub struct TokioNetwork;

impl Network for TokioNetwork {
    type Conn<'a> = FromTokio<TcpStream>;
    type Error = std::io::Error;

    async fn connect<'a>(&'a mut self, host: &str, port: u16) -> Result<Self::Conn<'a>, Self::Error> {
        let stream = TcpStream::connect((host, port)).await?;
        stream.set_nodelay(true)?;
        Ok(FromTokio::new(stream))
    }
}

/// Milliseconds since the twin started.
#[derive(Debug, Clone, Copy)]
pub struct TokioClock(Instant);

impl Default for TokioClock {
    fn default() -> Self {
        Self(Instant::now())
    }
}

impl Clock for TokioClock {
    fn now_ms(&self) -> u64 {
        u64::try_from(self.0.elapsed().as_millis()).unwrap_or(u64::MAX)
    }

    async fn sleep_ms(&self, ms: u64) {
        tokio::time::sleep(std::time::Duration::from_millis(ms)).await;
    }
}

/// Sensor inputs arrive through a channel (the test is the sensor).
#[derive(Debug)]
pub struct ChannelInbox(mpsc::UnboundedReceiver<SensorInput>);

impl Inbox for ChannelInbox {
    async fn next(&mut self) -> SensorInput {
        match self.0.recv().await {
            Some(input) => input,
            // Every sender gone: no more sensor input, ever.
            None => std::future::pending().await,
        }
    }
}

/// What the twin's board did, for the test to look at.
#[derive(Debug, Default, Clone)]
pub struct BoardState {
    /// Relay outputs as driven.
    pub relays: Vec<bool>,
    /// Every relay switch, in order.
    pub switches: Vec<(u8, bool)>,
    /// Sessions the broker accepted.
    pub sessions: u32,
    /// Whether a session is up now.
    pub online: bool,
    /// The node's highest acknowledged frame and next frame number.
    pub acked_upto: u64,
    /// The node's next frame number.
    pub next_seq: u64,
    /// Frames waiting for acknowledgement.
    pub queued: usize,
    /// Readings not yet acknowledged (in frames or in the open batch).
    pub pending: usize,
}

/// Hooks that record into a shared [`BoardState`].
#[derive(Debug, Clone)]
pub struct RecordingHooks(pub Arc<Mutex<BoardState>>);

impl RecordingHooks {
    fn with(&self, f: impl FnOnce(&mut BoardState)) {
        if let Ok(mut state) = self.0.lock() {
            f(&mut state);
        }
    }
}

impl Hooks for RecordingHooks {
    fn set_relay(&mut self, relay: u8, on: bool) {
        self.with(|s| {
            let i = usize::from(relay);
            if s.relays.len() <= i {
                s.relays.resize(i + 1, false);
            }
            s.relays[i] = on;
            s.switches.push((relay, on));
        });
    }

    fn rssi(&mut self) -> i16 {
        -55
    }

    fn link(&mut self, up: bool) {
        self.with(|s| {
            s.online = up;
            if up {
                s.sessions += 1;
            }
        });
    }

    fn counters(&mut self, node: &Node) {
        self.with(|s| {
            s.acked_upto = node.acked_upto();
            s.next_seq = node.next_seq();
            s.queued = node.queued();
            s.pending = node.pending_readings();
        });
    }
}

/// A running twin: feed it sensor inputs, look at its board, stop it by dropping it. It runs on
/// its own thread with a single-threaded runtime, like the firmware's one executor (the MQTT
/// client is not `Send`).
#[derive(Debug)]
pub struct Twin {
    /// Sensor inputs.
    pub sensors: mpsc::UnboundedSender<SensorInput>,
    /// What the board did.
    pub board: Arc<Mutex<BoardState>>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Twin {
    /// Boots a node (`relays` relay outputs, numbering frames from `first_seq`) that reports
    /// its boot like the firmware does and then runs the session against `host:port`.
    pub fn start(device_id: &str, secret: Secret, host: &str, port: u16, relays: u8, first_seq: u64) -> Self {
        let clock = TokioClock::default();
        let password = secret.broker_password(device_id);
        let mut node = Node::new(device_id, secret, first_seq, 0, relays, NodeConfig::default(), clock.now_ms());
        let creds = Credentials { device_id: device_id.into(), password, host: host.into(), port };
        let (sensors, rx) = mpsc::unbounded_channel();
        let board = Arc::new(Mutex::new(BoardState { relays: vec![false; usize::from(relays)], ..Default::default() }));
        let mut hooks = RecordingHooks(board.clone());
        for input in session::boot_report(FIRMWARE, hooks.rssi(), 96 * 1024, relays) {
            let _ = sensors.send(input);
        }
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let thread = std::thread::spawn(move || {
            let Ok(runtime) = tokio::runtime::Builder::new_current_thread().enable_all().build() else {
                return;
            };
            runtime.block_on(async move {
                let mut inbox = ChannelInbox(rx);
                let mut network = TokioNetwork;
                let node = session::run(&mut node, &creds, &mut network, &clock, &mut inbox, &mut hooks);
                tokio::select! {
                    _ = node => {}
                    _ = stopped => {}
                }
            });
        });
        Self { sensors, board, stop: Some(stop), thread: Some(thread) }
    }

    /// A copy of the board's state now.
    pub fn board(&self) -> BoardState {
        self.board.lock().map(|s| s.clone()).unwrap_or_default()
    }
}

impl Drop for Twin {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}
