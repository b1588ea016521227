//! What a node needs to join its business: the device id and secret from the devices page's
//! QR/JSON, the MQTT broker, the Wi-Fi network and the board profile. Every value is checked on
//! the way in (JSON, console, flash record), so the rest of the firmware only sees valid settings;
//! a refusal is a Spanish sentence for the technician that names the field.

mod error;
mod json;
mod record;

pub use error::ProvisionError;
pub use record::{RECORD_LEN, RecordError, Slot, Stored, crc32, next_slot, pick, read};

use core::fmt;

use heapless::String;
use shared::iot::frame::Secret;
use shared::iot::wire::{DEVICE_ID_LEN, is_device_id};

/// Longest broker host name kept: a DNS label's limit, plenty for a LAN name or an IPv4 address.
pub const HOST_MAX: usize = 63;
/// Longest SSID 802.11 allows, in bytes.
pub const SSID_MAX: usize = 32;
/// Shortest WPA2 passphrase (802.11i); an empty password means an open network.
pub const PASSWORD_MIN: usize = 8;
/// Longest WPA2 passphrase (802.11i); 64 characters would be a raw key, which we do not take.
pub const PASSWORD_MAX: usize = 63;
/// Longest board profile code (`carniceria`, `vivero`, ...).
pub const PROFILE_MAX: usize = 16;
/// The MQTT port when the broker URL names none (IANA's, the server's plain MQTT listener).
pub const DEFAULT_MQTT_PORT: u16 = 1883;

/// Who the node is: its public id and the secret that signs its frames.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Identity {
    device_id: String<DEVICE_ID_LEN>,
    secret: Secret,
}

impl Identity {
    /// Checks an id (12 `[a-z0-9]`) and a secret in its 64-character hex form.
    pub fn new(device_id: &str, secret_hex: &str) -> Result<Self, ProvisionError> {
        let secret = Secret::from_hex(secret_hex).ok_or(ProvisionError::Secret)?;
        Self::from_parts(device_id, secret)
    }

    /// Checks an id and pairs it with an already decoded secret.
    pub fn from_parts(device_id: &str, secret: Secret) -> Result<Self, ProvisionError> {
        if !is_device_id(device_id) {
            return Err(ProvisionError::DeviceId);
        }
        let device_id = String::try_from(device_id).map_err(|_| ProvisionError::DeviceId)?;
        Ok(Self { device_id, secret })
    }

    /// The device's public id (topics, broker user name).
    pub fn device_id(&self) -> &str {
        &self.device_id
    }

    /// The device's secret; never print it (see [`Secret`]'s `Debug`).
    pub fn secret(&self) -> &Secret {
        &self.secret
    }
}

/// The MQTT broker the node connects to, from a `mqtt://host[:port]` URL.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Broker {
    host: String<HOST_MAX>,
    port: u16,
}

impl Broker {
    /// Checks a host name or IPv4 address and a port (1-65535).
    pub fn new(host: &str, port: u16) -> Result<Self, ProvisionError> {
        let valid =
            !host.is_empty() && host.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_'));
        if !valid {
            return Err(ProvisionError::BrokerHost);
        }
        if port == 0 {
            return Err(ProvisionError::BrokerPort);
        }
        let host = String::try_from(host).map_err(|_| ProvisionError::BrokerHost)?;
        Ok(Self { host, port })
    }

    /// Parses `mqtt://host` or `mqtt://host:port` (a trailing `/` is allowed). `mqtts://` is
    /// refused: the node speaks plain MQTT 5 and authenticates every frame with its secret.
    pub fn parse(url: &str) -> Result<Self, ProvisionError> {
        let url = url.trim();
        let rest = url
            .get(..7)
            .filter(|scheme| scheme.eq_ignore_ascii_case("mqtt://"))
            .and_then(|_| url.get(7..))
            .ok_or(ProvisionError::BrokerUrl)?;
        let rest = rest.strip_suffix('/').unwrap_or(rest);
        match rest.rsplit_once(':') {
            Some((host, port)) => Self::new(host, parse_port(port)?),
            None => Self::new(rest, DEFAULT_MQTT_PORT),
        }
    }

    /// The same host on another port (the console's `broker 1884`).
    pub fn with_port(&self, port: u16) -> Result<Self, ProvisionError> {
        Self::new(&self.host, port)
    }

    /// The host name or IPv4 address.
    pub fn host(&self) -> &str {
        &self.host
    }

    /// The TCP port.
    pub fn port(&self) -> u16 {
        self.port
    }
}

impl fmt::Display for Broker {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "mqtt://{}:{}", self.host, self.port)
    }
}

/// Parses a port typed by a person: digits only, 1-65535.
pub fn parse_port(text: &str) -> Result<u16, ProvisionError> {
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return Err(ProvisionError::BrokerPort);
    }
    text.parse::<u16>().ok().filter(|p| *p != 0).ok_or(ProvisionError::BrokerPort)
}

/// The Wi-Fi network: SSID and WPA2 passphrase (empty for an open network).
#[derive(Clone, PartialEq, Eq)]
pub struct Wifi {
    ssid: String<SSID_MAX>,
    password: String<PASSWORD_MAX>,
}

impl Wifi {
    /// Checks an SSID (1-32 bytes) and a password (empty, or 8-63 bytes), neither with control
    /// characters.
    pub fn new(ssid: &str, password: &str) -> Result<Self, ProvisionError> {
        if ssid.is_empty() || ssid.chars().any(char::is_control) {
            return Err(ProvisionError::Ssid);
        }
        let ssid = String::try_from(ssid).map_err(|_| ProvisionError::Ssid)?;
        let length_ok = password.is_empty() || (PASSWORD_MIN..=PASSWORD_MAX).contains(&password.len());
        if !length_ok || password.chars().any(char::is_control) {
            return Err(ProvisionError::Password);
        }
        let password = String::try_from(password).map_err(|_| ProvisionError::Password)?;
        Ok(Self { ssid, password })
    }

    /// The network's name.
    pub fn ssid(&self) -> &str {
        &self.ssid
    }

    /// The passphrase; empty for an open network. Never print it.
    pub fn password(&self) -> &str {
        &self.password
    }

    /// Whether the network is open (no password).
    pub fn is_open(&self) -> bool {
        self.password.is_empty()
    }
}

impl fmt::Debug for Wifi {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Wifi").field("ssid", &self.ssid).finish_non_exhaustive()
    }
}

/// A board profile's code, `[a-z_]{1,16}`; `crate::board` gives it meaning.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProfileCode(String<PROFILE_MAX>);

impl ProfileCode {
    /// Checks a code: 1-16 lowercase ASCII letters or `_`.
    pub fn new(code: &str) -> Result<Self, ProvisionError> {
        if code.is_empty() || !code.bytes().all(|b| b.is_ascii_lowercase() || b == b'_') {
            return Err(ProvisionError::Profile);
        }
        String::try_from(code).map(Self).map_err(|_| ProvisionError::Profile)
    }

    /// The code.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A node's settings, possibly partial: the console may set Wi-Fi before the QR is scanned.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Provisioning {
    /// Device id and secret, from the devices page.
    pub identity: Option<Identity>,
    /// The MQTT broker.
    pub broker: Option<Broker>,
    /// The Wi-Fi network.
    pub wifi: Option<Wifi>,
    /// The board profile; `None` lets the firmware use its default.
    pub profile: Option<ProfileCode>,
}

impl Provisioning {
    /// Parses the devices page's provisioning JSON (its QR code says the same):
    /// `{"v":1,"id":..,"secret":..,"broker":..}` with optional `"profile"` and
    /// `"wifi":{"ssid":..,"password":..}`. Unknown fields are ignored.
    pub fn from_json(json: &str) -> Result<Self, ProvisionError> {
        json::parse(json)
    }

    /// Whether the node can go online: identity, broker and Wi-Fi are all set.
    pub fn is_complete(&self) -> bool {
        self.identity.is_some() && self.broker.is_some() && self.wifi.is_some()
    }

    /// Whether nothing at all is set.
    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }

    /// The Spanish names of what still has to be set, for the console.
    pub fn missing(&self) -> impl Iterator<Item = &'static str> {
        [
            (self.identity.is_none(), "id y secreto (provisionar)"),
            (self.broker.is_none(), "broker"),
            (self.wifi.is_none(), "wifi"),
        ]
        .into_iter()
        .filter_map(|(missing, name)| missing.then_some(name))
    }
}

#[cfg(test)]
mod tests;
