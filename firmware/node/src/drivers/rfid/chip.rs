//! The MFRC522 chip itself: its SPI register access (address byte `(reg << 1) & 0x7E`, bit 7
//! set to read), the set-up after reset, and Transceive, which sends a frame through the FIFO and
//! collects the card's answer. The ISO 14443-3 exchanges built on it are in the parent module.

use embedded_hal::delay::DelayNs;
use embedded_hal::spi::SpiDevice;

use super::Error;

/// Registers (datasheet section 9).
mod reg {
    pub const COMMAND: u8 = 0x01;
    pub const COM_IRQ: u8 = 0x04;
    pub const ERROR: u8 = 0x06;
    pub const FIFO_DATA: u8 = 0x09;
    pub const FIFO_LEVEL: u8 = 0x0A;
    pub const CONTROL: u8 = 0x0C;
    pub const BIT_FRAMING: u8 = 0x0D;
    pub const COLL: u8 = 0x0E;
    pub const MODE: u8 = 0x11;
    pub const TX_MODE: u8 = 0x12;
    pub const RX_MODE: u8 = 0x13;
    pub const TX_CONTROL: u8 = 0x14;
    pub const TX_ASK: u8 = 0x15;
    pub const MOD_WIDTH: u8 = 0x24;
    pub const T_MODE: u8 = 0x2A;
    pub const T_PRESCALER: u8 = 0x2B;
    pub const T_RELOAD_H: u8 = 0x2C;
    pub const T_RELOAD_L: u8 = 0x2D;
    pub const VERSION: u8 = 0x37;
}

/// Chip commands written to CommandReg: stop, send-and-receive, reset.
const CMD_IDLE: u8 = 0x00;
const CMD_TRANSCEIVE: u8 = 0x0C;
const CMD_SOFT_RESET: u8 = 0x0F;
/// Register polls while a frame is in flight, 1 ms apart: past the chip's own 25 ms timer, so
/// running out means the chip itself stopped answering.
const POLLS: u8 = 40;

/// An MFRC522 on its SPI device (chip select handled by the `SpiDevice`).
#[derive(Debug)]
pub struct Mfrc522<S, D> {
    spi: S,
    delay: D,
}

impl<S: SpiDevice, D: DelayNs> Mfrc522<S, D> {
    /// The reader; call [`Self::init`] before use.
    pub fn new(spi: S, delay: D) -> Self {
        Self { spi, delay }
    }

    fn write(&mut self, reg: u8, value: u8) -> Result<(), Error<S::Error>> {
        self.spi.write(&[(reg << 1) & 0x7E, value]).map_err(Error::Spi)
    }

    fn read(&mut self, reg: u8) -> Result<u8, Error<S::Error>> {
        let mut buf = [((reg << 1) & 0x7E) | 0x80, 0];
        self.spi.transfer_in_place(&mut buf).map_err(Error::Spi)?;
        Ok(buf[1])
    }

    /// VersionReg: 0x91 or 0x92 for genuine v1/v2 chips, 0x88 or 0x12 for common clones.
    pub fn version(&mut self) -> Result<u8, Error<S::Error>> {
        self.read(reg::VERSION)
    }

    /// Checks the chip is there, resets it and sets it up as the MFRC522 reference code does;
    /// returns the version for the boot log.
    pub fn init(&mut self) -> Result<u8, Error<S::Error>> {
        let version = self.version()?;
        if version == 0x00 || version == 0xFF {
            return Err(Error::NoChip(version));
        }
        self.write(reg::COMMAND, CMD_SOFT_RESET)?;
        // The oscillator restarts after a reset: up to 37.74 µs plus start-up, 50 ms to be safe.
        self.delay.delay_ms(50);
        // Wait for the PowerDown bit to clear.
        let mut tries = 0;
        while self.read(reg::COMMAND)? & 0x10 != 0 {
            tries += 1;
            if tries >= 3 {
                return Err(Error::Timeout);
            }
            self.delay.delay_ms(10);
        }
        let setup = [
            (reg::TX_MODE, 0x00),     // 106 kBd, no TX CRC
            (reg::RX_MODE, 0x00),     // 106 kBd, no RX CRC
            (reg::MOD_WIDTH, 0x26),   // reset value
            (reg::T_MODE, 0x80),      // timer starts when a frame is sent
            (reg::T_PRESCALER, 0xA9), // 13.56 MHz / (2·169 + 1) = 40 kHz: 25 µs per tick
            (reg::T_RELOAD_H, 0x03),  // 1 000 ticks: a 25 ms answer timeout
            (reg::T_RELOAD_L, 0xE8),
            (reg::TX_ASK, 0x40), // 100 % ASK, as ISO 14443-A wants
            (reg::MODE, 0x3D),   // CRC preset 0x6363 (CRC_A)
            (reg::COLL, 0x00),   // bits after a collision are cleared
        ];
        for (register, value) in setup {
            self.write(register, value)?;
        }
        let tx = self.read(reg::TX_CONTROL)?;
        if tx & 0x03 != 0x03 {
            self.write(reg::TX_CONTROL, tx | 0x03)?; // antenna drivers TX1 and TX2 on
        }
        Ok(version)
    }

    /// Sends `send` (at most 9 bytes, the longest frame here being SELECT; its last byte
    /// `tx_last_bits` long, 0 = 8) and reads the answer into `back`; returns the answer's length.
    pub(super) fn transceive(
        &mut self,
        send: &[u8],
        tx_last_bits: u8,
        back: &mut [u8],
    ) -> Result<usize, Error<S::Error>> {
        self.write(reg::COMMAND, CMD_IDLE)?;
        self.write(reg::COM_IRQ, 0x7F)?; // clear every interrupt flag
        self.write(reg::FIFO_LEVEL, 0x80)?; // flush the FIFO
        let mut frame = [(reg::FIFO_DATA << 1) & 0x7E; 10];
        let len = send.len().min(9);
        frame[1..=len].copy_from_slice(&send[..len]);
        self.spi.write(&frame[..=len]).map_err(Error::Spi)?;
        self.write(reg::BIT_FRAMING, tx_last_bits)?;
        self.write(reg::COMMAND, CMD_TRANSCEIVE)?;
        self.write(reg::BIT_FRAMING, 0x80 | tx_last_bits)?; // StartSend
        let mut done = false;
        for _ in 0..POLLS {
            let irq = self.read(reg::COM_IRQ)?;
            if irq & 0x30 != 0 {
                done = true; // RxIRq or IdleIRq: an answer, or the command ended
                break;
            }
            if irq & 0x01 != 0 {
                return Err(Error::NoAnswer); // TimerIRq
            }
            self.delay.delay_ms(1);
        }
        if !done {
            return Err(Error::Timeout);
        }
        let error = self.read(reg::ERROR)?;
        if error & 0x13 != 0 {
            return Err(Error::Protocol(error));
        }
        if error & 0x08 != 0 {
            return Err(Error::Collision);
        }
        let n = usize::from(self.read(reg::FIFO_LEVEL)?);
        if n > back.len() || n > 9 {
            return Err(Error::BadResponse);
        }
        if n > 0 {
            let mut buf = [((reg::FIFO_DATA << 1) & 0x7E) | 0x80; 10];
            buf[n] = 0;
            self.spi.transfer_in_place(&mut buf[..=n]).map_err(Error::Spi)?;
            back[..n].copy_from_slice(&buf[1..=n]);
        }
        // Bits valid in the last byte: every answer expected here is whole bytes.
        if self.read(reg::CONTROL)? & 0x07 != 0 {
            return Err(Error::BadResponse);
        }
        Ok(n)
    }
}

#[cfg(test)]
pub(super) mod script {
    //! The SPI traffic the chip sees, for the mock: one transaction per register access.

    use embedded_hal_mock::eh1::spi::Transaction as T;

    /// One register write: address byte (reg << 1) & 0x7E, then the value.
    pub fn wr(reg: u8, value: u8) -> Vec<T<u8>> {
        vec![T::transaction_start(), T::write_vec(vec![reg << 1, value]), T::transaction_end()]
    }

    /// One register read: address byte with bit 7 set, then a dummy byte clocking the value out.
    pub fn rd(reg: u8, value: u8) -> Vec<T<u8>> {
        vec![
            T::transaction_start(),
            T::transfer_in_place(vec![(reg << 1) | 0x80, 0], vec![0, value]),
            T::transaction_end(),
        ]
    }

    /// Transceive up to the wait: idle, clear IRQs, flush, the frame into the FIFO (0x09 << 1 =
    /// 0x12), bit framing, Transceive, StartSend.
    pub fn send(frame: &[u8], bits: u8) -> Vec<T<u8>> {
        let fifo = [&[0x12], frame].concat();
        let load = vec![T::transaction_start(), T::write_vec(fifo), T::transaction_end()];
        [wr(0x01, 0x00), wr(0x04, 0x7F), wr(0x0A, 0x80), load, wr(0x0D, bits), wr(0x01, 0x0C), wr(0x0D, 0x80 | bits)]
            .concat()
    }

    /// A whole Transceive of `frame` answered by `reply` (RxIRq, no error, whole bytes).
    pub fn exchange(frame: &[u8], bits: u8, reply: &[u8]) -> Vec<T<u8>> {
        let fifo_in = [vec![0x92; reply.len()], vec![0]].concat();
        let answer = [&[0], reply].concat();
        let unload = vec![T::transaction_start(), T::transfer_in_place(fifo_in, answer), T::transaction_end()];
        [send(frame, bits), rd(0x04, 0x30), rd(0x06, 0x00), rd(0x0A, reply.len() as u8), unload, rd(0x0C, 0x00)]
            .concat()
    }
}

#[cfg(test)]
mod tests {
    use embedded_hal_mock::eh1::delay::NoopDelay;
    use embedded_hal_mock::eh1::spi::{Mock, Transaction as T};

    use super::script::{rd, wr};
    use super::*;

    #[test]
    fn the_version_is_read_with_the_read_bit_and_shifted_address() {
        // VersionReg 0x37: address byte (0x37 << 1) | 0x80 = 0xEE.
        let mut spi = Mock::new(&[
            T::transaction_start(),
            T::transfer_in_place(vec![0xEE, 0x00], vec![0x00, 0x92]),
            T::transaction_end(),
        ]);
        assert_eq!(Mfrc522::new(spi.clone(), NoopDelay::new()).version(), Ok(0x92));
        spi.done();
    }

    #[test]
    fn init_resets_sets_the_timer_and_ask_and_turns_the_antenna_on() {
        let setup = [
            (0x12, 0x00),
            (0x13, 0x00),
            (0x24, 0x26),
            (0x2A, 0x80),
            (0x2B, 0xA9),
            (0x2C, 0x03),
            (0x2D, 0xE8),
            (0x15, 0x40),
            (0x11, 0x3D),
            (0x0E, 0x00),
        ];
        let mut expected = [rd(0x37, 0x91), wr(0x01, 0x0F), rd(0x01, 0x20)].concat();
        for (reg, value) in setup {
            expected.extend(wr(reg, value));
        }
        expected.extend([rd(0x14, 0x80), wr(0x14, 0x83)].concat());
        let mut spi = Mock::new(&expected);
        assert_eq!(Mfrc522::new(spi.clone(), NoopDelay::new()).init(), Ok(0x91));
        spi.done();
    }

    #[test]
    fn a_reader_that_answers_ff_is_missing() {
        let mut spi = Mock::new(&rd(0x37, 0xFF));
        assert_eq!(Mfrc522::new(spi.clone(), NoopDelay::new()).init(), Err(Error::NoChip(0xFF)));
        spi.done();
    }
}
