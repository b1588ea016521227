//! Why a provisioning value was refused: one variant per field and problem, each with the
//! Spanish sentence the console prints to the technician.

use core::fmt;

/// A provisioning value that was refused; [`ProvisionError::message`] says which and why.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProvisionError {
    /// The text is not JSON, or not the shape the devices page produces.
    Json,
    /// `"v"` is missing or names a format this firmware does not know.
    Version,
    /// The JSON has no `"id"`.
    MissingId,
    /// The JSON has no `"secret"`.
    MissingSecret,
    /// The JSON has no `"broker"`.
    MissingBroker,
    /// The device id is not 12 lowercase letters or digits.
    DeviceId,
    /// The secret is not 64 hexadecimal characters.
    Secret,
    /// The broker is not a `mqtt://` URL.
    BrokerUrl,
    /// The broker's host is empty, too long or has characters a host name cannot have.
    BrokerHost,
    /// The broker's port is not a number from 1 to 65535.
    BrokerPort,
    /// The SSID is empty, longer than 32 bytes or has control characters.
    Ssid,
    /// The Wi-Fi password is neither empty nor 8-63 bytes, or has control characters.
    Password,
    /// The profile code is not 1-16 lowercase letters or `_`.
    Profile,
}

impl ProvisionError {
    /// The field that was wrong, as the JSON names it.
    pub fn field(self) -> &'static str {
        match self {
            Self::Json => "json",
            Self::Version => "v",
            Self::MissingId | Self::DeviceId => "id",
            Self::MissingSecret | Self::Secret => "secret",
            Self::MissingBroker | Self::BrokerUrl | Self::BrokerHost | Self::BrokerPort => "broker",
            Self::Ssid => "wifi.ssid",
            Self::Password => "wifi.password",
            Self::Profile => "profile",
        }
    }

    /// What was wrong, in Spanish, for the technician.
    pub fn message(self) -> &'static str {
        match self {
            Self::Json => "el JSON de aprovisionamiento no es válido: copialo completo desde la página del dispositivo",
            Self::Version => "el campo \"v\" debe ser 1 (la versión de aprovisionamiento que entiende este firmware)",
            Self::MissingId => "falta el campo \"id\" (el id del dispositivo)",
            Self::MissingSecret => "falta el campo \"secret\" (el secreto del dispositivo)",
            Self::MissingBroker => "falta el campo \"broker\" (por ejemplo mqtt://192.168.1.10:1883)",
            Self::DeviceId => "el id del dispositivo debe tener 12 letras minúsculas o dígitos",
            Self::Secret => "el secreto debe tener 64 caracteres hexadecimales",
            Self::BrokerUrl => "el broker debe ser mqtt://host o mqtt://host:puerto",
            Self::BrokerHost => "el host del broker debe tener de 1 a 63 letras, dígitos, '.', '-' o '_'",
            Self::BrokerPort => "el puerto del broker debe ser un número de 1 a 65535",
            Self::Ssid => "el nombre de la red Wi-Fi (SSID) debe tener de 1 a 32 bytes, sin caracteres de control",
            Self::Password => {
                "la clave Wi-Fi debe tener de 8 a 63 caracteres, o estar vacía (\"\") si la red es abierta"
            }
            Self::Profile => "el perfil debe tener de 1 a 16 letras minúsculas o '_' (por ejemplo carniceria)",
        }
    }
}

impl fmt::Display for ProvisionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.message())
    }
}

impl core::error::Error for ProvisionError {}
