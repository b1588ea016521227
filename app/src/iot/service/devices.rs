//! Creating devices: their name and location checked, a fresh uid and secret, and the
//! provisioning QR (shown once).

use diesel_async::AsyncPgConnection;
use shared::iot::dto::DeviceCredentials;
use shared::iot::frame::Secret;
use shared::iot::wire::DEVICE_ID_LEN;

use crate::error::AppError;
use crate::iot::db::devices::{Device, NewDevice};
use crate::tenancy::auth::TenantScope;

/// Checks a device's name and location.
pub fn check_names(name: &str, location: &str) -> Result<(String, String), AppError> {
    let name = name.trim();
    if name.is_empty() {
        return Err(AppError::invalid("name", "Poné un nombre (por ejemplo «Cámara 1»)."));
    }
    if name.chars().count() > 80 {
        return Err(AppError::invalid("name", "El nombre puede tener hasta 80 caracteres."));
    }
    if shared::text::has_control(name) {
        return Err(AppError::invalid("name", shared::text::HAS_CONTROL));
    }
    let location = location.trim();
    if location.chars().count() > 80 {
        return Err(AppError::invalid("location", "La ubicación puede tener hasta 80 caracteres."));
    }
    if shared::text::has_control(location) {
        return Err(AppError::invalid("location", shared::text::HAS_CONTROL));
    }
    Ok((name.to_owned(), location.to_owned()))
}

/// A new random public id: 12 lowercase letters and digits (no 0/1/l/o to misread).
pub fn new_uid() -> String {
    const ALPHABET: &[u8] = b"abcdefghijkmnpqrstuvwxyz23456789";
    (0..DEVICE_ID_LEN).map(|_| char::from(ALPHABET[usize::from(rand::random::<u8>() % 32)])).collect()
}

/// Adds a device and returns what the node needs (shown once).
pub async fn add_device(
    conn: &mut AsyncPgConnection,
    scope: &TenantScope,
    name: &str,
    location: &str,
    broker_url: &str,
) -> Result<DeviceCredentials, AppError> {
    let (name, location) = check_names(name, location)?;
    let secret = Secret(rand::random());
    // 32^12 ids: a clash is astronomically rare, but the unique key would refuse it; try again.
    for _ in 0..3 {
        let uid = new_uid();
        let new =
            NewDevice { tenant_id: scope.tenant_id(), uid: &uid, name: &name, location: &location, secret: &secret.0 };
        match Device::create(conn, scope, &new).await {
            Ok(_) => return Ok(credentials(&uid, &name, &secret, broker_url)),
            Err(e) if crate::db::is_unique_violation(&e, "devices_uid_key") => {}
            Err(e) => return Err(e.into()),
        }
    }
    Err(AppError::internal("could not find a free device id"))
}

/// Gives a device a new secret and returns it (shown once).
pub async fn rotate_secret(
    conn: &mut AsyncPgConnection,
    scope: &TenantScope,
    uid: &str,
    broker_url: &str,
) -> Result<DeviceCredentials, AppError> {
    let device = Device::find(conn, scope, uid).await?.ok_or_else(|| AppError::NotFound.reply())?;
    let secret = Secret(rand::random());
    if !Device::rotate(conn, scope, uid, &secret.0).await? {
        return Err(AppError::NotFound.reply());
    }
    Ok(credentials(uid, &device.name, &secret, broker_url))
}

/// The credentials, provisioning JSON and QR code for a device.
pub fn credentials(uid: &str, name: &str, secret: &Secret, broker_url: &str) -> DeviceCredentials {
    let provisioning =
        serde_json::json!({ "v": 1, "id": uid, "secret": secret.to_hex(), "broker": broker_url }).to_string();
    let qr_svg = qrcode::QrCode::with_error_correction_level(provisioning.as_bytes(), qrcode::EcLevel::M)
        .map(|code| {
            code.render::<qrcode::render::svg::Color<'_>>()
                .min_dimensions(240, 240)
                .quiet_zone(true)
                .dark_color(qrcode::render::svg::Color("#111"))
                .light_color(qrcode::render::svg::Color("#fff"))
                .build()
        })
        .unwrap_or_default();
    DeviceCredentials {
        uid: uid.to_owned(),
        name: name.to_owned(),
        secret: secret.to_hex(),
        broker_url: broker_url.to_owned(),
        broker_password: secret.broker_password(uid),
        provisioning,
        qr_svg,
    }
}
