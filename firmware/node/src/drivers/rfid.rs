//! NXP MFRC522 13.56 MHz RFID reader over SPI, in three parts: [`chip`] (registers, set-up,
//! Transceive), this module (ISO 14443-3: REQA/WUPA, anticollision and SELECT through every
//! cascade level, HLTA) and [`card`] (the UID, its hex for `NodeEvent::Rfid`, the repeat filter).

use embedded_hal::delay::DelayNs;
use embedded_hal::spi::SpiDevice;

pub mod card;
pub mod chip;

pub use card::{CardFilter, Uid, crc_a};
pub use chip::Mfrc522;

/// ISO 14443-3 commands: request idle cards, wake halted ones too, halt.
const REQA: u8 = 0x26;
const WUPA: u8 = 0x52;
const HLTA: [u8; 2] = [0x50, 0x00];
/// SELECT of cascade levels 1, 2 and 3.
const CASCADE: [u8; 3] = [0x93, 0x95, 0x97];
/// First UID byte of a level whose UID continues at the next level.
const CASCADE_TAG: u8 = 0x88;

/// What went wrong.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Error<E> {
    /// The SPI transfer failed.
    Spi(E),
    /// VersionReg read 0x00 or 0xFF: no chip, or MISO not wired.
    NoChip(u8),
    /// No card answered within the 25 ms timer.
    NoAnswer,
    /// The chip never finished the exchange.
    Timeout,
    /// Two cards answered at once; the caller retries (one card at a time is the use case).
    Collision,
    /// The chip flagged a protocol, parity or buffer error (ErrorReg's value).
    Protocol(u8),
    /// The UID's check byte (BCC) did not match.
    Bcc,
    /// The SAK's CRC_A did not match.
    Crc,
    /// The card answered with an unexpected length or content.
    BadResponse,
}

impl<S: SpiDevice, D: DelayNs> Mfrc522<S, D> {
    fn request(&mut self, command: u8) -> Result<(), Error<S::Error>> {
        let mut atqa = [0u8; 2];
        // REQA and WUPA are 7-bit short frames.
        match self.transceive(&[command], 7, &mut atqa)? {
            2 => Ok(()),
            _ => Err(Error::BadResponse),
        }
    }

    /// Runs anticollision and SELECT through the cascade levels of the one card in the field.
    fn select(&mut self) -> Result<Uid, Error<S::Error>> {
        let mut uid = Uid::EMPTY;
        for sel in CASCADE {
            let mut part = [0u8; 5];
            if self.transceive(&[sel, 0x20], 0, &mut part)? != 5 {
                return Err(Error::BadResponse);
            }
            if part[0] ^ part[1] ^ part[2] ^ part[3] != part[4] {
                return Err(Error::Bcc);
            }
            let mut frame = [sel, 0x70, part[0], part[1], part[2], part[3], part[4], 0, 0];
            let crc = crc_a(&frame[..7]).to_le_bytes();
            frame[7..].copy_from_slice(&crc);
            let mut sak = [0u8; 3];
            if self.transceive(&frame, 0, &mut sak)? != 3 {
                return Err(Error::BadResponse);
            }
            if crc_a(&sak[..1]).to_le_bytes() != sak[1..] {
                return Err(Error::Crc);
            }
            if sak[0] & 0x04 == 0 {
                uid.extend(&part[..4]);
                return Ok(uid);
            }
            if part[0] != CASCADE_TAG {
                return Err(Error::BadResponse);
            }
            uid.extend(&part[1..4]);
        }
        Err(Error::BadResponse)
    }

    /// Looks for a card (REQA: halted cards stay quiet) and reads its UID; `None` if none.
    pub fn poll(&mut self) -> Result<Option<Uid>, Error<S::Error>> {
        self.poll_with(REQA)
    }

    /// Like [`Self::poll`] but with WUPA, which also wakes cards halted by [`Self::halt`].
    pub fn poll_any(&mut self) -> Result<Option<Uid>, Error<S::Error>> {
        self.poll_with(WUPA)
    }

    fn poll_with(&mut self, command: u8) -> Result<Option<Uid>, Error<S::Error>> {
        match self.request(command) {
            Err(Error::NoAnswer) => Ok(None),
            Err(e) => Err(e),
            Ok(()) => self.select().map(Some),
        }
    }

    /// Halts the selected card: it ignores REQA until it leaves the field. A halted card does not
    /// answer, so silence is success.
    pub fn halt(&mut self) -> Result<(), Error<S::Error>> {
        let crc = crc_a(&HLTA).to_le_bytes();
        match self.transceive(&[HLTA[0], HLTA[1], crc[0], crc[1]], 0, &mut [0u8; 1]) {
            Err(Error::NoAnswer) => Ok(()),
            Err(e) => Err(e),
            Ok(_) => Err(Error::BadResponse),
        }
    }
}

#[cfg(test)]
mod tests {
    use embedded_hal_mock::eh1::delay::NoopDelay;
    use embedded_hal_mock::eh1::spi::Mock;

    use super::chip::script::{exchange, rd, send};
    use super::*;

    #[test]
    fn a_four_byte_uid_is_requested_anticollided_and_selected() {
        let expected = [
            exchange(&[0x26], 7, &[0x04, 0x00]),
            exchange(&[0x93, 0x20], 0, &[0xDE, 0xAD, 0xBE, 0xEF, 0x22]),
            exchange(&[0x93, 0x70, 0xDE, 0xAD, 0xBE, 0xEF, 0x22, 0xB9, 0x9C], 0, &[0x08, 0xB6, 0xDD]),
        ]
        .concat();
        let mut spi = Mock::new(&expected);
        let uid = Mfrc522::new(spi.clone(), NoopDelay::new()).poll().unwrap().unwrap();
        assert_eq!(uid.hex().as_str(), "DEADBEEF");
        spi.done();
    }

    #[test]
    fn a_seven_byte_uid_goes_through_two_cascade_levels() {
        let expected = [
            exchange(&[0x52], 7, &[0x44, 0x00]),
            exchange(&[0x93, 0x20], 0, &[0x88, 0x04, 0xA2, 0x24, 0x0A]),
            exchange(&[0x93, 0x70, 0x88, 0x04, 0xA2, 0x24, 0x0A, 0x63, 0x2A], 0, &[0x04, 0xDA, 0x17]),
            exchange(&[0x95, 0x20], 0, &[0x6A, 0x2C, 0x58, 0x80, 0x9E]),
            exchange(&[0x95, 0x70, 0x6A, 0x2C, 0x58, 0x80, 0x9E, 0x37, 0xC0], 0, &[0x00, 0xFE, 0x51]),
        ]
        .concat();
        let mut spi = Mock::new(&expected);
        let uid = Mfrc522::new(spi.clone(), NoopDelay::new()).poll_any().unwrap().unwrap();
        assert_eq!(uid.as_bytes(), [0x04, 0xA2, 0x24, 0x6A, 0x2C, 0x58, 0x80]);
        spi.done();
    }

    #[test]
    fn a_uid_with_a_wrong_check_byte_is_refused() {
        let expected =
            [exchange(&[0x26], 7, &[0x04, 0x00]), exchange(&[0x93, 0x20], 0, &[0xDE, 0xAD, 0xBE, 0xEF, 0x23])].concat();
        let mut spi = Mock::new(&expected);
        assert_eq!(Mfrc522::new(spi.clone(), NoopDelay::new()).poll(), Err(Error::Bcc));
        spi.done();
    }

    #[test]
    fn an_empty_field_polls_as_no_card_and_a_halted_card_stays_silent() {
        // The chip's timer fires (TimerIRq) with no answer.
        let expected = [send(&[0x26], 7), rd(0x04, 0x01), send(&[0x50, 0x00, 0x57, 0xCD], 0), rd(0x04, 0x01)].concat();
        let mut spi = Mock::new(&expected);
        let mut reader = Mfrc522::new(spi.clone(), NoopDelay::new());
        assert_eq!(reader.poll(), Ok(None));
        assert_eq!(reader.halt(), Ok(()));
        spi.done();
    }
}
