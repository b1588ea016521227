//! The board's GPIOs handed out by number as the profile asks (each once), ADC1 inputs with
//! the chip's calibration, and the relays, created already off.

use esp_hal::Blocking;
use esp_hal::analog::adc::{Adc, AdcCalCurve, AdcConfig, AdcPin, Attenuation};
use esp_hal::gpio::{AnyPin, Level, Output, OutputConfig};
use esp_hal::peripherals::{ADC1, GPIO0, GPIO1, GPIO2, GPIO3, GPIO4};
use mostrador_node::board::Profile;
use mostrador_node::drivers::adc::AdcChannel;
use mostrador_node::drivers::relay::{Relay, RelayBank, Wiring};

/// GPIO0–4 while still typed (only these can become ADC1 inputs).
type AdcCapable = (
    Option<GPIO0<'static>>,
    Option<GPIO1<'static>>,
    Option<GPIO2<'static>>,
    Option<GPIO3<'static>>,
    Option<GPIO4<'static>>,
);

/// The GPIOs the profiles may use, handed out once each. GPIO0–4 stay typed until taken
/// because only they can become ADC1 inputs; 11–17 belong to the flash and 18/19 to USB.
pub struct Pins {
    adc: AdcCapable,
    digital: [Option<AnyPin<'static>>; 22],
}

impl Pins {
    /// The usable GPIOs.
    #[expect(clippy::too_many_arguments, reason = "one argument per pin, as esp-hal hands them out")]
    pub fn new(
        (g0, g1, g2, g3, g4): (GPIO0<'static>, GPIO1<'static>, GPIO2<'static>, GPIO3<'static>, GPIO4<'static>),
        g5: impl Into<AnyPin<'static>>,
        g6: impl Into<AnyPin<'static>>,
        g7: impl Into<AnyPin<'static>>,
        g8: impl Into<AnyPin<'static>>,
        g9: impl Into<AnyPin<'static>>,
        g10: impl Into<AnyPin<'static>>,
        g20: impl Into<AnyPin<'static>>,
        g21: impl Into<AnyPin<'static>>,
    ) -> Self {
        let mut digital: [Option<AnyPin<'static>>; 22] = Default::default();
        for (n, pin) in [
            (5, g5.into()),
            (6, g6.into()),
            (7, g7.into()),
            (8, g8.into()),
            (9, g9.into()),
            (10, g10.into()),
            (20, g20.into()),
            (21, g21.into()),
        ] {
            digital[n] = Some(pin);
        }
        Self { adc: (Some(g0), Some(g1), Some(g2), Some(g3), Some(g4)), digital }
    }

    /// GPIO `n` as a plain pin, if it exists and is still free.
    pub fn take(&mut self, n: u8) -> Option<AnyPin<'static>> {
        match n {
            0 => self.adc.0.take().map(Into::into),
            1 => self.adc.1.take().map(Into::into),
            2 => self.adc.2.take().map(Into::into),
            3 => self.adc.3.take().map(Into::into),
            4 => self.adc.4.take().map(Into::into),
            _ => self.digital.get_mut(usize::from(n))?.take(),
        }
    }

    /// GPIO `n` (0–4) as a calibrated ADC1 input at 11 dB (0–2.5 V on the C3).
    pub fn take_adc(&mut self, n: u8, config: &mut AdcConfig<ADC1<'static>>) -> Option<AdcInput> {
        const ATT: Attenuation = Attenuation::_11dB;
        Some(match n {
            0 => AdcInput::G0(config.enable_pin_with_cal(self.adc.0.take()?, ATT)),
            1 => AdcInput::G1(config.enable_pin_with_cal(self.adc.1.take()?, ATT)),
            2 => AdcInput::G2(config.enable_pin_with_cal(self.adc.2.take()?, ATT)),
            3 => AdcInput::G3(config.enable_pin_with_cal(self.adc.3.take()?, ATT)),
            4 => AdcInput::G4(config.enable_pin_with_cal(self.adc.4.take()?, ATT)),
            _ => return None,
        })
    }

    /// The profile's relays, driven to off as they are created (before Wi-Fi, before anything
    /// that could fail), in relay-number order.
    pub fn relays(&mut self, profile: &Profile) -> RelayBank<Output<'static>> {
        let off = match profile.relay_wiring {
            Wiring::ActiveHigh => Level::Low,
            Wiring::ActiveLow => Level::High,
        };
        let mut bank = RelayBank::new();
        for &n in profile.relays {
            let Some(pin) = self.take(n) else {
                log::error!("relay pin GPIO{n} is not available");
                continue;
            };
            let output = Output::new(pin, off, OutputConfig::default());
            match Relay::new(output, profile.relay_wiring).and_then(|r| bank.push(r)) {
                Ok(_) => {}
                Err(e) => log::error!("relay on GPIO{n}: {e:?}"),
            }
        }
        bank
    }
}

type Cal = AdcCalCurve<ADC1<'static>>;

/// An ADC1 input (one variant per possible pin: esp-hal types each pin).
pub enum AdcInput {
    G0(AdcPin<GPIO0<'static>, ADC1<'static>, Cal>),
    G1(AdcPin<GPIO1<'static>, ADC1<'static>, Cal>),
    G2(AdcPin<GPIO2<'static>, ADC1<'static>, Cal>),
    G3(AdcPin<GPIO3<'static>, ADC1<'static>, Cal>),
    G4(AdcPin<GPIO4<'static>, ADC1<'static>, Cal>),
}

/// One analog input read through the shared ADC1, as the drivers' [`AdcChannel`].
pub struct AdcRead<'a> {
    /// The converter.
    pub adc: &'a mut Adc<'static, ADC1<'static>, Blocking>,
    /// The pin.
    pub input: &'a mut AdcInput,
    /// Microseconds to wait before each conversion (0: back to back), so a series of samples
    /// spans a known time whatever the conversion itself takes.
    pub pace_us: u32,
}

impl AdcChannel for AdcRead<'_> {
    type Error = ();

    fn read_mv(&mut self) -> Result<u16, ()> {
        if self.pace_us > 0 {
            esp_hal::delay::Delay::new().delay_micros(self.pace_us);
        }
        let adc = &mut *self.adc;
        match self.input {
            AdcInput::G0(p) => nb::block!(adc.read_oneshot(p)),
            AdcInput::G1(p) => nb::block!(adc.read_oneshot(p)),
            AdcInput::G2(p) => nb::block!(adc.read_oneshot(p)),
            AdcInput::G3(p) => nb::block!(adc.read_oneshot(p)),
            AdcInput::G4(p) => nb::block!(adc.read_oneshot(p)),
        }
    }
}
