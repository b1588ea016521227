//! Checks of each provisioning value and of completeness.

use super::*;

#[test]
fn broker_url_without_port_uses_the_mqtt_default() {
    let broker = Broker::parse("mqtt://mostrador.local").unwrap();
    assert_eq!((broker.host(), broker.port()), ("mostrador.local", 1883));
    assert_eq!(Broker::parse("MQTT://10.0.0.2:1884/").unwrap().to_string(), "mqtt://10.0.0.2:1884");
}

#[test]
fn broker_urls_with_other_schemes_hosts_or_ports_are_refused() {
    assert_eq!(Broker::parse("mqtts://h:8883"), Err(ProvisionError::BrokerUrl));
    assert_eq!(Broker::parse("h:1883"), Err(ProvisionError::BrokerUrl));
    assert_eq!(Broker::parse("mqtt://"), Err(ProvisionError::BrokerHost));
    assert_eq!(Broker::parse("mqtt://user@h"), Err(ProvisionError::BrokerHost));
    assert_eq!(Broker::parse("mqtt://[::1]:1883"), Err(ProvisionError::BrokerHost));
    assert_eq!(Broker::parse(&alloc::format!("mqtt://{}", "a".repeat(64))), Err(ProvisionError::BrokerHost));
    for port in ["0", "65536", "", "+1", "18a3"] {
        assert_eq!(Broker::parse(&alloc::format!("mqtt://h:{port}")), Err(ProvisionError::BrokerPort), "{port}");
    }
}

#[test]
fn wifi_takes_open_networks_and_wpa2_passphrases_only() {
    assert!(Wifi::new("Libre", "").unwrap().is_open());
    assert_eq!(Wifi::new("Casa", "1234567"), Err(ProvisionError::Password));
    assert!(Wifi::new("Casa", "12345678").is_ok());
    assert!(Wifi::new("Casa", &"x".repeat(63)).is_ok());
    assert_eq!(Wifi::new("Casa", &"x".repeat(64)), Err(ProvisionError::Password));
    assert_eq!(Wifi::new("", "12345678"), Err(ProvisionError::Ssid));
    assert_eq!(Wifi::new(&"s".repeat(33), "12345678"), Err(ProvisionError::Ssid));
    assert_eq!(Wifi::new("a\nb", "12345678"), Err(ProvisionError::Ssid));
}

#[test]
fn wifi_debug_output_never_shows_the_password() {
    let shown = alloc::format!("{:?}", Wifi::new("Casa", "supersecreta").unwrap());
    assert!(shown.contains("Casa") && !shown.contains("supersecreta"));
}

#[test]
fn profile_codes_are_short_lowercase_words() {
    assert_eq!(ProfileCode::new("carniceria").unwrap().as_str(), "carniceria");
    assert!(ProfileCode::new("vivero_norte").is_ok());
    for bad in ["", "Carniceria", "vivero-norte", "ñandu", "abcdefghijklmnopq"] {
        assert_eq!(ProfileCode::new(bad), Err(ProvisionError::Profile), "{bad}");
    }
}

#[test]
fn identity_checks_the_id_and_the_secret() {
    let secret = "0f".repeat(32);
    assert_eq!(Identity::new("abc123def456", &secret).unwrap().device_id(), "abc123def456");
    assert_eq!(Identity::new("ABC123DEF456", &secret), Err(ProvisionError::DeviceId));
    assert_eq!(Identity::new("abc123", &secret), Err(ProvisionError::DeviceId));
    assert_eq!(Identity::new("abc123def456", "0f0f"), Err(ProvisionError::Secret));
}

#[test]
fn a_node_is_complete_only_with_identity_broker_and_wifi() {
    let mut p = Provisioning::default();
    assert!(p.is_empty() && !p.is_complete());
    p.wifi = Some(Wifi::new("Casa", "").unwrap());
    p.broker = Some(Broker::parse("mqtt://h").unwrap());
    assert_eq!(p.missing().collect::<alloc::vec::Vec<_>>(), ["id y secreto (provisionar)"]);
    p.identity = Some(Identity::new("abc123def456", &"0f".repeat(32)).unwrap());
    assert!(p.is_complete() && p.missing().next().is_none());
}
