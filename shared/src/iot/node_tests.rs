//! The node state machine against a simulated server and a lossy link.

use super::*;
use crate::iot::replay::{ReplayWindow, Verdict};

const ID: &str = "k3f9x2m8q1ab";

fn secret() -> Secret {
    Secret([7; 32])
}

fn node(relays: u8) -> Node {
    Node::new(ID, secret(), 100, 0, relays, NodeConfig { batch_interval_ms: 1000, ..NodeConfig::default() }, 0)
}

fn reading(i: u64) -> Reading {
    Reading { k: SensorKind::Temperature, c: 0, t: 1_764_000_000_000 + i, v: (i % 1000) as i32 }
}

fn down(seq: u64, msg: Downlink) -> Vec<u8> {
    frame::encode(&DownlinkFrame { v: 1, seq, msg }, &secret(), Direction::Down, ID).unwrap()
}

fn published(out: &[Output]) -> Vec<UplinkFrame> {
    out.iter()
        .filter_map(|o| match o {
            Output::Publish { payload, .. } => Some(frame::decode(payload, &secret(), Direction::Up, ID).unwrap()),
            Output::SetRelay { .. } => None,
        })
        .collect()
}

#[test]
fn readings_wait_offline_and_go_out_in_order_once_connected() {
    let mut n = node(0);
    let mut out = Vec::new();
    for i in 0..20 {
        n.handle(i, Input::Reading(reading(i)), &mut out);
    }
    assert!(out.is_empty(), "nothing is sent offline");
    assert_eq!((n.queued(), n.pending_readings()), (2, 20));
    n.handle(1500, Input::Tick, &mut out);
    assert_eq!(n.queued(), 3, "the partial batch is sealed after the interval");
    n.handle(1600, Input::Connected, &mut out);
    let frames = published(&out);
    assert_eq!(frames.iter().map(|f| f.seq).collect::<Vec<_>>(), [100, 101, 102]);
    let counts: Vec<usize> = frames
        .iter()
        .map(|f| match &f.msg {
            Uplink::Telemetry { readings } => readings.len(),
            _ => 0,
        })
        .collect();
    assert_eq!(counts, [8, 8, 4]);
}

#[test]
fn frames_are_kept_until_committed_and_resent_after_a_timeout_or_a_reconnection() {
    let mut n = node(0);
    let mut out = Vec::new();
    n.handle(0, Input::Connected, &mut out);
    for i in 0..16 {
        n.handle(i, Input::Reading(reading(i)), &mut out);
    }
    assert_eq!(published(&out).len(), 2);
    out.clear();
    n.handle(100, Input::Downlink(&down(100, Downlink::Committed)), &mut out);
    assert_eq!((n.queued(), n.acked_upto()), (1, 100));
    // No acknowledgement for 101: sent again once the timeout passes, not before.
    n.handle(5_000, Input::Tick, &mut out);
    assert!(out.is_empty());
    n.handle(10_050, Input::Tick, &mut out);
    assert_eq!(published(&out).iter().map(|f| f.seq).collect::<Vec<_>>(), [101]);
    out.clear();
    n.handle(10_100, Input::Disconnected, &mut out);
    n.handle(10_200, Input::Connected, &mut out);
    assert_eq!(published(&out).iter().map(|f| f.seq).collect::<Vec<_>>(), [101]);
    assert_eq!(n.stats().resent, 2);
    out.clear();
    n.handle(10_300, Input::Downlink(&down(101, Downlink::Committed)), &mut out);
    assert_eq!(n.queued(), 0);
    // An acknowledgement above every number sent: the server has committed numbers this node
    // (its saved counter lost) would reuse, so it numbers on above them.
    n.handle(10_400, Input::Downlink(&down(500, Downlink::Committed)), &mut out);
    assert_eq!((n.acked_upto(), n.next_seq(), n.stats().renumbered, n.stats().refused_downlinks), (500, 501, 1, 0));
}

#[test]
fn a_command_is_applied_once_and_acknowledged_again_when_repeated() {
    let mut n = node(2);
    let mut out = Vec::new();
    n.handle(0, Input::Connected, &mut out);
    let cmd = down(1, Downlink::Command(Command::SetRelay { relay: 1, on: true }));
    n.handle(10, Input::Downlink(&cmd), &mut out);
    assert!(out.contains(&Output::SetRelay { relay: 1, on: true }));
    let frames = published(&out);
    assert!(matches!(frames[0].msg, Uplink::CommandAck { cmd: 1, ok: true, relay: 1, on: true }));
    assert!(
        matches!(&frames[1].msg, Uplink::Telemetry { readings } if readings[0].k == SensorKind::Relay && readings[0].v == 1)
    );
    out.clear();
    // The same command again (our ack was lost): acknowledged, not applied twice.
    n.handle(20, Input::Downlink(&cmd), &mut out);
    assert!(!out.iter().any(|o| matches!(o, Output::SetRelay { .. })));
    assert!(matches!(published(&out)[0].msg, Uplink::CommandAck { cmd: 1, ok: true, relay: 1, on: true }));
    out.clear();
    // Older commands and forged ones are refused.
    let mut forged = down(5, Downlink::Command(Command::SetRelay { relay: 0, on: true }));
    let last = forged.len() - 1;
    forged[last] = if forged[last] == b'0' { b'1' } else { b'0' };
    n.handle(30, Input::Downlink(&forged), &mut out);
    let other_device = frame::encode(
        &DownlinkFrame { v: 1, seq: 6, msg: Downlink::Command(Command::RequestStatus) },
        &secret(),
        Direction::Down,
        "otronodo0000",
    )
    .unwrap();
    n.handle(30, Input::Downlink(&other_device), &mut out);
    assert!(out.is_empty());
    assert_eq!(n.stats().refused_downlinks, 2);
    n.handle(40, Input::Downlink(&down(2, Downlink::Command(Command::SetRelay { relay: 1, on: false }))), &mut out);
    n.handle(50, Input::Downlink(&cmd), &mut out);
    assert_eq!(n.relays(), [false, false]);
    assert_eq!(n.stats().refused_downlinks, 3);
    // A relay the node does not have: refused in the acknowledgement.
    out.clear();
    n.handle(60, Input::Downlink(&down(3, Downlink::Command(Command::SetRelay { relay: 5, on: true }))), &mut out);
    assert!(matches!(published(&out)[0].msg, Uplink::CommandAck { cmd: 3, ok: false, .. }));
}

#[test]
fn a_pulse_switches_the_relay_off_by_itself() {
    let mut n = node(1);
    let mut out = Vec::new();
    n.handle(0, Input::Downlink(&down(1, Downlink::Command(Command::PulseRelay { relay: 0, ms: 1500 }))), &mut out);
    assert_eq!(n.relays(), [true]);
    n.handle(1000, Input::Tick, &mut out);
    assert_eq!(n.relays(), [true]);
    out.clear();
    n.handle(1500, Input::Tick, &mut out);
    assert_eq!(n.relays(), [false]);
    assert_eq!(out, [Output::SetRelay { relay: 0, on: false }]);
}

#[test]
fn a_full_queue_drops_the_oldest_readings_and_counts_them() {
    let config = NodeConfig { batch_size: 2, queue_capacity: 3, ..NodeConfig::default() };
    let mut n = Node::new(ID, secret(), 1, 0, 0, config, 0);
    let mut out = Vec::new();
    for i in 0..10 {
        n.handle(i, Input::Reading(reading(i)), &mut out);
    }
    assert_eq!((n.queued(), n.stats().dropped_readings), (3, 4));
    n.handle(20, Input::Connected, &mut out);
    assert_eq!(published(&out).iter().map(|f| f.seq).collect::<Vec<_>>(), [3, 4, 5]);
}

#[test]
fn after_an_overflow_the_frames_floor_lets_the_server_acknowledge_past_the_dropped_ones() {
    let config = NodeConfig { batch_size: 2, queue_capacity: 3, ..NodeConfig::default() };
    let mut n = Node::new(ID, secret(), 1, 0, 0, config, 0);
    let mut out = Vec::new();
    // Frame 1 is committed, then the node goes offline and its queue overflows (2 and 3 lost).
    n.handle(0, Input::Connected, &mut out);
    n.handle(1, Input::Reading(reading(1)), &mut out);
    n.handle(2, Input::Reading(reading(2)), &mut out);
    let mut server = ReplayWindow::default();
    for f in published(&std::mem::take(&mut out)) {
        server.give_up_to(f.floor.min(f.seq - 1));
        server.commit(f.seq);
    }
    n.handle(3, Input::Downlink(&down(server.upto, Downlink::Committed)), &mut out);
    n.handle(4, Input::Disconnected, &mut out);
    for i in 5..15 {
        n.handle(i, Input::Reading(reading(i)), &mut out);
    }
    out.clear();
    n.handle(20, Input::Connected, &mut out);
    let frames = published(&out);
    assert_eq!(frames.iter().map(|f| f.seq).collect::<Vec<_>>(), [4, 5, 6]);
    for f in &frames {
        server.give_up_to(f.floor.min(f.seq - 1));
        assert_eq!(server.commit(f.seq), Verdict::Fresh);
    }
    // Without the floor the server would wait for 2 and 3 forever (until 64 frames later).
    assert_eq!(server.upto, 6);
    n.handle(21, Input::Downlink(&down(server.upto, Downlink::Committed)), &mut out);
    assert_eq!((n.queued(), n.acked_upto()), (0, 6));
}

/// A tiny deterministic pseudo-random source for the lossy link.
struct Lcg(u64);
impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        self.0 >> 33
    }
}

#[test]
fn over_a_lossy_duplicating_link_every_reading_is_stored_exactly_once() {
    for seed in 1..6 {
        let mut rng = Lcg(seed);
        let mut n = node(0);
        let mut window = ReplayWindow::default();
        let mut stored: Vec<u64> = Vec::new();
        let mut out = Vec::new();
        let mut now = 0;
        let total = 2_000u64;
        let mut produced = 0u64;
        n.handle(now, Input::Connected, &mut out);
        while produced < total || n.pending_readings() > 0 {
            now += 50;
            if produced < total {
                n.handle(now, Input::Reading(reading(produced)), &mut out);
                produced += 1;
            }
            // Now and then the connection drops.
            if rng.next().is_multiple_of(97) {
                n.handle(now, Input::Disconnected, &mut out);
                n.handle(now + 10, Input::Connected, &mut out);
            }
            n.handle(now, Input::Tick, &mut out);
            let mut acks = Vec::new();
            for o in out.drain(..) {
                let Output::Publish { payload, .. } = o else { continue };
                // 10 % lost on the way up, 5 % delivered twice.
                let copies = match rng.next() % 20 {
                    0 | 1 => 0,
                    2 => 2,
                    _ => 1,
                };
                for _ in 0..copies {
                    let f: UplinkFrame = frame::decode(&payload, &secret(), Direction::Up, ID).unwrap();
                    if window.commit(f.seq) == Verdict::Fresh
                        && let Uplink::Telemetry { readings } = &f.msg
                    {
                        stored.extend(readings.iter().map(|r| r.t - 1_764_000_000_000));
                    }
                    // 10 % of acknowledgements lost on the way down.
                    if !rng.next().is_multiple_of(10) {
                        acks.push(down(window.upto, Downlink::Committed));
                    }
                }
            }
            for a in acks {
                n.handle(now, Input::Downlink(&a), &mut out);
            }
            assert!(now < 10_000_000, "seed {seed}: never drained");
        }
        stored.sort_unstable();
        assert_eq!(stored, (0..total).collect::<Vec<_>>(), "seed {seed}");
    }
}

#[test]
fn a_quiet_connected_node_sends_a_status_report_every_keepalive() {
    let mut n = node(1);
    let mut out = Vec::new();
    n.handle(0, Input::Connected, &mut out);
    n.handle(59_000, Input::Tick, &mut out);
    assert!(out.is_empty());
    n.handle(60_000, Input::Tick, &mut out);
    let frames = published(&out);
    assert!(matches!(frames[..], [UplinkFrame { msg: Uplink::Event(NodeEvent::Status { uptime_s: 60, .. }), .. }]));
    // Not again while that one waits for its acknowledgement, nor right after it.
    out.clear();
    n.handle(61_000, Input::Tick, &mut out);
    assert!(out.is_empty());
    let seq = frames[0].seq;
    n.handle(61_500, Input::Downlink(&down(seq, Downlink::Committed)), &mut out);
    n.handle(100_000, Input::Tick, &mut out);
    assert!(out.is_empty());
    n.handle(120_000, Input::Tick, &mut out);
    assert_eq!(published(&out).len(), 1);
}

#[test]
fn a_node_whose_counter_was_lost_renumbers_above_the_server_and_nothing_is_taken_for_a_repeat() {
    // The server has committed up to 5000; the node's flash was erased, so it starts at 1.
    let mut server = ReplayWindow { upto: 5000, above: 0 };
    let config = NodeConfig { batch_size: 2, ..NodeConfig::default() };
    let mut n = Node::new(ID, secret(), 1, 0, 0, config, 0);
    let mut out = Vec::new();
    for i in 0..6 {
        n.handle(i, Input::Reading(reading(i)), &mut out);
    }
    n.handle(10, Input::Connected, &mut out);
    let first = published(&std::mem::take(&mut out));
    assert_eq!(first.iter().map(|f| f.seq).collect::<Vec<_>>(), [1, 2, 3]);
    // The server takes them for repeats and acknowledges its own mark.
    assert!(first.iter().all(|f| server.check(f.seq) == Verdict::Duplicate));
    n.handle(11, Input::Downlink(&down(server.upto, Downlink::Committed)), &mut out);
    assert_eq!(n.stats().renumbered, 1);
    n.handle(12, Input::Tick, &mut out);
    let again = published(&std::mem::take(&mut out));
    assert_eq!(again.iter().map(|f| f.seq).collect::<Vec<_>>(), [5001, 5002, 5003]);
    let mut stored = Vec::new();
    for f in &again {
        assert_eq!(server.commit(f.seq), Verdict::Fresh);
        if let Uplink::Telemetry { readings } = &f.msg {
            stored.extend(readings.iter().map(|r| r.v));
        }
    }
    assert_eq!(stored, [0, 1, 2, 3, 4, 5], "every reading, once, in order");
    n.handle(13, Input::Downlink(&down(server.upto, Downlink::Committed)), &mut out);
    assert_eq!((n.queued(), n.next_seq()), (0, 5004));
}
