//! Sensirion SHT30/31/35 temperature and humidity sensor over I2C: the single-shot measurement,
//! its CRC checks, the soft reset and the datasheet's conversion into the Temperature (0.01 °C)
//! and Humidity (0.1 %) fixed-point scales.

use embedded_hal::delay::DelayNs;
use embedded_hal::i2c::I2c;
use shared::iot::sensor::SensorKind;
use shared::iot::wire::Reading;

use super::{div_round, reading};

/// The sensor's I2C address, chosen by its ADDR pin.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Address {
    /// ADDR tied low: 0x44, how breakout boards ship.
    Default,
    /// ADDR tied high: 0x45, for a second sensor on the same bus.
    Alternate,
}

impl Address {
    /// The 7-bit address.
    pub const fn raw(self) -> u8 {
        match self {
            Self::Default => 0x44,
            Self::Alternate => 0x45,
        }
    }
}

/// Single shot, high repeatability, no clock stretching: the ESP32-C3's I2C need not support
/// stretching, and one reading a minute can afford the slowest, least noisy mode.
const MEASURE_HIGH: [u8; 2] = [0x24, 0x00];
/// Soft reset: reloads calibration and leaves the sensor idle.
const SOFT_RESET: [u8; 2] = [0x30, 0xA2];
/// Datasheet table 4: a high-repeatability measurement takes at most 15.5 ms.
const MEASURE_MS: u32 = 16;
/// Datasheet: the sensor accepts commands again at most 1.5 ms after a soft reset.
const RESET_MS: u32 = 2;

/// What went wrong talking to the sensor.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Error<E> {
    /// The bus failed (no ACK: sensor missing, wrong address, bad wiring).
    I2c(E),
    /// A word arrived with a wrong CRC: noise on the bus, the reading is dropped.
    Crc,
}

/// One measurement in the kinds' fixed-point units.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Measurement {
    /// Hundredths of a degree Celsius (`SensorKind::Temperature`).
    pub centi_celsius: i32,
    /// Tenths of a percent of relative humidity (`SensorKind::Humidity`).
    pub deci_percent_rh: i32,
}

impl Measurement {
    /// From the raw 16-bit words (datasheet section 4.13): T = -45 + 175·raw/65535 °C,
    /// RH = 100·raw/65535 %.
    pub fn from_raw(raw_t: u16, raw_rh: u16) -> Self {
        let centi_celsius = -4_500 + div_round(17_500 * i64::from(raw_t), 65_535);
        let deci_percent_rh = div_round(1_000 * i64::from(raw_rh), 65_535);
        // Both fit an i32 by construction: |T| <= 13 000, RH <= 1 000.
        Self { centi_celsius: centi_celsius as i32, deci_percent_rh: deci_percent_rh as i32 }
    }

    /// The temperature and humidity readings of sensor `channel`.
    pub fn readings(&self, channel: u8) -> [Reading; 2] {
        [
            reading(SensorKind::Temperature, channel, self.centi_celsius),
            reading(SensorKind::Humidity, channel, self.deci_percent_rh),
        ]
    }
}

/// CRC-8 of a data word as the SHT3x computes it: polynomial 0x31, initial value 0xFF.
pub fn crc8(data: &[u8]) -> u8 {
    let mut crc = 0xFFu8;
    for byte in data {
        crc ^= byte;
        for _ in 0..8 {
            crc = if crc & 0x80 != 0 { (crc << 1) ^ 0x31 } else { crc << 1 };
        }
    }
    crc
}

/// An SHT3x on a bus it owns (share the bus with `embedded-hal-bus` if needed).
#[derive(Debug)]
pub struct Sht3x<I, D> {
    i2c: I,
    delay: D,
    address: u8,
}

impl<I: I2c, D: DelayNs> Sht3x<I, D> {
    /// The sensor at `address`; nothing is sent yet.
    pub fn new(i2c: I, delay: D, address: Address) -> Self {
        Self { i2c, delay, address: address.raw() }
    }

    /// Resets the sensor and waits until it listens again.
    pub fn soft_reset(&mut self) -> Result<(), Error<I::Error>> {
        self.i2c.write(self.address, &SOFT_RESET).map_err(Error::I2c)?;
        self.delay.delay_ms(RESET_MS);
        Ok(())
    }

    /// Takes one measurement: command, wait, read both words, check both CRCs.
    pub fn measure(&mut self) -> Result<Measurement, Error<I::Error>> {
        self.i2c.write(self.address, &MEASURE_HIGH).map_err(Error::I2c)?;
        self.delay.delay_ms(MEASURE_MS);
        let mut buf = [0u8; 6];
        self.i2c.read(self.address, &mut buf).map_err(Error::I2c)?;
        if crc8(&buf[0..2]) != buf[2] || crc8(&buf[3..5]) != buf[5] {
            return Err(Error::Crc);
        }
        let raw_t = u16::from_be_bytes([buf[0], buf[1]]);
        let raw_rh = u16::from_be_bytes([buf[3], buf[4]]);
        Ok(Measurement::from_raw(raw_t, raw_rh))
    }

    /// Gives the bus and the delay back.
    pub fn release(self) -> (I, D) {
        (self.i2c, self.delay)
    }
}

#[cfg(test)]
mod tests {
    use embedded_hal::i2c::ErrorKind;
    use embedded_hal_mock::eh1::delay::NoopDelay;
    use embedded_hal_mock::eh1::i2c::{Mock, Transaction};

    use super::*;

    #[test]
    fn crc_matches_the_datasheet_example() {
        assert_eq!(crc8(&[0xBE, 0xEF]), 0x92);
    }

    #[test]
    fn raw_words_convert_with_the_datasheet_formulas() {
        // 0x6666 = 0.4 of full scale: -45 + 70 = 25.00 °C and 40.0 %RH.
        assert_eq!(Measurement::from_raw(0x6666, 0x6666), Measurement { centi_celsius: 2_500, deci_percent_rh: 400 });
        assert_eq!(Measurement::from_raw(0, 0xFFFF), Measurement { centi_celsius: -4_500, deci_percent_rh: 1_000 });
        // 0x4CCD is 0.3 of full scale: -45 + 52.5 = 7.50 °C and 30.0 %RH.
        assert_eq!(Measurement::from_raw(0x4CCD, 0x4CCD).deci_percent_rh, 300);
        assert_eq!(Measurement::from_raw(0x4CCD, 0).centi_celsius, 750);
    }

    #[test]
    fn a_measurement_sends_the_command_waits_and_checks_both_crcs() {
        let expectations = [
            Transaction::write(0x44, vec![0x24, 0x00]),
            Transaction::read(0x44, vec![0x66, 0x66, 0x93, 0xA3, 0xD7, 0xC0]),
        ];
        let mut i2c = Mock::new(&expectations);
        let mut sensor = Sht3x::new(i2c.clone(), NoopDelay::new(), Address::Default);
        let m = sensor.measure().unwrap();
        assert_eq!(m, Measurement { centi_celsius: 2_500, deci_percent_rh: 640 });
        let [t, rh] = m.readings(1);
        assert_eq!((t.k, t.c, t.t, t.v), (SensorKind::Temperature, 1, 0, 2_500));
        assert_eq!((rh.k, rh.c, rh.v), (SensorKind::Humidity, 1, 640));
        i2c.done();
    }

    #[test]
    fn a_corrupted_humidity_word_is_refused() {
        let expectations = [
            Transaction::write(0x45, vec![0x24, 0x00]),
            Transaction::read(0x45, vec![0x66, 0x66, 0x93, 0xA3, 0xD6, 0xC0]),
        ];
        let mut i2c = Mock::new(&expectations);
        let mut sensor = Sht3x::new(i2c.clone(), NoopDelay::new(), Address::Alternate);
        assert_eq!(sensor.measure(), Err(Error::Crc));
        i2c.done();
    }

    #[test]
    fn a_missing_sensor_is_a_bus_error_and_soft_reset_sends_its_command() {
        let expectations = [
            Transaction::write(0x44, vec![0x30, 0xA2]),
            Transaction::write(0x44, vec![0x24, 0x00]).with_error(ErrorKind::Other),
        ];
        let mut i2c = Mock::new(&expectations);
        let mut sensor = Sht3x::new(i2c.clone(), NoopDelay::new(), Address::Default);
        sensor.soft_reset().unwrap();
        assert_eq!(sensor.measure(), Err(Error::I2c(ErrorKind::Other)));
        i2c.done();
    }
}
