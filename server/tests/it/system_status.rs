//! The status page's data path: MQTT 3.1.1 and MQTT 5 clients publish to the embedded broker,
//! the server's client receives, the server function and the live event stream show it.

use std::time::Duration;

use futures::StreamExt;
use shared::system::{StatusEvent, SystemStatus};

use crate::fixtures;
use crate::helpers::{Session, TestApp, publish_v4, publish_v5};

async fn status(app: &TestApp) -> SystemStatus {
    let op = fixtures::operator(app).await;
    let res = status_call(app, &[], &op).await;
    assert_eq!(res.status(), 200);
    res.json().await.unwrap()
}

/// Calls the `get_system_status` server function as `session`.
async fn status_call(app: &TestApp, form: &[(&str, &str)], session: &Session) -> reqwest::Response {
    app.call("/api/system/get_system_status", form, Some(session)).await
}

/// Polls the status until `check` passes (messages travel broker -> client asynchronously).
async fn eventually(app: &TestApp, check: impl Fn(&SystemStatus) -> bool) -> SystemStatus {
    for _ in 0..100 {
        let s = status(app).await;
        if check(&s) {
            return s;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("condition never held; last status: {:?}", status(app).await);
}

#[tokio::test]
async fn messages_from_mqtt_3_and_mqtt_5_clients_reach_the_status() {
    let app = TestApp::spawn().await;
    app.wait_healthy().await;
    publish_v4(app.broker.v4.port(), "carniceria/camara1/temp", br#"{"t":-18.5}"#).await;
    publish_v5(app.broker.v5.port(), "riego/zona2/humedad", br#"{"h":41}"#).await;

    let s = eventually(&app, |s| s.recent.len() >= 2).await;
    let topics: Vec<&str> = s.recent.iter().map(|m| m.topic.as_str()).collect();
    assert_eq!(topics, ["riego/zona2/humedad", "carniceria/camara1/temp"], "newest first");
    assert_eq!(s.recent[1].payload, r#"{"t":-18.5}"#);
    assert_eq!(s.recent[1].size, 11);
    assert!(s.total_messages >= 2);
    assert!(s.rate_60s_x100 > 0);
    assert!(s.database.is_ok() && s.broker.is_ok());
    // The server's own heartbeats are not shown as received messages.
    assert!(s.recent.iter().all(|m| !m.topic.starts_with("mostrador/sistema/")));
}

#[tokio::test]
async fn connected_clients_come_from_the_broker() {
    let app = TestApp::spawn().await;
    app.wait_healthy().await;
    // The server's own client is connected; meters arrive within a couple of heartbeats.
    let s = eventually(&app, |s| s.connected_clients.is_some_and(|n| n >= 1)).await;
    assert!(s.connected_clients.unwrap() >= 1);
}

#[tokio::test]
async fn event_stream_pushes_a_snapshot_then_each_new_message() {
    let app = TestApp::spawn().await;
    app.wait_healthy().await;
    assert_eq!(app.get_as("/api/system/events", None).await.status(), 401, "operators only");
    let res = app.get_as("/api/system/events", Some(&fixtures::operator(&app).await)).await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["content-type"], "text/event-stream");
    let mut body = res.bytes_stream();
    let mut buffer = String::new();
    let mut events = Vec::new();
    let mut published = false;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(15);
    while tokio::time::Instant::now() < deadline {
        let chunk = tokio::time::timeout(Duration::from_secs(5), body.next()).await.unwrap().unwrap().unwrap();
        buffer.push_str(std::str::from_utf8(&chunk).unwrap());
        while let Some(end) = buffer.find("\n\n") {
            let frame: String = buffer.drain(..end + 2).collect();
            if let Some(data) = frame.lines().find_map(|l| l.strip_prefix("data: ")) {
                events.push(serde_json::from_str::<StatusEvent>(data).unwrap());
            }
        }
        if !published && !events.is_empty() {
            publish_v4(app.broker.v4.port(), "bar/puerta", b"abierta").await;
            published = true;
        }
        if events.iter().any(|e| matches!(e, StatusEvent::Message(m) if m.topic == "bar/puerta")) {
            break;
        }
    }
    assert!(matches!(events.first(), Some(StatusEvent::Snapshot(_))), "{events:?}");
    let message = events.iter().find_map(|e| match e {
        StatusEvent::Message(m) if m.topic == "bar/puerta" => Some(m),
        _ => None,
    });
    let message = message.expect("the published message was streamed");
    assert_eq!(message.payload, "abierta");
    assert_eq!(message.qos, 1);
    assert_eq!(message.received_at_local.len(), 8, "HH:MM:SS");
}

#[tokio::test]
async fn status_page_renders_the_messages_on_the_server() {
    let app = TestApp::spawn().await;
    app.wait_healthy().await;
    publish_v4(app.broker.v4.port(), "tienda/puerta", b"<b>abierta</b>").await;
    eventually(&app, |s| !s.recent.is_empty()).await;
    let html = app.get_as("/sistema", Some(&fixtures::operator(&app).await)).await.text().await.unwrap();
    assert!(html.contains("Estado del sistema"));
    assert!(html.contains("tienda/puerta"));
    // Payloads are text, never markup.
    assert!(html.contains("&lt;b&gt;abierta&lt;/b&gt;"), "{html}");
    assert!(!html.contains("<b>abierta</b>"));
}

#[tokio::test]
async fn a_topic_filter_narrows_the_messages_and_a_bad_one_is_refused_in_spanish() {
    let app = TestApp::spawn().await;
    app.wait_healthy().await;
    publish_v4(app.broker.v4.port(), "carniceria/camara1/temp", b"-18").await;
    publish_v4(app.broker.v4.port(), "riego/zona1/humedad", b"40").await;
    eventually(&app, |s| s.recent.len() >= 2).await;

    let op = fixtures::operator(&app).await;
    let res = status_call(&app, &[("topic_filter", "carniceria/+/temp")], &op).await;
    assert_eq!(res.status(), 200);
    let filtered: SystemStatus = res.json().await.unwrap();
    let topics: Vec<&str> = filtered.recent.iter().map(|m| m.topic.as_str()).collect();
    assert_eq!(topics, ["carniceria/camara1/temp"]);

    let res = status_call(&app, &[("topic_filter", "carniceria/#/temp")], &op).await;
    assert_eq!(res.status(), 422);
    let body: serde_json::Value = res.json().await.unwrap();
    assert_eq!(body["invalid"]["field"], "topico");
    assert!(body["invalid"]["reason"].as_str().unwrap().contains("comodín #"), "{body}");
}

#[tokio::test]
async fn only_the_operator_sees_the_status() {
    let app = TestApp::spawn().await;
    app.wait_healthy().await;
    assert_eq!(app.call("/api/system/get_system_status", &[], None).await.status(), 401);
    let (_, owner) = fixtures::business_with_session(&app, "Panadería La Espiga", "duena@espiga.com.ar").await;
    assert_eq!(status_call(&app, &[], &owner).await.status(), 403);
    let html = app.get_as("/sistema", Some(&owner)).await.text().await.unwrap();
    assert!(html.contains("No tenés permiso"), "{html}");
}
