//! The device registry as the broker and the ingest see it: an in-memory map from public id
//! to key, filled at start-up, refreshed every [`REFRESH_EVERY`] from the transaction ids that
//! changed a device's key (`devices.changed_xid`: never misses a change, however late it
//! commits, on any server), and asked of the database on a miss (a device added a second ago).
//! The broker's hooks only read the map, and hand misses to one task through a channel, so a
//! flood of unknown ids costs one query per id per [`NEGATIVE_TTL`], never a connection each.
//! A device whose key changed is disconnected from the embedded broker as soon as a refresh
//! sees the change ([`Kick`]).

use shared::ids::{DeviceId, TenantId};
use std::collections::HashMap;
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use app::db::DbPool;
use app::iot::db::devices::DeviceKeyRow;
use shared::iot::frame::{Secret, constant_time_eq};
use shared::iot::wire::is_device_id;

use tokio::sync::{mpsc, oneshot};
use tokio_util::sync::CancellationToken;

use crate::jobs::JobError;
use crate::mqtt::acl::Access;

/// How often changed devices are reloaded.
pub const REFRESH_EVERY: Duration = Duration::from_secs(2);

/// How long an unknown id is remembered as unknown (a misconfigured node retrying every
/// second costs one query per this period, not one per attempt).
const NEGATIVE_TTL: Duration = Duration::from_secs(5);

/// What the ingest needs to check a device's frames.
#[derive(Debug, Clone)]
pub struct DeviceKey {
    /// Internal id.
    pub id: DeviceId,
    /// Its business.
    pub tenant_id: TenantId,
    /// HMAC key (`None`: revoked).
    pub secret: Option<Secret>,
    /// The key's version in the database (the ingest stores frames only if it still matches).
    pub key_version: i64,
    /// What it must give the broker as password.
    pub broker_password: Option<String>,
}

impl DeviceKey {
    fn from_row(row: &DeviceKeyRow) -> Self {
        let secret = row.secret.as_deref().and_then(Secret::from_bytes);
        let broker_password = secret.as_ref().map(|s| s.broker_password(&row.uid));
        Self { id: row.id, tenant_id: row.tenant_id, secret, key_version: row.key_version, broker_password }
    }
}

/// Who may connect besides devices: this server's own clients and configured extra users.
#[derive(Clone, Default)]
pub struct ServiceUsers {
    /// This server's own user and password (superuser on the embedded broker).
    pub server: Option<(String, String)>,
    /// Configured service users (tools, tests, the demo): users and passwords.
    pub extra: HashMap<String, String>,
    /// Service users that may also read devices' uplink topics.
    pub observers: std::collections::HashSet<String>,
    /// Client ids under this prefix belong to the servers; no service user may take one.
    pub reserved_prefix: String,
}

impl std::fmt::Debug for ServiceUsers {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServiceUsers")
            .field("server", &self.server.as_ref().map(|(u, _)| u))
            .field("extra", &self.extra.keys().collect::<Vec<_>>())
            .finish()
    }
}

/// What disconnects a client from the embedded broker (set once it runs).
pub trait Kick: Send + Sync {
    /// Disconnects `client_id`, if connected.
    fn kick(&self, client_id: &str);
}

/// The shared map.
pub struct Registry {
    devices: RwLock<HashMap<String, Arc<DeviceKey>>>,
    unknown: RwLock<HashMap<String, Instant>>,
    service: ServiceUsers,
    kicker: std::sync::OnceLock<Box<dyn Kick>>,
    misses: mpsc::Sender<(String, oneshot::Sender<Option<Arc<DeviceKey>>>)>,
}

impl Registry {
    /// An empty registry and the receiving end of its miss channel (for [`run`]).
    pub fn new(service: ServiceUsers) -> (Arc<Self>, MissQueue) {
        let (tx, rx) = mpsc::channel(1024);
        let registry = Arc::new(Self {
            devices: RwLock::new(HashMap::new()),
            unknown: RwLock::new(HashMap::new()),
            service,
            kicker: std::sync::OnceLock::new(),
            misses: tx,
        });
        (registry, MissQueue(rx))
    }

    /// The device `uid` from the map only.
    pub fn cached(&self, uid: &str) -> Option<Arc<DeviceKey>> {
        self.devices.read().ok()?.get(uid).cloned()
    }

    /// The device `uid`, asking the database on a miss.
    pub async fn get(&self, uid: &str) -> Option<Arc<DeviceKey>> {
        if let Some(key) = self.cached(uid) {
            return Some(key);
        }
        if !is_device_id(uid) || self.unknown.read().ok()?.get(uid).is_some_and(|at| at.elapsed() < NEGATIVE_TTL) {
            return None;
        }
        let (tx, rx) = oneshot::channel();
        self.misses.try_send((uid.to_owned(), tx)).ok()?;
        rx.await.ok().flatten()
    }

    /// The broker's check at CONNECT: a device connects as itself (client id = username =
    /// its id) with the password derived from its secret; this server's clients and service
    /// users with their passwords, a service user never with a device's or a server's client id.
    pub async fn access(&self, client_id: &str, username: &str, password: &str) -> Access {
        let matches = |expected: &str| constant_time_eq(expected.as_bytes(), password.as_bytes());
        if let Some((user, pass)) = &self.service.server
            && user == username
        {
            return if matches(pass) { Access::Server } else { Access::Denied };
        }
        if let Some(expected) = self.service.extra.get(username) {
            let id_ok = crate::mqtt::acl::service_client_id_ok(client_id, &self.service.reserved_prefix);
            return if !(matches(expected) && id_ok) {
                Access::Denied
            } else if self.service.observers.contains(username) {
                Access::Observer
            } else {
                Access::Service
            };
        }
        // A device may not take another's client id (that would disconnect the other).
        if client_id != username {
            return Access::Denied;
        }
        match self.get(username).await {
            Some(key) if key.broker_password.as_deref().is_some_and(matches) => Access::Device,
            _ => Access::Denied,
        }
    }

    /// What an already authenticated client is, from its client id and username (the broker's
    /// subscribe and publish checks).
    pub fn known_access(&self, client_id: &str, username: Option<&str>) -> Access {
        let Some(username) = username else { return Access::Denied };
        if self.service.server.as_ref().is_some_and(|(user, _)| user == username) {
            Access::Server
        } else if self.service.extra.contains_key(username) {
            if self.service.observers.contains(username) { Access::Observer } else { Access::Service }
        } else if client_id == username && is_device_id(client_id) {
            Access::Device
        } else {
            Access::Denied
        }
    }

    /// Sets what disconnects devices whose key changed (the embedded broker, once).
    pub fn set_kicker(&self, kicker: Box<dyn Kick>) {
        let _ = self.kicker.set(kicker);
    }

    fn store(&self, uid: &str, key: Option<Arc<DeviceKey>>) {
        match key {
            Some(key) => {
                let changed =
                    self.devices.write().ok().and_then(|mut map| map.insert(uid.to_owned(), key.clone())).is_some_and(
                        |old| old.key_version != key.key_version || old.secret.is_some() != key.secret.is_some(),
                    );
                // Rotated or revoked: the connection made with the old key ends now.
                if changed && let Some(kicker) = self.kicker.get() {
                    kicker.kick(uid);
                }
                if let Ok(mut unknown) = self.unknown.write() {
                    unknown.remove(uid);
                }
            }
            None => {
                if let Ok(mut unknown) = self.unknown.write() {
                    if unknown.len() > 10_000 {
                        unknown.retain(|_, at| at.elapsed() < NEGATIVE_TTL);
                    }
                    unknown.insert(uid.to_owned(), Instant::now());
                }
            }
        }
    }

    /// Loads devices changed in transaction `since` or later (all when `None`); returns where
    /// the next refresh starts.
    pub async fn refresh(&self, pool: &DbPool, since: Option<i64>) -> Option<i64> {
        let rows = async {
            let mut conn = pool.get().await?;
            Ok::<_, JobError>(load_changed(&mut conn, since).await?)
        }
        .await;
        match rows {
            Ok((next, rows)) => {
                for row in &rows {
                    self.store(&row.uid, Some(Arc::new(DeviceKey::from_row(row))));
                }
                Some(next)
            }
            Err(e) => {
                tracing::warn!(error = %e, "device registry refresh failed");
                since
            }
        }
    }
}

async fn load_changed(
    conn: &mut diesel_async::AsyncPgConnection,
    since: Option<i64>,
) -> diesel::QueryResult<(i64, Vec<DeviceKeyRow>)> {
    conn.build_transaction()
        .repeatable_read()
        .read_only()
        .run::<_, diesel::result::Error, _>(async |conn| {
            app::rls::enter_system(conn).await?;
            DeviceKeyRow::changed_since(conn, since).await
        })
        .await
}

async fn load_one(pool: &DbPool, uid: &str) -> Result<Option<DeviceKeyRow>, JobError> {
    use diesel_async::AsyncConnection;
    let mut conn = pool.get().await?;
    let row = conn
        .transaction::<_, diesel::result::Error, _>(async |conn| {
            app::rls::enter_system(conn).await?;
            DeviceKeyRow::by_uid(conn, uid).await
        })
        .await?;
    Ok(row)
}

/// The receiving end of the registry's misses.
pub struct MissQueue(mpsc::Receiver<(String, oneshot::Sender<Option<Arc<DeviceKey>>>)>);

/// Serves misses and refreshes the map until `shutdown` (runs on the server's runtime).
pub async fn run(registry: Arc<Registry>, MissQueue(mut misses): MissQueue, pool: DbPool, shutdown: CancellationToken) {
    let mut since = registry.refresh(&pool, None).await;
    let mut tick = tokio::time::interval(REFRESH_EVERY);
    loop {
        tokio::select! {
            () = shutdown.cancelled() => return,
            _ = tick.tick() => {
                since = registry.refresh(&pool, since).await.or(since);
            }
            Some((uid, reply)) = misses.recv() => {
                let key = match load_one(&pool, &uid).await {
                    Ok(row) => row.map(|r| Arc::new(DeviceKey::from_row(&r))),
                    Err(e) => {
                        tracing::warn!(error = %e, "device lookup failed");
                        let _ = reply.send(None);
                        continue;
                    }
                };
                registry.store(&uid, key.clone());
                let _ = reply.send(key);
            }
        }
    }
}
