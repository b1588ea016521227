//! External broker mode: the same client code against Debian's Mosquitto (`APP_MQTT__URL`),
//! with a password file, reading the connected-client count from `$SYS`.

use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use crate::helpers::{TestApp, publish_v4_as};

/// A Mosquitto on a free loopback port, killed on drop.
struct Mosquitto {
    child: Child,
    port: u16,
    _dir: TempDir,
}

struct TempDir(std::path::PathBuf);
impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

impl Mosquitto {
    fn start() -> Self {
        Self::start_with("")
    }

    /// Adds `user` to the password file and makes Mosquitto reload it (SIGHUP).
    fn add_user(&self, user: &str, password: &str) {
        let status = Command::new("mosquitto_passwd")
            .args(["-b"])
            .arg(self._dir.0.join("passwd"))
            .args([user, password])
            .status()
            .unwrap();
        assert!(status.success());
        let status = Command::new("kill").args(["-HUP", &self.child.id().to_string()]).status().unwrap();
        assert!(status.success());
        std::thread::sleep(Duration::from_millis(300));
    }

    /// A Mosquitto with `acl` as its ACL file (none when empty).
    fn start_with(acl: &str) -> Self {
        let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let dir = std::env::temp_dir().join(format!("mostrador-mosquitto-{port}"));
        std::fs::create_dir_all(&dir).unwrap();
        let passwd = dir.join("passwd");
        let status = Command::new("mosquitto_passwd")
            .args(["-b", "-c"])
            .arg(&passwd)
            .args(["server", "s3cret"])
            .status()
            .expect("mosquitto_passwd (scripts/install-deps.sh installs mosquitto)");
        assert!(status.success());
        let status =
            Command::new("mosquitto_passwd").args(["-b"]).arg(&passwd).args(["nodo", "n0do"]).status().unwrap();
        assert!(status.success());
        if !acl.is_empty() {
            std::fs::write(dir.join("acl"), acl).unwrap();
        }
        let conf = dir.join("mosquitto.conf");
        std::fs::write(
            &conf,
            format!(
                "listener {port} 127.0.0.1\nallow_anonymous false\npassword_file {}\nsys_interval 1\npersistence false\n{}",
                passwd.display(),
                if acl.is_empty() { String::new() } else { format!("acl_file {}\n", dir.join("acl").display()) }
            ),
        )
        .unwrap();
        let child = Command::new("/usr/sbin/mosquitto")
            .arg("-c")
            .arg(&conf)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("mosquitto");
        for _ in 0..50 {
            if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
                break;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        Self { child, port, _dir: TempDir(dir) }
    }
}

impl Drop for Mosquitto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[tokio::test]
async fn messages_through_an_external_mosquitto_reach_the_status() {
    let mosquitto = Mosquitto::start();
    let url = format!("mqtt://server:s3cret@127.0.0.1:{}", mosquitto.port);
    let app = TestApp::spawn_with(&[("APP_MQTT__URL", &url)]).await;
    app.wait_healthy().await;
    assert!(app.state.monitor.snapshot(false).broker.is_ok());

    publish_v4_as(mosquitto.port, Some(("nodo", "n0do")), "panaderia/horno1/temp", br#"{"t":212}"#).await;
    let mut found = false;
    for _ in 0..100 {
        let s = app.state.monitor.snapshot(true);
        // Mosquitto refreshes $SYS every second; the first (retained) value may predate us.
        if s.recent.iter().any(|m| m.topic == "panaderia/horno1/temp") && s.connected_clients.is_some_and(|c| c >= 1) {
            assert_eq!(s.broker_mode, shared::system::BrokerMode::External);
            found = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(found, "message and client count never arrived: {:?}", app.state.monitor.snapshot(true));
}

#[tokio::test]
async fn wrong_broker_password_shows_the_broker_down_and_health_503() {
    let mosquitto = Mosquitto::start();
    let url = format!("mqtt://server:wrong@127.0.0.1:{}", mosquitto.port);
    let app = TestApp::spawn_with(&[("APP_MQTT__URL", &url)]).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let res = app.http.get(app.url("/health")).send().await.unwrap();
    assert_eq!(res.status(), 503);
    let body: serde_json::Value = res.json().await.unwrap();
    assert!(body["broker"]["Down"]["reason"].as_str().unwrap().contains("broker"), "{body}");
}

/// The ACL of docs/IOT.md: the server reads and writes everything of Mostrador's; every other
/// user (a device) only its own uplink and downlink.
const ACL: &str = "user server\ntopic readwrite mostrador/#\ntopic read $SYS/#\n\
pattern write mostrador/n/%u/up\npattern read mostrador/n/%u/down\n";

#[tokio::test]
async fn through_mosquitto_with_the_acl_a_node_is_ingested_and_confined_to_its_topics() {
    use crate::fixtures::business_with_session;
    use crate::nodes::{TestNode, add_device};
    use diesel_async::RunQueryDsl;
    use shared::iot::frame::{self, Secret};
    use shared::iot::wire::{Direction, Reading, Uplink, UplinkFrame, topic};

    let mosquitto = Mosquitto::start_with(ACL);
    let url = format!("mqtt://server:s3cret@127.0.0.1:{}", mosquitto.port);
    let app = TestApp::spawn_with(&[("APP_MQTT__URL", &url)]).await;
    app.wait_healthy().await;
    let (_, owner) = business_with_session(&app, "Vivero Externo", "duena@vivero.com.ar").await;
    let a = add_device(&app, &owner, "Sensor A").await;
    let b = add_device(&app, &owner, "Sensor B").await;
    mosquitto.add_user(&a.uid, &a.broker_password);
    mosquitto.add_user(&b.uid, &b.broker_password);

    // A real node through Mosquitto: stored and acknowledged.
    let node = TestNode::start(mosquitto.port, &a);
    node.wait("connected", |v| v.connected).await;
    let now = chrono::Utc::now().timestamp_millis() as u64;
    node.readings
        .send(Reading { k: shared::iot::sensor::SensorKind::SoilMoisture, c: 0, t: now, v: 312 })
        .await
        .unwrap();
    node.wait("acknowledged through Mosquitto", |v| v.pending == 0 && v.acked_upto >= node.first_seq).await;

    // A publishing on B's topic: the broker drops it, so nothing reaches B (not even a bad MAC).
    let mut readings = heapless::Vec::new();
    readings.push(Reading { k: shared::iot::sensor::SensorKind::SoilMoisture, c: 0, t: now, v: 999 }).unwrap();
    let sa = Secret::from_hex(&a.secret).unwrap();
    let f = frame::encode(
        &UplinkFrame { v: 1, seq: 7, floor: 0, msg: Uplink::Telemetry { readings } },
        &sa,
        Direction::Up,
        &a.uid,
    )
    .unwrap();
    let creds = Some((a.uid.as_str(), a.broker_password.as_str()));
    crate::helpers::publish_v4_with(mosquitto.port, &a.uid, creds, &topic(&b.uid, Direction::Up), &f).await;
    tokio::time::sleep(Duration::from_millis(1_500)).await;
    #[derive(diesel::QueryableByName)]
    struct N {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    let mut conn = app.owner_conn().await;
    let b_seen: N =
        diesel::sql_query(format!("SELECT (rejected_mac + frames_ok)::int8 AS n FROM devices WHERE uid = '{}'", b.uid))
            .get_result(&mut conn)
            .await
            .unwrap();
    assert_eq!(b_seen.n, 0, "the ACL kept A off B's topic");
    let stored: N = diesel::sql_query("SELECT count(*) AS n FROM readings").get_result(&mut conn).await.unwrap();
    assert_eq!(stored.n, 1);
}
