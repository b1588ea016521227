//! Building links: query values percent-encoded, and the sign-in link that comes back here.

/// Percent-encodes a query value (MQTT filters hold `#`, `+` and `/`; paths hold `/` and `?`).
pub fn encode_query_value(value: &str) -> String {
    use std::fmt::Write;
    let mut out = String::with_capacity(value.len());
    for b in value.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(char::from(b));
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

/// `/ingresar?next=<path>`: sign in, then come back to `path`.
pub fn login_href(path: &str) -> String {
    format!("/ingresar?next={}", encode_query_value(path))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_values_are_percent_encoded() {
        assert_eq!(encode_query_value("carniceria/+/temp #"), "carniceria%2F%2B%2Ftemp%20%23");
        assert_eq!(encode_query_value("cámara"), "c%C3%A1mara");
    }

    #[test]
    fn the_login_link_carries_the_way_back() {
        assert_eq!(login_href("/invitacion?token=a-b"), "/ingresar?next=%2Finvitacion%3Ftoken%3Da-b");
    }
}
