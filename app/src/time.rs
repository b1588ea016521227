//! Times as people read them. Stored in UTC; shown in an IANA zone (the business' own, or the
//! installation's for the operator's pages), parsed once, where the name is read.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;

/// The zone used when a stored name is not a known IANA zone (the database checks names, so
/// only a zone removed from a later tz database could get here).
pub const FALLBACK_ZONE: Tz = chrono_tz::America::Argentina::Buenos_Aires;

/// The IANA zone `name`, or [`FALLBACK_ZONE`].
pub fn zone(name: &str) -> Tz {
    name.parse().unwrap_or(FALLBACK_ZONE)
}

/// `dd/mm/aaaa hh:mm` in `zone`.
pub fn format_local(at: DateTime<Utc>, zone: Tz) -> String {
    at.with_timezone(&zone).format("%d/%m/%Y %H:%M").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_are_shown_in_the_zone_and_unknown_names_fall_back() {
        let at = DateTime::parse_from_rfc3339("2026-12-02T03:30:00Z").unwrap().with_timezone(&Utc);
        assert_eq!(format_local(at, zone("America/Argentina/Buenos_Aires")), "02/12/2026 00:30");
        assert_eq!(format_local(at, zone("Europe/Madrid")), "02/12/2026 04:30");
        assert_eq!(zone("Marte/Olimpo"), FALLBACK_ZONE);
    }
}
