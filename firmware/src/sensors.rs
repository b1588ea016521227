//! The board profile's parts made real on esp-hal (I2C, SPI, ADC1 and digital inputs, pins from
//! `pins`), sampled by one task that sends readings and events to the session. The maths lives in `mostrador_node::drivers`;
//! this module only wires pins to drivers and keeps their schedule.

use alloc::vec::Vec;
use core::cell::Cell;

use critical_section::Mutex;

use embassy_time::{Delay, Instant, Timer};
use embedded_hal_bus::spi::ExclusiveDevice;
use esp_hal::Blocking;
use esp_hal::analog::adc::{Adc, AdcConfig};
use esp_hal::gpio::{Input, InputConfig, Level, Output, OutputConfig, Pull};
use esp_hal::i2c::master::I2c;
use esp_hal::peripherals::{ADC1, I2C0, SPI2};
use esp_hal::spi::master::Spi;
use esp_hal::time::Rate;
use mostrador_node::board::{INPUT_POLL_MS, Part, Profile};
use mostrador_node::counters::{TOTAL_CHANNELS, Totals};
use mostrador_node::drivers::door::Door;
use mostrador_node::drivers::flow::{FlowMeter, PulseCounter, count_pulses};
use mostrador_node::drivers::gas::{GasConfig, GasSensor};
use mostrador_node::drivers::power::{ClampConfig, EnergyMeter, PowerMeter, power_reading};
use mostrador_node::drivers::presence::{BeamCounter, DEFAULT_BEAM_DEBOUNCE_MS, DEFAULT_HOLD_MS, Pir};
use mostrador_node::drivers::reading;
use mostrador_node::drivers::rfid::{CardFilter, Mfrc522};
use mostrador_node::drivers::sht3x::{Address, Sht3x};
use mostrador_node::drivers::soil::SoilProbe;
use mostrador_node::session::SensorInput;
use shared::iot::sensor::SensorKind;
use shared::iot::wire::{NodeEvent, Reading};

use crate::pins::{AdcInput, AdcRead, Pins};
use crate::watchdog::{self, Part as Watched};
use crate::{SensorChannel, calib, wall};

/// Flow meters a board may have (each needs a static pulse counter and a counting task).
const MAX_FLOW_METERS: usize = 2;
static PULSES: [PulseCounter; MAX_FLOW_METERS] = [PulseCounter::new(), PulseCounter::new()];
/// How often the RFID reader is asked for a card: each request waits for the card's answer
/// (blocking the executor for a few ms), and a tap lasts far longer than this.
const RFID_POLL_MS: u64 = 200;
/// Samples per SCT-013 measurement, one every [`CLAMP_PACE_US`]: 200 ms, ten whole cycles of
/// Argentina's 50 Hz mains (a window of whole cycles makes the RMS independent of the phase it
/// starts at), 40 samples a cycle. It blocks the executor for those 200 ms once a period.
const CLAMP_SAMPLES: u16 = 400;
const CLAMP_PACE_US: u32 = 500;

/// A part's schedule: when its periodic reading is next due.
struct Every<T> {
    part: T,
    channel: u8,
    every_ms: u64,
    next_ms: u64,
}

impl<T> Every<T> {
    fn new(part: T, channel: u8, every_s: u16) -> Self {
        Self { part, channel, every_ms: u64::from(every_s.max(1)) * 1000, next_ms: 0 }
    }

    /// Whether the periodic reading is due now (and schedules the next one).
    fn due(&mut self, now: u64) -> bool {
        if now < self.next_ms {
            return false;
        }
        self.next_ms = now + self.every_ms;
        true
    }
}

type Rfid = Mfrc522<ExclusiveDevice<Spi<'static, Blocking>, Output<'static>, Delay>, Delay>;

/// Every fitted part with its state.
pub struct Sampler {
    i2c: Option<I2c<'static, Blocking>>,
    adc: Option<Adc<'static, ADC1<'static>, Blocking>>,
    sht: Vec<Every<Address>>,
    soil: Vec<Every<AdcInput>>,
    clamps: Vec<Every<(AdcInput, EnergyMeter, u64)>>,
    gas: Vec<Every<AdcInput>>,
    doors: Vec<Every<Door<Input<'static>>>>,
    pirs: Vec<Every<(Pir<Input<'static>>, bool)>>,
    beams: Vec<Every<BeamCounter<Input<'static>>>>,
    flows: Vec<Every<(usize, FlowMeter, u32, u64)>>,
    rfid: Option<(Rfid, CardFilter)>,
    rfid_next_ms: u64,
    booted_ms: u64,
}

impl Sampler {
    /// Wires the profile's parts; a part whose pin or bus cannot be set up is logged and left
    /// out (the rest of the board still reports). Flow meters get their counting task.
    #[expect(
        clippy::too_many_lines,
        reason = "one arm per kind of part, each taking its pins from the same `Pins`; split, the borrows of the \
                  pins and buses would cross functions"
    )]
    pub fn build(
        profile: &Profile,
        pins: &mut Pins,
        (i2c0, spi2, adc1): (I2C0<'static>, SPI2<'static>, ADC1<'static>),
        spawner: &embassy_executor::Spawner,
        saved: Totals,
    ) -> Self {
        set_totals(saved);
        let i2c = profile.i2c.and_then(|bus| {
            let (sda, scl) = (pins.take(bus.sda)?, pins.take(bus.scl)?);
            let config = esp_hal::i2c::master::Config::default().with_frequency(Rate::from_khz(100));
            I2c::new(i2c0, config).ok().map(|i| i.with_sda(sda).with_scl(scl))
        });
        let mut spi2 = Some(spi2);
        let mut adc_config = AdcConfig::new();
        let mut s = Sampler {
            i2c,
            adc: None,
            sht: Vec::new(),
            soil: Vec::new(),
            clamps: Vec::new(),
            gas: Vec::new(),
            doors: Vec::new(),
            pirs: Vec::new(),
            beams: Vec::new(),
            flows: Vec::new(),
            rfid: None,
            rfid_next_ms: 0,
            booted_ms: Instant::now().as_millis(),
        };
        let input = |pins: &mut Pins, n: u8, pull: Pull| {
            pins.take(n).map(|p| Input::new(p, InputConfig::default().with_pull(pull)))
        };
        for fitted in profile.parts {
            let (c, every) = (fitted.channel, fitted.every_s);
            let missing = || log::error!("{:?}: pin not available", fitted.part);
            match fitted.part {
                Part::Sht3x { address } if s.i2c.is_some() => s.sht.push(Every::new(address, c, every)),
                Part::Sht3x { .. } => missing(),
                Part::SoilProbe { adc } => match pins.take_adc(adc, &mut adc_config) {
                    Some(a) => {
                        calib::soil_fitted(c);
                        s.soil.push(Every::new(a, c, every));
                    }
                    None => missing(),
                },
                Part::CurrentClamp { adc } => match pins.take_adc(adc, &mut adc_config) {
                    Some(a) => {
                        let wh = saved.energy_wh.get(usize::from(c)).copied().unwrap_or(0);
                        s.clamps.push(Every::new((a, EnergyMeter::starting_at(u64::from(wh)), 0), c, every));
                    }
                    None => missing(),
                },
                Part::Gas { adc } => match pins.take_adc(adc, &mut adc_config) {
                    Some(a) => s.gas.push(Every::new(a, c, every)),
                    None => missing(),
                },
                Part::Door { pin, open } => match input(pins, pin, Pull::Up) {
                    Some(i) => s.doors.push(Every::new(Door::new(i, open), c, every)),
                    None => missing(),
                },
                Part::Pir { pin } => match input(pins, pin, Pull::None) {
                    Some(i) => s.pirs.push(Every::new((Pir::new(i, DEFAULT_HOLD_MS), false), c, every)),
                    None => missing(),
                },
                Part::Beam { pin, broken_high } => match input(pins, pin, Pull::Up) {
                    Some(i) => s.beams.push(Every::new(
                        BeamCounter::new(i, broken_high, DEFAULT_BEAM_DEBOUNCE_MS, 0),
                        c,
                        every,
                    )),
                    None => missing(),
                },
                Part::FlowMeter { pin } => {
                    let slot = s.flows.len();
                    match (input(pins, pin, Pull::Up), PULSES.get(slot)) {
                        (Some(i), Some(counter)) => match pulse_counter(i, counter) {
                            Ok(token) => {
                                spawner.spawn(token);
                                s.flows.push(Every::new((slot, FlowMeter::yf_s201(), 0, 0), c, every));
                            }
                            Err(_) => log::error!("no task left for flow meter {slot}"),
                        },
                        _ => missing(),
                    }
                }
                Part::Rfid { cs } => {
                    let reader = (|| {
                        let bus = profile.spi?;
                        let (sck, mosi, miso, cs) =
                            (pins.take(bus.sck)?, pins.take(bus.mosi)?, pins.take(bus.miso)?, pins.take(cs)?);
                        let config = esp_hal::spi::master::Config::default().with_frequency(Rate::from_mhz(4));
                        let spi = Spi::new(spi2.take()?, config).ok()?.with_sck(sck).with_mosi(mosi).with_miso(miso);
                        let cs = Output::new(cs, Level::High, OutputConfig::default());
                        let device = ExclusiveDevice::new(spi, cs, Delay).ok()?;
                        let mut reader = Mfrc522::new(device, Delay);
                        match reader.init() {
                            Ok(version) => log::info!("MFRC522 version {version:#x}"),
                            Err(e) => log::error!("MFRC522 did not answer: {e:?}"),
                        }
                        Some(reader)
                    })();
                    match reader {
                        Some(r) => s.rfid = Some((r, CardFilter::new(CardFilter::DEFAULT_WINDOW_MS))),
                        None => missing(),
                    }
                }
            }
        }
        s.adc = Some(Adc::new(adc1, adc_config));
        s
    }

    /// One pass at time `now` (ms since boot): input changes at once, periodic readings when
    /// due, a card when one is presented. What to report goes to `out`.
    #[expect(
        clippy::too_many_lines,
        reason = "one loop per kind of part over the sampler's own lists; to be split with the next board \
                  profile (each part behind a `Part` trait), which needs the board to test on"
    )]
    fn poll(&mut self, now: u64, out: &mut Vec<SensorInput>) {
        for d in &mut self.doors {
            match d.part.poll(now) {
                Ok(Some(change)) => {
                    let open = change.open();
                    events_door(out, d.channel, open, now);
                    if let Some(r) = d.part.reading(d.channel) {
                        emit(out, now, r);
                    }
                    d.next_ms = now + d.every_ms;
                }
                // The schedule only moves once the contact has settled and a state went out, so
                // the first one comes right after boot, not one period later.
                Ok(None) => {
                    if now >= d.next_ms
                        && let Some(r) = d.part.reading(d.channel)
                    {
                        emit(out, now, r);
                        d.next_ms = now + d.every_ms;
                    }
                }
                Err(_) => {}
            }
        }
        for p in &mut self.pirs {
            let due = p.due(now);
            let (pir, last) = &mut p.part;
            let _ = pir.poll(now);
            let present = pir.present(now);
            if present != *last || due {
                *last = present;
                p.next_ms = now + p.every_ms;
                emit(out, now, pir.reading(p.channel, now));
            }
        }
        for b in &mut self.beams {
            let counted = b.part.poll(now).unwrap_or(false);
            if counted {
                let (c, count) = (usize::from(b.channel), b.part.count());
                update_totals(|t| {
                    if let Some(slot) = t.people.get_mut(c) {
                        *slot = count;
                    }
                });
            }
            if counted || b.due(now) {
                b.next_ms = now + b.every_ms;
                emit(out, now, b.part.reading(b.channel));
            }
        }
        for f in &mut self.flows {
            if !f.due(now) {
                continue;
            }
            let (slot, meter, mark, last) = &mut f.part;
            let pulses = PULSES.get(*slot).map_or(0, |c| c.since(mark));
            let elapsed = u32::try_from(now.saturating_sub(*last)).unwrap_or(u32::MAX);
            *last = now;
            meter.update(pulses, elapsed);
            emit(out, now, meter.reading(f.channel));
        }
        if let Some(i2c) = self.i2c.as_mut() {
            for t in &mut self.sht {
                if t.due(now) {
                    match Sht3x::new(&mut *i2c, Delay, t.part).measure() {
                        Ok(m) => m.readings(t.channel).into_iter().for_each(|r| emit(out, now, r)),
                        Err(e) => log::warn!("SHT3x {:?}: {e:?}", t.part),
                    }
                }
            }
        }
        if let Some(adc) = self.adc.as_mut() {
            // The console may ask for every analog input now (calibration).
            let fresh = calib::wanted();
            let calibration = calib::current();
            for p in &mut self.soil {
                let due = p.due(now);
                if due || fresh {
                    let read = AdcRead { adc: &mut *adc, input: &mut p.part, pace_us: 0 };
                    let cal = calibration.soil(p.channel);
                    if let Ok(mut probe) = SoilProbe::new(read, cal)
                        && let Ok(mv) = probe.read_mv()
                    {
                        calib::soil_measured(p.channel, mv);
                        emit(out, now, reading(SensorKind::SoilMoisture, p.channel, cal.deci_percent(mv)));
                    }
                }
            }
            for p in &mut self.clamps {
                if p.due(now) {
                    let (input, energy, last) = &mut p.part;
                    let read = AdcRead { adc: &mut *adc, input, pace_us: CLAMP_PACE_US };
                    if let Ok(watts) = PowerMeter::new(read, ClampConfig::default()).measure_w(CLAMP_SAMPLES) {
                        if *last != 0 {
                            energy.add(watts, u32::try_from(now - *last).unwrap_or(u32::MAX));
                        }
                        *last = now;
                        let (c, wh) = (usize::from(p.channel), u32::try_from(energy.wh()).unwrap_or(u32::MAX));
                        update_totals(|t| {
                            if let Some(slot) = t.energy_wh.get_mut(c) {
                                *slot = wh;
                            }
                        });
                        emit(out, now, power_reading(p.channel, watts));
                        emit(out, now, energy.reading(p.channel));
                    }
                }
            }
            for p in &mut self.gas {
                let due = p.due(now);
                if due || fresh {
                    let read = AdcRead { adc: &mut *adc, input: &mut p.part, pace_us: 0 };
                    let mut sensor = GasSensor::new(read, GasConfig::default(), calibration.gas(), self.booted_ms);
                    if let Ok((state, mv)) = sensor.read_with_mv(now) {
                        if let Some(mv) = mv {
                            calib::gas_measured(mv);
                        }
                        if let Some(r) = state.reading(p.channel) {
                            emit(out, now, r);
                        }
                    }
                }
            }
            if fresh {
                calib::fresh_pass_done();
            }
        } else if calib::wanted() {
            calib::fresh_pass_done();
        }
        if let Some((reader, filter)) = self.rfid.as_mut()
            && now >= self.rfid_next_ms
            && let Ok(Some(uid)) = reader.poll()
            && filter.accept(&uid, now)
        {
            let mut event = uid.event();
            if let NodeEvent::Rfid { t, .. } = &mut event {
                *t = wall::stamp(now);
            }
            out.push(SensorInput::Event(event));
        }
        if now >= self.rfid_next_ms {
            self.rfid_next_ms = now + RFID_POLL_MS;
        }
    }
}

/// The energy and people totals now (the session saves them to flash hourly).
static TOTALS: Mutex<Cell<Totals>> =
    Mutex::new(Cell::new(Totals { energy_wh: [0; TOTAL_CHANNELS], people: [0; TOTAL_CHANNELS] }));

/// The growing totals as the sensors have them now.
pub fn totals() -> Totals {
    critical_section::with(|cs| TOTALS.borrow(cs).get())
}

fn set_totals(totals: Totals) {
    critical_section::with(|cs| TOTALS.borrow(cs).set(totals));
}

fn update_totals(f: impl FnOnce(&mut Totals)) {
    let mut t = totals();
    f(&mut t);
    set_totals(t);
}

/// Queues a reading stamped with the wall time.
fn emit(out: &mut Vec<SensorInput>, now: u64, mut r: Reading) {
    r.t = wall::stamp(now);
    out.push(SensorInput::Reading(r));
}

fn events_door(out: &mut Vec<SensorInput>, c: u8, open: u8, now: u64) {
    out.push(SensorInput::Event(NodeEvent::Door { c, open, t: wall::stamp(now) }));
}

/// Counts a flow meter's pulses (GPIO edge interrupts through embassy).
#[embassy_executor::task(pool_size = 2)]
async fn pulse_counter(mut pin: Input<'static>, counter: &'static PulseCounter) {
    let Err(e) = count_pulses(&mut pin, counter).await;
    log::error!("pulse counting stopped: {e:?}");
}

/// Samples the board forever: inputs every [`INPUT_POLL_MS`], periodic readings when due.
#[embassy_executor::task]
pub async fn sample(mut sampler: Sampler, channel: &'static SensorChannel) {
    let mut out = Vec::new();
    loop {
        sampler.poll(Instant::now().as_millis(), &mut out);
        for input in out.drain(..) {
            channel.send(input).await;
        }
        watchdog::alive(Watched::Sensors);
        Timer::after_millis(u64::from(INPUT_POLL_MS)).await;
    }
}
