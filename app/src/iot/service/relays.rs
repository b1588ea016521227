//! Relay commands: stored as a row, sent to the node, shown pending until the node answers.

use diesel_async::AsyncPgConnection;
use shared::iot::wire::{Command, MAX_RELAYS};

use crate::error::AppError;
use crate::iot::db::commands::CommandRow;
use crate::iot::db::devices::Device;
use crate::tenancy::auth::TenantScope;

/// Asks the device to switch `relay`; returns the command number.
pub async fn switch_relay(
    conn: &mut AsyncPgConnection,
    scope: &TenantScope,
    uid: &str,
    relay: u8,
    on: bool,
) -> Result<i64, AppError> {
    let device = Device::find(conn, scope, uid).await?.ok_or_else(|| AppError::NotFound.reply())?;
    if device.revoked_at.is_some() {
        return Err(AppError::conflict("El equipo está dado de baja: no recibe comandos."));
    }
    if relay >= MAX_RELAYS {
        return Err(AppError::invalid("relay", "Ese relé no existe."));
    }
    let command = Command::SetRelay { relay, on };
    Ok(CommandRow::create(conn, scope, device.id, Some(i16::from(relay)), &command).await?)
}
