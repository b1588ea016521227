//! Gathers the bytes a serial terminal sends into lines: CR, LF or CRLF end a line, backspace
//! and DEL erase a character, Ctrl-C drops the line, arrow keys' escape sequences are skipped.
//! It says what to echo, since serial terminals do not echo what is typed.

use core::fmt;

use heapless::Vec;

/// Longest line kept, in bytes: a `provisionar` command with the page's JSON, Wi-Fi and profile
/// is under 400.
pub const LINE_MAX: usize = 600;

/// What a typed line could not be.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LineError {
    /// Longer than [`LINE_MAX`]; it was dropped.
    TooLong,
    /// Not UTF-8 (a terminal set to Latin-1, or line noise); it was dropped.
    NotUtf8,
}

impl LineError {
    /// What happened, in Spanish, for the technician.
    pub fn message(self) -> &'static str {
        match self {
            Self::TooLong => "la línea supera los 600 caracteres y se descartó",
            Self::NotUtf8 => "la línea tiene caracteres que no son UTF-8 y se descartó; configurá la terminal en UTF-8",
        }
    }
}

impl fmt::Display for LineError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.message())
    }
}

/// What to send back to the terminal for one byte.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Echo {
    /// Nothing.
    Nothing,
    /// The byte itself (a UTF-8 character's bytes arrive and echo one by one).
    Byte(u8),
    /// Move back over the last character and blank it.
    Erase,
    /// The line was full: ring the terminal's bell.
    Bell,
    /// Ctrl-C: show `^C` and start a new line.
    Cancel,
}

impl Echo {
    /// The bytes to write.
    pub fn as_bytes(&self) -> &[u8] {
        match self {
            Self::Nothing => b"",
            Self::Byte(b) => core::slice::from_ref(b),
            Self::Erase => b"\x08 \x08",
            Self::Bell => b"\x07",
            Self::Cancel => b"^C\r\n",
        }
    }
}

/// The result of feeding one byte.
#[derive(Debug, PartialEq, Eq)]
pub enum Feed<'a> {
    /// The line goes on; write the echo.
    Echo(Echo),
    /// A whole line, without its terminator (possibly empty). Write `"\r\n"`, then run it.
    Line(&'a str),
    /// The line was dropped. Write `"\r\n"` and the error's message.
    Error(LineError),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum State {
    Normal,
    /// After a CR: an LF right now belongs to the same line end.
    AfterCr,
    /// After ESC: a `[` or `O` starts a sequence to skip.
    Escape,
    /// Inside an escape sequence, until its final byte.
    Sequence,
}

/// A line being typed on the serial console.
#[derive(Debug)]
pub struct LineBuffer {
    bytes: Vec<u8, LINE_MAX>,
    state: State,
    overflowed: bool,
    /// The last byte ended a line, which is still lent out: clear before the next byte.
    ended: bool,
}

impl Default for LineBuffer {
    fn default() -> Self {
        Self::new()
    }
}

impl LineBuffer {
    /// An empty line.
    pub const fn new() -> Self {
        Self { bytes: Vec::new(), state: State::Normal, overflowed: false, ended: false }
    }

    /// Feeds one byte from the terminal.
    pub fn push(&mut self, byte: u8) -> Feed<'_> {
        if self.ended {
            self.clear();
        }
        match self.state {
            State::Escape => {
                self.state = if matches!(byte, b'[' | b'O') { State::Sequence } else { State::Normal };
                return Feed::Echo(Echo::Nothing);
            }
            State::Sequence => {
                if (0x40..=0x7E).contains(&byte) {
                    self.state = State::Normal;
                }
                return Feed::Echo(Echo::Nothing);
            }
            State::AfterCr => {
                self.state = State::Normal;
                if byte == b'\n' {
                    return Feed::Echo(Echo::Nothing);
                }
            }
            State::Normal => {}
        }
        match byte {
            b'\r' | b'\n' => {
                if byte == b'\r' {
                    self.state = State::AfterCr;
                }
                self.ended = true;
                if self.overflowed {
                    return Feed::Error(LineError::TooLong);
                }
                match core::str::from_utf8(&self.bytes) {
                    Ok(line) => Feed::Line(line),
                    Err(_) => Feed::Error(LineError::NotUtf8),
                }
            }
            0x08 | 0x7F => Feed::Echo(if self.erase() { Echo::Erase } else { Echo::Nothing }),
            0x03 => {
                self.clear();
                Feed::Echo(Echo::Cancel)
            }
            0x1B => {
                self.state = State::Escape;
                Feed::Echo(Echo::Nothing)
            }
            b'\t' => self.append(b' '),
            0x00..=0x1F => Feed::Echo(Echo::Nothing),
            _ => self.append(byte),
        }
    }

    fn append(&mut self, byte: u8) -> Feed<'_> {
        if self.overflowed || self.bytes.push(byte).is_err() {
            self.overflowed = true;
            return Feed::Echo(Echo::Bell);
        }
        Feed::Echo(Echo::Byte(byte))
    }

    /// Drops the last character (all its UTF-8 bytes); whether there was one on screen.
    fn erase(&mut self) -> bool {
        if self.overflowed {
            return false;
        }
        while let Some(byte) = self.bytes.pop() {
            if byte & 0xC0 != 0x80 {
                return true;
            }
        }
        false
    }

    fn clear(&mut self) {
        self.bytes.clear();
        self.overflowed = false;
        self.ended = false;
    }
}

#[cfg(test)]
mod tests {
    use alloc::string::String;
    use alloc::vec::Vec;

    use super::*;

    /// Feeds `input`; the lines (or errors) it ended, and everything echoed.
    fn feed(buffer: &mut LineBuffer, input: &[u8]) -> (Vec<Result<String, LineError>>, Vec<u8>) {
        let (mut lines, mut echo) = (Vec::new(), Vec::new());
        for byte in input {
            match buffer.push(*byte) {
                Feed::Echo(e) => echo.extend_from_slice(e.as_bytes()),
                Feed::Line(line) => lines.push(Ok(line.into())),
                Feed::Error(err) => lines.push(Err(err)),
            }
        }
        (lines, echo)
    }

    fn ok(lines: &[&str]) -> Vec<Result<String, LineError>> {
        lines.iter().map(|l| Ok((*l).into())).collect()
    }

    #[test]
    fn cr_lf_and_crlf_each_end_one_line() {
        let mut b = LineBuffer::new();
        assert_eq!(feed(&mut b, b"uno\rdos\ntres\r\ncuatro\r\r\n").0, ok(&["uno", "dos", "tres", "cuatro", ""]));
    }

    #[test]
    fn typed_characters_are_echoed_and_backspace_erases_whole_utf8_characters() {
        let mut b = LineBuffer::new();
        let (lines, echo) = feed(&mut b, "añ\x7f\x7f\x7fb\x08c\n".as_bytes());
        assert_eq!(lines, ok(&["c"]));
        assert_eq!(echo, "añ\x08 \x08\x08 \x08b\x08 \x08c".as_bytes());
    }

    #[test]
    fn an_overlong_line_is_dropped_with_an_error_and_the_next_one_works() {
        let mut b = LineBuffer::new();
        let mut input = alloc::vec![b'x'; LINE_MAX + 5];
        input.extend_from_slice(b"\x08\r\nestado\r\n");
        let (lines, echo) = feed(&mut b, &input);
        assert_eq!(lines, [Err(LineError::TooLong), Ok("estado".into())]);
        assert_eq!(echo.iter().filter(|e| **e == 0x07).count(), 5);
    }

    #[test]
    fn non_utf8_bytes_make_the_line_an_error() {
        let mut b = LineBuffer::new();
        assert_eq!(feed(&mut b, b"caf\xe9\nok\n").0, [Err(LineError::NotUtf8), Ok("ok".into())]);
    }

    #[test]
    fn arrow_keys_and_other_control_bytes_are_ignored() {
        let mut b = LineBuffer::new();
        let (lines, echo) = feed(&mut b, b"a\x1b[A\x1b[1;5Cb\x1bOc\x00d\te\n");
        assert_eq!(lines, ok(&["abd e"]));
        assert_eq!(echo, b"abd e");
    }

    #[test]
    fn ctrl_c_drops_the_line_being_typed() {
        let mut b = LineBuffer::new();
        let (lines, echo) = feed(&mut b, b"borrar\x03estado\n");
        assert_eq!(lines, ok(&["estado"]));
        assert!(echo.starts_with(b"borrar^C\r\nestado"));
    }
}
