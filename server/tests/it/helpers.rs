//! `TestApp`: one running server with its own database and broker, plus MQTT clients to poke it.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::time::Duration;

use server::Application;
use server::config::Config;
use server::mqtt::EmbeddedBroker;
use server::testing::TestDatabase;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// A running server for one test.
pub struct TestApp {
    pub addr: SocketAddr,
    /// The site's origin as browsers send it (`APP_HTTP__PUBLIC_URL` when set).
    origin: String,
    pub broker: EmbeddedBroker,
    pub http: reqwest::Client,
    pub state: app::state::AppState,
    /// This server's ingest counters.
    pub ingest: std::sync::Arc<server::iot::IngestStats>,
    db: Option<TestDatabase>,
    stop: Option<oneshot::Sender<()>>,
    handle: Option<JoinHandle<anyhow::Result<()>>>,
}

impl TestApp {
    /// Starts a server on free ports with a fresh database.
    pub async fn spawn() -> Self {
        Self::spawn_with(&[]).await
    }

    /// Like [`TestApp::spawn`], with extra settings (`APP_*` variables); `{test_db}` in a value
    /// stands for this test's database URL (as its owner).
    pub async fn spawn_with(extra: &[(&str, &str)]) -> Self {
        server::telemetry::init_for_tests();
        let db = TestDatabase::new().await.expect("test database");
        let mut vars: HashMap<&str, String> = HashMap::from([
            ("DATABASE_URL", db.url().to_owned()),
            ("APP_HTTP__ADDR", "127.0.0.1:0".into()),
            ("APP_MQTT__PORT_V4", "0".into()),
            ("APP_MQTT__PORT_V5", "0".into()),
            ("APP_DATABASE__POOL_SIZE", "4".into()),
            (
                "APP_MQTT__EXTRA_USERS",
                format!("{TEST_MQTT_USER}:{TEST_MQTT_PASSWORD},{OBSERVER_USER}:{OBSERVER_PASSWORD}"),
            ),
            ("APP_MQTT__OBSERVERS", OBSERVER_USER.to_owned()),
        ]);
        vars.extend(extra.iter().map(|(k, v)| (*k, v.replace("{test_db}", db.url()))));
        let config = Config::from_lookup(|k| vars.get(k).cloned()).expect("config");
        let public_url = config.http.public_url.clone();
        let app = Application::build(config).await.expect("application builds");
        let addr = app.local_addr();
        let broker = app.embedded_broker().unwrap_or(EmbeddedBroker {
            v4: SocketAddr::from(([127, 0, 0, 1], 0)),
            v5: SocketAddr::from(([127, 0, 0, 1], 0)),
            internal: SocketAddr::from(([127, 0, 0, 1], 0)),
        });
        let state = app.state().clone();
        let ingest = app.ingest_stats();
        let (stop, stopped) = oneshot::channel::<()>();
        let handle = tokio::spawn(app.run_until(async move {
            let _ = stopped.await;
        }));
        let http = reqwest::Client::builder().timeout(Duration::from_secs(10)).build().expect("client");
        let origin = public_url.unwrap_or_else(|| format!("http://{addr}"));
        Self { addr, origin, broker, http, state, ingest, db: Some(db), stop: Some(stop), handle: Some(handle) }
    }

    /// `http://addr/path`.
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// Waits until `/health` answers 200 (the MQTT client connects a moment after start).
    pub async fn wait_healthy(&self) {
        for _ in 0..100 {
            if let Ok(r) = self.http.get(self.url("/health")).send().await
                && r.status() == 200
            {
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("server never became healthy");
    }

    /// The `Origin` a browser on this site sends.
    pub fn origin(&self) -> String {
        self.origin.clone()
    }

    /// Calls a server function (`/api/...`) as a same-site form POST, with `session`'s cookie.
    pub async fn call(&self, path: &str, form: &[(&str, &str)], session: Option<&Session>) -> reqwest::Response {
        let body = serde_urlencoded_pairs(form);
        let mut req = self
            .http
            .post(self.url(path))
            .header("origin", self.origin())
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body);
        if let Some(s) = session {
            req = req.header("cookie", s.cookie_header());
        }
        req.send().await.expect("request sent")
    }

    /// Calls server function `S` with its arguments, the struct `#[server]` makes for it (for
    /// example `app::iot::api::AddDevice { name, location }`), as a same-site form POST with
    /// `session`'s cookie: the typed answer, or the `AppError` the server sent. The one way new
    /// tests call server functions (the path and the argument names come from the function, so a
    /// renamed one fails to compile here rather than answering 404 at run time).
    pub async fn run<S>(&self, call: &S, session: Option<&Session>) -> Result<S::Output, app::error::AppError>
    where
        S: leptos::server_fn::ServerFn + serde::Serialize,
        S::Output: serde::de::DeserializeOwned,
    {
        let body = serde_urlencoded::to_string(call).expect("the arguments as a form");
        let mut req = self
            .http
            .post(self.url(S::PATH))
            .header("origin", self.origin())
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body);
        if let Some(s) = session {
            req = req.header("cookie", s.cookie_header());
        }
        let res = req.send().await.expect("request sent");
        let ok = res.status().is_success();
        let text = res.text().await.expect("answer read");
        if ok {
            Ok(serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}: {text}", S::PATH)))
        } else {
            Err(serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: not an AppError ({e}): {text}", S::PATH)))
        }
    }

    /// GETs a page with `session`'s cookie.
    pub async fn get_as(&self, path: &str, session: Option<&Session>) -> reqwest::Response {
        let mut req = self.http.get(self.url(path));
        if let Some(s) = session {
            req = req.header("cookie", s.cookie_header());
        }
        req.send().await.expect("request sent")
    }

    /// A connection to this test's database as its owner (bypasses row-level security: for
    /// fixtures and for looking behind the application's back).
    pub async fn owner_conn(&self) -> diesel_async::AsyncPgConnection {
        server::db::connect(self.db().url(), Duration::from_secs(5)).await.expect("owner connection")
    }

    /// This test's database.
    pub fn db(&self) -> &TestDatabase {
        self.db.as_ref().expect("database")
    }

    /// Stops the server as SIGTERM would; returns how `run_until` ended and the database, kept
    /// so the test can look at what the shutdown left.
    pub async fn shutdown(mut self) -> (anyhow::Result<()>, TestDatabase) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        let handle = self.handle.take().expect("running");
        let ended = tokio::time::timeout(Duration::from_secs(20), handle).await.expect("stops in time").expect("task");
        (ended, self.db.take().expect("database"))
    }
}

/// A signed-in browser: the session cookie's value.
#[derive(Debug, Clone)]
pub struct Session {
    pub token: String,
}

impl Session {
    /// `Cookie:` header value.
    pub fn cookie_header(&self) -> String {
        format!("mostrador_sesion={}", self.token)
    }

    /// The session from a response's `Set-Cookie`.
    pub fn from_response(res: &reqwest::Response) -> Option<Self> {
        res.headers().get_all("set-cookie").iter().filter_map(|v| v.to_str().ok()).find_map(|v| {
            let value = v.strip_prefix("mostrador_sesion=")?.split(';').next()?;
            (!value.is_empty()).then(|| Self { token: value.to_owned() })
        })
    }
}

/// `a=1&b=2`, percent-encoded.
pub fn serde_urlencoded_pairs(form: &[(&str, &str)]) -> String {
    form.iter()
        .map(|(k, v)| {
            format!(
                "{}={}",
                percent_encoding::utf8_percent_encode(k, percent_encoding::NON_ALPHANUMERIC),
                percent_encoding::utf8_percent_encode(v, percent_encoding::NON_ALPHANUMERIC)
            )
        })
        .collect::<Vec<_>>()
        .join("&")
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

/// The extra broker user every test server accepts (the embedded broker refuses anonymous
/// clients).
pub const TEST_MQTT_USER: &str = "pruebas";
/// Its password.
pub const TEST_MQTT_PASSWORD: &str = "pruebas-clave";
/// A service user that may also read devices' uplinks (`APP_MQTT__OBSERVERS`).
pub const OBSERVER_USER: &str = "observador";
/// Its password.
pub const OBSERVER_PASSWORD: &str = "observador-clave";

/// Publishes one message with an MQTT 3.1.1 client (as the test user) and waits for the
/// broker's PUBACK.
pub async fn publish_v4(port: u16, topic: &str, payload: &[u8]) {
    publish_v4_as(port, Some((TEST_MQTT_USER, TEST_MQTT_PASSWORD)), topic, payload).await;
}

/// [`publish_v4`] with a username and password.
pub async fn publish_v4_as(port: u16, credentials: Option<(&str, &str)>, topic: &str, payload: &[u8]) {
    publish_v4_with(port, &format!("test-v4-{}", rand::random::<u32>()), credentials, topic, payload).await;
}

/// Publishes one message as client `client_id` (a device connects as its id) and waits for
/// the broker's PUBACK (brokers acknowledge publishes their ACL drops too).
pub async fn publish_v4_with(
    port: u16,
    client_id: &str,
    credentials: Option<(&str, &str)>,
    topic: &str,
    payload: &[u8],
) {
    use rumqttc::{AsyncClient, Event, MqttOptions, Outgoing, Packet, QoS};
    let mut opts = MqttOptions::new(client_id, "127.0.0.1", port);
    opts.set_keep_alive(Duration::from_secs(5));
    if let Some((user, pass)) = credentials {
        opts.set_credentials(user, pass);
    }
    let (client, mut eventloop) = AsyncClient::new(opts, 10);
    client.publish(topic, QoS::AtLeastOnce, false, payload.to_vec()).await.expect("queued");
    let acked = async {
        loop {
            match eventloop.poll().await {
                Ok(Event::Incoming(Packet::PubAck(_))) => break,
                Ok(Event::Outgoing(Outgoing::Disconnect)) => break,
                Ok(_) => {}
                Err(e) => panic!("MQTT 3.1.1 publish failed: {e}"),
            }
        }
    };
    tokio::time::timeout(Duration::from_secs(10), acked).await.expect("PUBACK in time");
    let _ = client.disconnect().await;
}

/// Publishes one message with an MQTT 5 client (what the ESP32 nodes speak).
pub async fn publish_v5(port: u16, topic: &str, payload: &[u8]) {
    use rumqttc::v5::mqttbytes::QoS;
    use rumqttc::v5::mqttbytes::v5::Packet;
    use rumqttc::v5::{AsyncClient, Event, MqttOptions};
    let mut opts = MqttOptions::new(format!("test-v5-{}", rand::random::<u32>()), "127.0.0.1", port);
    opts.set_keep_alive(Duration::from_secs(5)).set_credentials(TEST_MQTT_USER, TEST_MQTT_PASSWORD);
    let (client, mut eventloop) = AsyncClient::new(opts, 10);
    client.publish(topic, QoS::AtLeastOnce, false, payload.to_vec()).await.expect("queued");
    let acked = async {
        loop {
            match eventloop.poll().await {
                Ok(Event::Incoming(Packet::PubAck(_))) => break,
                Ok(_) => {}
                Err(e) => panic!("MQTT 5 publish failed: {e}"),
            }
        }
    };
    tokio::time::timeout(Duration::from_secs(10), acked).await.expect("PUBACK in time");
    let _ = client.disconnect().await;
}
