//! The devices pages' server functions (`/api/iot/*`): each runs through
//! [`crate::call::in_business`] with its permission and returns `shared::iot::dto` values.

use leptos::prelude::*;
use shared::iot::dto::{ChartSeries, DeviceCredentials, DeviceLive, DeviceSummary};

use crate::error::AppError;

#[cfg(feature = "ssr")]
fn broker_url() -> Result<String, AppError> {
    Ok(crate::state::state()?.broker_url)
}

/// The business' devices with their live values.
#[server(prefix = "/api/iot", endpoint = "list_devices")]
pub async fn list_devices() -> Result<Vec<DeviceSummary>, AppError> {
    use crate::iot::{db::devices::Device, service};
    crate::call::in_business(shared::tenancy::Permission::DevicesView, async |conn, scope| {
        let devices = Device::list(conn, scope).await?;
        service::summaries(conn, scope, devices).await
    })
    .await
}

/// Adds a device; its secret and QR are in the answer and never shown again.
#[server(prefix = "/api/iot", endpoint = "add_device")]
pub async fn add_device(name: String, location: String) -> Result<DeviceCredentials, AppError> {
    let broker = broker_url()?;
    crate::call::in_business(shared::tenancy::Permission::DevicesManage, async |conn, scope| {
        crate::iot::service::add_device(conn, scope, &name, &location, &broker).await
    })
    .await
}

/// Gives a device a new secret (the node must be provisioned again).
#[server(prefix = "/api/iot", endpoint = "rotate_device_secret")]
pub async fn rotate_device_secret(uid: String) -> Result<DeviceCredentials, AppError> {
    let broker = broker_url()?;
    crate::call::in_business(shared::tenancy::Permission::DevicesManage, async |conn, scope| {
        crate::iot::service::rotate_secret(conn, scope, &uid, &broker).await
    })
    .await
}

/// Revokes a device: the broker and the ingest refuse it from now on.
#[server(prefix = "/api/iot", endpoint = "revoke_device")]
pub async fn revoke_device(uid: String) -> Result<(), AppError> {
    crate::call::in_business(shared::tenancy::Permission::DevicesManage, async |conn, scope| {
        if crate::iot::db::devices::Device::revoke(conn, scope, &uid).await? {
            Ok(())
        } else {
            Err(AppError::NotFound.reply())
        }
    })
    .await
}

/// A device's live values, relays and events.
#[server(prefix = "/api/iot", endpoint = "get_device_live")]
pub async fn get_device_live(uid: String) -> Result<DeviceLive, AppError> {
    crate::call::in_business(shared::tenancy::Permission::DevicesView, async |conn, scope| {
        crate::iot::service::live(conn, scope, &uid).await
    })
    .await
}

/// A device's charts over a range (`1h`, `24h`, `7d`, `30d`).
#[server(prefix = "/api/iot", endpoint = "get_device_charts")]
pub async fn get_device_charts(uid: String, range: String) -> Result<Vec<ChartSeries>, AppError> {
    let range = shared::iot::dto::ChartRange::from_code(&range)
        .ok_or_else(|| AppError::invalid("range", "Rango desconocido."))?;
    crate::call::in_business(shared::tenancy::Permission::DevicesView, async |conn, scope| {
        crate::iot::service::charts(conn, scope, &uid, range).await
    })
    .await
}

/// Switches a relay: the command is stored, sent, and shown pending until the node answers.
#[server(prefix = "/api/iot", endpoint = "switch_relay")]
pub async fn switch_relay(uid: String, relay: u8, on: bool) -> Result<i64, AppError> {
    crate::call::in_business(shared::tenancy::Permission::DevicesOperate, async |conn, scope| {
        crate::iot::service::switch_relay(conn, scope, &uid, relay, on).await
    })
    .await
}
