//! What a node measures: each sensor kind with its unit, its fixed-point scale and the range a
//! healthy sensor can report. Values travel and are stored as integers (`i32` in the kind's
//! smallest unit, e.g. hundredths of a degree), so JSON is byte-identical on every target and
//! nothing is rounded twice.

use serde::{Deserialize, Serialize};

/// A kind of sensor (or actuator state) a node reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SensorKind {
    /// Air or product temperature (DS18B20, SHT3x).
    Temperature,
    /// Relative humidity (SHT3x).
    Humidity,
    /// Volumetric soil moisture (capacitive probe).
    SoilMoisture,
    /// Door contact: 1 open, 0 closed.
    Door,
    /// Electric power drawn (SCT-013).
    Power,
    /// Electric energy, a counter that only grows.
    Energy,
    /// Water flow (YF-S201).
    WaterFlow,
    /// Gas or smoke concentration (MQ-2).
    Gas,
    /// Presence (PIR): 1 someone there, 0 nobody.
    Presence,
    /// People counted by a beam counter, a counter that only grows.
    PeopleCount,
    /// A relay's state as the node applied it: 1 on, 0 off.
    Relay,
}

impl SensorKind {
    /// Every kind, in display order.
    pub const ALL: [Self; 11] = [
        Self::Temperature,
        Self::Humidity,
        Self::SoilMoisture,
        Self::Door,
        Self::Power,
        Self::Energy,
        Self::WaterFlow,
        Self::Gas,
        Self::Presence,
        Self::PeopleCount,
        Self::Relay,
    ];

    /// The code on the wire and in the database (`readings.kind` stores [`Self::id`]).
    pub const fn code(self) -> &'static str {
        match self {
            Self::Temperature => "temperature",
            Self::Humidity => "humidity",
            Self::SoilMoisture => "soil_moisture",
            Self::Door => "door",
            Self::Power => "power",
            Self::Energy => "energy",
            Self::WaterFlow => "water_flow",
            Self::Gas => "gas",
            Self::Presence => "presence",
            Self::PeopleCount => "people_count",
            Self::Relay => "relay",
        }
    }

    /// A small stable number for compact storage (never reuse one).
    pub const fn id(self) -> i16 {
        match self {
            Self::Temperature => 1,
            Self::Humidity => 2,
            Self::SoilMoisture => 3,
            Self::Door => 4,
            Self::Power => 5,
            Self::Energy => 6,
            Self::WaterFlow => 7,
            Self::Gas => 8,
            Self::Presence => 9,
            Self::PeopleCount => 10,
            Self::Relay => 11,
        }
    }

    /// The kind stored as `id`.
    pub fn from_id(id: i16) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.id() == id)
    }

    /// The kind named `code`.
    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.code() == code)
    }

    /// Name shown to people (es-AR).
    pub const fn label(self) -> &'static str {
        match self {
            Self::Temperature => "Temperatura",
            Self::Humidity => "Humedad",
            Self::SoilMoisture => "Humedad del suelo",
            Self::Door => "Puerta",
            Self::Power => "Potencia",
            Self::Energy => "Energía",
            Self::WaterFlow => "Caudal de agua",
            Self::Gas => "Gas / humo",
            Self::Presence => "Presencia",
            Self::PeopleCount => "Personas",
            Self::Relay => "Relé",
        }
    }

    /// Unit symbol shown after a value (empty for on/off kinds).
    pub const fn unit(self) -> &'static str {
        match self {
            Self::Temperature => "°C",
            Self::Humidity | Self::SoilMoisture => "%",
            Self::Power => "W",
            Self::Energy => "Wh",
            Self::WaterFlow => "L/min",
            Self::Gas => "ppm",
            Self::PeopleCount => "personas",
            Self::Door | Self::Presence | Self::Relay => "",
        }
    }

    /// Decimal places in the fixed-point value: `value / 10^decimals` is the reading in
    /// [`Self::unit`]. Chosen to match the sensors' real resolution.
    pub const fn decimals(self) -> u32 {
        match self {
            Self::Temperature | Self::WaterFlow => 2,
            Self::Humidity | Self::SoilMoisture => 1,
            _ => 0,
        }
    }

    /// Smallest and largest fixed-point value a working sensor can report; anything outside is
    /// refused as a broken sensor or a forged message.
    pub const fn range(self) -> (i32, i32) {
        match self {
            // DS18B20 and SHT3x limits.
            Self::Temperature => (-5_500, 12_500),
            Self::Humidity | Self::SoilMoisture => (0, 1_000),
            Self::Door | Self::Presence | Self::Relay => (0, 1),
            // 100 kW: far above a shop's supply.
            Self::Power => (0, 100_000),
            Self::Energy | Self::PeopleCount => (0, i32::MAX),
            // 200 L/min: the largest irrigation flow meters.
            Self::WaterFlow => (0, 20_000),
            // MQ-2 reads 200..10 000 ppm.
            Self::Gas => (0, 10_000),
        }
    }

    /// Whether the kind is a two-state value (shown as words, charted as steps).
    pub const fn is_binary(self) -> bool {
        matches!(self, Self::Door | Self::Presence | Self::Relay)
    }

    /// Whether `value` is inside [`Self::range`].
    pub const fn accepts(self, value: i32) -> bool {
        let (lo, hi) = self.range();
        value >= lo && value <= hi
    }

    /// `value` as people read it ([`crate::format::fixed`]), with its unit; on/off kinds in words.
    pub fn format(self, value: i32) -> alloc::string::String {
        use alloc::format;
        match self {
            Self::Door => (if value != 0 { "Abierta" } else { "Cerrada" }).into(),
            Self::Presence => (if value != 0 { "Hay alguien" } else { "Nadie" }).into(),
            Self::Relay => (if value != 0 { "Encendido" } else { "Apagado" }).into(),
            _ => {
                let number = crate::format::fixed(value, self.decimals());
                format!("{number} {}", self.unit())
            }
        }
    }
}

/// A fixed-point `value` of `kind` as a float, for charts and averages only (never stored).
pub fn to_f64(kind: SensorKind, value: f64) -> f64 {
    // no_std has no powi: the scale is at most 10^2.
    let scale = match kind.decimals() {
        0 => 1.0,
        1 => 10.0,
        2 => 100.0,
        _ => 1000.0,
    };
    value / scale
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_and_codes_round_trip_and_are_unique() {
        for (i, k) in SensorKind::ALL.iter().enumerate() {
            assert_eq!(SensorKind::from_id(k.id()), Some(*k));
            assert_eq!(SensorKind::from_code(k.code()), Some(*k));
            for other in &SensorKind::ALL[i + 1..] {
                assert_ne!(k.id(), other.id());
                assert_ne!(k.code(), other.code());
            }
            // The serde name is the code.
            assert_eq!(serde_json::to_string(k).unwrap(), alloc::format!("\"{}\"", k.code()));
        }
    }

    #[test]
    fn ranges_refuse_impossible_values() {
        assert!(SensorKind::Temperature.accepts(-5_500));
        assert!(SensorKind::Temperature.accepts(425));
        assert!(!SensorKind::Temperature.accepts(12_501));
        assert!(!SensorKind::Humidity.accepts(-1));
        assert!(!SensorKind::Door.accepts(2));
        assert!(SensorKind::Energy.accepts(i32::MAX));
        assert!(!SensorKind::Energy.accepts(-1));
    }

    #[test]
    fn values_are_formatted_for_people() {
        assert_eq!(SensorKind::Temperature.format(425), "4,25 °C");
        assert_eq!(SensorKind::Temperature.format(-405), "-4,05 °C");
        assert_eq!(SensorKind::Temperature.format(-5), "-0,05 °C");
        assert_eq!(SensorKind::Humidity.format(873), "87,3 %");
        assert_eq!(SensorKind::Power.format(1500), "1.500 W", "grouped, as on the chart");
        assert_eq!(SensorKind::Door.format(1), "Abierta");
        assert_eq!(SensorKind::Relay.format(0), "Apagado");
        assert!((to_f64(SensorKind::Temperature, 425.0) - 4.25).abs() < 1e-9);
    }
}
