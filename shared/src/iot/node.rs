//! A sensor node's behaviour as a sans-IO state machine: the firmware, the simulator and the
//! tests feed it inputs (connected, disconnected, a reading, an event, a downlink frame, a tick)
//! with the time, and carry out its outputs (publish these bytes, switch this relay). It
//! batches readings, numbers and signs every frame, keeps each frame until the server says it
//! is committed, resends what was not acknowledged (in order), and applies each command once.

use alloc::collections::VecDeque;
use alloc::string::String;
use alloc::vec::Vec;

use super::frame::{self, FrameError, Secret};
use super::sensor::SensorKind;
use super::wire::{
    Command, Direction, Downlink, DownlinkFrame, MAX_READINGS, MAX_RELAYS, NodeEvent, PROTOCOL_VERSION, Reading,
    Uplink, UplinkFrame, topic,
};

/// How a node batches and retries.
#[derive(Debug, Clone, Copy)]
pub struct NodeConfig {
    /// Readings per telemetry frame (1..=[`MAX_READINGS`]).
    pub batch_size: usize,
    /// A partial batch is sent after this long.
    pub batch_interval_ms: u64,
    /// Frames sent this long ago without an acknowledgement are sent again.
    pub ack_timeout_ms: u64,
    /// Frames sent and not yet acknowledged at any time (MQTT keeps them in order).
    pub max_in_flight: usize,
    /// Frames kept until acknowledged; when full the oldest is dropped (and counted).
    pub queue_capacity: usize,
    /// A connected node that has sent nothing for this long sends a status report, so the
    /// server can tell "quiet" from "gone" (it shows a device offline after two minutes).
    pub keepalive_ms: u64,
}

impl Default for NodeConfig {
    /// An ESP32's settings: 8 readings or 5 s per frame, 512 frames (~300 KiB worst case,
    /// about an hour of one reading per second offline).
    fn default() -> Self {
        Self {
            batch_size: MAX_READINGS,
            batch_interval_ms: 5_000,
            ack_timeout_ms: 10_000,
            max_in_flight: 16,
            queue_capacity: 512,
            keepalive_ms: 60_000,
        }
    }
}

/// Something that happened to the node.
#[derive(Debug, Clone)]
pub enum Input<'a> {
    /// The MQTT session is up (and subscribed to the node's downlink topic).
    Connected,
    /// The MQTT session is gone.
    Disconnected,
    /// A sensor was read.
    Reading(Reading),
    /// An event to report at once.
    Event(NodeEvent),
    /// A frame arrived on the downlink topic.
    Downlink(&'a [u8]),
    /// Time passed (call every ~100 ms or so).
    Tick,
}

/// Something the node's host must do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Output {
    /// Publish `payload` on `topic` with QoS 1.
    Publish {
        /// The node's uplink topic.
        topic: String,
        /// The signed frame.
        payload: Vec<u8>,
        /// The frame's sequence number.
        seq: u64,
    },
    /// Drive a relay's output.
    SetRelay {
        /// Relay number.
        relay: u8,
        /// On or off.
        on: bool,
    },
}

/// Counters for the status report and tests.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct NodeStats {
    /// Frames published (including resends).
    pub published: u64,
    /// Frames published again after a timeout or a reconnection.
    pub resent: u64,
    /// Readings dropped because the queue was full.
    pub dropped_readings: u32,
    /// Downlink frames refused (bad MAC, malformed, replayed command).
    pub refused_downlinks: u32,
    /// Times the server had committed numbers above the node's (its saved counter was lost)
    /// and the queue was renumbered above them.
    pub renumbered: u32,
}

#[derive(Debug, Clone)]
struct Queued {
    seq: u64,
    payload: Vec<u8>,
    readings: u32,
    sent_at: Option<u64>,
}

/// A node.
#[derive(Debug, Clone)]
pub struct Node {
    device_id: String,
    up_topic: String,
    secret: Secret,
    config: NodeConfig,
    next_seq: u64,
    acked_upto: u64,
    queue: VecDeque<Queued>,
    batch: heapless::Vec<Reading, MAX_READINGS>,
    batch_since: u64,
    connected: bool,
    last_command: u64,
    relay_count: u8,
    relays: [bool; MAX_RELAYS as usize],
    pulse_off_at: [Option<u64>; MAX_RELAYS as usize],
    booted_at: u64,
    rssi: i16,
    stats: NodeStats,
    /// The time of the input being handled, and of the last frame made.
    now: u64,
    last_frame_at: u64,
}

impl Node {
    /// A node that numbers its next frame `first_seq` (kept across reboots by the host: the
    /// server refuses numbers it has already committed) and has applied commands up to
    /// `last_command`. Relays start off.
    pub fn new(
        device_id: &str,
        secret: Secret,
        first_seq: u64,
        last_command: u64,
        relay_count: u8,
        config: NodeConfig,
        now: u64,
    ) -> Self {
        let config = NodeConfig {
            batch_size: config.batch_size.clamp(1, MAX_READINGS),
            max_in_flight: config.max_in_flight.max(1),
            queue_capacity: config.queue_capacity.max(1),
            ..config
        };
        Self {
            device_id: device_id.into(),
            up_topic: topic(device_id, Direction::Up),
            secret,
            config,
            next_seq: first_seq.max(1),
            acked_upto: first_seq.max(1) - 1,
            queue: VecDeque::new(),
            batch: heapless::Vec::new(),
            batch_since: now,
            connected: false,
            last_command,
            relay_count: relay_count.min(MAX_RELAYS),
            relays: [false; MAX_RELAYS as usize],
            pulse_off_at: [None; MAX_RELAYS as usize],
            booted_at: now,
            rssi: 0,
            stats: NodeStats::default(),
            now,
            last_frame_at: now,
        }
    }

    /// The number the next frame will carry (persist it now and then, ahead of use).
    pub const fn next_seq(&self) -> u64 {
        self.next_seq
    }

    /// The server has committed every frame up to this number.
    pub const fn acked_upto(&self) -> u64 {
        self.acked_upto
    }

    /// The last command applied (persist it so a reboot does not apply an old one again).
    pub const fn last_command(&self) -> u64 {
        self.last_command
    }

    /// Frames waiting for an acknowledgement.
    pub fn queued(&self) -> usize {
        self.queue.len()
    }

    /// Readings not yet acknowledged (in frames or in the open batch).
    pub fn pending_readings(&self) -> usize {
        self.queue.iter().map(|q| q.readings as usize).sum::<usize>() + self.batch.len()
    }

    /// Counters.
    pub const fn stats(&self) -> NodeStats {
        self.stats
    }

    /// The relays' states as the node drives them.
    pub fn relays(&self) -> &[bool] {
        &self.relays[..usize::from(self.relay_count)]
    }

    /// Records the Wi-Fi signal for status reports.
    pub fn set_rssi(&mut self, rssi: i16) {
        self.rssi = rssi;
    }

    /// Feeds one input at time `now` (milliseconds, any monotonic clock) and appends what to
    /// do to `out`.
    pub fn handle(&mut self, now: u64, input: Input<'_>, out: &mut Vec<Output>) {
        self.now = now;
        match input {
            Input::Connected => {
                self.connected = true;
                // A new session: whatever was in flight may be lost, send it all again in order.
                self.rewind();
            }
            Input::Disconnected => self.connected = false,
            Input::Reading(reading) => {
                if self.batch.is_empty() {
                    self.batch_since = now;
                }
                // The batch is sealed whenever it fills, so there is always room.
                let _ = self.batch.push(reading);
                if self.batch.len() >= self.config.batch_size {
                    self.seal_batch();
                }
            }
            Input::Event(event) => self.enqueue(Uplink::Event(event), 0),
            Input::Downlink(bytes) => self.on_downlink(now, bytes, out),
            Input::Tick => self.on_tick(now, out),
        }
        self.pump(now, out);
    }

    fn on_tick(&mut self, now: u64, out: &mut Vec<Output>) {
        for relay in 0..self.relay_count {
            let i = usize::from(relay);
            if self.pulse_off_at[i].is_some_and(|at| now >= at) {
                self.pulse_off_at[i] = None;
                self.switch(relay, false, out);
                self.report_relay(relay, now);
            }
        }
        if !self.batch.is_empty() && now.saturating_sub(self.batch_since) >= self.config.batch_interval_ms {
            self.seal_batch();
        }
        let timed_out = self
            .queue
            .front()
            .and_then(|q| q.sent_at)
            .is_some_and(|sent| now.saturating_sub(sent) >= self.config.ack_timeout_ms);
        if self.connected && timed_out {
            self.rewind();
        }
        if self.connected && self.queue.is_empty() && now.saturating_sub(self.last_frame_at) >= self.config.keepalive_ms
        {
            let status = self.status_event(now);
            self.enqueue(Uplink::Event(status), 0);
        }
    }

    fn status_event(&self, now: u64) -> NodeEvent {
        NodeEvent::Status {
            rssi: self.rssi,
            uptime_s: u32::try_from(now.saturating_sub(self.booted_at) / 1000).unwrap_or(u32::MAX),
            queued: u16::try_from(self.queue.len()).unwrap_or(u16::MAX),
            dropped: self.stats.dropped_readings,
        }
    }

    fn on_downlink(&mut self, now: u64, bytes: &[u8], out: &mut Vec<Output>) {
        let frame: DownlinkFrame = match frame::decode(bytes, &self.secret, Direction::Down, &self.device_id) {
            Ok(f) => f,
            Err(
                FrameError::BadMac
                | FrameError::Shape
                | FrameError::Malformed
                | FrameError::Version
                | FrameError::TooLarge,
            ) => {
                self.stats.refused_downlinks += 1;
                return;
            }
        };
        match frame.msg {
            Downlink::Committed => {
                // The server has committed numbers this node has not used since it started: its
                // saved counter was lost (flash erased). Carry on above them, renumbering what is
                // still queued, or the server would take it for repeats and never store it.
                if frame.seq >= self.next_seq {
                    self.renumber_above(frame.seq);
                    return;
                }
                if frame.seq > self.acked_upto {
                    self.acked_upto = frame.seq;
                }
                while self.queue.front().is_some_and(|q| q.seq <= self.acked_upto) {
                    self.queue.pop_front();
                }
            }
            Downlink::Command(command) => {
                if frame.seq < self.last_command {
                    self.stats.refused_downlinks += 1;
                    return;
                }
                if frame.seq == self.last_command {
                    // Applied already; our acknowledgement was lost. Say so again, do not redo it.
                    let (relay, on) = self.relay_of(command);
                    self.enqueue(Uplink::CommandAck { cmd: frame.seq, ok: true, relay, on }, 0);
                    return;
                }
                self.last_command = frame.seq;
                self.apply(now, frame.seq, command, out);
            }
        }
    }

    fn relay_of(&self, command: Command) -> (u8, bool) {
        match command {
            Command::SetRelay { relay, .. } | Command::PulseRelay { relay, .. } => {
                (relay, self.relays.get(usize::from(relay)).copied().unwrap_or(false))
            }
            Command::RequestStatus => (0, self.relays.first().copied().unwrap_or(false)),
        }
    }

    fn apply(&mut self, now: u64, seq: u64, command: Command, out: &mut Vec<Output>) {
        match command {
            Command::SetRelay { relay, .. } | Command::PulseRelay { relay, .. } if relay >= self.relay_count => {
                self.enqueue(Uplink::CommandAck { cmd: seq, ok: false, relay, on: false }, 0);
            }
            Command::SetRelay { relay, on } => {
                self.pulse_off_at[usize::from(relay)] = None;
                self.switch(relay, on, out);
                self.enqueue(Uplink::CommandAck { cmd: seq, ok: true, relay, on }, 0);
                self.report_relay(relay, now);
            }
            Command::PulseRelay { relay, ms } => {
                self.switch(relay, true, out);
                self.pulse_off_at[usize::from(relay)] = Some(now + u64::from(ms));
                self.enqueue(Uplink::CommandAck { cmd: seq, ok: true, relay, on: true }, 0);
                self.report_relay(relay, now);
            }
            Command::RequestStatus => {
                let status = self.status_event(now);
                let (relay, on) = self.relay_of(command);
                self.enqueue(Uplink::CommandAck { cmd: seq, ok: true, relay, on }, 0);
                self.enqueue(Uplink::Event(status), 0);
                for relay in 0..self.relay_count {
                    self.report_relay(relay, now);
                }
            }
        }
    }

    fn switch(&mut self, relay: u8, on: bool, out: &mut Vec<Output>) {
        self.relays[usize::from(relay)] = on;
        out.push(Output::SetRelay { relay, on });
    }

    /// Adds the relay's state to the open batch (node time unknown to the machine: 0, the
    /// server stamps it on arrival).
    fn report_relay(&mut self, relay: u8, _now: u64) {
        let v = i32::from(self.relays[usize::from(relay)]);
        if self.batch.is_full() {
            self.seal_batch();
        }
        let _ = self.batch.push(Reading { k: SensorKind::Relay, c: relay, t: 0, v });
        self.seal_batch();
    }

    fn seal_batch(&mut self) {
        if self.batch.is_empty() {
            return;
        }
        let readings = core::mem::take(&mut self.batch);
        let count = readings.len() as u32;
        self.enqueue(Uplink::Telemetry { readings }, count);
    }

    fn enqueue(&mut self, msg: Uplink, readings: u32) {
        if self.queue.len() >= self.config.queue_capacity
            && let Some(oldest) = self.queue.pop_front()
        {
            self.stats.dropped_readings += oldest.readings;
            // The server will never see it: let later acknowledgements pass it, and tell the
            // server (the frame's floor) so it stops waiting for it.
            self.acked_upto = self.acked_upto.max(oldest.seq);
        }
        let seq = self.next_seq;
        let frame = UplinkFrame { v: PROTOCOL_VERSION, seq, floor: self.acked_upto, msg };
        // Frames are at most 8 readings: always under MAX_FRAME.
        let Ok(payload) = frame::encode(&frame, &self.secret, Direction::Up, &self.device_id) else {
            return;
        };
        self.next_seq += 1;
        self.last_frame_at = self.now;
        self.queue.push_back(Queued { seq, payload, readings, sent_at: None });
    }

    /// Gives every queued frame a new number above `mark` (in order, re-signed) and numbers new
    /// frames after them. Only an authenticated acknowledgement leads here, so at worst a
    /// replayed one makes the node skip numbers.
    fn renumber_above(&mut self, mark: u64) {
        self.stats.renumbered = self.stats.renumbered.saturating_add(1);
        self.acked_upto = mark;
        let mut seq = mark;
        for q in &mut self.queue {
            let Ok(mut frame) = frame::decode::<UplinkFrame>(&q.payload, &self.secret, Direction::Up, &self.device_id)
            else {
                continue;
            };
            seq += 1;
            frame.seq = seq;
            frame.floor = mark;
            if let Ok(payload) = frame::encode(&frame, &self.secret, Direction::Up, &self.device_id) {
                q.seq = seq;
                q.payload = payload;
                q.sent_at = None;
            }
        }
        // A frame that would not decode (never: the node signed it) keeps its number and is
        // dropped when the server acknowledges past it.
        self.queue.retain(|q| q.seq > mark);
        self.next_seq = seq + 1;
    }

    fn rewind(&mut self) {
        for q in &mut self.queue {
            if q.sent_at.take().is_some() {
                self.stats.resent += 1;
            }
        }
    }

    fn pump(&mut self, now: u64, out: &mut Vec<Output>) {
        if !self.connected {
            return;
        }
        let mut in_flight = self.queue.iter().filter(|q| q.sent_at.is_some()).count();
        for q in &mut self.queue {
            if in_flight >= self.config.max_in_flight {
                break;
            }
            if q.sent_at.is_none() {
                q.sent_at = Some(now);
                in_flight += 1;
                self.stats.published += 1;
                out.push(Output::Publish { topic: self.up_topic.clone(), payload: q.payload.clone(), seq: q.seq });
            }
        }
    }
}

#[cfg(test)]
#[path = "node_tests.rs"]
mod tests;
