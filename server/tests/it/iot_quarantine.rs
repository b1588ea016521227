//! Frames a node's own key signed but whose content cannot be stored (poison frames): each is
//! kept in the quarantine with its reason and acknowledged, the rest of its batch commits, and
//! no other device waits. Also the devices' key version: frames checked against a key that was
//! rotated away are not stored again.

use diesel_async::RunQueryDsl;
use shared::iot::dto::DeviceCredentials;
use shared::iot::frame::{self, Secret};
use shared::iot::wire::{Direction, NodeEvent, Reading, Uplink, UplinkFrame, topic};

use crate::fixtures::business_with_session;
use crate::helpers::{TestApp, publish_v4_with};
use crate::nodes::{TestNode, add_device, count, device_counter, eventually, temp};

/// Signs `msg` as frame `seq` of `device` and publishes it as that device.
async fn send(app: &TestApp, device: &DeviceCredentials, seq: u64, msg: Uplink) {
    let secret = Secret::from_hex(&device.secret).unwrap();
    let payload =
        frame::encode(&UplinkFrame { v: 1, seq, floor: 0, msg }, &secret, Direction::Up, &device.uid).unwrap();
    let creds = (device.uid.as_str(), device.broker_password.as_str());
    publish_v4_with(app.broker.v4.port(), &device.uid, Some(creds), &topic(&device.uid, Direction::Up), &payload).await;
}

fn telemetry(readings: &[Reading]) -> Uplink {
    Uplink::Telemetry { readings: heapless::Vec::from_slice(readings).unwrap() }
}

async fn quarantined(app: &TestApp, uid: &str) -> i64 {
    count(
        app,
        &format!(
            "SELECT count(*) AS n FROM device_quarantine q JOIN devices d ON d.id = q.device_id WHERE d.uid = '{uid}'"
        ),
    )
    .await
}

#[tokio::test]
async fn poison_frames_are_quarantined_acknowledged_and_stall_no_device() {
    let app = TestApp::spawn().await;
    app.wait_healthy().await;
    let (_, owner_a) = business_with_session(&app, "Carnicería Sur", "dueno@sur.com.ar").await;
    let (_, owner_b) = business_with_session(&app, "Vivero Oeste", "duena@oeste.com.ar").await;
    let attacker = add_device(&app, &owner_a, "Cámara").await;
    let victim = add_device(&app, &owner_b, "Riego").await;

    // Each of these once stalled its ingest worker for good (PostgreSQL refused the batch and
    // it was retried forever): a time of u64::MAX, NUL inside texts, a value no sensor gives.
    send(&app, &attacker, 1, Uplink::Event(NodeEvent::Door { c: 0, open: 1, t: u64::MAX })).await;
    let nul_firmware = heapless::String::try_from("1.0\u{0}").unwrap();
    send(
        &app,
        &attacker,
        2,
        Uplink::Event(NodeEvent::Boot { firmware: nul_firmware, rssi: -50, free_heap: 1, relays: 1 }),
    )
    .await;
    let nul_card = heapless::String::try_from("04A1\u{0}2C3").unwrap();
    send(&app, &attacker, 3, Uplink::Event(NodeEvent::Rfid { uid: nul_card, t: 0 })).await;
    send(
        &app,
        &attacker,
        4,
        telemetry(&[temp(1), Reading { v: 99_999, ..temp(2) }, Reading { t: u64::MAX, ..temp(3) }]),
    )
    .await;
    send(&app, &attacker, 5, telemetry(&[temp(4)])).await;

    // Another business' node keeps flowing meanwhile.
    let node = TestNode::start(app.broker.v4.port(), &victim);
    node.wait("connected", |v| v.connected).await;
    for i in 0..12 {
        node.readings.send(temp(10 + i)).await.unwrap();
    }
    node.wait("all acknowledged", |v| v.acked_upto >= node.first_seq + 2 && v.pending == 0).await;

    // The attacker's frames are all acknowledged (the node moves on): 1..=5.
    eventually("the attacker's frames acknowledged", async || {
        device_counter(&app, &attacker.uid, "seq_upto").await == 5
    })
    .await;
    assert_eq!(quarantined(&app, &attacker.uid).await, 4, "door, boot, card and the frame with two bad readings");
    assert_eq!(device_counter(&app, &attacker.uid, "frames_quarantined").await, 4);
    assert_eq!(device_counter(&app, &attacker.uid, "rejected_values").await, 2);
    let reasons = count(
        &app,
        "SELECT count(*) AS n FROM device_quarantine WHERE reason LIKE 'fecha fuera de rango%' \
           OR reason LIKE 'versión de firmware inválida%' OR reason LIKE 'código de tarjeta inválido%' \
           OR (reason LIKE '%valor fuera de rango%' AND reason LIKE '%fecha fuera de rango%')",
    )
    .await;
    assert_eq!(reasons, 4, "each frame kept with its reason");
    // The good reading of frame 4 and the one of frame 5 are stored; the victim's twelve too.
    let stored = |uid: &str| {
        format!("SELECT count(*) AS n FROM readings r JOIN devices d ON d.id = r.device_id WHERE d.uid = '{uid}'")
    };
    assert_eq!(count(&app, &stored(&attacker.uid)).await, 2);
    eventually("the victim's readings stored", async || count(&app, &stored(&victim.uid)).await == 12).await;
    assert!(server::iot::IngestStats::get(&app.ingest.quarantined) >= 4);

    // The device page shows what was kept aside.
    let res = app.call("/api/iot/get_device_live", &[("uid", &attacker.uid)], Some(&owner_a)).await;
    assert_eq!(res.status(), 200);
    let live: shared::iot::dto::DeviceLive = res.json().await.unwrap();
    assert_eq!(live.quarantine.len(), 4);
    assert!(live.quarantine.iter().any(|q| q.reason.starts_with("versión de firmware inválida")), "{live:?}");
    assert_eq!(live.device.rejected.quarantined, 4);
    // The page itself, as the server renders it (no JavaScript needed).
    let html = app.get_as(&format!("/equipos/{}", attacker.uid), Some(&owner_a)).await.text().await.unwrap();
    assert!(html.contains(r#"data-testid="device-quarantine""#) && html.contains("Mensajes apartados"), "{html}");
    assert_eq!(html.matches(r#"data-testid="quarantined-frame""#).count(), 4);
    assert!(html.contains("versión de firmware inválida"));
    // Not to the other business.
    let res = app.call("/api/iot/get_device_live", &[("uid", &attacker.uid)], Some(&owner_b)).await;
    assert_eq!(res.status(), 404);
}

#[tokio::test]
async fn a_frame_postgresql_refuses_is_isolated_and_the_rest_of_its_batch_commits() {
    let app = TestApp::spawn().await;
    app.wait_healthy().await;
    let (_, owner) = business_with_session(&app, "Panadería Este", "duena@este.com.ar").await;
    let device = add_device(&app, &owner, "Horno").await;
    // A rule the checks in Rust do not know, standing for any refusal they miss: the database
    // is the last word.
    let mut conn = app.owner_conn().await;
    diesel::sql_query(
        "ALTER TABLE device_events ADD CONSTRAINT test_refuses_rssi_minus_99 \
         CHECK (coalesce(detail #>> '{status,rssi}', '') <> '-99')",
    )
    .execute(&mut conn)
    .await
    .unwrap();
    let status = |rssi| Uplink::Event(NodeEvent::Status { rssi, uptime_s: 5, queued: 0, dropped: 0 });
    // One batch (the worker takes whatever has queued up): good, refused, good frames.
    for seq in 1..=9 {
        let msg = if seq == 5 {
            status(-99)
        } else if seq % 2 == 0 {
            status(-60)
        } else {
            telemetry(&[temp(seq)])
        };
        send(&app, &device, seq, msg).await;
    }
    eventually("all nine acknowledged", async || device_counter(&app, &device.uid, "seq_upto").await == 9).await;
    assert_eq!(quarantined(&app, &device.uid).await, 1);
    let refused = count(
        &app,
        "SELECT count(*) AS n FROM device_quarantine WHERE seq = 5 AND reason LIKE 'la base de datos rechazó%'",
    )
    .await;
    assert_eq!(refused, 1);
    let stored = format!(
        "SELECT count(*) AS n FROM readings r JOIN devices d ON d.id = r.device_id WHERE d.uid = '{}'",
        device.uid
    );
    assert_eq!(count(&app, &stored).await, 4, "the readings of frames 1, 3, 7 and 9");
    assert_eq!(count(&app, "SELECT count(*) AS n FROM device_events WHERE kind = 'status'").await, 4, "2, 4, 6, 8");
    assert_eq!(server::iot::IngestStats::get(&app.ingest.refused_by_database), 1);
}

#[tokio::test]
async fn frames_checked_against_a_rotated_key_are_not_stored_again() {
    let app = TestApp::spawn().await;
    app.wait_healthy().await;
    let (_, owner) = business_with_session(&app, "Bar Centro", "dueno@centro.com.ar").await;
    let device = add_device(&app, &owner, "Lector").await;
    send(&app, &device, 1, telemetry(&[temp(1)])).await;
    eventually("the first frame stored", async || device_counter(&app, &device.uid, "frames_ok").await == 1).await;
    let before = device_counter(&app, &device.uid, "key_version").await;
    let res = app.call("/api/iot/rotate_device_secret", &[("uid", &device.uid)], Some(&owner)).await;
    assert_eq!(res.status(), 200);
    assert_eq!(device_counter(&app, &device.uid, "key_version").await, before + 1, "the database bumps the version");
    // The rotation forgot the sequence numbers; the old frame replayed at once, while a cache
    // may still hold the old key, must not be stored a second time.
    send(&app, &device, 1, telemetry(&[temp(1)])).await;
    tokio::time::sleep(std::time::Duration::from_secs(2)).await;
    let stored = format!(
        "SELECT count(*) AS n FROM readings r JOIN devices d ON d.id = r.device_id WHERE d.uid = '{}'",
        device.uid
    );
    assert_eq!(count(&app, &stored).await, 1, "stored once, before the rotation");
}

#[tokio::test]
async fn a_revocation_that_commits_late_still_reaches_the_registry() {
    use diesel_async::SimpleAsyncConnection;
    use server::iot::{Registry, ServiceUsers};
    let app = TestApp::spawn().await;
    app.wait_healthy().await;
    let (_, owner) = business_with_session(&app, "Kiosco Norte", "dueno@kiosco.com.ar").await;
    let a = add_device(&app, &owner, "Heladera").await;
    let b = add_device(&app, &owner, "Freezer").await;
    let (registry, _misses) = Registry::new(ServiceUsers::default());
    let mut since = registry.refresh(&app.state.pool, None).await;
    assert!(registry.cached(&a.uid).and_then(|k| k.secret.clone()).is_some());

    // A revocation held open, as one waiting on the ingest's row lock would be.
    let mut late = app.owner_conn().await;
    late.batch_execute(&format!(
        "BEGIN; SELECT set_config('app.system', 'on', true); \
         UPDATE devices SET secret = NULL, revoked_at = now(), updated_at = now() WHERE uid = '{}'",
        a.uid
    ))
    .await
    .unwrap();
    // Meanwhile another device changes, later, and the registry refreshes past that change.
    tokio::time::sleep(std::time::Duration::from_millis(1_500)).await;
    let res = app.call("/api/iot/rotate_device_secret", &[("uid", &b.uid)], Some(&owner)).await;
    assert_eq!(res.status(), 200);
    since = registry.refresh(&app.state.pool, since).await;
    assert!(registry.cached(&a.uid).and_then(|k| k.secret.clone()).is_some(), "not committed yet");
    late.batch_execute("COMMIT").await.unwrap();
    registry.refresh(&app.state.pool, since).await;
    assert!(registry.cached(&a.uid).and_then(|k| k.secret.clone()).is_none(), "the late revocation is seen");
}
