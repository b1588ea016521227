//! The Mostrador server: reads its [`config::Config`], prepares PostgreSQL (pool + migrations),
//! starts the embedded MQTT broker unless an external one is configured, connects its own MQTT
//! client, starts the background jobs and serves HTTP until told to stop.
//!
//! [`Application::build`] does everything up to binding the HTTP port (tests use it with port
//! 0); [`Application::run_until`] serves and then shuts down in order: HTTP stops accepting,
//! jobs and the MQTT client stop, this server's heartbeat row is removed, the pool closes.

pub mod config;
pub mod db;
pub mod http;
pub mod iot;
pub mod jobs;
pub mod mail;
pub mod mqtt;
pub mod simulate;
pub mod telemetry;
pub mod testing;

use std::future::{Future, IntoFuture};
use std::net::SocketAddr;
use std::sync::Arc;

use anyhow::Context;
use app::state::AppState;
use app::system::monitor::SystemMonitor;
use leptos::config::{Env, LeptosOptions};
use shared::system::BrokerMode;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use crate::config::Config;
use crate::mqtt::{ClientTarget, EmbeddedBroker};

/// Starts the embedded broker unless an external one is configured; returns it and where this
/// server's own MQTT clients connect (with `service`'s credentials on the embedded one).
async fn start_broker(
    config: &Config,
    monitor: &Arc<SystemMonitor>,
    registry: &Arc<iot::Registry>,
    service: (String, String),
) -> anyhow::Result<(Option<EmbeddedBroker>, ClientTarget)> {
    if let Some(url) = &config.mqtt.url {
        return Ok((None, ClientTarget::from_url(url)?));
    }
    let broker = EmbeddedBroker::start(
        config.mqtt.bind,
        config.mqtt.port_v4,
        config.mqtt.port_v5,
        monitor.clone(),
        registry.clone(),
    )
    .await?;
    let target = ClientTarget {
        host: broker.internal.ip().to_string(),
        port: broker.internal.port(),
        credentials: Some(service),
        external: false,
    };
    Ok((Some(broker), target))
}

/// Cookies, links in mails and the development mailbox, from the configuration (warns when no
/// SMTP is configured).
fn auth_settings(config: &Config) -> app::tenancy::auth::AuthSettings {
    let auth = app::tenancy::auth::AuthSettings {
        public_url: config.http.public_url.clone(),
        secure_cookies: config.http.public_url.as_deref().is_some_and(|u| u.starts_with("https://")),
        dev_mailbox: config.mail.smtp_url.is_none() && config.mail.dev_mailbox,
        trust_forwarded: config.http.trust_forwarded,
    };
    if config.mail.smtp_url.is_none() {
        tracing::warn!(
            dev_mailbox = auth.dev_mailbox,
            "no SMTP configured (APP_MAIL__SMTP_URL): mails only go to the log{}",
            if auth.dev_mailbox { " and /dev/correos" } else { "" }
        );
    }
    auth
}

/// A server that is ready to serve: database migrated, broker up, HTTP port bound.
pub struct Application {
    listener: TcpListener,
    state: AppState,
    broker: Option<EmbeddedBroker>,
    server_id: String,
    security: http::SecurityPolicy,
    shutdown: CancellationToken,
    tasks: TaskTracker,
    ingest: Arc<iot::IngestStats>,
}

impl Application {
    /// Prepares everything and binds the HTTP port.
    pub async fn build(config: Config) -> anyhow::Result<Self> {
        if config.database.migrate {
            let applied = db::run_migrations(&config.database.url).await?;
            tracing::info!(count = applied.len(), ?applied, "migrations applied");
        }
        let pool = db::pool(&config.database)?;
        let mail = Arc::new(mail::Sender::from_config(&config.mail)?);
        tokio::task::spawn_blocking(app::tenancy::auth::PasswordHasher::warm_up).await?;
        if config.demo_seed {
            seed_demo(&pool).await?;
        }

        let mode = if config.mqtt.url.is_some() { BrokerMode::External } else { BrokerMode::Embedded };
        let monitor = Arc::new(SystemMonitor::new(mode, config.time_zone));
        let shutdown = CancellationToken::new();
        let tasks = TaskTracker::new();

        let server_id = server_id();
        // The embedded broker lets in devices (checked against the registry), this server's
        // own clients (a password made up at start-up) and the configured extra users.
        let service_user = format!("{}-{}", config.mqtt.client_id, short_suffix(&server_id));
        let service_password = app::tenancy::auth::new_token();
        let (registry, misses) = iot::Registry::new(iot::ServiceUsers {
            server: Some((service_user.clone(), service_password.clone())),
            extra: config.mqtt.extra_users.iter().cloned().collect(),
            observers: config.mqtt.observers.iter().cloned().collect(),
            reserved_prefix: format!("{}-", config.mqtt.client_id),
        });

        let (broker, target) =
            start_broker(&config, &monitor, &registry, (service_user.clone(), service_password)).await?;

        if let Err(e) = iot::jobs::prepare_partitions(&pool, config.iot.retention_days).await {
            anyhow::bail!("preparing the readings partitions: {e}");
        }
        let ingest = iot::start(
            &tasks,
            &config.iot,
            (registry, misses),
            pool.clone(),
            (target.clone(), format!("{}-ingest-{}", config.mqtt.client_id, short_suffix(&server_id))),
            monitor.clone(),
            shutdown.clone(),
        );
        tasks.spawn(mqtt::run_client(
            target,
            format!("{}-{}", config.mqtt.client_id, short_suffix(&server_id)),
            config.mqtt.topics.clone(),
            monitor.clone(),
            shutdown.clone(),
        ));

        let listener = TcpListener::bind(config.http.addr)
            .await
            .with_context(|| format!("binding HTTP on {} (APP_HTTP__ADDR)", config.http.addr))?;
        let addr = listener.local_addr()?;
        let leptos_options = leptos_options(&config, addr);
        let auth = auth_settings(&config);
        let security = http::SecurityPolicy {
            public_origin: config.http.public_url.clone(),
            dev_reload: (leptos_options.env == Env::DEV)
                .then(|| format!("ws://{}:{}", leptos_options.site_addr.ip(), leptos_options.reload_port)),
        };
        let broker_url = config.iot.broker_url.clone().unwrap_or_else(|| node_broker_url(&config, broker.as_ref()));
        let state = AppState {
            pool,
            monitor,
            leptos_options,
            auth,
            time_zone: config.time_zone,
            broker_url,
            server_timing: config.http.server_timing,
        };

        jobs::spawn_all(&tasks, &state, &server_id, mode, mail, shutdown.clone());
        Ok(Self { listener, state, broker, server_id, security, shutdown, tasks, ingest })
    }

    /// The bound HTTP address (the real port when 0 was asked for).
    pub fn local_addr(&self) -> SocketAddr {
        self.listener.local_addr().unwrap_or_else(|_| SocketAddr::from(([127, 0, 0, 1], 0)))
    }

    /// The embedded broker's listeners, if it runs.
    pub fn embedded_broker(&self) -> Option<EmbeddedBroker> {
        self.broker
    }

    /// This server's ingest counters.
    pub fn ingest_stats(&self) -> Arc<iot::IngestStats> {
        self.ingest.clone()
    }

    /// The shared state (tests read the monitor and the pool through it).
    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// Serves until `signal` completes, then shuts down in order: background work and open
    /// event streams stop at once, HTTP requests in flight get [`HTTP_DRAIN`] to finish.
    pub async fn run_until(self, signal: impl Future<Output = ()> + Send + 'static) -> anyhow::Result<()> {
        let Self { listener, state, server_id, security, shutdown, tasks, .. } = self;
        let router = http::router(state.clone(), http::Draining(shutdown.clone()), security);
        let stop = shutdown.clone();
        let serve = axum::serve(listener, router.into_make_service_with_connect_info::<SocketAddr>())
            .with_graceful_shutdown(async move {
                tokio::select! {
                    () = signal => {}
                    () = stop.cancelled() => {}
                }
                tracing::info!("shutting down: no new HTTP requests");
                stop.cancel();
            });
        let grace = shutdown.clone();
        let served = tokio::select! {
            served = serve.into_future() => served,
            () = async move {
                grace.cancelled().await;
                tokio::time::sleep(HTTP_DRAIN).await;
            } => {
                tracing::warn!("HTTP requests still open after {HTTP_DRAIN:?}; closing them");
                Ok(())
            }
        };
        tasks.close();
        if tokio::time::timeout(std::time::Duration::from_secs(10), tasks.wait()).await.is_err() {
            tracing::warn!("background tasks did not stop within 10 s");
        }
        jobs::deregister(&state, &server_id).await;
        state.pool.close();
        tracing::info!("server stopped cleanly");
        served.context("HTTP server")
    }
}

/// How long requests in flight may take to finish once shutdown starts.
pub const HTTP_DRAIN: std::time::Duration = std::time::Duration::from_secs(10);

/// Builds the application from `config` and serves until SIGINT or SIGTERM.
pub async fn start(config: Config) -> anyhow::Result<()> {
    let app = Application::build(config).await?;
    tracing::info!(url = %format!("http://{}", app.local_addr()), "Mostrador is ready");
    app.run_until(shutdown_signal()).await
}

/// `mostrador create-operator EMAIL`: migrates, then makes `email` the platform operator. A new
/// account's password comes from `MOSTRADOR_OPERATOR_PASSWORD` or the first line of stdin.
pub async fn create_operator(config: &Config, email: &str) -> anyhow::Result<()> {
    if config.database.migrate {
        db::run_migrations(&config.database.url).await?;
    }
    let pool = db::pool(&config.database)?;
    let mut conn = pool.get().await.context("no database connection")?;
    let exists = app::tenancy::db::users::User::by_email(&mut conn, &email.trim().to_lowercase()).await?.is_some();
    let password = if exists {
        None
    } else if let Ok(p) = std::env::var("MOSTRADOR_OPERATOR_PASSWORD") {
        Some(p)
    } else {
        eprintln!("Contraseña para {email} (una línea):");
        let mut line = String::new();
        std::io::stdin().read_line(&mut line)?;
        Some(line.trim_end_matches(['\r', '\n']).to_owned())
    };
    let created =
        app::tenancy::setup::make_operator(&mut conn, email, password).await.map_err(|e| anyhow::anyhow!("{e}"))?;
    println!("{email}: {}", if created { "cuenta de operador creada" } else { "ahora es operador de la plataforma" });
    Ok(())
}

/// Creates the demo accounts and businesses (idempotent) and logs how to sign in.
async fn seed_demo(pool: &app::db::DbPool) -> anyhow::Result<()> {
    let mut conn = pool.get().await.context("seeding the demo: no database connection")?;
    let created = app::tenancy::setup::seed_demo(&mut conn, DEMO_PASSWORD)
        .await
        .map_err(|e| anyhow::anyhow!("seeding the demo: {e}"))?;
    for (email, what) in created {
        tracing::info!(%email, password = DEMO_PASSWORD, "demo account: {what}");
    }
    Ok(())
}

/// The demo accounts' password (the run script prints it; never used outside the demo).
pub const DEMO_PASSWORD: &str = "mostrador-demo";

/// Completes on Ctrl-C (SIGINT) or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(e) = tokio::signal::ctrl_c().await {
            tracing::error!(error = %e, "cannot listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(e) => {
                tracing::error!(error = %e, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {}
        () = terminate => {}
    }
}

fn leptos_options(config: &Config, addr: SocketAddr) -> LeptosOptions {
    let env = match std::env::var("LEPTOS_ENV").as_deref() {
        Ok("DEV" | "dev" | "development") => Env::DEV,
        _ => Env::PROD,
    };
    LeptosOptions::builder()
        .output_name(std::env::var("LEPTOS_OUTPUT_NAME").unwrap_or_else(|_| "mostrador".into()))
        .site_root(config.http.site_root.to_string_lossy().into_owned())
        .site_pkg_dir("pkg")
        .site_addr(addr)
        .env(env)
        .build()
}

/// The broker address nodes get in their QR code when `APP_IOT__BROKER_URL` is not set: the
/// embedded broker's MQTT 5 port (the ESP32 client speaks MQTT 5) on the public host, or the
/// external broker's host and port.
fn node_broker_url(config: &Config, broker: Option<&EmbeddedBroker>) -> String {
    let public_host = config
        .http
        .public_url
        .as_deref()
        .and_then(|u| url::Url::parse(u).ok())
        .and_then(|u| u.host_str().map(str::to_owned));
    match (broker, &config.mqtt.url) {
        (Some(b), _) => {
            let host = public_host
                .unwrap_or_else(|| if b.v5.ip().is_unspecified() { "127.0.0.1".into() } else { b.v5.ip().to_string() });
            format!("mqtt://{host}:{}", b.v5.port())
        }
        (None, Some(url)) => ClientTarget::from_url(url)
            .map(|t| format!("mqtt://{}:{}", t.host, t.port))
            .unwrap_or_else(|_| "mqtt://127.0.0.1:1883".into()),
        (None, None) => "mqtt://127.0.0.1:1883".into(),
    }
}

/// `hostname:pid:random`: unique per process, readable in the servers table.
fn server_id() -> String {
    let host =
        std::fs::read_to_string("/etc/hostname").map(|h| h.trim().to_owned()).unwrap_or_else(|_| "localhost".into());
    format!("{host}:{}:{:08x}", std::process::id(), rand::random::<u32>())
}

fn short_suffix(server_id: &str) -> &str {
    server_id.rsplit(':').next().unwrap_or(server_id)
}
