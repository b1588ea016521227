//! Who may do what on the embedded broker: the rules [`super::broker`]'s hooks apply, pure so
//! they are tested here. A device (client id = username = its id) publishes only to its own
//! uplink topic and subscribes only to its own downlink topic, exactly (no wildcards, no
//! `$share`, no `$SYS`, no retained messages). The server's own clients are superusers (the
//! broker skips these checks for them; they alone may join the ingest's shared subscription).
//! Service users (tools, tests, the demo) may use any topic that cannot reach a device's or the
//! servers' topics, and never a client id of a device or of a server.

use shared::iot::wire::{Direction, TOPIC_PREFIX, is_device_id, topic};

use super::SYSTEM_TOPIC_PREFIX;

/// What a connected client is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// A device, connected as itself.
    Device,
    /// One of the servers' own clients.
    Server,
    /// A configured service user.
    Service,
    /// A service user that may also read devices' uplink topics (`APP_MQTT__OBSERVERS`).
    Observer,
    /// Nobody we know.
    Denied,
}

/// Whether a client of kind `who` with `client_id` may subscribe to `filter`.
pub fn may_subscribe(who: &Access, client_id: &str, filter: &str, shared: bool) -> bool {
    match who {
        Access::Server => true,
        Access::Device => !shared && filter == topic(client_id, Direction::Down),
        Access::Service => !shared && !filter.starts_with('$') && !reaches_reserved(filter),
        Access::Observer => {
            !shared && !filter.starts_with('$') && (!reaches_reserved(filter) || is_uplink_filter(filter))
        }
        Access::Denied => false,
    }
}

/// `mostrador/n/+/up` or `mostrador/n/<device id>/up`: uplinks only.
fn is_uplink_filter(filter: &str) -> bool {
    filter
        .strip_prefix(TOPIC_PREFIX)
        .and_then(|rest| rest.strip_suffix("/up"))
        .is_some_and(|id| id == "+" || is_device_id(id))
}

/// Whether a client of kind `who` with `client_id` may publish to `topic_name`.
pub fn may_publish(who: &Access, client_id: &str, topic_name: &str, retain: bool) -> bool {
    match who {
        Access::Server => true,
        Access::Device => !retain && topic_name == topic(client_id, Direction::Up),
        Access::Service | Access::Observer => !retain && !topic_name.starts_with('$') && !reaches_reserved(topic_name),
        Access::Denied => false,
    }
}

/// Whether a service user may connect as `client_id`: not a device's id (that would disconnect
/// the device) and not under `reserved_prefix`, the servers' own client ids.
pub fn service_client_id_ok(client_id: &str, reserved_prefix: &str) -> bool {
    !client_id.is_empty() && !is_device_id(client_id) && !client_id.starts_with(reserved_prefix)
}

/// Whether the filter (or topic) can match a device topic (`mostrador/n/<id>/<dir>`) or a
/// servers' topic (`mostrador/sistema/...`).
fn reaches_reserved(filter: &str) -> bool {
    [TOPIC_PREFIX, SYSTEM_TOPIC_PREFIX].iter().any(|prefix| may_match_prefix(filter, prefix))
}

/// Whether some topic starting with `prefix` (levels ending in `/`) matches `filter`.
fn may_match_prefix(filter: &str, prefix: &str) -> bool {
    let wanted: Vec<&str> = prefix.trim_end_matches('/').split('/').collect();
    let mut levels = filter.split('/');
    for want in wanted {
        match levels.next() {
            None => return false,
            Some("#") => return true,
            Some("+") => {}
            Some(level) if level == want => {}
            Some(_) => return false,
        }
    }
    // The prefix matched; any remaining levels (or none, for a topic equal to the prefix) can
    // still name a reserved topic.
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    const ME: &str = "abcdefgh2345";
    const OTHER: &str = "zyxwvuts9876";

    #[test]
    fn a_device_reaches_only_its_own_two_topics() {
        let d = Access::Device;
        assert!(may_publish(&d, ME, &format!("mostrador/n/{ME}/up"), false));
        assert!(!may_publish(&d, ME, &format!("mostrador/n/{ME}/up"), true), "no retained messages");
        assert!(!may_publish(&d, ME, &format!("mostrador/n/{OTHER}/up"), false));
        assert!(!may_publish(&d, ME, &format!("mostrador/n/{ME}/down"), false));
        assert!(!may_publish(&d, ME, "$SYS/broker/x", false));
        assert!(may_subscribe(&d, ME, &format!("mostrador/n/{ME}/down"), false));
        for filter in
            ["#", "mostrador/#", "mostrador/n/+/up", &format!("mostrador/n/{OTHER}/down"), "$SYS/#", "+/n/+/+"]
        {
            assert!(!may_subscribe(&d, ME, filter, false), "{filter}");
        }
        assert!(!may_subscribe(&d, ME, &format!("mostrador/n/{ME}/down"), true), "no shared groups");
    }

    #[test]
    fn a_service_user_never_reaches_device_or_server_topics() {
        let s = Access::Service;
        assert!(may_publish(&s, "herramienta", "prueba/hola", false));
        assert!(may_subscribe(&s, "herramienta", "carniceria/#", false));
        for reserved in [
            "#",
            "+/#",
            "mostrador/#",
            "mostrador/+/+/up",
            "+/n/+/+",
            "mostrador/n/abcdefgh2345/up",
            "mostrador/sistema/latido",
            "mostrador/sistema",
            "$SYS/#",
        ] {
            assert!(!may_subscribe(&s, "herramienta", reserved, false), "{reserved}");
            assert!(!may_publish(&s, "herramienta", reserved, false), "{reserved}");
        }
        assert!(may_subscribe(&s, "herramienta", "mostrador/otros/#", false));
        assert!(!may_subscribe(&s, "herramienta", "prueba/#", true), "no shared groups");
        assert!(!may_publish(&s, "herramienta", "prueba/hola", true), "no retained messages");
    }

    #[test]
    fn service_users_cannot_take_a_device_s_or_a_server_s_client_id() {
        assert!(service_client_id_ok("demo-1", "mostrador-"));
        assert!(!service_client_id_ok(ME, "mostrador-"));
        assert!(!service_client_id_ok("mostrador-ingest-ab12", "mostrador-"));
        assert!(!service_client_id_ok("", "mostrador-"));
    }

    #[test]
    fn an_observer_reads_uplinks_and_nothing_more() {
        let o = Access::Observer;
        assert!(may_subscribe(&o, "monitor", "mostrador/n/+/up", false));
        assert!(may_subscribe(&o, "monitor", &format!("mostrador/n/{ME}/up"), false));
        for filter in ["#", "mostrador/#", "mostrador/n/+/down", "mostrador/n/+/+", "mostrador/sistema/#"] {
            assert!(!may_subscribe(&o, "monitor", filter, false), "{filter}");
        }
        assert!(!may_subscribe(&o, "monitor", "mostrador/n/+/up", true), "no shared groups");
        assert!(!may_publish(&o, "monitor", &format!("mostrador/n/{ME}/up"), false), "read only");
    }

    #[test]
    fn strangers_do_nothing() {
        assert!(!may_publish(&Access::Denied, "x", "prueba", false));
        assert!(!may_subscribe(&Access::Denied, "x", "prueba", false));
    }
}
