//! The broker as an attacker meets it, through a real MQTT client library (rumqttc, and raw TCP
//! for the connection flood): strangers and wrong passwords are refused; a device reaches only
//! its own two topics (no `#`, no other device's topics, no ingest share group); nobody takes a
//! device's or the server's client id; an oversize publish drops its sender only; a revoked
//! device is disconnected at once; a flood of silent connections is closed and leaves the server
//! serving.

use std::time::Duration;

use rumqttc::{AsyncClient, Event, MqttOptions, Packet, QoS, SubscribeReasonCode};
use shared::iot::dto::DeviceCredentials;
use shared::iot::frame::{self, Secret};
use shared::iot::wire::{Direction, Uplink, UplinkFrame, topic};
use tokio::sync::mpsc;

use crate::fixtures::business_with_session;
use crate::helpers::{TEST_MQTT_PASSWORD, TEST_MQTT_USER, TestApp, publish_v4_with};
use crate::nodes::{TestNode, add_device, count, device_counter, eventually, temp};

/// A connected client whose event loop runs in its own task; events arrive on `events`.
struct Client {
    client: AsyncClient,
    events: mpsc::Receiver<Result<Packet, String>>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Client {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Client {
    /// Connects as `client_id` with `credentials`; `Err` with the reason when refused.
    async fn connect(port: u16, client_id: &str, credentials: Option<(&str, &str)>) -> Result<Self, String> {
        let mut opts = MqttOptions::new(client_id, "127.0.0.1", port);
        opts.set_keep_alive(Duration::from_secs(5)).set_max_packet_size(256 * 1024, 256 * 1024);
        if let Some((user, pass)) = credentials {
            opts.set_credentials(user, pass);
        }
        let (client, mut eventloop) = AsyncClient::new(opts, 100);
        let (tx, mut events) = mpsc::channel(1000);
        let task = tokio::spawn(async move {
            loop {
                let event = match eventloop.poll().await {
                    Ok(Event::Incoming(p)) => Ok(p),
                    Ok(_) => continue,
                    Err(e) => Err(e.to_string()),
                };
                let stop = event.is_err();
                if tx.send(event).await.is_err() || stop {
                    return;
                }
            }
        });
        match tokio::time::timeout(Duration::from_secs(5), events.recv()).await {
            Ok(Some(Ok(Packet::ConnAck(_)))) => Ok(Self { client, events, task }),
            Ok(Some(Ok(other))) => Err(format!("unexpected {other:?}")),
            Ok(Some(Err(e))) => Err(e),
            Ok(None) => Err("closed".into()),
            Err(_) => Err("timed out".into()),
        }
    }

    async fn as_device(port: u16, d: &DeviceCredentials) -> Self {
        Self::connect(port, &d.uid, Some((&d.uid, &d.broker_password))).await.unwrap()
    }

    /// Subscribes to `filter` and returns whether the broker granted it.
    async fn subscribe(&mut self, filter: &str) -> bool {
        self.client.subscribe(filter, QoS::AtLeastOnce).await.unwrap();
        loop {
            match tokio::time::timeout(Duration::from_secs(5), self.events.recv()).await {
                Ok(Some(Ok(Packet::SubAck(ack)))) => {
                    return ack.return_codes.iter().all(|c| matches!(c, SubscribeReasonCode::Success(_)));
                }
                Ok(Some(Ok(_))) => {}
                other => panic!("no SUBACK: {other:?}"),
            }
        }
    }

    /// Publishes arriving within `within`.
    async fn received(&mut self, within: Duration) -> Vec<String> {
        let mut topics = Vec::new();
        let deadline = tokio::time::Instant::now() + within;
        while let Ok(Some(event)) = tokio::time::timeout_at(deadline, self.events.recv()).await {
            if let Ok(Packet::Publish(p)) = event {
                topics.push(p.topic);
            }
        }
        topics
    }

    /// Whether the connection ends (an error from the event loop) within `within`.
    async fn dropped_within(&mut self, within: Duration) -> bool {
        let deadline = tokio::time::Instant::now() + within;
        loop {
            match tokio::time::timeout_at(deadline, self.events.recv()).await {
                Ok(Some(Err(_)) | None) => return true,
                Ok(Some(Ok(_))) => {}
                Err(_) => return false,
            }
        }
    }
}

fn frame_for(d: &DeviceCredentials, seq: u64) -> Vec<u8> {
    let secret = Secret::from_hex(&d.secret).unwrap();
    let msg = Uplink::Telemetry { readings: heapless::Vec::from_slice(&[temp(seq)]).unwrap() };
    frame::encode(&UplinkFrame { v: 1, seq, floor: 0, msg }, &secret, Direction::Up, &d.uid).unwrap()
}

async fn two_businesses(app: &TestApp) -> (DeviceCredentials, DeviceCredentials) {
    let (_, owner_a) = business_with_session(app, "Carnicería Alfa", "alfa@carne.com.ar").await;
    let (_, owner_b) = business_with_session(app, "Bar Beta", "beta@bar.com.ar").await;
    (add_device(app, &owner_a, "Cámara A").await, add_device(app, &owner_b, "Lector B").await)
}

#[tokio::test]
async fn strangers_and_wrong_passwords_are_refused() {
    let app = TestApp::spawn().await;
    app.wait_healthy().await;
    let (a, _) = two_businesses(&app).await;
    let port = app.broker.v4.port();
    assert!(Client::connect(port, "anonimo", None).await.is_err(), "anonymous");
    assert!(Client::connect(port, &a.uid, Some((&a.uid, "otra-clave"))).await.is_err(), "wrong password");
    assert!(Client::connect(port, "x", Some((TEST_MQTT_USER, "otra"))).await.is_err(), "service user, wrong password");
    assert!(Client::connect(app.broker.v5.port(), "anonimo5", None).await.is_err(), "anonymous on the second port");
}

#[tokio::test]
async fn a_device_of_business_b_reads_nothing_of_business_a() {
    let app = TestApp::spawn().await;
    app.wait_healthy().await;
    let (a, b) = two_businesses(&app).await;
    let port = app.broker.v4.port();
    let mut spy = Client::as_device(port, &b).await;
    for filter in [
        "#".to_owned(),
        "mostrador/#".to_owned(),
        "mostrador/n/+/up".to_owned(),
        format!("mostrador/n/{}/up", a.uid),
        format!("mostrador/n/{}/down", a.uid),
        "$share/mostrador-ingest/mostrador/n/+/up".to_owned(),
        "$SYS/#".to_owned(),
    ] {
        assert!(!spy.subscribe(&filter).await, "{filter} granted to another business' device");
    }
    assert!(spy.subscribe(&format!("mostrador/n/{}/down", b.uid)).await, "its own downlink");
    // A's node publishes; the spy receives nothing of it, and A's frames are all stored (none
    // was diverted to a shared group the spy could have joined).
    let node = TestNode::start(port, &a);
    node.wait("connected", |v| v.connected).await;
    for i in 0..8 {
        node.readings.send(temp(i)).await.unwrap();
    }
    node.wait("acknowledged", |v| v.pending == 0 && v.acked_upto > node.first_seq).await;
    let seen = spy.received(Duration::from_millis(500)).await;
    assert!(seen.iter().all(|t| *t == topic(&b.uid, Direction::Down)), "the spy saw {seen:?}");
    let stored =
        format!("SELECT count(*) AS n FROM readings r JOIN devices d ON d.id = r.device_id WHERE d.uid = '{}'", a.uid);
    eventually("A's eight readings stored", async || count(&app, &stored).await == 8).await;
}

#[tokio::test]
async fn a_device_cannot_publish_as_another_nor_take_its_client_id() {
    let app = TestApp::spawn().await;
    app.wait_healthy().await;
    let (a, b) = two_businesses(&app).await;
    let port = app.broker.v4.port();
    // B publishes a frame (even one signed with A's key, as if stolen) on A's topic: the broker
    // drops it before the ingest sees it.
    let creds_b = (b.uid.as_str(), b.broker_password.as_str());
    publish_v4_with(port, &b.uid, Some(creds_b), &topic(&a.uid, Direction::Up), &frame_for(&a, 7)).await;
    publish_v4_with(port, &b.uid, Some(creds_b), &topic(&a.uid, Direction::Down), b"{}").await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(device_counter(&app, &a.uid, "frames_ok").await, 0);
    assert_eq!(device_counter(&app, &a.uid, "rejected_mac").await, 0, "never reached the ingest");
    // Taking over A's client id: with B's credentials, or as a service user; nor the server's.
    let mut a_conn = Client::as_device(port, &a).await;
    assert!(Client::connect(port, &a.uid, Some(creds_b)).await.is_err());
    assert!(Client::connect(port, &a.uid, Some((TEST_MQTT_USER, TEST_MQTT_PASSWORD))).await.is_err());
    assert!(
        Client::connect(port, "mostrador-server-ingest-0000", Some((TEST_MQTT_USER, TEST_MQTT_PASSWORD)))
            .await
            .is_err()
    );
    assert!(!a_conn.dropped_within(Duration::from_millis(500)).await, "A stays connected");
    // A service user cannot reach device topics either.
    let mut tool = Client::connect(port, "herramienta-1", Some((TEST_MQTT_USER, TEST_MQTT_PASSWORD))).await.unwrap();
    assert!(!tool.subscribe("mostrador/n/+/up").await);
    assert!(!tool.subscribe("#").await);
    assert!(tool.subscribe("prueba/#").await);
}

#[tokio::test]
async fn an_oversize_publish_drops_its_sender_only() {
    let app = TestApp::spawn().await;
    app.wait_healthy().await;
    let (a, b) = two_businesses(&app).await;
    let port = app.broker.v4.port();
    let node = TestNode::start(port, &a);
    node.wait("connected", |v| v.connected).await;
    let mut big = Client::as_device(port, &b).await;
    big.client.publish(topic(&b.uid, Direction::Up), QoS::AtLeastOnce, false, vec![b'x'; 70 * 1024]).await.unwrap();
    assert!(big.dropped_within(Duration::from_secs(5)).await, "the sender is disconnected");
    // The ingest kept its connection: A's frames keep being stored.
    for i in 0..8 {
        node.readings.send(temp(i)).await.unwrap();
    }
    node.wait("acknowledged", |v| v.pending == 0 && v.acked_upto > node.first_seq).await;
    assert_eq!(device_counter(&app, &a.uid, "frames_ok").await, 2);
}

#[tokio::test]
async fn revoking_or_rotating_a_connected_device_disconnects_it_at_once() {
    let app = TestApp::spawn().await;
    app.wait_healthy().await;
    let (_, owner) = business_with_session(&app, "Vivero Gama", "gama@vivero.com.ar").await;
    let a = add_device(&app, &owner, "Riego").await;
    let b = add_device(&app, &owner, "Bomba").await;
    let port = app.broker.v4.port();
    let mut conn_a = Client::as_device(port, &a).await;
    let mut conn_b = Client::as_device(port, &b).await;
    assert_eq!(app.call("/api/iot/revoke_device", &[("uid", &a.uid)], Some(&owner)).await.status(), 200);
    assert!(conn_a.dropped_within(Duration::from_secs(5)).await, "revoked: disconnected");
    assert!(Client::connect(port, &a.uid, Some((&a.uid, &a.broker_password))).await.is_err());
    assert_eq!(app.call("/api/iot/rotate_device_secret", &[("uid", &b.uid)], Some(&owner)).await.status(), 200);
    assert!(conn_b.dropped_within(Duration::from_secs(5)).await, "rotated: disconnected");
}

#[tokio::test]
async fn a_flood_of_silent_connections_is_closed_and_leaves_the_server_serving() {
    use server::mqtt::front::{PENDING_PER_IP, PRE_CONNECT_DEADLINE};
    use tokio::io::AsyncReadExt;
    let app = TestApp::spawn().await;
    app.wait_healthy().await;
    let (a, _) = two_businesses(&app).await;
    let port = app.broker.v4.port();
    // Another host on loopback (127.0.0.2) opens 1 000 connections and never sends a byte.
    let mut idle = Vec::new();
    for _ in 0..1_000 {
        let socket = tokio::net::TcpSocket::new_v4().unwrap();
        socket.bind("127.0.0.2:0".parse().unwrap()).unwrap();
        if let Ok(s) = socket.connect(([127, 0, 0, 1], port).into()).await {
            idle.push(s);
        }
    }
    assert!(idle.len() >= 900, "{} connections opened", idle.len());
    // Devices and the web keep working meanwhile.
    let node = TestNode::start(port, &a);
    node.wait("connected", |v| v.connected).await;
    node.readings.send(temp(1)).await.unwrap();
    node.wait("acknowledged", |v| v.pending == 0 && v.acked_upto >= node.first_seq).await;
    assert_eq!(app.http.get(app.url("/health")).send().await.unwrap().status(), 200);
    // Closed: at once past the address' places for connections without a CONNECT, and the rest
    // when their time to send one is up.
    async fn closed_within(s: &mut tokio::net::TcpStream, within: Duration) -> bool {
        let mut byte = [0u8; 1];
        matches!(tokio::time::timeout(within, s.read(&mut byte)).await, Ok(Ok(0) | Err(_)))
    }
    let mut open_too_long = 0;
    for s in &mut idle[PENDING_PER_IP..] {
        open_too_long += usize::from(!closed_within(s, Duration::from_secs(2)).await);
    }
    assert_eq!(open_too_long, 0, "connections past {PENDING_PER_IP} waiting from one address are closed at once");
    let deadline = tokio::time::Instant::now() + PRE_CONNECT_DEADLINE + Duration::from_secs(5);
    for s in &mut idle[..PENDING_PER_IP] {
        let left = deadline.saturating_duration_since(tokio::time::Instant::now());
        assert!(
            closed_within(s, left).await,
            "a connection that sends nothing is closed after {PRE_CONNECT_DEADLINE:?}"
        );
    }
    drop(idle);
}
