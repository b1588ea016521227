//! Mains power from an SCT-013 current clamp on an ADC channel (biased at mid-supply): the RMS of
//! a window of samples with the DC bias removed, the clamp's volts-to-amps ratio, power at the
//! configured mains voltage and power factor, and an energy counter that only grows.

use shared::iot::sensor::SensorKind;
use shared::iot::wire::Reading;

use super::adc::AdcChannel;
use super::reading;

/// How a clamp and its mains are set up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClampConfig {
    /// Amps that give [`Self::full_scale_mv`] RMS at the output: 30 for the SCT-013-030.
    pub full_scale_a: u16,
    /// RMS millivolts at [`Self::full_scale_a`]: 1 000 for the SCT-013-030 (built-in burden);
    /// for the current-output SCT-013-000 it is 50 mA times the burden resistor.
    pub full_scale_mv: u16,
    /// Mains RMS voltage: 220 V in Argentina.
    pub mains_v: u16,
    /// Power factor in thousandths: 1 000 for heaters and ovens; a compressor motor is nearer 800.
    pub power_factor_milli: u16,
    /// Currents below this many milliamps read as zero: the ESP32-C3 ADC's own noise (2–3 mV RMS)
    /// would otherwise show an idle line drawing ~20 W.
    pub noise_floor_ma: u32,
}

impl ClampConfig {
    /// An SCT-013-030 on 220 V mains, power factor 1.
    pub const SCT013_030: Self =
        Self { full_scale_a: 30, full_scale_mv: 1_000, mains_v: 220, power_factor_milli: 1_000, noise_floor_ma: 100 };

    /// RMS milliamps for `rms_uv` microvolts RMS at the pin.
    pub fn milliamps(&self, rms_uv: u64) -> u32 {
        // µV · A / mV = mA.
        let ma = rms_uv * u64::from(self.full_scale_a) / u64::from(self.full_scale_mv.max(1));
        let ma = u32::try_from(ma).unwrap_or(u32::MAX);
        if ma < self.noise_floor_ma { 0 } else { ma }
    }

    /// Real power in watts for `irms_ma`: V · I · power factor, rounded.
    pub fn watts(&self, irms_ma: u32) -> u32 {
        let w =
            (u64::from(self.mains_v) * u64::from(irms_ma) * u64::from(self.power_factor_milli) + 500_000) / 1_000_000;
        u32::try_from(w).unwrap_or(u32::MAX)
    }
}

impl Default for ClampConfig {
    fn default() -> Self {
        Self::SCT013_030
    }
}

/// Running sums of a window of samples: RMS without storing the window, and without a second
/// pass to remove the bias (variance = mean of squares − square of mean).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RmsWindow {
    n: u64,
    sum: u64,
    sum_sq: u64,
}

impl RmsWindow {
    /// Most samples in a window: keeps every sum inside a u64.
    pub const MAX_SAMPLES: u64 = 65_535;

    /// Adds one sample in millivolts (ignored once the window is full).
    pub fn push(&mut self, mv: u16) {
        if self.n < Self::MAX_SAMPLES {
            self.n += 1;
            self.sum += u64::from(mv);
            self.sum_sq += u64::from(mv) * u64::from(mv);
        }
    }

    /// Samples so far.
    pub fn len(&self) -> u64 {
        self.n
    }

    /// Whether no sample was added yet.
    pub fn is_empty(&self) -> bool {
        self.n == 0
    }

    /// RMS of the samples around their mean, in microvolts (0 for an empty window).
    pub fn rms_uv(&self) -> u64 {
        if self.n == 0 {
            return 0;
        }
        // n·Σx² − (Σx)² = n²·variance, in mV²; u128 because µV² of a full window passes u64.
        let n = u128::from(self.n);
        let sum = u128::from(self.sum);
        let n2_variance = (n * u128::from(self.sum_sq)).saturating_sub(sum * sum);
        let variance_uv2 = n2_variance * 1_000_000 / (n * n);
        u64::try_from(variance_uv2.isqrt()).unwrap_or(u64::MAX)
    }
}

/// A current clamp on its ADC channel.
#[derive(Debug)]
pub struct PowerMeter<A> {
    adc: A,
    config: ClampConfig,
}

impl<A: AdcChannel> PowerMeter<A> {
    /// A clamp read through `adc`.
    pub fn new(adc: A, config: ClampConfig) -> Self {
        Self { adc, config }
    }

    /// The configuration in use.
    pub fn config(&self) -> ClampConfig {
        self.config
    }

    /// Reads `samples` conversions as fast as the ADC allows and returns RMS milliamps. Sample
    /// whole mains cycles (20 ms at 50 Hz; a few of them): a partial cycle skews the RMS.
    pub fn measure_ma(&mut self, samples: u16) -> Result<u32, A::Error> {
        let mut window = RmsWindow::default();
        for _ in 0..samples {
            window.push(self.adc.read_mv()?);
        }
        Ok(self.config.milliamps(window.rms_uv()))
    }

    /// Measures and returns the power in watts.
    pub fn measure_w(&mut self, samples: u16) -> Result<u32, A::Error> {
        let ma = self.measure_ma(samples)?;
        Ok(self.config.watts(ma))
    }
}

/// A Power reading (W) for clamp `channel`.
pub fn power_reading(channel: u8, watts: u32) -> Reading {
    reading(SensorKind::Power, channel, i32::try_from(watts).unwrap_or(i32::MAX))
}

/// Energy in Wh, integrated from power over elapsed time; it only grows. Keep it across
/// reboots with [`Self::starting_at`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct EnergyMeter {
    /// Watt-milliseconds, so short steps at low power are not rounded away.
    w_ms: u64,
}

impl EnergyMeter {
    /// Longest step integrated: a longer gap (a stalled task, a missed window) is capped, since
    /// assuming the last power held for that long would invent energy.
    pub const MAX_STEP_MS: u32 = 300_000;

    /// A counter that resumes from `wh` (restored from flash).
    pub const fn starting_at(wh: u64) -> Self {
        Self { w_ms: wh.saturating_mul(3_600_000) }
    }

    /// Adds `watts` drawn for `elapsed_ms` (capped at [`Self::MAX_STEP_MS`]).
    pub fn add(&mut self, watts: u32, elapsed_ms: u32) {
        let step = u64::from(watts) * u64::from(elapsed_ms.min(Self::MAX_STEP_MS));
        self.w_ms = self.w_ms.saturating_add(step);
    }

    /// Whole watt-hours so far.
    pub const fn wh(&self) -> u64 {
        self.w_ms / 3_600_000
    }

    /// The Energy reading (Wh) of meter `channel`.
    pub fn reading(&self, channel: u8) -> Reading {
        reading(SensorKind::Energy, channel, i32::try_from(self.wh()).unwrap_or(i32::MAX))
    }
}

#[cfg(test)]
mod tests {
    use super::super::adc::QueueAdc;
    use super::*;

    /// Five 50 Hz cycles, 40 samples per cycle, of a sine with `rms_mv` RMS around a 1 650 mV
    /// bias, rounded to whole millivolts as the ADC gives them.
    fn sine(rms_mv: f64) -> Vec<u16> {
        let peak = rms_mv * core::f64::consts::SQRT_2;
        (0..200)
            .map(|i| (1_650.0 + peak * (f64::from(i) * core::f64::consts::TAU / 40.0).sin()).round() as u16)
            .collect()
    }

    #[test]
    fn a_ten_amp_sine_reads_ten_amps_and_2200_watts() {
        // 10 A on an SCT-013-030 is 333.3 mV RMS.
        let mut meter = PowerMeter::new(QueueAdc::new(&sine(1_000.0 / 3.0)), ClampConfig::SCT013_030);
        let ma = meter.measure_ma(200).unwrap();
        assert!(ma.abs_diff(10_000) <= 50, "{ma} mA");
        assert!(ClampConfig::SCT013_030.watts(ma).abs_diff(2_200) <= 11);
    }

    #[test]
    fn the_bias_alone_reads_zero_and_noise_stays_under_the_floor() {
        let mut flat = PowerMeter::new(QueueAdc::new(&[1_650; 40]), ClampConfig::SCT013_030);
        assert_eq!(flat.measure_w(40).unwrap(), 0);
        // ±2 mV of noise: 2 mV RMS = 60 mA, under the 100 mA floor.
        let noise: Vec<u16> = (0..40).map(|i| if i % 2 == 0 { 1_652 } else { 1_648 }).collect();
        let mut noisy = PowerMeter::new(QueueAdc::new(&noise), ClampConfig::SCT013_030);
        assert_eq!(noisy.measure_ma(40).unwrap(), 0);
    }

    #[test]
    fn power_factor_and_mains_voltage_scale_the_watts() {
        let motor = ClampConfig { power_factor_milli: 800, mains_v: 230, ..ClampConfig::SCT013_030 };
        // 230 V · 5 A · 0.8 = 920 W.
        assert_eq!(motor.watts(5_000), 920);
        let mut meter = PowerMeter::new(QueueAdc::new(&sine(1_000.0 / 6.0)), motor);
        assert!(meter.measure_w(200).unwrap().abs_diff(920) <= 10);
    }

    #[test]
    fn rms_of_a_square_wave_is_its_amplitude() {
        let mut w = RmsWindow::default();
        for i in 0..100 {
            w.push(if i % 2 == 0 { 1_750 } else { 1_550 });
        }
        assert_eq!(w.rms_uv(), 100_000);
        assert_eq!(RmsWindow::default().rms_uv(), 0);
    }

    #[test]
    fn energy_integrates_power_over_time_and_only_grows() {
        let mut e = EnergyMeter::starting_at(10);
        // 2 200 W for half an hour: 1 100 Wh.
        for _ in 0..180 {
            e.add(2_200, 10_000);
        }
        assert_eq!(e.wh(), 1_110);
        e.add(0, 60_000);
        assert_eq!(e.wh(), 1_110);
        let r = e.reading(0);
        assert_eq!((r.k, r.v), (SensorKind::Energy, 1_110));
        assert_eq!(power_reading(0, 2_200).v, 2_200);
    }

    #[test]
    fn a_long_gap_is_capped_instead_of_inventing_energy() {
        let mut e = EnergyMeter::default();
        // A day-long gap at 1 kW counts as five minutes: 83 Wh, not 24 kWh.
        e.add(1_000, 86_400_000);
        assert_eq!(e.wh(), 83);
    }
}
