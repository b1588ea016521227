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
        let conf = dir.join("mosquitto.conf");
        std::fs::write(
            &conf,
            format!(
                "listener {port} 127.0.0.1\nallow_anonymous false\npassword_file {}\nsys_interval 1\npersistence false\n",
                passwd.display()
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
