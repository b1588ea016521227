//! Board profiles, one per rubro: which parts a node has fitted, on which ESP32-C3 GPIOs, how
//! often each is reported, and its relays and their wiring. Plain static data the firmware reads
//! at boot; [`Profile::validate`] holds the pin rules so a bad table fails a test, not a board.

use shared::iot::sensor::SensorKind;
use shared::iot::wire::MAX_RELAYS;
pub use shared::tenancy::business::Rubro;

use crate::drivers::door::OpenLevel;
use crate::drivers::relay::Wiring;
use crate::drivers::sht3x::Address;

mod profiles;

pub use profiles::PROFILES;

/// How often the firmware samples digital inputs (doors, PIR, beam). A change is sent at once;
/// [`Fitted::every_s`] only refreshes the state. 20 ms is well inside every debounce.
pub const INPUT_POLL_MS: u32 = 20;

/// GPIOs that exist on the ESP32-C3 (GPIO11–17 are taken by the SPI flash).
const GPIO_MASK: u32 = 0b1111 << 18 | 0b111_1111_1111;
/// ADC1 inputs, GPIO0–4. ADC2 (GPIO5) is unusable while Wi-Fi runs.
const ADC1_MASK: u32 = 0b1_1111;
/// USB D−/D+: the console and `espflash` use USB-Serial-JTAG.
const USB_MASK: u32 = 1 << 18 | 1 << 19;
/// Strapping pins: their level at reset picks the boot mode (GPIO9 low = download mode). Only
/// the I2C bus may use them: its pull-ups hold them high, as a normal boot wants.
const STRAPPING_MASK: u32 = 1 << 2 | 1 << 8 | 1 << 9;
/// U0TXD: the boot ROM prints its log on it, which would click a relay at every reset.
const BOOT_LOG_PIN: u8 = 21;

/// The I2C bus (for SHT3x sensors).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct I2cPins {
    /// Data.
    pub sda: u8,
    /// Clock.
    pub scl: u8,
}

/// The SPI bus (for the RFID reader); each device has its own chip select.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SpiPins {
    /// Clock.
    pub sck: u8,
    /// Controller out.
    pub mosi: u8,
    /// Controller in.
    pub miso: u8,
}

/// A part fitted to a board and where it is wired.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Part {
    /// SHT3x on the I2C bus.
    Sht3x {
        /// Its I2C address.
        address: Address,
    },
    /// Capacitive soil probe on an ADC1 pin.
    SoilProbe {
        /// ADC1 GPIO.
        adc: u8,
    },
    /// Reed contact on a digital input.
    Door {
        /// Input GPIO.
        pin: u8,
        /// The level that means open.
        open: OpenLevel,
    },
    /// SCT-013 clamp on an ADC1 pin (power and energy).
    CurrentClamp {
        /// ADC1 GPIO.
        adc: u8,
    },
    /// YF-S201 flow meter on an edge-counting input.
    FlowMeter {
        /// Input GPIO.
        pin: u8,
    },
    /// MQ-2 module on an ADC1 pin (through a divider).
    Gas {
        /// ADC1 GPIO.
        adc: u8,
    },
    /// PIR motion sensor on a digital input.
    Pir {
        /// Input GPIO.
        pin: u8,
    },
    /// IR break-beam receiver on a digital input.
    Beam {
        /// Input GPIO.
        pin: u8,
        /// Whether the receiver's output rises when the beam is broken.
        broken_high: bool,
    },
    /// MFRC522 on the SPI bus with chip select `cs` (its reset pin tied high).
    Rfid {
        /// Chip-select GPIO.
        cs: u8,
    },
}

impl Part {
    /// The kinds of reading it gives (RFID gives events only).
    pub const fn kinds(&self) -> &'static [SensorKind] {
        match self {
            Self::Sht3x { .. } => &[SensorKind::Temperature, SensorKind::Humidity],
            Self::SoilProbe { .. } => &[SensorKind::SoilMoisture],
            Self::Door { .. } => &[SensorKind::Door],
            Self::CurrentClamp { .. } => &[SensorKind::Power, SensorKind::Energy],
            Self::FlowMeter { .. } => &[SensorKind::WaterFlow],
            Self::Gas { .. } => &[SensorKind::Gas],
            Self::Pir { .. } => &[SensorKind::Presence],
            Self::Beam { .. } => &[SensorKind::PeopleCount],
            Self::Rfid { .. } => &[],
        }
    }

    /// Its own GPIO (not the bus it shares) and whether that GPIO is read by the ADC.
    pub const fn pin(&self) -> Option<(u8, bool)> {
        match *self {
            Self::Sht3x { .. } => None,
            Self::SoilProbe { adc } | Self::CurrentClamp { adc } | Self::Gas { adc } => Some((adc, true)),
            Self::Door { pin, .. } | Self::FlowMeter { pin } | Self::Pir { pin } | Self::Beam { pin, .. } => {
                Some((pin, false))
            }
            Self::Rfid { cs } => Some((cs, false)),
        }
    }
}

/// A fitted part: what, which channel its readings carry, how often they are sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fitted {
    /// The part and its wiring.
    pub part: Part,
    /// The readings' channel (0-based per kind).
    pub channel: u8,
    /// Seconds between periodic readings; 0 for event-only parts (RFID).
    pub every_s: u16,
}

/// Why a profile is wrong.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProfileError {
    /// Not a GPIO of the ESP32-C3.
    NotAGpio(u8),
    /// GPIO18/19, the USB console.
    UsbPin(u8),
    /// A strapping pin used for anything but I2C.
    StrappingPin(u8),
    /// A relay on GPIO21, which the boot ROM toggles.
    BootLogPin(u8),
    /// A GPIO given two jobs.
    PinUsedTwice(u8),
    /// An analog part off ADC1.
    NotAnAdcPin(u8),
    /// A part on a bus the profile does not define.
    NoBus,
    /// Two SHT3x at the same address.
    AddressUsedTwice,
    /// Two readings of the same kind on the same channel.
    ChannelUsedTwice(SensorKind, u8),
    /// More than `MAX_RELAYS`.
    TooManyRelays,
}

/// What a node of one rubro has fitted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Profile {
    /// Provisioning code (at most 16 of `[a-z_]`, as `provision::ProfileCode` takes).
    pub code: &'static str,
    /// The rubro it serves.
    pub rubro: Rubro,
    /// The I2C bus, if an SHT3x is fitted.
    pub i2c: Option<I2cPins>,
    /// The SPI bus, if an RFID reader is fitted.
    pub spi: Option<SpiPins>,
    /// Fitted parts.
    pub parts: &'static [Fitted],
    /// Relay GPIOs, relay 0 first.
    pub relays: &'static [u8],
    /// How every relay is driven: the usual opto-isolated modules are active-low.
    pub relay_wiring: Wiring,
}

impl Profile {
    /// Relays fitted (what `NodeEvent::Boot` reports).
    pub fn relay_count(&self) -> u8 {
        u8::try_from(self.relays.len()).unwrap_or(u8::MAX)
    }

    /// Readings of `kind` the profile gives (channels).
    pub fn count(&self, kind: SensorKind) -> usize {
        self.parts.iter().filter(|f| f.part.kinds().contains(&kind)).count()
    }

    /// Checks the pin rules: real GPIOs, none twice, not the USB pins, strapping pins only for
    /// I2C, analog parts on ADC1, no relay on the boot log pin, buses present, channels and
    /// addresses unique, at most `MAX_RELAYS` relays.
    pub fn validate(&self) -> Result<(), ProfileError> {
        let mut used = 0u32;
        let mut take = |pin: u8, pulled_up: bool| -> Result<(), ProfileError> {
            let bit = 1u32.checked_shl(u32::from(pin)).unwrap_or(0);
            if bit & GPIO_MASK == 0 {
                return Err(ProfileError::NotAGpio(pin));
            }
            if bit & USB_MASK != 0 {
                return Err(ProfileError::UsbPin(pin));
            }
            if bit & STRAPPING_MASK != 0 && !pulled_up {
                return Err(ProfileError::StrappingPin(pin));
            }
            if used & bit != 0 {
                return Err(ProfileError::PinUsedTwice(pin));
            }
            used |= bit;
            Ok(())
        };
        if let Some(i2c) = self.i2c {
            take(i2c.sda, true)?;
            take(i2c.scl, true)?;
        }
        if let Some(spi) = self.spi {
            for pin in [spi.sck, spi.mosi, spi.miso] {
                take(pin, false)?;
            }
        }
        for (i, fitted) in self.parts.iter().enumerate() {
            match fitted.part {
                Part::Sht3x { .. } if self.i2c.is_none() => return Err(ProfileError::NoBus),
                Part::Rfid { .. } if self.spi.is_none() => return Err(ProfileError::NoBus),
                _ => {}
            }
            if let Some((pin, analog)) = fitted.part.pin() {
                take(pin, false)?;
                if analog && (1u32 << pin) & ADC1_MASK == 0 {
                    return Err(ProfileError::NotAnAdcPin(pin));
                }
            }
            for earlier in &self.parts[..i] {
                if let (Part::Sht3x { address: a }, Part::Sht3x { address: b }) = (earlier.part, fitted.part)
                    && a == b
                {
                    return Err(ProfileError::AddressUsedTwice);
                }
                let clash = fitted.part.kinds().iter().find(|k| earlier.part.kinds().contains(k));
                if let Some(kind) = clash
                    && earlier.channel == fitted.channel
                {
                    return Err(ProfileError::ChannelUsedTwice(*kind, fitted.channel));
                }
            }
        }
        if self.relays.len() > usize::from(MAX_RELAYS) {
            return Err(ProfileError::TooManyRelays);
        }
        for &pin in self.relays {
            take(pin, false)?;
            if pin == BOOT_LOG_PIN {
                return Err(ProfileError::BootLogPin(pin));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The general-purpose profile (I2C on 8/9) with other parts and relays.
    fn with_parts(parts: &[Fitted], relays: &[u8]) -> Profile {
        Profile { parts: parts.to_vec().leak(), relays: relays.to_vec().leak(), ..PROFILES[5] }
    }

    #[test]
    fn validation_catches_pins_that_cannot_or_must_not_be_used() {
        let door = |pin| Fitted { part: Part::Door { pin, open: OpenLevel::High }, channel: 0, every_s: 60 };
        assert_eq!(with_parts(&[], &[6, 6]).validate(), Err(ProfileError::PinUsedTwice(6)));
        assert_eq!(with_parts(&[], &[8]).validate(), Err(ProfileError::StrappingPin(8)));
        assert_eq!(with_parts(&[door(6)], &[6]).validate(), Err(ProfileError::PinUsedTwice(6)));
        assert_eq!(with_parts(&[], &[12]).validate(), Err(ProfileError::NotAGpio(12)));
        assert_eq!(with_parts(&[], &[40]).validate(), Err(ProfileError::NotAGpio(40)));
        assert_eq!(with_parts(&[], &[19]).validate(), Err(ProfileError::UsbPin(19)));
        assert_eq!(with_parts(&[], &[21]).validate(), Err(ProfileError::BootLogPin(21)));
        assert_eq!(with_parts(&[], &[20]).validate(), Ok(()));
        assert_eq!(with_parts(&[door(2)], &[]).validate(), Err(ProfileError::StrappingPin(2)));
        assert_eq!(
            with_parts(&[door(4), door(5)], &[]).validate(),
            Err(ProfileError::ChannelUsedTwice(SensorKind::Door, 0))
        );
    }

    #[test]
    fn validation_keeps_analog_parts_on_adc1_and_buses_defined() {
        let soil = |adc, channel| Fitted { part: Part::SoilProbe { adc }, channel, every_s: 600 };
        assert_eq!(with_parts(&[soil(4, 0), soil(5, 1)], &[]).validate(), Err(ProfileError::NotAnAdcPin(5)));
        assert_eq!(with_parts(&[soil(4, 0), soil(3, 1)], &[]).validate(), Ok(()));
        let sht = Fitted { part: Part::Sht3x { address: Address::Default }, channel: 1, every_s: 60 };
        assert_eq!(
            with_parts(&[sht, Fitted { channel: 2, ..sht }], &[]).validate(),
            Err(ProfileError::AddressUsedTwice)
        );
        let rfid = Fitted { part: Part::Rfid { cs: 10 }, channel: 0, every_s: 0 };
        assert_eq!(with_parts(&[rfid], &[]).validate(), Err(ProfileError::NoBus));
        let too_many = Profile { i2c: None, ..with_parts(&[], &[0, 1, 3, 4, 5, 6, 7, 10, 20]) };
        assert_eq!(too_many.validate(), Err(ProfileError::TooManyRelays));
    }
}
