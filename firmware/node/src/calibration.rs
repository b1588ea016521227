//! The analog sensors' calibration, taken from the console in the field and kept in flash: each
//! soil probe's dry and wet millivolts and the gas sensor's clean-air R0. Pure: the firmware
//! measures the pin, calls [`Calibration::with_soil_point`] or [`Calibration::with_gas_clean_air`]
//! and saves the result in two A/B slots like the counters.

use core::fmt::Write;

use heapless::String;

use crate::drivers::gas::{GasCalibration, GasConfig};
use crate::drivers::soil::{MIN_SPAN_MV, SoilCalibration};
use crate::provision::crc32;

/// Soil probes a node can calibrate: the ESP32-C3's ADC1 has five inputs and a board needs at
/// least one of them for something else (the gas sensor or a battery divider).
pub const MAX_SOIL_PROBES: usize = 4;
/// Bytes a record takes in its slot (a multiple of 4 for word-aligned flash writes).
pub const CALIBRATION_LEN: usize = 64;
/// Lowest pin reading refused as impossible: the C3's ADC at 11 dB tops out near 2 500–2 900 mV,
/// so a value at or above the 3.3 V supply is a fault, never a measurement. 0 mV is refused too:
/// it is what a disconnected probe reads.
pub const IMPLAUSIBLE_MV: u16 = 3_300;

const MAGIC: [u8; 4] = *b"MCAL";
/// Flag bit `i` (below [`MAX_SOIL_PROBES`]): soil probe `i` is calibrated; the next bit: the gas
/// sensor is. Any other bit was set by a newer format, so the record is not read.
const HAS_GAS: u8 = 1 << MAX_SOIL_PROBES;
const KNOWN_FLAGS: u8 = HAS_GAS | (HAS_GAS - 1);
/// Magic (4), generation (4), flags (1), reserved (3), soil points (4 × 2 × 2), R0 (4).
const BODY_LEN: usize = 12 + MAX_SOIL_PROBES * 4 + 4;
const _: () = assert!(CALIBRATION_LEN.is_multiple_of(4) && BODY_LEN + 4 <= CALIBRATION_LEN && MAX_SOIL_PROBES < 8);

/// Which calibration point a soil probe is at.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SoilPoint {
    /// In dry air (or dry soil): 0 % moisture.
    Dry,
    /// In water (or soaked soil): 100 % moisture.
    Wet,
}

/// Why a calibration was refused; the saved one stays in use.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CalibrationProblem {
    /// The channel is not a soil probe of this node.
    NoSuchProbe(u8),
    /// The sensor has not been read yet since boot.
    NoReading,
    /// Dry and wet are closer than [`MIN_SPAN_MV`]: the probe was surely not moved between them.
    SpanTooSmall {
        /// The dry point that would result.
        dry_mv: u16,
        /// The wet point that would result.
        wet_mv: u16,
    },
    /// The gas sensor's heater is not hot yet: a cold sensor would give a wrong R0.
    WarmingUp {
        /// Seconds left, rounded up.
        remaining_s: u32,
    },
    /// A pin reading that no connected, working sensor gives (see [`IMPLAUSIBLE_MV`]).
    Implausible(u16),
}

impl CalibrationProblem {
    /// What went wrong, in Spanish, for the console (without `Error:` or a final period).
    pub fn message(&self) -> String<160> {
        let mut s = String::new();
        let _ = match *self {
            Self::NoSuchProbe(channel) => write!(s, "el nodo no tiene sonda de suelo en el canal {channel}"),
            Self::NoReading => s.write_str("el sensor todavía no tiene lectura; esperá unos segundos y probá de nuevo"),
            Self::SpanTooSmall { dry_mv, wet_mv } => write!(
                s,
                "seco {dry_mv} mV y húmedo {wet_mv} mV están a menos de {MIN_SPAN_MV} mV; \
                 ¿la sonda estaba en el aire y después en agua?"
            ),
            Self::WarmingUp { remaining_s } => {
                write!(s, "el sensor de gas todavía se está calentando; probá de nuevo en {remaining_s} s")
            }
            Self::Implausible(mv) => {
                write!(s, "{mv} mV en el pin no es una lectura posible; revisá que el sensor esté conectado")
            }
        };
        s
    }
}

/// The saved calibration: `None` where the factory default is in use.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Calibration {
    /// Incremented (wrapping) on every change; the newer slot wins.
    pub generation: u32,
    /// Each soil probe's points, by channel.
    pub soil: [Option<SoilCalibration>; MAX_SOIL_PROBES],
    /// The gas sensor's R0.
    pub gas: Option<GasCalibration>,
}

impl Calibration {
    /// Soil probe `channel`'s points: the saved ones, else [`SoilCalibration::DEFAULT`].
    pub fn soil(&self, channel: u8) -> SoilCalibration {
        self.soil.get(usize::from(channel)).copied().flatten().unwrap_or_default()
    }

    /// The gas sensor's R0: the saved one, else the default.
    pub fn gas(&self) -> GasCalibration {
        self.gas.unwrap_or_default()
    }

    /// New calibration with one soil point set to `mv`; the other point is the saved one or the
    /// default. Validates the span.
    pub fn with_soil_point(&self, channel: u8, point: SoilPoint, mv: Option<u16>) -> Result<Self, CalibrationProblem> {
        if usize::from(channel) >= MAX_SOIL_PROBES {
            return Err(CalibrationProblem::NoSuchProbe(channel));
        }
        let mv = plausible(mv)?;
        let mut soil = self.soil(channel);
        match point {
            SoilPoint::Dry => soil.dry_mv = mv,
            SoilPoint::Wet => soil.wet_mv = mv,
        }
        let soil = soil
            .validate()
            .map_err(|_| CalibrationProblem::SpanTooSmall { dry_mv: soil.dry_mv, wet_mv: soil.wet_mv })?;
        let mut new = self.next();
        new.soil[usize::from(channel)] = Some(soil);
        Ok(new)
    }

    /// New calibration with R0 from clean air: `pin_mv` averaged now, `since_boot_ms` to refuse
    /// during warm-up (`config.warm_up_ms`). R0 from `GasCalibration::from_clean_air`, as
    /// `GasSensor::calibrate_clean_air` computes it; a reading that makes Rs 0 (the output at the
    /// supply) is implausible too.
    pub fn with_gas_clean_air(
        &self,
        pin_mv: Option<u16>,
        since_boot_ms: u64,
        config: &GasConfig,
    ) -> Result<Self, CalibrationProblem> {
        let remaining_ms = u64::from(config.warm_up_ms).saturating_sub(since_boot_ms);
        if remaining_ms > 0 {
            let remaining_s = u32::try_from(remaining_ms.div_ceil(1_000)).unwrap_or(u32::MAX);
            return Err(CalibrationProblem::WarmingUp { remaining_s });
        }
        let mv = plausible(pin_mv)?;
        let rs = config.rs_ohms(mv);
        if rs == 0 {
            return Err(CalibrationProblem::Implausible(mv));
        }
        let mut new = self.next();
        new.gas = Some(GasCalibration::from_clean_air(rs));
        Ok(new)
    }

    fn next(&self) -> Self {
        Self { generation: self.generation.wrapping_add(1), ..*self }
    }

    /// The slot bytes; 0xFF after the CRC, like erased flash.
    pub fn encode(&self) -> [u8; CALIBRATION_LEN] {
        let mut buf = [0xFF; CALIBRATION_LEN];
        buf[..4].copy_from_slice(&MAGIC);
        buf[4..8].copy_from_slice(&self.generation.to_le_bytes());
        let mut flags = 0u8;
        for (i, soil) in self.soil.iter().enumerate() {
            let at = 12 + i * 4;
            let points = soil.map_or([0xFF; 4], |s| {
                flags |= 1 << i;
                let (d, w) = (s.dry_mv.to_le_bytes(), s.wet_mv.to_le_bytes());
                [d[0], d[1], w[0], w[1]]
            });
            buf[at..at + 4].copy_from_slice(&points);
        }
        let r0 = self.gas.map_or(u32::MAX, |g| {
            flags |= HAS_GAS;
            g.r0_ohms
        });
        buf[BODY_LEN - 4..BODY_LEN].copy_from_slice(&r0.to_le_bytes());
        buf[8..12].copy_from_slice(&[flags, 0, 0, 0]);
        let crc = crc32(&buf[..BODY_LEN]);
        buf[BODY_LEN..BODY_LEN + 4].copy_from_slice(&crc.to_le_bytes());
        buf
    }

    /// Reads a slot; `None` for erased, torn or foreign bytes, and for a record whose values
    /// fail their checks (unknown flags, a soil span under [`MIN_SPAN_MV`], R0 of 0), so the
    /// other slot or the defaults are used rather than a calibration that would misread.
    pub fn decode(bytes: &[u8]) -> Option<Self> {
        let buf = bytes.get(..BODY_LEN + 4)?;
        if buf[..4] != MAGIC || crc32(&buf[..BODY_LEN]).to_le_bytes() != buf[BODY_LEN..] {
            return None;
        }
        let u16_at = |i: usize| buf.get(i..i + 2).and_then(|b| b.try_into().ok()).map(u16::from_le_bytes);
        let u32_at = |i: usize| buf.get(i..i + 4).and_then(|b| b.try_into().ok()).map(u32::from_le_bytes);
        let flags = buf[8];
        if flags & !KNOWN_FLAGS != 0 {
            return None;
        }
        let mut soil = [None; MAX_SOIL_PROBES];
        for (i, slot) in soil.iter_mut().enumerate() {
            if flags & (1 << i) != 0 {
                let at = 12 + i * 4;
                let points = SoilCalibration { dry_mv: u16_at(at)?, wet_mv: u16_at(at + 2)? };
                *slot = Some(points.validate().ok()?);
            }
        }
        let gas = match flags & HAS_GAS {
            0 => None,
            _ => Some(GasCalibration { r0_ohms: u32_at(BODY_LEN - 4).filter(|r0| *r0 > 0)? }),
        };
        Some(Self { generation: u32_at(4)?, soil, gas })
    }

    /// The newest good record of two slots and whether it is in the first (the next save goes
    /// to the other). Neither good: the defaults, saved into the first.
    pub fn pick(a: &[u8], b: &[u8]) -> (Self, bool) {
        match crate::slots::newest(Self::decode(a), Self::decode(b), |r| r.generation) {
            Some((slot, newest)) => (newest, slot == crate::slots::Slot::A),
            None => (Self::default(), false),
        }
    }
}

/// `mv` if there is a reading and it is one a sensor could give.
fn plausible(mv: Option<u16>) -> Result<u16, CalibrationProblem> {
    match mv {
        None => Err(CalibrationProblem::NoReading),
        Some(mv) if mv == 0 || mv >= IMPLAUSIBLE_MV => Err(CalibrationProblem::Implausible(mv)),
        Some(mv) => Ok(mv),
    }
}

#[cfg(test)]
mod tests;
