//! MQTT topic filters: validation and matching with `+` and `#` wildcards (MQTT 3.1.1 §4.7,
//! the same in MQTT 5). Used by the server to route what it ingests and, later, by the rules
//! engine and by device ACLs.

/// Why a topic filter is not valid MQTT.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TopicFilterError {
    /// Empty filters are not allowed by the protocol.
    Empty,
    /// `#` must be the last level and stand alone in its level.
    MisplacedMultiLevel,
    /// `+` must stand alone in its level.
    MisplacedSingleLevel,
}

impl core::fmt::Display for TopicFilterError {
    /// The reason in Spanish, for the field where a person typed the filter.
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(match self {
            Self::Empty => "Escribí un tópico o un filtro, por ejemplo carniceria/#.",
            Self::MisplacedMultiLevel => "El comodín # solo puede ir solo y al final, como en carniceria/#.",
            Self::MisplacedSingleLevel => "El comodín + tiene que ocupar un nivel entero, como en carniceria/+/temp.",
        })
    }
}

/// Reads a filter typed by a person: surrounding spaces are ignored and an empty field means
/// "no filter" (`Ok(None)`).
pub fn parse_optional_filter(input: &str) -> Result<Option<&str>, TopicFilterError> {
    let filter = input.trim();
    if filter.is_empty() {
        return Ok(None);
    }
    validate_filter(filter).map(|()| Some(filter))
}

/// Checks that `filter` is a valid MQTT topic filter.
pub fn validate_filter(filter: &str) -> Result<(), TopicFilterError> {
    if filter.is_empty() {
        return Err(TopicFilterError::Empty);
    }
    let mut levels = filter.split('/').peekable();
    while let Some(level) = levels.next() {
        if level.contains('#') && (level != "#" || levels.peek().is_some()) {
            return Err(TopicFilterError::MisplacedMultiLevel);
        }
        if level.contains('+') && level != "+" {
            return Err(TopicFilterError::MisplacedSingleLevel);
        }
    }
    Ok(())
}

/// Whether `topic` (a concrete topic name) matches `filter`. Topics starting with `$` (such as
/// `$SYS/...`) are not matched by a filter starting with a wildcard, as the spec requires.
pub fn matches(filter: &str, topic: &str) -> bool {
    if topic.starts_with('$') && (filter.starts_with('+') || filter.starts_with('#')) {
        return false;
    }
    let mut f = filter.split('/');
    let mut t = topic.split('/');
    loop {
        match (f.next(), t.next()) {
            (Some("#"), _) => return true,
            (Some("+"), Some(_)) => {}
            (Some(fl), Some(tl)) if fl == tl => {}
            (None, None) => return true,
            _ => return false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wildcards_match_as_the_spec_says() {
        assert!(matches("#", "a/b/c"));
        assert!(matches("a/#", "a"));
        assert!(matches("a/#", "a/b/c"));
        assert!(matches("a/+/c", "a/b/c"));
        assert!(!matches("a/+/c", "a/b/d"));
        assert!(!matches("a/+", "a/b/c"));
        assert!(matches("a/b", "a/b"));
        assert!(!matches("a/b", "a/b/c"));
        assert!(matches("+/+", "/x"));
    }

    #[test]
    fn system_topics_are_hidden_from_leading_wildcards() {
        assert!(!matches("#", "$SYS/broker/clients/connected"));
        assert!(!matches("+/broker/#", "$SYS/broker/uptime"));
        assert!(matches("$SYS/#", "$SYS/broker/uptime"));
    }

    #[test]
    fn typed_filters_are_trimmed_and_empty_means_none() {
        assert_eq!(parse_optional_filter("  "), Ok(None));
        assert_eq!(parse_optional_filter(" a/+ "), Ok(Some("a/+")));
        assert_eq!(parse_optional_filter("a/#/b"), Err(TopicFilterError::MisplacedMultiLevel));
    }

    #[test]
    fn errors_explain_themselves_in_spanish() {
        use alloc::string::ToString;
        assert!(TopicFilterError::MisplacedMultiLevel.to_string().contains("comodín #"));
    }

    #[test]
    fn invalid_filters_are_refused() {
        assert_eq!(validate_filter(""), Err(TopicFilterError::Empty));
        assert_eq!(validate_filter("a/#/b"), Err(TopicFilterError::MisplacedMultiLevel));
        assert_eq!(validate_filter("a/b#"), Err(TopicFilterError::MisplacedMultiLevel));
        assert_eq!(validate_filter("a/b+"), Err(TopicFilterError::MisplacedSingleLevel));
        assert_eq!(validate_filter("a/+/#"), Ok(()));
    }
}
