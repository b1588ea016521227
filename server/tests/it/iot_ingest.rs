//! The IoT data path end to end: devices added through the API, nodes running the shared state
//! machine over the embedded broker, frames committed once and acknowledged, bad frames
//! refused and counted, relay commands applied and acknowledged.

use std::time::Duration;

use rumqttc::{AsyncClient, Event, MqttOptions, Packet};
use shared::iot::frame::{self, Secret};
use shared::iot::wire::{Direction, Reading, Uplink, UplinkFrame, topic};

use crate::fixtures::business_with_session;
use crate::helpers::{TestApp, publish_v4_with};
use crate::nodes::{TestNode, add_device, count, device_counter, eventually, temp};

#[tokio::test]
async fn a_node_s_readings_are_stored_once_and_acknowledged() {
    let app = TestApp::spawn().await;
    app.wait_healthy().await;
    let (_, owner) = business_with_session(&app, "Frigorífico Sur", "dueno@frigosur.com.ar").await;
    let creds = add_device(&app, &owner, "Cámara 1").await;
    assert_eq!(creds.secret.len(), 64);
    assert!(creds.qr_svg.contains("<svg"), "a QR code comes with the secret");
    assert!(creds.provisioning.contains(&creds.uid) && creds.provisioning.contains(&creds.secret));

    let node = TestNode::start(app.broker.v4.port(), &creds);
    node.wait("connected", |v| v.connected).await;
    for i in 0..10 {
        node.readings.send(temp(i)).await.unwrap();
    }
    node.wait("every reading acknowledged", |v| v.pending == 0 && v.acked_upto >= node.first_seq + 2).await;
    let stored = count(
        &app,
        &format!(
            "SELECT count(*) AS n FROM readings r JOIN devices d ON d.id = r.device_id WHERE d.uid = '{}'",
            creds.uid
        ),
    )
    .await;
    assert_eq!(stored, 10);
    let latest = count(
        &app,
        &format!(
            "SELECT l.value::int8 AS n FROM device_latest l JOIN devices d ON d.id = l.device_id WHERE d.uid = '{}'",
            creds.uid
        ),
    )
    .await;
    assert_eq!(latest, 409);
    assert_eq!(device_counter(&app, &creds.uid, "frames_ok").await, 3);

    // Exported as CSV and as JSON, every reading once, in time order.
    let csv = app.get_as(&format!("/api/iot/export?device={}&range=24h&format=csv", creds.uid), Some(&owner)).await;
    assert_eq!(csv.status(), 200);
    assert!(csv.headers()["content-disposition"].to_str().unwrap().contains(".csv"));
    let csv = csv.text().await.unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines[0], "fecha_hora,sensor,canal,valor,unidad");
    assert_eq!(lines.len(), 11, "{csv}");
    assert!(lines[1].ends_with(",temperature,0,4.00,°C"), "{}", lines[1]);
    assert!(lines[10].ends_with(",temperature,0,4.09,°C"), "{}", lines[10]);
    let json: serde_json::Value = app
        .get_as(&format!("/api/iot/export?device={}&range=24h&format=json", creds.uid), Some(&owner))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(json.as_array().unwrap().len(), 10);
    assert_eq!(json[9]["value"], 4.09);
    // Without a session, or for an unknown device: refused.
    let anonymous = app.get_as(&format!("/api/iot/export?device={}", creds.uid), None).await;
    assert_eq!(anonymous.status(), 401);
    let unknown = app.get_as("/api/iot/export?device=zzzzzzzzzzzz", Some(&owner)).await;
    assert_eq!(unknown.status(), 404);

    // The device list shows it online with its value.
    let res = app.call("/api/iot/list_devices", &[], Some(&owner)).await;
    let list: Vec<shared::iot::dto::DeviceSummary> = res.json().await.unwrap();
    assert_eq!(list.len(), 1);
    assert!(list[0].online);
    assert_eq!(list[0].values[0].text, "4,09 °C");
}

#[tokio::test]
async fn wrong_mac_replayed_sequence_another_device_s_topic_and_malformed_payload_are_refused_and_counted() {
    let app = TestApp::spawn().await;
    app.wait_healthy().await;
    let (_, owner) = business_with_session(&app, "Panadería Norte", "duena@norte.com.ar").await;
    let a = add_device(&app, &owner, "Horno").await;
    let b = add_device(&app, &owner, "Cámara").await;
    let (sa, sb) = (Secret::from_hex(&a.secret).unwrap(), Secret::from_hex(&b.secret).unwrap());
    let port = app.broker.v4.port();

    let mut readings = heapless::Vec::new();
    readings.push(temp(1)).unwrap();
    let frame = UplinkFrame { v: 1, seq: 50, floor: 0, msg: Uplink::Telemetry { readings } };
    let good = frame::encode(&frame, &sa, Direction::Up, &a.uid).unwrap();
    let a_creds = (a.uid.as_str(), a.broker_password.as_str());

    // 1. A good frame, then the same frame again (a replay): stored once.
    publish_v4_with(port, &a.uid, Some(a_creds), &topic(&a.uid, Direction::Up), &good).await;
    publish_v4_with(port, &a.uid, Some(a_creds), &topic(&a.uid, Direction::Up), &good).await;
    eventually("the replay counted", async || device_counter(&app, &a.uid, "frames_duplicate").await == 1).await;
    assert_eq!(device_counter(&app, &a.uid, "frames_ok").await, 1);
    // 2. Signed with another key.
    let forged = frame::encode(&UplinkFrame { seq: 51, ..frame.clone() }, &sb, Direction::Up, &a.uid).unwrap();
    publish_v4_with(port, &a.uid, Some(a_creds), &topic(&a.uid, Direction::Up), &forged).await;
    eventually("the bad MAC counted", async || device_counter(&app, &a.uid, "rejected_mac").await == 1).await;
    // 3. Device A publishing its own (valid for A) frame on B's topic: the broker drops it (its
    // ACL), so the ingest never sees it.
    let a_as_b = frame::encode(&UplinkFrame { seq: 52, ..frame.clone() }, &sa, Direction::Up, &a.uid).unwrap();
    publish_v4_with(port, &a.uid, Some(a_creds), &topic(&b.uid, Direction::Up), &a_as_b).await;
    // 4. Not a frame at all.
    publish_v4_with(port, &a.uid, Some(a_creds), &topic(&a.uid, Direction::Up), b"{\"temp\": 4.2}").await;
    eventually("the malformed payload counted", async || device_counter(&app, &a.uid, "rejected_malformed").await == 1)
        .await;
    // 5. A value no sensor can give: the frame is kept, the reading refused.
    let mut hot = heapless::Vec::new();
    hot.push(Reading { v: 99_999, ..temp(2) }).unwrap();
    let hot = frame::encode(
        &UplinkFrame { v: 1, seq: 53, floor: 0, msg: Uplink::Telemetry { readings: hot } },
        &sa,
        Direction::Up,
        &a.uid,
    )
    .unwrap();
    publish_v4_with(port, &a.uid, Some(a_creds), &topic(&a.uid, Direction::Up), &hot).await;
    eventually("the value refused", async || device_counter(&app, &a.uid, "rejected_values").await == 1).await;
    // 6. A topic of no device, from a service user: the broker drops it too.
    crate::helpers::publish_v4(port, "mostrador/n/zzzzzzzzzzzz/up", &good).await;

    let stored = count(&app, "SELECT count(*) AS n FROM readings").await;
    assert_eq!(stored, 1, "only the one good reading is stored");
    // The operator's status page shows the same refusals.
    eventually("the status page's ingest figures", async || {
        let i = app.state.monitor.snapshot(false).ingest;
        (i.readings, i.duplicates, i.bad_mac, i.malformed, i.rejected_values) == (1, 1, 1, 1, 1)
    })
    .await;
    let problem = count(
        &app,
        &format!("SELECT count(*) AS n FROM devices WHERE uid = '{}' AND last_problem LIKE '%fuera de rango%'", a.uid),
    )
    .await;
    assert_eq!(problem, 1);
    // Other devices keep working meanwhile.
    let node = TestNode::start(port, &b);
    node.wait("connected", |v| v.connected).await;
    node.readings.send(temp(3)).await.unwrap();
    node.wait("acknowledged", |v| v.pending == 0 && v.acked_upto >= node.first_seq).await;
}

#[tokio::test]
async fn the_broker_refuses_wrong_passwords_and_borrowed_client_ids() {
    let app = TestApp::spawn().await;
    app.wait_healthy().await;
    let (_, owner) = business_with_session(&app, "Bar Centro", "dueno@barcentro.com.ar").await;
    let a = add_device(&app, &owner, "Lector").await;
    let port = app.broker.v4.port();
    assert!(connects(port, &a.uid, &a.uid, &a.broker_password).await);
    assert!(!connects(port, &a.uid, &a.uid, "otra-clave").await);
    // The secret itself is not the broker password.
    assert!(!connects(port, &a.uid, &a.uid, &a.secret).await);
    // Another client id with A's credentials (it would kick A's session off).
    assert!(!connects(port, "otroequipo01", &a.uid, &a.broker_password).await);
    // Revoked: refused (the cache refreshes within two seconds).
    let res = app.call("/api/iot/revoke_device", &[("uid", &a.uid)], Some(&owner)).await;
    assert_eq!(res.status(), 200);
    tokio::time::sleep(Duration::from_millis(2_500)).await;
    assert!(!connects(port, &a.uid, &a.uid, &a.broker_password).await);
}

#[tokio::test]
async fn a_relay_command_is_applied_once_and_acknowledged() {
    let app = TestApp::spawn().await;
    app.wait_healthy().await;
    let (_, owner) = business_with_session(&app, "Riego Valle", "dueno@riegovalle.com.ar").await;
    let creds = add_device(&app, &owner, "Bomba").await;
    let node = TestNode::start(app.broker.v4.port(), &creds);
    node.wait("connected", |v| v.connected).await;
    let res =
        app.call("/api/iot/switch_relay", &[("uid", &creds.uid), ("relay", "1"), ("on", "true")], Some(&owner)).await;
    assert_eq!(res.status(), 200, "{}", res.text().await.unwrap_or_default());
    node.wait("relay 1 on", |v| v.relays == [false, true]).await;
    eventually("the command marked applied", async || {
        count(&app, &format!("SELECT count(*) AS n FROM device_commands c JOIN devices d ON d.id = c.device_id WHERE d.uid = '{}' AND c.status = 'applied' AND c.relay_on", creds.uid)).await == 1
    })
    .await;
    let res = app.call("/api/iot/get_device_live", &[("uid", &creds.uid)], Some(&owner)).await;
    let live: shared::iot::dto::DeviceLive = res.json().await.unwrap();
    assert_eq!(live.relays[1].on, Some(true));
    assert_eq!(live.relays[1].pending, None);
}

async fn connects(port: u16, client_id: &str, user: &str, pass: &str) -> bool {
    let mut opts = MqttOptions::new(client_id, "127.0.0.1", port);
    opts.set_keep_alive(Duration::from_secs(5)).set_credentials(user, pass);
    let (_client, mut eventloop) = AsyncClient::new(opts, 10);
    let attempt = async {
        loop {
            match eventloop.poll().await {
                Ok(Event::Incoming(Packet::ConnAck(_))) => return true,
                Ok(_) => {}
                Err(_) => return false,
            }
        }
    };
    tokio::time::timeout(Duration::from_secs(5), attempt).await.unwrap_or(false)
}

#[tokio::test]
async fn a_frame_s_floor_lets_the_acknowledgement_pass_frames_the_node_dropped() {
    let app = TestApp::spawn().await;
    app.wait_healthy().await;
    let (_, owner) = business_with_session(&app, "Vacunatorio Oeste", "direccion@vacunas.com.ar").await;
    let d = add_device(&app, &owner, "Heladera").await;
    let secret = Secret::from_hex(&d.secret).unwrap();
    let creds = (d.uid.as_str(), d.broker_password.as_str());
    let up = topic(&d.uid, Direction::Up);
    let send = async |seq: u64, floor: u64| {
        let mut readings = heapless::Vec::new();
        readings.push(temp(seq)).unwrap();
        let frame = UplinkFrame { v: 1, seq, floor, msg: Uplink::Telemetry { readings } };
        let bytes = frame::encode(&frame, &secret, Direction::Up, &d.uid).unwrap();
        publish_v4_with(app.broker.v4.port(), &d.uid, Some(creds), &up, &bytes).await;
    };
    let upto = format!("SELECT seq_upto AS n FROM devices WHERE uid = '{}'", d.uid);
    send(1, 0).await;
    eventually("frame 1 committed", async || count(&app, &upto).await == 1).await;
    // Frames 2..=4 were dropped from the node's full queue while it was offline: frame 5 says so.
    send(5, 4).await;
    eventually("the mark passes the dropped frames", async || count(&app, &upto).await == 5).await;
    // A floor can never give up the frame carrying it or later ones.
    send(7, 99).await;
    eventually("frame 7 committed above the mark", async || device_counter(&app, &d.uid, "frames_ok").await == 3).await;
    assert_eq!(count(&app, &upto).await, 7, "6 given up (below 7), 7 committed");
}
