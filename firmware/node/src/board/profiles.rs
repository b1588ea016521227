//! The profiles themselves, one per rubro, and finding one by rubro or provisioning code. Pins
//! follow the rules in [`super::Profile::validate`]: I2C on the strapping pins 8/9 (its pull-ups
//! hold them high), analog parts on ADC1 (GPIO0–4), relays on outputs that stay quiet at boot.

use super::{Fitted, I2cPins, Part, Profile, Rubro, SpiPins};
use crate::drivers::door::OpenLevel;
use crate::drivers::relay::Wiring;
use crate::drivers::sht3x::Address;

const I2C: Option<I2cPins> = Some(I2cPins { sda: 8, scl: 9 });
const SHT3X: Part = Part::Sht3x { address: Address::Default };
const DOOR: Part = Part::Door { pin: 5, open: OpenLevel::High };

/// Every profile, one per rubro, in `Rubro::ALL` order.
pub static PROFILES: [Profile; 6] = [
    // Cold room: temperature and humidity, its door, the compressor's power, an alarm relay.
    Profile {
        code: "carniceria",
        rubro: Rubro::CarniceriaPanaderia,
        i2c: I2C,
        spi: None,
        parts: &[
            Fitted { part: SHT3X, channel: 0, every_s: 60 },
            Fitted { part: DOOR, channel: 0, every_s: 300 },
            Fitted { part: Part::CurrentClamp { adc: 0 }, channel: 0, every_s: 60 },
        ],
        relays: &[6],
        relay_wiring: Wiring::ActiveLow,
    },
    // Three soil probes, the main's flow meter, four valves. Soil changes slowly.
    Profile {
        code: "riego",
        rubro: Rubro::Riego,
        i2c: None,
        spi: None,
        parts: &[
            Fitted { part: Part::SoilProbe { adc: 0 }, channel: 0, every_s: 600 },
            Fitted { part: Part::SoilProbe { adc: 1 }, channel: 1, every_s: 600 },
            Fitted { part: Part::SoilProbe { adc: 3 }, channel: 2, every_s: 600 },
            Fitted { part: Part::FlowMeter { pin: 10 }, channel: 0, every_s: 60 },
        ],
        relays: &[4, 5, 6, 7],
        relay_wiring: Wiring::ActiveLow,
    },
    // Shop floor: presence, people through the door, the door itself.
    Profile {
        code: "tienda_ropa",
        rubro: Rubro::TiendaRopa,
        i2c: None,
        spi: None,
        parts: &[
            Fitted { part: Part::Pir { pin: 5 }, channel: 0, every_s: 60 },
            Fitted { part: Part::Beam { pin: 6, broken_high: true }, channel: 0, every_s: 300 },
            Fitted { part: Part::Door { pin: 7, open: OpenLevel::High }, channel: 0, every_s: 300 },
        ],
        relays: &[],
        relay_wiring: Wiring::ActiveLow,
    },
    // Prepaid cards at the bar, gas/smoke in the kitchen, presence, two relays (lights, extractor).
    Profile {
        code: "bar_boliche",
        rubro: Rubro::BarBoliche,
        i2c: None,
        spi: Some(SpiPins { sck: 6, mosi: 7, miso: 5 }),
        parts: &[
            Fitted { part: Part::Rfid { cs: 10 }, channel: 0, every_s: 0 },
            Fitted { part: Part::Gas { adc: 0 }, channel: 0, every_s: 30 },
            Fitted { part: Part::Pir { pin: 3 }, channel: 0, every_s: 60 },
        ],
        relays: &[1, 4],
        relay_wiring: Wiring::ActiveLow,
    },
    // Vaccine fridge: temperature every minute (a cold-chain breach shows within one), its
    // door, an alarm relay.
    Profile {
        code: "centro_medico",
        rubro: Rubro::CentroMedico,
        i2c: I2C,
        spi: None,
        parts: &[Fitted { part: SHT3X, channel: 0, every_s: 60 }, Fitted { part: DOOR, channel: 0, every_s: 300 }],
        relays: &[6],
        relay_wiring: Wiring::ActiveLow,
    },
    // General purpose: room climate, a door, two relays.
    Profile {
        code: "otro",
        rubro: Rubro::Otro,
        i2c: I2C,
        spi: None,
        parts: &[Fitted { part: SHT3X, channel: 0, every_s: 300 }, Fitted { part: DOOR, channel: 0, every_s: 300 }],
        relays: &[6, 7],
        relay_wiring: Wiring::ActiveLow,
    },
];

impl Profile {
    /// The profile of `rubro`.
    pub fn for_rubro(rubro: Rubro) -> &'static Profile {
        PROFILES.iter().find(|p| p.rubro == rubro).unwrap_or(&PROFILES[PROFILES.len() - 1])
    }

    /// The profile named `code`: its own code or its rubro's.
    pub fn by_code(code: &str) -> Option<&'static Profile> {
        PROFILES.iter().find(|p| p.code == code || p.rubro.code() == code)
    }
}

#[cfg(test)]
mod tests {
    use shared::iot::sensor::SensorKind;
    use shared::iot::wire::MAX_RELAYS;

    use super::*;
    use crate::provision::ProfileCode;

    #[test]
    fn every_profile_validates_and_fits_the_relay_limit() {
        for p in &PROFILES {
            assert_eq!(p.validate(), Ok(()), "{}", p.code);
            assert!(p.relay_count() <= MAX_RELAYS, "{}", p.code);
        }
    }

    #[test]
    fn every_rubro_has_one_profile_found_by_either_code() {
        for rubro in Rubro::ALL {
            let p = Profile::for_rubro(rubro);
            assert_eq!(p.rubro, rubro);
            assert_eq!(Profile::by_code(p.code), Some(p));
            assert_eq!(Profile::by_code(rubro.code()), Some(p));
            assert_eq!(PROFILES.iter().filter(|q| q.rubro == rubro).count(), 1);
        }
        assert_eq!(Profile::by_code("panaderia_x"), None);
    }

    #[test]
    fn every_profile_code_can_be_provisioned() {
        for p in &PROFILES {
            assert!(ProfileCode::new(p.code).is_ok(), "{}", p.code);
        }
    }

    #[test]
    fn profiles_fit_what_each_rubro_needs() {
        let cold = Profile::by_code("carniceria_panaderia").unwrap();
        assert_eq!(
            (cold.count(SensorKind::Temperature), cold.count(SensorKind::Energy), cold.relay_count()),
            (1, 1, 1)
        );
        let riego = Profile::for_rubro(Rubro::Riego);
        assert_eq!(
            (riego.count(SensorKind::SoilMoisture), riego.count(SensorKind::WaterFlow), riego.relay_count()),
            (3, 1, 4)
        );
        let bar = Profile::for_rubro(Rubro::BarBoliche);
        assert!(bar.parts.iter().any(|f| matches!(f.part, Part::Rfid { .. })));
        assert_eq!((bar.count(SensorKind::Gas), bar.relay_count()), (1, 2));
    }
}
