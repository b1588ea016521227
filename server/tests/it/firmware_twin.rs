//! The firmware's own session code (`mostrador-node`, the host twin) against this server and
//! its embedded broker's MQTT 5 listener: boot report, readings stored once, the connection
//! cut (readings buffered on the node), reconnection with back-off, the buffer flushed in
//! order, a relay command applied and acknowledged. What a board would do, without the board.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use mostrador_node::provision::Provisioning;
use mostrador_node::session::SensorInput;
use mostrador_node::twin::{BoardState, FIRMWARE, Twin};
use rumqttc::{AsyncClient, Event, MqttOptions, Packet, QoS};
use shared::iot::frame::{self, Secret};
use shared::iot::sensor::SensorKind;
use shared::iot::wire::{Direction, Reading, UplinkFrame, topic};
use tokio::io::AsyncWriteExt;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{mpsc, watch};

use crate::fixtures::business_with_session;
use crate::helpers::{OBSERVER_PASSWORD, OBSERVER_USER, TestApp};
use crate::nodes::{add_device, count, eventually};

/// A TCP relay between the twin and the broker that can drop every connection and refuse new
/// ones, like a Wi-Fi access point going away.
struct Cable {
    port: u16,
    up: watch::Sender<bool>,
}

impl Cable {
    async fn to(target: u16) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let (up, _) = watch::channel(true);
        let watch = up.clone();
        tokio::spawn(async move {
            loop {
                let Ok((mut inbound, _)) = listener.accept().await else { return };
                let mut state = watch.subscribe();
                if !*state.borrow() {
                    let _ = inbound.shutdown().await;
                    continue;
                }
                tokio::spawn(async move {
                    let Ok(mut outbound) = TcpStream::connect(("127.0.0.1", target)).await else { return };
                    tokio::select! {
                        _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound) => {}
                        _ = state.wait_for(|up| !*up) => {}
                    }
                });
            }
        });
        Self { port, up }
    }

    fn set(&self, up: bool) {
        self.up.send_replace(up);
    }
}

/// Every uplink frame's sequence number, in the order the broker delivered them.
async fn watch_uplink(port: u16, uid: &str, secret: Secret) -> (mpsc::UnboundedReceiver<u64>, Arc<AtomicBool>) {
    let mut opts = MqttOptions::new(format!("observer-{uid}"), "127.0.0.1", port);
    opts.set_keep_alive(Duration::from_secs(5)).set_credentials(OBSERVER_USER, OBSERVER_PASSWORD);
    let (client, mut eventloop) = AsyncClient::new(opts, 100);
    let (tx, rx) = mpsc::unbounded_channel();
    let ready = Arc::new(AtomicBool::new(false));
    let (up, uid, flag) = (topic(uid, Direction::Up), uid.to_string(), ready.clone());
    tokio::spawn(async move {
        let _client = client.clone();
        loop {
            match eventloop.poll().await {
                Ok(Event::Incoming(Packet::ConnAck(_))) => client.subscribe(&up, QoS::AtLeastOnce).await.unwrap(),
                Ok(Event::Incoming(Packet::SubAck(_))) => flag.store(true, Ordering::SeqCst),
                Ok(Event::Incoming(Packet::Publish(p))) => {
                    let f: UplinkFrame = frame::decode(&p.payload, &secret, Direction::Up, &uid).unwrap();
                    let _ = tx.send(f.seq);
                }
                Ok(_) => {}
                Err(_) => tokio::time::sleep(Duration::from_millis(100)).await,
            }
        }
    });
    (rx, ready)
}

async fn board_reaches(twin: &Twin, what: &str, ok: impl Fn(&BoardState) -> bool) -> BoardState {
    for _ in 0..300 {
        let board = twin.board();
        if ok(&board) {
            return board;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the twin never got to: {what} ({:?})", twin.board());
}

fn reading(i: i32) -> SensorInput {
    let now = chrono::Utc::now().timestamp_millis() as u64;
    SensorInput::Reading(Reading { k: SensorKind::Temperature, c: 0, t: now, v: 300 + i })
}

#[tokio::test]
async fn the_firmware_session_buffers_through_a_lost_connection_and_flushes_in_order() {
    let app = TestApp::spawn().await;
    app.wait_healthy().await;
    let (_, owner) = business_with_session(&app, "Carnicería Gemelo", "dueno@gemelo.com.ar").await;
    let creds = add_device(&app, &owner, "Cámara de frío").await;
    // The devices page's provisioning JSON, read by the firmware's own parser, points the node
    // at this server's MQTT 5 port.
    let provisioning = Provisioning::from_json(&creds.provisioning).unwrap();
    let identity = provisioning.identity.unwrap();
    assert_eq!(identity.device_id(), creds.uid);
    assert_eq!(provisioning.broker.unwrap().port(), app.broker.v5.port());
    let secret = identity.secret().clone();
    let (mut seqs, observing) = watch_uplink(app.broker.v4.port(), &creds.uid, secret.clone()).await;
    eventually("the observer subscribed", async || observing.load(Ordering::SeqCst)).await;
    let cable = Cable::to(app.broker.v5.port()).await;
    let stored = format!(
        "SELECT count(DISTINCT r.value) AS n FROM readings r JOIN devices d ON d.id = r.device_id WHERE d.uid = '{}' AND r.kind = {}",
        creds.uid,
        SensorKind::Temperature.id()
    );
    let rows = stored.replace("count(DISTINCT r.value)", "count(*)");

    // Boot: the broker accepts the node's MQTT 5 session and the server records its boot report.
    let twin = Twin::start(&creds.uid, secret, "127.0.0.1", cable.port, 2, 1);
    board_reaches(&twin, "online", |b| b.online && b.sessions == 1).await;
    let device = format!(
        "SELECT count(*) AS n FROM devices WHERE uid = '{}' AND firmware = '{FIRMWARE}' AND relay_count = 2 AND rssi = -55",
        creds.uid
    );
    eventually("the boot report stored", async || count(&app, &device).await == 1).await;
    // Both relays reported off at boot: the board drives them off whatever was shown before.
    let relays_off = format!(
        "SELECT count(*) AS n FROM device_latest l JOIN devices d ON d.id = l.device_id WHERE d.uid = '{}' AND l.kind = {} AND l.value = 0",
        creds.uid,
        SensorKind::Relay.id()
    );
    eventually("both relays reported off", async || count(&app, &relays_off).await == 2).await;

    // Readings are stored once and acknowledged.
    for i in 0..10 {
        twin.sensors.send(reading(i)).unwrap();
    }
    eventually("10 readings stored", async || count(&app, &rows).await == 10).await;
    board_reaches(&twin, "everything acknowledged", |b| b.pending == 0 && b.acked_upto + 1 == b.next_seq).await;

    // The connection is lost: the node notices, keeps its readings, the server gets nothing.
    cable.set(false);
    board_reaches(&twin, "offline", |b| !b.online).await;
    for i in 10..30 {
        twin.sensors.send(reading(i)).unwrap();
    }
    board_reaches(&twin, "readings buffered in frames", |b| b.queued >= 2).await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(count(&app, &rows).await, 10, "nothing arrives while the cable is out");
    assert!(!twin.board().online, "no session through a cut cable");

    // Back: the node reconnects by itself and flushes its buffer, every reading once.
    cable.set(true);
    board_reaches(&twin, "reconnected", |b| b.online && b.sessions >= 2).await;
    board_reaches(&twin, "buffer flushed", |b| b.pending == 0 && b.acked_upto + 1 == b.next_seq).await;
    assert_eq!(count(&app, &rows).await, 30);
    assert_eq!(count(&app, &stored).await, 30, "each of the 30 values once");

    // In order: each new frame number the broker delivered was the next one.
    let mut seen = Vec::new();
    while let Ok(seq) = seqs.try_recv() {
        seen.push(seq);
    }
    let mut highest = 0;
    for &seq in &seen {
        assert!(seq <= highest + 1, "frame {seq} before {} in {seen:?}", highest + 1);
        highest = highest.max(seq);
    }
    assert_eq!(highest + 1, twin.board().next_seq, "every frame seen: {seen:?}");

    // A relay command reaches the node, is applied once and acknowledged.
    let res =
        app.call("/api/iot/switch_relay", &[("uid", &creds.uid), ("relay", "1"), ("on", "true")], Some(&owner)).await;
    assert_eq!(res.status(), 200, "{}", res.text().await.unwrap_or_default());
    let board = board_reaches(&twin, "relay 1 on", |b| b.relays == [false, true]).await;
    assert_eq!(board.switches, [(1, true)]);
    let applied = format!(
        "SELECT count(*) AS n FROM device_commands c JOIN devices d ON d.id = c.device_id WHERE d.uid = '{}' AND c.status = 'applied' AND c.relay_on",
        creds.uid
    );
    eventually("the command marked applied", async || count(&app, &applied).await == 1).await;
    assert_eq!(twin.board().switches, [(1, true)], "applied once");
}

#[tokio::test]
async fn a_node_that_lost_its_frame_counter_renumbers_above_the_server_and_loses_nothing() {
    let app = TestApp::spawn().await;
    app.wait_healthy().await;
    let (_, owner) = business_with_session(&app, "Panadería Gemela", "duena@gemela.com.ar").await;
    let creds = add_device(&app, &owner, "Horno").await;
    let secret = Secret::from_hex(&creds.secret).unwrap();
    let stored = format!(
        "SELECT count(DISTINCT r.value) AS n FROM readings r JOIN devices d ON d.id = r.device_id WHERE d.uid = '{}' AND r.kind = {}",
        creds.uid,
        SensorKind::Temperature.id()
    );
    let port = app.broker.v5.port();

    let twin = Twin::start(&creds.uid, secret.clone(), "127.0.0.1", port, 0, 1);
    for i in 0..10 {
        twin.sensors.send(reading(i)).unwrap();
    }
    let before = board_reaches(&twin, "first life acknowledged", |b| b.online && b.pending == 0).await;
    assert_eq!(count(&app, &stored).await, 10);
    drop(twin);

    // Its flash was erased: the same device numbers from 1 again, numbers the server committed.
    let twin = Twin::start(&creds.uid, secret, "127.0.0.1", port, 0, 1);
    for i in 100..110 {
        twin.sensors.send(reading(i)).unwrap();
    }
    let after =
        board_reaches(&twin, "second life acknowledged", |b| b.online && b.pending == 0 && b.next_seq > 1).await;
    eventually("all 20 values stored", async || count(&app, &stored).await == 20).await;
    assert!(after.next_seq > before.next_seq, "renumbered above the first life: {before:?} -> {after:?}");
}
