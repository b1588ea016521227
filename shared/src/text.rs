//! What every one-line text a person types (names, places) is checked for before it is stored:
//! no control characters (NUL, line breaks, tabs, escapes) and no invisible direction or
//! zero-width marks that would make a name look like another in a list.

/// The message for a text that has such a character.
pub const HAS_CONTROL: &str = "No puede tener saltos de línea, tabulaciones ni caracteres invisibles.";

/// Whether `s` has a control character or an invisible formatting mark.
pub fn has_control(s: &str) -> bool {
    s.chars().any(|c| {
        c.is_control()
            || matches!(c, '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2060}'..='\u{2069}' | '\u{FEFF}')
    })
}

#[cfg(test)]
mod tests {
    use super::has_control;

    #[test]
    fn control_characters_and_invisible_marks_are_found() {
        for ok in ["Panadería Ñandú", "Cámara 1 (frío)", "O'Higgins & Cía.", ""] {
            assert!(!has_control(ok), "{ok:?}");
        }
        for bad in ["a\u{0}b", "línea\nnueva", "tab\t", "\u{1b}[31m", "admin\u{202E}nimda", "a\u{200B}b", "\u{FEFF}x"]
        {
            assert!(has_control(bad), "{bad:?}");
        }
    }
}
