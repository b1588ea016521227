//! Capacitive soil moisture probe (v1.2-style) on an ADC channel: a two-point calibration per
//! probe (dry and wet millivolts), averaging, and the linear map to SoilMoisture (0.1 %) clamped
//! to 0–100 %.

use serde::{Deserialize, Serialize};
use shared::iot::sensor::SensorKind;
use shared::iot::wire::Reading;

use super::adc::{AdcChannel, average_mv};
use super::{div_round, reading};

/// Conversions averaged per reading: 16 cut the ESP32-C3 ADC's ±20 mV noise to about ±5 mV, well
/// under one step of a 1 300 mV dry-to-wet span.
pub const DEFAULT_SAMPLES: u16 = 16;

/// Smallest dry-to-wet span accepted: below 100 mV the ADC's noise alone would swing the
/// reading by several percent, so such a calibration was surely taken wrongly.
pub const MIN_SPAN_MV: u16 = 100;

/// Why a calibration was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CalibrationError {
    /// Dry and wet are equal or closer than [`MIN_SPAN_MV`].
    SpanTooSmall,
}

/// A probe's two calibration points, kept in flash: the probe's output in dry air (or dry soil)
/// and in water (or soaked soil). A capacitive probe reads *higher* when dry; the maths also
/// works for a probe wired the other way round.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct SoilCalibration {
    /// Millivolts at 0 % moisture.
    pub dry_mv: u16,
    /// Millivolts at 100 % moisture.
    pub wet_mv: u16,
}

impl SoilCalibration {
    /// Typical of v1.2 probes powered at 3.3 V: a starting point until each probe is calibrated
    /// (units differ by a few hundred millivolts).
    pub const DEFAULT: Self = Self { dry_mv: 2_400, wet_mv: 1_100 };

    /// Checks the points are far enough apart to be a real calibration.
    pub fn validate(self) -> Result<Self, CalibrationError> {
        if self.dry_mv.abs_diff(self.wet_mv) < MIN_SPAN_MV {
            return Err(CalibrationError::SpanTooSmall);
        }
        Ok(self)
    }

    /// Moisture in tenths of a percent for `mv` at the pin, clamped to 0–1000.
    pub fn deci_percent(self, mv: u16) -> i32 {
        let (dry, wet) = (i64::from(self.dry_mv), i64::from(self.wet_mv));
        if dry == wet {
            return 0;
        }
        // Multiplying by the span's sign keeps the divisor positive for div_round.
        let sign = if dry > wet { 1 } else { -1 };
        let value = div_round(1_000 * (dry - i64::from(mv)) * sign, (dry - wet) * sign);
        // Clamped to 0..=1000, so the cast is lossless.
        value.clamp(0, 1_000) as i32
    }
}

impl Default for SoilCalibration {
    fn default() -> Self {
        Self::DEFAULT
    }
}

/// A soil probe on its ADC channel.
#[derive(Debug)]
pub struct SoilProbe<A> {
    adc: A,
    calibration: SoilCalibration,
    samples: u16,
}

impl<A: AdcChannel> SoilProbe<A> {
    /// A probe with a checked calibration, averaging [`DEFAULT_SAMPLES`].
    pub fn new(adc: A, calibration: SoilCalibration) -> Result<Self, CalibrationError> {
        Ok(Self { adc, calibration: calibration.validate()?, samples: DEFAULT_SAMPLES })
    }

    /// Averages `samples` conversions per reading instead (at least one).
    pub fn with_samples(mut self, samples: u16) -> Self {
        self.samples = samples.max(1);
        self
    }

    /// The calibration in use.
    pub fn calibration(&self) -> SoilCalibration {
        self.calibration
    }

    /// Replaces the calibration (after a new one is taken or loaded from flash); a bad one is
    /// refused and the old one kept.
    pub fn set_calibration(&mut self, calibration: SoilCalibration) -> Result<(), CalibrationError> {
        self.calibration = calibration.validate()?;
        Ok(())
    }

    /// The averaged millivolts now: what a calibration step records as dry or wet.
    pub fn read_mv(&mut self) -> Result<u16, A::Error> {
        average_mv(&mut self.adc, self.samples)
    }

    /// Moisture now, in tenths of a percent.
    pub fn read(&mut self) -> Result<i32, A::Error> {
        Ok(self.calibration.deci_percent(self.read_mv()?))
    }

    /// A SoilMoisture reading for probe `channel`.
    pub fn reading(&mut self, channel: u8) -> Result<Reading, A::Error> {
        Ok(reading(SensorKind::SoilMoisture, channel, self.read()?))
    }
}

#[cfg(test)]
mod tests {
    use super::super::adc::QueueAdc;
    use super::*;

    const CAL: SoilCalibration = SoilCalibration { dry_mv: 2_400, wet_mv: 1_100 };

    #[test]
    fn moisture_is_linear_between_dry_and_wet() {
        assert_eq!(CAL.deci_percent(2_400), 0);
        assert_eq!(CAL.deci_percent(1_100), 1_000);
        // 1 750 mV is half way: 50.0 %.
        assert_eq!(CAL.deci_percent(1_750), 500);
        // 2 000 mV: 400/1300 = 30.77 % -> 30.8 %.
        assert_eq!(CAL.deci_percent(2_000), 308);
    }

    #[test]
    fn readings_beyond_the_calibration_are_clamped() {
        assert_eq!(CAL.deci_percent(2_900), 0);
        assert_eq!(CAL.deci_percent(600), 1_000);
    }

    #[test]
    fn an_inverted_probe_still_reads_the_right_way() {
        let cal = SoilCalibration { dry_mv: 500, wet_mv: 2_500 };
        assert_eq!(cal.deci_percent(1_000), 250);
    }

    #[test]
    fn equal_or_too_close_points_are_refused_and_the_old_calibration_kept() {
        assert_eq!(SoilCalibration { dry_mv: 1_500, wet_mv: 1_500 }.validate(), Err(CalibrationError::SpanTooSmall));
        let mut probe = SoilProbe::new(QueueAdc::default(), CAL).unwrap();
        assert_eq!(
            probe.set_calibration(SoilCalibration { dry_mv: 1_550, wet_mv: 1_500 }),
            Err(CalibrationError::SpanTooSmall)
        );
        assert_eq!(probe.calibration(), CAL);
        assert!(SoilProbe::new(QueueAdc::default(), SoilCalibration { dry_mv: 9, wet_mv: 9 }).is_err());
    }

    #[test]
    fn a_reading_averages_the_configured_samples() {
        // Mean of 1 700 and 1 800 is 1 750 mV: 50.0 %.
        let adc = QueueAdc::new(&[1_700, 1_800, 1_700, 1_800]);
        let mut probe = SoilProbe::new(adc, CAL).unwrap().with_samples(4);
        let r = probe.reading(2).unwrap();
        assert_eq!((r.k, r.c, r.t, r.v), (SensorKind::SoilMoisture, 2, 0, 500));
    }

    #[test]
    fn calibration_survives_a_json_round_trip_for_flash() {
        let mut buf = [0u8; 64];
        let n = serde_json_core::to_slice(&CAL, &mut buf).unwrap();
        let (back, _): (SoilCalibration, usize) = serde_json_core::from_slice(&buf[..n]).unwrap();
        assert_eq!(back, CAL);
    }
}
