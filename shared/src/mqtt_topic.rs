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
    fn invalid_filters_are_refused() {
        assert_eq!(validate_filter(""), Err(TopicFilterError::Empty));
        assert_eq!(validate_filter("a/#/b"), Err(TopicFilterError::MisplacedMultiLevel));
        assert_eq!(validate_filter("a/b#"), Err(TopicFilterError::MisplacedMultiLevel));
        assert_eq!(validate_filter("a/b+"), Err(TopicFilterError::MisplacedSingleLevel));
        assert_eq!(validate_filter("a/+/#"), Ok(()));
    }
}
