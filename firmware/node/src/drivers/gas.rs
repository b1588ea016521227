//! MQ-2 gas/smoke sensor module on an ADC channel: the heater's warm-up (no readings until it is
//! hot), the sensor resistance Rs from the module's load resistor, the clean-air calibration of
//! R0, the datasheet's LPG curve to ppm, and an alarm threshold with hysteresis.
//!
//! Honesty about the number: an MQ-2 is a heated tin-oxide resistor that reacts to LPG, methane,
//! smoke, alcohol and humidity alike. The ppm reported is "LPG-equivalent" read off the
//! datasheet's LPG line (Rs/R0 1.62 at 200 ppm, log-log slope −0.47), interpolated linearly
//! between points; expect ±30 % at best. It is good for "is something wrong", not for metering.

use serde::{Deserialize, Serialize};
use shared::iot::sensor::SensorKind;
use shared::iot::wire::Reading;

use super::adc::{AdcChannel, average_mv};
use super::reading;

/// Default warm-up: the heater needs 20 s to 3 min before Rs settles; readings earlier are far
/// too high and would raise false alarms at every boot.
pub const DEFAULT_WARM_UP_MS: u32 = 60_000;

/// Rs/R0 in clean air on the datasheet's figure (×1000): the clean-air calibration divides by it.
pub const CLEAN_AIR_RATIO_MILLI: u32 = 9_830;

/// The LPG curve as (Rs/R0 ×1000, ppm), ratio falling as gas rises, from clean air (0 ppm,
/// joined straight to the curve's first point) to the datasheet's 10 000 ppm limit.
const LPG_CURVE: [(u32, u32); 12] = [
    (CLEAN_AIR_RATIO_MILLI, 0),
    (1_620, 200),
    (1_339, 300),
    (1_053, 500),
    (899, 700),
    (760, 1_000),
    (628, 1_500),
    (549, 2_000),
    (454, 3_000),
    (357, 5_000),
    (305, 7_000),
    (258, 10_000),
];

/// How the module is wired.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GasConfig {
    /// The module's supply (and heater) voltage: 5 000 mV.
    pub supply_mv: u16,
    /// The module's load resistor RL: 1 kΩ on the common FC-22 boards (marked 102).
    pub load_ohms: u32,
    /// The divider between the module's output and the pin, as module = pin · num / den: 2/1 for
    /// a 10k/10k divider, which keeps 5 V under the ESP32-C3 ADC's 2.5 V ceiling.
    pub divider_num: u16,
    /// See [`Self::divider_num`].
    pub divider_den: u16,
    /// Milliseconds after power-on before readings are reported.
    pub warm_up_ms: u32,
    /// Conversions averaged per reading.
    pub samples: u16,
}

impl Default for GasConfig {
    fn default() -> Self {
        Self {
            supply_mv: 5_000,
            load_ohms: 1_000,
            divider_num: 2,
            divider_den: 1,
            warm_up_ms: DEFAULT_WARM_UP_MS,
            samples: 16,
        }
    }
}

impl GasConfig {
    /// The sensor's resistance Rs for `pin_mv` at the pin: RL · (Vc − Vout) / Vout. No output
    /// means an open sensor (infinite Rs); full output means a shorted one (0 Ω).
    pub fn rs_ohms(&self, pin_mv: u16) -> u32 {
        let out = u64::from(pin_mv) * u64::from(self.divider_num) / u64::from(self.divider_den.max(1));
        let supply = u64::from(self.supply_mv);
        if out == 0 {
            return u32::MAX;
        }
        let rs = u64::from(self.load_ohms) * supply.saturating_sub(out) / out;
        u32::try_from(rs).unwrap_or(u32::MAX)
    }
}

/// A sensor's resistance in clean air after warm-up divided by [`CLEAN_AIR_RATIO_MILLI`]; kept
/// in flash.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct GasCalibration {
    /// R0 in ohms.
    pub r0_ohms: u32,
}

impl GasCalibration {
    /// R0 for a sensor whose resistance in clean air is `rs_ohms` (Rs / the datasheet's
    /// clean-air ratio, rounded; never 0).
    pub fn from_clean_air(rs_ohms: u32) -> Self {
        let ratio = u64::from(CLEAN_AIR_RATIO_MILLI);
        let r0 = (u64::from(rs_ohms) * 1_000 + ratio / 2) / ratio;
        Self { r0_ohms: u32::try_from(r0).unwrap_or(u32::MAX).max(1) }
    }
}

impl Default for GasCalibration {
    /// 1 kΩ: an FC-22 module reads about 0.45 V in clean air (Rs ≈ 10 kΩ). Sensors differ by
    /// several times, so this only holds until [`GasSensor::calibrate_clean_air`] runs.
    fn default() -> Self {
        Self { r0_ohms: 1_000 }
    }
}

/// LPG-equivalent ppm for Rs/R0 (×1000) on the datasheet's LPG curve, clamped to 0–10 000.
pub fn ppm_from_ratio(ratio_milli: u32) -> u32 {
    let (first, last) = (LPG_CURVE[0], LPG_CURVE[LPG_CURVE.len() - 1]);
    if ratio_milli >= first.0 {
        return first.1;
    }
    if ratio_milli <= last.0 {
        return last.1;
    }
    for pair in LPG_CURVE.windows(2) {
        let ((r_hi, p_lo), (r_lo, p_hi)) = (pair[0], pair[1]);
        if ratio_milli >= r_lo {
            let span = r_hi - r_lo;
            return p_lo + ((p_hi - p_lo) * (r_hi - ratio_milli) + span / 2) / span;
        }
    }
    last.1
}

/// What the sensor says now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GasState {
    /// The heater is still warming: nothing to report for `remaining_ms`.
    WarmingUp {
        /// Milliseconds left.
        remaining_ms: u32,
    },
    /// Hot and reading.
    Ready {
        /// LPG-equivalent ppm.
        ppm: u32,
    },
}

impl GasState {
    /// The Gas reading of sensor `channel`, if there is one to report.
    pub fn reading(self, channel: u8) -> Option<Reading> {
        match self {
            Self::WarmingUp { .. } => None,
            Self::Ready { ppm } => Some(reading(SensorKind::Gas, channel, i32::try_from(ppm).unwrap_or(i32::MAX))),
        }
    }
}

/// Why a calibration could not be taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Error<E> {
    /// The conversion failed.
    Adc(E),
    /// The heater is not hot yet: a cold sensor would give a wrong R0.
    WarmingUp,
}

/// An MQ-2 module on its ADC channel.
#[derive(Debug)]
pub struct GasSensor<A> {
    adc: A,
    config: GasConfig,
    calibration: GasCalibration,
    powered_at_ms: u64,
}

impl<A: AdcChannel> GasSensor<A> {
    /// A sensor whose heater was powered at `powered_at_ms`.
    pub fn new(adc: A, config: GasConfig, calibration: GasCalibration, powered_at_ms: u64) -> Self {
        Self { adc, config, calibration, powered_at_ms }
    }

    fn remaining_ms(&self, now_ms: u64) -> u32 {
        let warm = u64::from(self.config.warm_up_ms);
        let hot_for = now_ms.saturating_sub(self.powered_at_ms);
        u32::try_from(warm.saturating_sub(hot_for)).unwrap_or(u32::MAX)
    }

    /// The calibration in use.
    pub fn calibration(&self) -> GasCalibration {
        self.calibration
    }

    /// Reads the sensor at `now_ms`; during warm-up the ADC is not touched.
    pub fn read(&mut self, now_ms: u64) -> Result<GasState, A::Error> {
        self.read_with_mv(now_ms).map(|(state, _)| state)
    }

    /// Like [`Self::read`], also giving the averaged pin millivolts behind the value (`None`
    /// during warm-up), which the firmware keeps for a clean-air calibration from the console.
    pub fn read_with_mv(&mut self, now_ms: u64) -> Result<(GasState, Option<u16>), A::Error> {
        let remaining_ms = self.remaining_ms(now_ms);
        if remaining_ms > 0 {
            return Ok((GasState::WarmingUp { remaining_ms }, None));
        }
        let mv = average_mv(&mut self.adc, self.config.samples)?;
        let rs = u64::from(self.config.rs_ohms(mv));
        let ratio = rs * 1_000 / u64::from(self.calibration.r0_ohms.max(1));
        Ok((GasState::Ready { ppm: ppm_from_ratio(u32::try_from(ratio).unwrap_or(u32::MAX)) }, Some(mv)))
    }

    /// Takes R0 from the air now, which must be clean (done once at installation), uses it and
    /// returns it for flash.
    pub fn calibrate_clean_air(&mut self, now_ms: u64) -> Result<GasCalibration, Error<A::Error>> {
        if self.remaining_ms(now_ms) > 0 {
            return Err(Error::WarmingUp);
        }
        let rs = self.config.rs_ohms(average_mv(&mut self.adc, self.config.samples).map_err(Error::Adc)?);
        self.calibration = GasCalibration::from_clean_air(rs);
        Ok(self.calibration)
    }
}

/// An alarm on a ppm level with hysteresis, so a value hovering at the threshold does not
/// flap on and off.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GasAlarm {
    /// On at or above this.
    pub threshold_ppm: u32,
    /// Off again only below threshold − hysteresis.
    pub hysteresis_ppm: u32,
    on: bool,
}

impl GasAlarm {
    /// 2 000 ppm LPG-equivalent: about a tenth of LPG's lower explosive limit (2.1 % = 21 000
    /// ppm), where domestic gas alarms sound; 200 ppm hysteresis.
    pub const DEFAULT: Self = Self::new(2_000, 200);

    /// An alarm that is off.
    pub const fn new(threshold_ppm: u32, hysteresis_ppm: u32) -> Self {
        Self { threshold_ppm, hysteresis_ppm, on: false }
    }

    /// Feeds a reading; returns whether the alarm is on.
    pub fn update(&mut self, ppm: u32) -> bool {
        if ppm >= self.threshold_ppm {
            self.on = true;
        } else if ppm < self.threshold_ppm.saturating_sub(self.hysteresis_ppm) {
            self.on = false;
        }
        self.on
    }

    /// Whether the alarm is on.
    pub const fn is_on(&self) -> bool {
        self.on
    }
}

#[cfg(test)]
mod tests {
    use super::super::adc::QueueAdc;
    use super::*;

    fn config() -> GasConfig {
        GasConfig { samples: 1, ..GasConfig::default() }
    }

    #[test]
    fn a_cold_sensor_reports_warming_up_without_touching_the_adc() {
        let mut gas = GasSensor::new(QueueAdc::default(), config(), GasCalibration::default(), 1_000);
        assert_eq!(gas.read(21_000), Ok(GasState::WarmingUp { remaining_ms: 40_000 }));
        assert_eq!(gas.read(21_000).unwrap().reading(0), None);
        assert_eq!(gas.calibrate_clean_air(60_999), Err(Error::WarmingUp));
    }

    #[test]
    fn rs_follows_the_load_resistor_formula_through_the_divider() {
        // 225 mV at the pin is 450 mV out: 1 kΩ · 4 550 / 450 = 10 111 Ω.
        assert_eq!(config().rs_ohms(225), 10_111);
        assert_eq!(config().rs_ohms(0), u32::MAX);
        assert_eq!(config().rs_ohms(2_600), 0);
    }

    #[test]
    fn the_curve_maps_datasheet_points_and_interpolates_between_them() {
        assert_eq!(ppm_from_ratio(760), 1_000);
        assert_eq!(ppm_from_ratio(976), 600);
        assert_eq!(ppm_from_ratio(10_000), 0);
        assert_eq!(ppm_from_ratio(100), 10_000);
    }

    #[test]
    fn a_hot_sensor_in_gas_reads_ppm_from_its_calibrated_r0() {
        // 1 000 mV at the pin, 2 000 mV out: Rs = 1 500 Ω, Rs/R0 = 1.5, between 200 ppm (1.62)
        // and 300 ppm (1.339): 200 + 100 · 120 / 281 = 242.7.
        let mut gas = GasSensor::new(QueueAdc::new(&[1_000]), config(), GasCalibration { r0_ohms: 1_000 }, 0);
        let state = gas.read(60_000).unwrap();
        assert_eq!(state, GasState::Ready { ppm: 243 });
        let r = state.reading(2).unwrap();
        assert_eq!((r.k, r.c, r.t, r.v), (SensorKind::Gas, 2, 0, 243));
    }

    #[test]
    fn clean_air_calibration_sets_r0_so_clean_air_reads_zero() {
        let mut gas = GasSensor::new(QueueAdc::new(&[225, 225]), config(), GasCalibration::default(), 0);
        // R0 = 10 111 / 9.83 = 1 028.6 Ω.
        assert_eq!(gas.calibrate_clean_air(60_000), Ok(GasCalibration { r0_ohms: 1_029 }));
        assert_eq!(gas.read(61_000), Ok(GasState::Ready { ppm: 0 }));
    }

    #[test]
    fn the_alarm_needs_the_level_to_fall_below_the_hysteresis_to_clear() {
        let mut alarm = GasAlarm::DEFAULT;
        let seen: Vec<bool> = [1_500, 2_000, 1_900, 1_801, 1_799, 1_999].iter().map(|p| alarm.update(*p)).collect();
        assert_eq!(seen, [false, true, true, true, false, false]);
    }
}
