//! The devices page's provisioning JSON (the QR code carries the same text), parsed with
//! serde-json-core into fixed buffers. Every string is read whole or flagged as too long, so
//! the technician hears which field was wrong instead of "bad JSON".

use core::fmt;

use heapless::String;
use serde::Deserialize;
use serde::de::{Deserializer, Visitor};

use super::{Broker, Identity, ProfileCode, ProvisionError, Provisioning, Wifi};

/// The provisioning format this firmware reads (`"v"`).
const VERSION: u32 = 1;
/// Longest string kept from the JSON: the longest valid value is a broker URL
/// (`mqtt://` + 63 + `:65535` = 76 bytes); anything longer is wrong anyway.
const TEXT_MAX: usize = 80;
/// Room to unescape one string (serde-json-core reuses it for each).
const UNESCAPE_MAX: usize = 128;

/// A JSON string, or the fact that it was longer than [`TEXT_MAX`].
struct Text(Option<String<TEXT_MAX>>);

impl Text {
    /// The string, or `err` if it was too long to be valid.
    fn get(&self, err: ProvisionError) -> Result<&str, ProvisionError> {
        self.0.as_deref().ok_or(err)
    }
}

impl<'de> Deserialize<'de> for Text {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct TextVisitor;
        impl Visitor<'_> for TextVisitor {
            type Value = Text;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Text, E> {
                Ok(Text(String::try_from(v).ok()))
            }
        }
        deserializer.deserialize_str(TextVisitor)
    }
}

#[derive(Deserialize)]
struct Raw {
    v: Option<u32>,
    id: Option<Text>,
    secret: Option<Text>,
    broker: Option<Text>,
    profile: Option<Text>,
    wifi: Option<RawWifi>,
}

#[derive(Deserialize)]
struct RawWifi {
    ssid: Option<Text>,
    password: Option<Text>,
}

/// Parses and checks the provisioning JSON; see [`Provisioning::from_json`].
pub(super) fn parse(json: &str) -> Result<Provisioning, ProvisionError> {
    let mut unescape = [0u8; UNESCAPE_MAX];
    let (raw, _) =
        serde_json_core::from_str_escaped::<Raw>(json.trim(), &mut unescape).map_err(|_| ProvisionError::Json)?;
    if raw.v != Some(VERSION) {
        return Err(ProvisionError::Version);
    }
    let id = raw.id.ok_or(ProvisionError::MissingId)?;
    let secret = raw.secret.ok_or(ProvisionError::MissingSecret)?;
    let broker = raw.broker.ok_or(ProvisionError::MissingBroker)?;
    let identity = Identity::new(id.get(ProvisionError::DeviceId)?, secret.get(ProvisionError::Secret)?)?;
    let broker = Broker::parse(broker.get(ProvisionError::BrokerHost)?)?;
    let profile = match raw.profile {
        Some(code) => Some(ProfileCode::new(code.get(ProvisionError::Profile)?)?),
        None => None,
    };
    let wifi = match raw.wifi {
        Some(wifi) => {
            let ssid = wifi.ssid.ok_or(ProvisionError::Ssid)?;
            let password = match &wifi.password {
                Some(password) => password.get(ProvisionError::Password)?,
                None => "",
            };
            Some(Wifi::new(ssid.get(ProvisionError::Ssid)?, password)?)
        }
        None => None,
    };
    Ok(Provisioning { identity: Some(identity), broker: Some(broker), wifi, profile })
}

#[cfg(test)]
mod tests {
    use alloc::format;
    use alloc::string::String;

    use super::*;

    const ID: &str = "abc234def567";

    fn secret() -> String {
        "9f".repeat(32)
    }

    fn page_json() -> String {
        format!(r#"{{"v":1,"id":"{ID}","secret":"{}","broker":"mqtt://192.168.1.10:1883"}}"#, secret())
    }

    #[test]
    fn the_devices_page_json_parses_into_identity_and_broker() {
        let p = Provisioning::from_json(&page_json()).unwrap();
        let identity = p.identity.unwrap();
        assert_eq!(identity.device_id(), ID);
        assert_eq!(identity.secret().0, [0x9f; 32]);
        assert_eq!(p.broker.unwrap().to_string(), "mqtt://192.168.1.10:1883");
        assert!(p.wifi.is_none() && p.profile.is_none());
    }

    #[test]
    fn optional_wifi_profile_and_unknown_fields_are_read_or_ignored() {
        let json = format!(
            r#" {{ "v": 1, "name": "Cámara 1", "id": "{ID}", "secret": "{}", "broker": "mqtt://srv",
               "profile": "carniceria", "wifi": {{ "ssid": "Mi \"Casa\"", "password": "clave\\123" }} }} "#,
            secret()
        );
        let p = Provisioning::from_json(&json).unwrap();
        let wifi = p.wifi.unwrap();
        assert_eq!((wifi.ssid(), wifi.password()), ("Mi \"Casa\"", "clave\\123"));
        assert_eq!(p.profile.unwrap().as_str(), "carniceria");
        assert_eq!(p.broker.unwrap().port(), 1883);
    }

    #[test]
    fn wifi_without_password_is_an_open_network() {
        let json = page_json().replace('}', r#","wifi":{"ssid":"Libre"}}"#);
        assert!(Provisioning::from_json(&json).unwrap().wifi.unwrap().is_open());
    }

    #[test]
    fn malformed_json_is_refused_as_json() {
        for bad in ["", "hola", "{", r#"{"v":1,"id":"abc"#, r#"{"v":1}x"#, r#"{"v":"1"}"#, "[1]"] {
            assert_eq!(Provisioning::from_json(bad), Err(ProvisionError::Json), "{bad}");
        }
    }

    #[test]
    fn each_missing_or_wrong_field_is_named() {
        let s = secret();
        let cases = [
            (page_json().replace(r#""v":1"#, r#""v":2"#), ProvisionError::Version),
            (page_json().replace(r#""v":1,"#, ""), ProvisionError::Version),
            (format!(r#"{{"v":1,"secret":"{s}","broker":"mqtt://h"}}"#), ProvisionError::MissingId),
            (format!(r#"{{"v":1,"id":"{ID}","broker":"mqtt://h"}}"#), ProvisionError::MissingSecret),
            (format!(r#"{{"v":1,"id":"{ID}","secret":"{s}"}}"#), ProvisionError::MissingBroker),
            (page_json().replace(ID, "ABC234DEF567"), ProvisionError::DeviceId),
            (page_json().replace(&s, &s[..62]), ProvisionError::Secret),
            (page_json().replace(&s, &"9g".repeat(32)), ProvisionError::Secret),
            (page_json().replace(&s, &"9f".repeat(200)), ProvisionError::Secret),
            (page_json().replace("mqtt://", "http://"), ProvisionError::BrokerUrl),
            (page_json().replace(":1883", ":99999"), ProvisionError::BrokerPort),
            (page_json().replace('}', r#","profile":"Vivero"}"#), ProvisionError::Profile),
            (page_json().replace('}', r#","wifi":{"password":"12345678"}}"#), ProvisionError::Ssid),
            (page_json().replace('}', &format!(r#","wifi":{{"ssid":"{}"}}}}"#, "s".repeat(33))), ProvisionError::Ssid),
            (page_json().replace('}', r#","wifi":{"ssid":"Casa","password":"corta"}}"#), ProvisionError::Password),
        ];
        for (json, expected) in cases {
            assert_eq!(Provisioning::from_json(&json), Err(expected), "{json}");
        }
    }

    #[test]
    fn error_messages_are_spanish_and_name_the_field() {
        assert_eq!(ProvisionError::Secret.to_string(), "el secreto debe tener 64 caracteres hexadecimales");
        assert_eq!(ProvisionError::Password.field(), "wifi.password");
        assert!(ProvisionError::Ssid.message().contains("SSID"));
    }
}
