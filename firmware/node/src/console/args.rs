//! Splits a command's arguments at spaces, with double quotes for values that have spaces
//! (`wifi "Mi Casa" "clave 123"`); inside quotes `\"` is a quote and `\\` a backslash.

use heapless::String;

/// Longest argument kept: a 63-byte Wi-Fi password, the longest value a command takes
/// (broker URLs are at most 76 bytes, so those get a little more).
pub(super) const ARG_MAX: usize = 80;

/// An argument that could not be read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum ArgError {
    /// Longer than [`ARG_MAX`]: the caller names the field it was for.
    TooLong,
    /// A quote never closed, or text right after a closing quote.
    Quotes,
}

/// The arguments after a command word.
pub(super) struct Args<'a>(&'a str);

impl<'a> Args<'a> {
    pub(super) fn new(rest: &'a str) -> Self {
        Self(rest)
    }

    /// Whether no argument is left.
    pub(super) fn is_empty(&self) -> bool {
        self.0.trim().is_empty()
    }

    /// The next argument, unquoted; `None` at the end.
    pub(super) fn next_arg(&mut self) -> Option<Result<String<ARG_MAX>, ArgError>> {
        let rest = self.0.trim_start();
        if rest.is_empty() {
            self.0 = rest;
            return None;
        }
        let Some(quoted) = rest.strip_prefix('"') else {
            let end = rest.find(char::is_whitespace).unwrap_or(rest.len());
            let (word, tail) = rest.split_at(end);
            self.0 = tail;
            return Some(String::try_from(word).map_err(|_| ArgError::TooLong));
        };
        let mut out = String::new();
        let mut too_long = false;
        let mut chars = quoted.char_indices();
        while let Some((i, c)) = chars.next() {
            let c = match c {
                '"' => {
                    let tail = &quoted[i + 1..];
                    if !tail.is_empty() && !tail.starts_with(char::is_whitespace) {
                        // Give up on the rest of the line so one error does not cascade.
                        self.0 = "";
                        return Some(Err(ArgError::Quotes));
                    }
                    self.0 = tail;
                    return Some(if too_long { Err(ArgError::TooLong) } else { Ok(out) });
                }
                '\\' => match chars.clone().next() {
                    Some((_, next @ ('"' | '\\'))) => {
                        chars.next();
                        next
                    }
                    _ => '\\',
                },
                other => other,
            };
            too_long |= out.push(c).is_err();
        }
        self.0 = "";
        Some(Err(ArgError::Quotes))
    }
}

#[cfg(test)]
mod tests {
    use alloc::vec::Vec;

    use super::*;

    fn all(rest: &str) -> Vec<Result<alloc::string::String, ArgError>> {
        let mut args = Args::new(rest);
        core::iter::from_fn(|| args.next_arg()).map(|a| a.map(|s| s.as_str().into())).collect()
    }

    #[test]
    fn plain_words_are_split_at_whitespace() {
        assert_eq!(all("  Casa   clave123 "), [Ok("Casa".into()), Ok("clave123".into())]);
        assert!(all("   ").is_empty());
    }

    #[test]
    fn quoted_values_keep_their_spaces_and_escapes() {
        assert_eq!(all(r#""Mi Casa" "clave 123""#), [Ok("Mi Casa".into()), Ok("clave 123".into())]);
        assert_eq!(all(r#""di \"hola\" \\ \n" """#), [Ok(r#"di "hola" \ \n"#.into()), Ok("".into())]);
        assert_eq!(all(r#"a\b "x""#), [Ok(r"a\b".into()), Ok("x".into())]);
    }

    #[test]
    fn unclosed_or_glued_quotes_are_an_error() {
        assert_eq!(all(r#""Mi Casa clave"#), [Err(ArgError::Quotes)]);
        assert_eq!(all(r#""Mi"Casa clave"#), [Err(ArgError::Quotes)]);
    }

    #[test]
    fn overlong_arguments_are_reported_and_skipped() {
        let long = "x".repeat(ARG_MAX + 1);
        let quoted = alloc::format!("\"{long}\" y");
        assert_eq!(all(&alloc::format!("{long} y")), [Err(ArgError::TooLong), Ok("y".into())]);
        assert_eq!(all(&quoted), [Err(ArgError::TooLong), Ok("y".into())]);
    }
}
