//! Settings: every one has a default that runs with nothing set; `APP_*` environment variables
//! override them (`__` separates a section from its key, as in `APP_MQTT__URL`). Secrets are
//! never logged: `Debug` redacts passwords in URLs.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::str::FromStr;

use anyhow::{Context, bail};

/// The whole configuration.
#[derive(Clone)]
pub struct Config {
    /// HTTP listener and site files.
    pub http: HttpConfig,
    /// PostgreSQL.
    pub database: DatabaseConfig,
    /// MQTT broker and client.
    pub mqtt: MqttConfig,
    /// Outgoing mail.
    pub mail: MailConfig,
    /// Devices and ingest.
    pub iot: crate::iot::IotConfig,
    /// Demo accounts and businesses at start-up (`APP_DEMO__SEED`, default false; the run
    /// script turns it on).
    pub demo_seed: bool,
    /// IANA zone times are shown in until tenants bring their own (`APP_TIME_ZONE`).
    pub time_zone: chrono_tz::Tz,
}

/// HTTP settings.
#[derive(Clone, Debug)]
pub struct HttpConfig {
    /// Where to listen (`APP_HTTP__ADDR`, else `LEPTOS_SITE_ADDR`, else 127.0.0.1:3000).
    /// Port 0 picks a free port (tests).
    pub addr: SocketAddr,
    /// Folder with the built site (`APP_HTTP__SITE_ROOT`, else `LEPTOS_SITE_ROOT`, else
    /// `target/site`).
    pub site_root: PathBuf,
    /// The site's public origin, `https://app.example.com` (`APP_HTTP__PUBLIC_URL`): links in
    /// mails, `Secure` cookies when https, and the only `Origin` state-changing requests may
    /// come from. Unset: each request's own `Host` (development).
    pub public_url: Option<String>,
    /// Take the client address from `X-Forwarded-For` (`APP_HTTP__TRUST_FORWARDED`, default
    /// false: only behind a proxy that overwrites it).
    pub trust_forwarded: bool,
    /// Answer each server function with a `Server-Timing` header counting its statements and
    /// transactions (`APP_HTTP__SERVER_TIMING`, default false: the counts differ between an
    /// unknown account and a wrong password, so only for tests and development).
    pub server_timing: bool,
}

/// Outgoing mail settings.
#[derive(Clone)]
pub struct MailConfig {
    /// `smtps://user:pass@host:465` or `smtp://user:pass@host:587?tls=required`
    /// (`APP_MAIL__SMTP_URL`). Unset: mails are logged and listed on `/dev/correos`.
    pub smtp_url: Option<String>,
    /// The sender, `Mostrador <no-responder@example.com>` (`APP_MAIL__FROM`).
    pub from: String,
    /// With no SMTP, list the mails at `/dev/correos` (`APP_MAIL__DEV_MAILBOX`, default false; the
    /// run and test scripts turn it on). Anyone who can reach the page reads every mail, reset
    /// links included: never on a public server.
    pub dev_mailbox: bool,
}

/// PostgreSQL settings.
#[derive(Clone)]
pub struct DatabaseConfig {
    /// `APP_DATABASE__URL`, else `DATABASE_URL`, else the private cluster the run script starts.
    /// The role that owns the tables: migrations run with it.
    pub url: String,
    /// The role the application's queries run as (`APP_DATABASE__APP_URL`): it owns nothing and
    /// is subject to row-level security. Default: `url` with user `mostrador_app`, no password.
    pub app_url: String,
    /// Connections in the pool (`APP_DATABASE__POOL_SIZE`, default 16).
    pub pool_size: usize,
    /// Run pending migrations at start-up (`APP_DATABASE__MIGRATE`, default true).
    pub migrate: bool,
}

/// MQTT settings.
#[derive(Clone)]
pub struct MqttConfig {
    /// An external broker, `mqtt://user:pass@host:port` (`APP_MQTT__URL`). Unset: the embedded
    /// broker starts in-process.
    pub url: Option<String>,
    /// Address the embedded broker binds (`APP_MQTT__BIND`, default 127.0.0.1; use 0.0.0.0 to
    /// let nodes on the LAN connect).
    pub bind: std::net::IpAddr,
    /// Embedded broker's MQTT 3.1.1 port (`APP_MQTT__PORT_V4`, default 1883).
    pub port_v4: u16,
    /// Embedded broker's MQTT 5 port (`APP_MQTT__PORT_V5`, default 1884).
    pub port_v5: u16,
    /// Topic filters the server's client subscribes to for the status page
    /// (`APP_MQTT__TOPICS`, comma-separated, default `#`).
    pub topics: Vec<String>,
    /// Client id prefix of the server's own MQTT client (`APP_MQTT__CLIENT_ID`); a per-process
    /// suffix keeps several servers from kicking each other off.
    pub client_id: String,
    /// Extra users the embedded broker accepts besides devices and the server itself
    /// (`APP_MQTT__EXTRA_USERS`, `user:password,user2:password2`): tools, integrations, tests.
    pub extra_users: Vec<(String, String)>,
    /// Extra users that may also read every device's uplink topic (`APP_MQTT__OBSERVERS`,
    /// `user,user2`): a monitoring tool, the tests' observer. Never write, never `$share`.
    pub observers: Vec<String>,
}

/// The database the run script's private cluster serves.
pub const DEFAULT_DATABASE_URL: &str = "postgres://mostrador_owner@127.0.0.1:54320/mostrador";

/// The role the application's queries run as (created by the first migration if missing).
pub const APP_ROLE: &str = "mostrador_app";

/// `url` with its user replaced by [`APP_ROLE`] and no password.
pub fn app_role_url(url: &str) -> anyhow::Result<String> {
    let mut parsed = url::Url::parse(url).context("APP_DATABASE__URL is not a URL")?;
    parsed.set_username(APP_ROLE).map_err(|()| anyhow::anyhow!("APP_DATABASE__URL has no user part"))?;
    parsed.set_password(None).map_err(|()| anyhow::anyhow!("APP_DATABASE__URL has no password part"))?;
    Ok(parsed.to_string())
}

impl MqttConfig {
    /// The `APP_MQTT__*` settings through `get`.
    fn from_lookup(get: &dyn Fn(&str) -> Option<String>) -> anyhow::Result<Self> {
        let topics = get("APP_MQTT__TOPICS").unwrap_or_else(|| "#".into());
        let topics: Vec<String> = topics.split(',').map(|t| t.trim().to_owned()).filter(|t| !t.is_empty()).collect();
        for t in &topics {
            if shared::mqtt_topic::validate_filter(t).is_err() {
                bail!("APP_MQTT__TOPICS: `{t}` is not a valid MQTT topic filter");
            }
        }
        Ok(Self {
            url: get("APP_MQTT__URL"),
            bind: parse_or("APP_MQTT__BIND", get("APP_MQTT__BIND"), "127.0.0.1")?,
            port_v4: parse_or("APP_MQTT__PORT_V4", get("APP_MQTT__PORT_V4"), "1883")?,
            port_v5: parse_or("APP_MQTT__PORT_V5", get("APP_MQTT__PORT_V5"), "1884")?,
            topics,
            client_id: get("APP_MQTT__CLIENT_ID").unwrap_or_else(|| "mostrador-server".into()),
            extra_users: parse_users(get("APP_MQTT__EXTRA_USERS").as_deref().unwrap_or_default())?,
            observers: get("APP_MQTT__OBSERVERS")
                .unwrap_or_default()
                .split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .collect(),
        })
    }
}

impl Config {
    /// Reads the process environment.
    pub fn from_env() -> anyhow::Result<Self> {
        Self::from_lookup(|key| std::env::var(key).ok())
    }

    /// Reads settings through `get` (the environment, or a map in tests).
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> anyhow::Result<Self> {
        let get = |key: &str| get(key).filter(|v| !v.trim().is_empty());
        let addr = get("APP_HTTP__ADDR").or_else(|| get("LEPTOS_SITE_ADDR"));
        let db_url =
            get("APP_DATABASE__URL").or_else(|| get("DATABASE_URL")).unwrap_or_else(|| DEFAULT_DATABASE_URL.into());
        let app_url = match get("APP_DATABASE__APP_URL") {
            Some(u) => u,
            None => app_role_url(&db_url)?,
        };
        let config = Self {
            http: HttpConfig {
                addr: parse_or("APP_HTTP__ADDR", addr, "127.0.0.1:3000")?,
                site_root: get("APP_HTTP__SITE_ROOT")
                    .or_else(|| get("LEPTOS_SITE_ROOT"))
                    .unwrap_or_else(|| "target/site".into())
                    .into(),
                public_url: get("APP_HTTP__PUBLIC_URL").map(|u| public_origin(&u)).transpose()?,
                trust_forwarded: parse_or("APP_HTTP__TRUST_FORWARDED", get("APP_HTTP__TRUST_FORWARDED"), "false")?,
                server_timing: parse_or("APP_HTTP__SERVER_TIMING", get("APP_HTTP__SERVER_TIMING"), "false")?,
            },
            database: DatabaseConfig {
                url: db_url,
                app_url,
                pool_size: parse_or("APP_DATABASE__POOL_SIZE", get("APP_DATABASE__POOL_SIZE"), "16")?,
                migrate: parse_or("APP_DATABASE__MIGRATE", get("APP_DATABASE__MIGRATE"), "true")?,
            },
            mqtt: MqttConfig::from_lookup(&get)?,
            iot: crate::iot::IotConfig {
                workers: parse_or("APP_IOT__WORKERS", get("APP_IOT__WORKERS"), "2")?,
                retention_days: parse_or("APP_IOT__RETENTION_DAYS", get("APP_IOT__RETENTION_DAYS"), "400")?,
                shared_subscription: parse_or(
                    "APP_IOT__SHARED_SUBSCRIPTION",
                    get("APP_IOT__SHARED_SUBSCRIPTION"),
                    "true",
                )?,
                broker_url: get("APP_IOT__BROKER_URL"),
            },
            mail: MailConfig {
                smtp_url: get("APP_MAIL__SMTP_URL"),
                from: get("APP_MAIL__FROM").unwrap_or_else(|| "Mostrador <no-responder@mostrador.local>".into()),
                dev_mailbox: parse_or("APP_MAIL__DEV_MAILBOX", get("APP_MAIL__DEV_MAILBOX"), "false")?,
            },
            demo_seed: parse_or("APP_DEMO__SEED", get("APP_DEMO__SEED"), "false")?,
            time_zone: parse_or("APP_TIME_ZONE", get("APP_TIME_ZONE"), "America/Argentina/Buenos_Aires")?,
        };
        config.check()?;
        Ok(config)
    }

    /// Settings that are valid one by one but not together, and ranges.
    fn check(&self) -> anyhow::Result<()> {
        let config = self;
        // Links in real mails must never be built from a request's Host header (anyone can send
        // any Host): a server that mails people must know its own address.
        if config.mail.smtp_url.is_some() && config.http.public_url.is_none() {
            bail!("APP_HTTP__PUBLIC_URL is required when APP_MAIL__SMTP_URL is set (links in mails use it)");
        }
        if config.mail.from.parse::<lettre::message::Mailbox>().is_err() {
            bail!("APP_MAIL__FROM: `{}` is not a mailbox (Name <address>)", config.mail.from);
        }
        if !(1..=3650).contains(&config.iot.retention_days) {
            bail!("APP_IOT__RETENTION_DAYS must be between 1 and 3650");
        }
        if !(1..=64).contains(&config.iot.workers) {
            bail!("APP_IOT__WORKERS must be between 1 and 64");
        }
        if config.database.pool_size == 0 {
            bail!("APP_DATABASE__POOL_SIZE must be at least 1");
        }
        Ok(())
    }
}

/// `user:password,user2:password2`.
fn parse_users(raw: &str) -> anyhow::Result<Vec<(String, String)>> {
    raw.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|pair| {
            let (user, pass) = pair.split_once(':').context("APP_MQTT__EXTRA_USERS: each entry is user:password")?;
            if user.is_empty() || pass.is_empty() || shared::iot::wire::is_device_id(user) {
                bail!("APP_MQTT__EXTRA_USERS: `{user}` is not a usable user name (empty, or shaped like a device id)");
            }
            Ok((user.to_owned(), pass.to_owned()))
        })
        .collect()
}

/// `scheme://host[:port]` of `APP_HTTP__PUBLIC_URL` (a path or a default port is dropped: the
/// CSRF check compares it with the browser's `Origin`).
fn public_origin(raw: &str) -> anyhow::Result<String> {
    let url = url::Url::parse(raw.trim()).with_context(|| format!("APP_HTTP__PUBLIC_URL: `{raw}` is not a URL"))?;
    if !matches!(url.scheme(), "http" | "https") || url.host().is_none() {
        bail!("APP_HTTP__PUBLIC_URL must be an http:// or https:// address");
    }
    Ok(url.origin().ascii_serialization())
}

/// Parses `value` (or `default`), naming `key` in the error.
fn parse_or<T: FromStr>(key: &str, value: Option<String>, default: &str) -> anyhow::Result<T>
where
    T::Err: std::fmt::Display,
{
    let raw = value.unwrap_or_else(|| default.to_owned());
    raw.trim().parse::<T>().map_err(|e| anyhow::anyhow!("{e}")).with_context(|| format!("{key}: cannot use `{raw}`"))
}

/// `scheme://user:***@host...`: a URL with its password hidden, for logs.
pub fn redact_url(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else { return url.to_owned() };
    let (authority, tail) = rest.split_once('/').map_or((rest, None), |(a, t)| (a, Some(t)));
    let authority = match authority.rsplit_once('@') {
        Some((userinfo, host)) => match userinfo.split_once(':') {
            Some((user, _)) => format!("{user}:***@{host}"),
            None => format!("{userinfo}@{host}"),
        },
        None => authority.to_owned(),
    };
    match tail {
        Some(t) => format!("{scheme}://{authority}/{t}"),
        None => format!("{scheme}://{authority}"),
    }
}

impl std::fmt::Debug for DatabaseConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DatabaseConfig")
            .field("url", &redact_url(&self.url))
            .field("app_url", &redact_url(&self.app_url))
            .field("pool_size", &self.pool_size)
            .field("migrate", &self.migrate)
            .finish()
    }
}

impl std::fmt::Debug for MqttConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MqttConfig")
            .field("url", &self.url.as_deref().map(redact_url))
            .field("bind", &self.bind)
            .field("port_v4", &self.port_v4)
            .field("port_v5", &self.port_v5)
            .field("topics", &self.topics)
            .field("client_id", &self.client_id)
            .field("extra_users", &self.extra_users.iter().map(|(u, _)| u).collect::<Vec<_>>())
            .field("observers", &self.observers)
            .finish()
    }
}

impl std::fmt::Debug for MailConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MailConfig")
            .field("smtp_url", &self.smtp_url.as_deref().map(redact_url))
            .field("from", &self.from)
            .field("dev_mailbox", &self.dev_mailbox)
            .finish()
    }
}

impl std::fmt::Debug for Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Config")
            .field("http", &self.http)
            .field("database", &self.database)
            .field("mqtt", &self.mqtt)
            .field("mail", &self.mail)
            .field("iot", &self.iot)
            .field("demo_seed", &self.demo_seed)
            .field("time_zone", &self.time_zone)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn config(vars: &[(&str, &str)]) -> anyhow::Result<Config> {
        let map: HashMap<String, String> = vars.iter().map(|(k, v)| ((*k).into(), (*v).into())).collect();
        Config::from_lookup(|k| map.get(k).cloned())
    }

    #[test]
    fn runs_with_nothing_set() {
        let c = config(&[]).unwrap();
        assert_eq!(c.http.addr.to_string(), "127.0.0.1:3000");
        assert_eq!(c.database.url, DEFAULT_DATABASE_URL);
        assert_eq!(c.database.app_url, "postgres://mostrador_app@127.0.0.1:54320/mostrador");
        assert!(c.mail.smtp_url.is_none() && c.http.public_url.is_none() && !c.demo_seed);
        assert!(c.mqtt.url.is_none());
        assert_eq!((c.mqtt.port_v4, c.mqtt.port_v5), (1883, 1884));
        assert_eq!(c.mqtt.topics, vec!["#".to_string()]);
        assert_eq!(c.time_zone, chrono_tz::America::Argentina::Buenos_Aires);
    }

    #[test]
    fn app_variables_override_defaults() {
        let c = config(&[
            ("APP_HTTP__ADDR", "0.0.0.0:8080"),
            ("DATABASE_URL", "postgres://a@b/c"),
            ("APP_MQTT__URL", "mqtt://u:p@broker:1883"),
            ("APP_MQTT__TOPICS", "a/#, b/+"),
            ("APP_TIME_ZONE", "America/Argentina/Cordoba"),
        ])
        .unwrap();
        assert_eq!(c.http.addr.port(), 8080);
        assert_eq!(c.database.url, "postgres://a@b/c");
        assert_eq!(c.mqtt.url.as_deref(), Some("mqtt://u:p@broker:1883"));
        assert_eq!(c.mqtt.topics, vec!["a/#".to_string(), "b/+".to_string()]);
    }

    #[test]
    fn bad_values_name_their_variable() {
        let err = config(&[("APP_MQTT__PORT_V4", "nope")]).err().unwrap();
        assert!(format!("{err:#}").contains("APP_MQTT__PORT_V4"));
        let err = config(&[("APP_MQTT__TOPICS", "a/#/b")]).err().unwrap();
        assert!(err.to_string().contains("APP_MQTT__TOPICS"));
        assert!(config(&[("APP_TIME_ZONE", "Mars/Olympus")]).is_err());
        assert!(config(&[("APP_DATABASE__POOL_SIZE", "0")]).is_err());
        assert!(config(&[("APP_HTTP__PUBLIC_URL", "app.example.com")]).is_err());
        assert!(config(&[("APP_MAIL__SMTP_URL", "smtps://u:p@mail:465")]).is_err(), "mails need the public URL");
        assert!(config(&[("APP_MAIL__FROM", "nadie")]).is_err());
    }

    #[test]
    fn passwords_never_reach_the_logs() {
        assert_eq!(redact_url("postgres://app:s3cret@db:5432/m"), "postgres://app:***@db:5432/m");
        assert_eq!(redact_url("mqtt://u:p@h:1883"), "mqtt://u:***@h:1883");
        assert_eq!(redact_url("postgres://app@db/m"), "postgres://app@db/m");
        let c = config(&[
            ("DATABASE_URL", "postgres://app:s3cret@db/m"),
            ("APP_MAIL__SMTP_URL", "smtps://u:s3cret@mail:465"),
            ("APP_HTTP__PUBLIC_URL", "https://app.example.com:443/ingresar"),
        ])
        .unwrap();
        assert!(!format!("{c:?}").contains("s3cret"));
        assert_eq!(c.database.app_url, "postgres://mostrador_app@db/m");
        assert_eq!(c.http.public_url.as_deref(), Some("https://app.example.com"), "reduced to its origin");
    }
}
