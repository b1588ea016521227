//! The device registry: creating devices with their secret, rotating and revoking secrets,
//! listing them for a business, and the keys the broker and the ingest check against.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use shared::ids::{DeviceId, TenantId};

use crate::schema::devices;
use crate::tenancy::auth::TenantScope;

/// What the broker and the ingest need to know about a device.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = devices)]
pub struct DeviceKeyRow {
    /// Internal id.
    pub id: DeviceId,
    /// Its business.
    pub tenant_id: TenantId,
    /// Public id (MQTT username).
    pub uid: String,
    /// HMAC key; `None` once revoked.
    pub secret: Option<Vec<u8>>,
    /// Bumped by the database whenever the secret changes.
    pub key_version: i64,
}

impl DeviceKeyRow {
    /// The device with public id `uid` (ingest/broker context: call [`crate::rls::enter_system`]).
    pub async fn by_uid(conn: &mut AsyncPgConnection, uid: &str) -> QueryResult<Option<Self>> {
        devices::table.filter(devices::uid.eq(uid)).select(Self::as_select()).first(conn).await.optional()
    }

    /// Devices whose key changed in transaction `since` or a later one (all when `None`), for
    /// the broker's cache, with the oldest transaction still running now: the caller's next
    /// `since`. Any change not committed yet belongs to that transaction or a later one, so
    /// reading from there next time never misses it, however late it commits (a revocation
    /// that waited on the ingest's row lock). Needs its own REPEATABLE READ transaction: the
    /// mark and the rows must come from one snapshot.
    pub async fn changed_since(conn: &mut AsyncPgConnection, since: Option<i64>) -> QueryResult<(i64, Vec<Self>)> {
        #[derive(diesel::QueryableByName)]
        struct Mark {
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            xmin: i64,
        }
        let mark: Mark = diesel::sql_query("SELECT pg_snapshot_xmin(pg_current_snapshot())::text::int8 AS xmin")
            .get_result(conn)
            .await?;
        let mut q = devices::table.select(Self::as_select()).order(devices::changed_xid.asc()).into_boxed();
        if let Some(since) = since {
            q = q.filter(devices::changed_xid.ge(since));
        }
        Ok((mark.xmin, q.load(conn).await?))
    }
}

/// A device as its business sees it.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = devices)]
pub struct Device {
    /// Internal id.
    pub id: DeviceId,
    /// Public id.
    pub uid: String,
    /// Name people gave it.
    pub name: String,
    /// Where it is.
    pub location: String,
    /// When it was revoked.
    pub revoked_at: Option<DateTime<Utc>>,
    /// Added.
    pub created_at: DateTime<Utc>,
    /// Last valid frame.
    pub last_seen_at: Option<DateTime<Utc>>,
    /// Last boot.
    pub booted_at: Option<DateTime<Utc>>,
    /// Firmware version.
    pub firmware: Option<String>,
    /// Wi-Fi signal.
    pub rssi: Option<i16>,
    /// Relays fitted.
    pub relay_count: i16,
    /// Frames stored.
    pub frames_ok: i64,
    /// Frames received again.
    pub frames_duplicate: i64,
    /// Refused: bad MAC.
    pub rejected_mac: i64,
    /// Refused: malformed.
    pub rejected_malformed: i64,
    /// Refused: values out of range.
    pub rejected_values: i64,
    /// Frames kept in the quarantine.
    pub frames_quarantined: i64,
    /// Last refusal's reason.
    pub last_problem: Option<String>,
    /// Last refusal's time.
    pub last_problem_at: Option<DateTime<Utc>>,
}

/// A new device.
#[derive(Insertable)]
#[diesel(table_name = devices)]
pub struct NewDevice<'a> {
    /// Its business.
    pub tenant_id: TenantId,
    /// Public id.
    pub uid: &'a str,
    /// Name.
    pub name: &'a str,
    /// Location.
    pub location: &'a str,
    /// Secret.
    pub secret: &'a [u8],
}

impl Device {
    /// The business' devices, by name.
    pub async fn list(conn: &mut AsyncPgConnection, scope: &TenantScope) -> QueryResult<Vec<Self>> {
        devices::table
            .filter(devices::tenant_id.eq(scope.tenant_id()))
            .order((devices::revoked_at.is_not_null(), devices::name.asc(), devices::id.asc()))
            .select(Self::as_select())
            .load(conn)
            .await
    }

    /// One of the business' devices by public id.
    pub async fn find(conn: &mut AsyncPgConnection, scope: &TenantScope, uid: &str) -> QueryResult<Option<Self>> {
        devices::table
            .filter(devices::tenant_id.eq(scope.tenant_id()))
            .filter(devices::uid.eq(uid))
            .select(Self::as_select())
            .first(conn)
            .await
            .optional()
    }

    /// Creates a device; returns its internal id.
    pub async fn create(
        conn: &mut AsyncPgConnection,
        scope: &TenantScope,
        new: &NewDevice<'_>,
    ) -> QueryResult<DeviceId> {
        debug_assert_eq!(new.tenant_id, scope.tenant_id());
        diesel::insert_into(devices::table).values(new).returning(devices::id).get_result(conn).await
    }

    /// Gives the device a new secret (and forgets its sequence numbers: the node starts over
    /// with the new secret). `false` if there is no such device.
    pub async fn rotate(
        conn: &mut AsyncPgConnection,
        scope: &TenantScope,
        uid: &str,
        secret: &[u8],
    ) -> QueryResult<bool> {
        let n = diesel::update(devices::table)
            .filter(devices::tenant_id.eq(scope.tenant_id()))
            .filter(devices::uid.eq(uid))
            .set((
                devices::secret.eq(Some(secret)),
                devices::revoked_at.eq(None::<DateTime<Utc>>),
                devices::seq_upto.eq(0),
                devices::seq_above.eq(0),
                devices::updated_at.eq(diesel::dsl::now),
            ))
            .execute(conn)
            .await?;
        Ok(n == 1)
    }

    /// Revokes the device: its secret is erased, the broker and the ingest refuse it.
    pub async fn revoke(conn: &mut AsyncPgConnection, scope: &TenantScope, uid: &str) -> QueryResult<bool> {
        let n = diesel::update(devices::table)
            .filter(devices::tenant_id.eq(scope.tenant_id()))
            .filter(devices::uid.eq(uid))
            .filter(devices::revoked_at.is_null())
            .set((
                devices::secret.eq(None::<Vec<u8>>),
                devices::revoked_at.eq(diesel::dsl::now),
                devices::updated_at.eq(diesel::dsl::now),
            ))
            .execute(conn)
            .await?;
        Ok(n == 1)
    }

    /// Renames the device.
    pub async fn rename(
        conn: &mut AsyncPgConnection,
        scope: &TenantScope,
        uid: &str,
        name: &str,
        location: &str,
    ) -> QueryResult<bool> {
        let n = diesel::update(devices::table)
            .filter(devices::tenant_id.eq(scope.tenant_id()))
            .filter(devices::uid.eq(uid))
            .set((devices::name.eq(name), devices::location.eq(location)))
            .execute(conn)
            .await?;
        Ok(n == 1)
    }
}

/// The device's latest events (kind, time, detail), newest first.
pub async fn recent_events(
    conn: &mut AsyncPgConnection,
    scope: &TenantScope,
    device_id: DeviceId,
    limit: i64,
) -> QueryResult<Vec<(shared::iot::codes::EventKind, DateTime<Utc>, serde_json::Value)>> {
    use crate::schema::device_events as e;
    e::table
        .filter(e::tenant_id.eq(scope.tenant_id()))
        .filter(e::device_id.eq(device_id))
        .order(e::id.desc())
        .limit(limit)
        .select((e::kind, e::at, e::detail))
        .load(conn)
        .await
}

/// The device's latest frames kept in the quarantine (sequence, payload, reason, time), newest
/// first.
pub async fn recent_quarantine(
    conn: &mut AsyncPgConnection,
    scope: &TenantScope,
    device_id: DeviceId,
    limit: i64,
) -> QueryResult<Vec<(i64, Vec<u8>, String, DateTime<Utc>)>> {
    use crate::schema::device_quarantine as q;
    q::table
        .filter(q::tenant_id.eq(scope.tenant_id()))
        .filter(q::device_id.eq(device_id))
        .order(q::id.desc())
        .limit(limit)
        .select((q::seq, q::payload, q::reason, q::at))
        .load(conn)
        .await
}

/// Creates `count` devices named `prefix-0001`... in the business `slug` for the load
/// simulator (`mostrador simulate`), with the given secrets; `None` if there is no such
/// business. Runs as the system and the operator: a tool's work, never a request's.
pub async fn create_for_simulation(
    conn: &mut AsyncPgConnection,
    slug: &str,
    prefix: &str,
    devices: &[(String, [u8; 32])],
) -> QueryResult<Option<TenantId>> {
    use diesel::sql_types::{BigInt, Text};
    use diesel_async::AsyncConnection;
    #[derive(diesel::QueryableByName)]
    struct Id {
        #[diesel(sql_type = BigInt)]
        id: TenantId,
    }
    conn.transaction::<_, diesel::result::Error, _>(async |conn| {
        crate::rls::enter_system(conn).await?;
        crate::rls::set(conn, crate::rls::Setting::Operator, "on").await?;
        let tenant: Option<Id> = diesel::sql_query("SELECT id FROM tenants WHERE slug = $1")
            .bind::<Text, _>(slug)
            .get_result(conn)
            .await
            .optional()?;
        let Some(tenant) = tenant else { return Ok(None) };
        for (i, (uid, secret)) in devices.iter().enumerate() {
            let name = format!("{prefix}-{:04}", i + 1);
            let new = NewDevice { tenant_id: tenant.id, uid, name: &name, location: "Simulador", secret };
            diesel::insert_into(devices::table).values(&new).execute(conn).await?;
        }
        Ok(Some(tenant.id))
    })
    .await
}
