//! YF-S201 hall-effect water flow meter: counting its pulses (an async task waiting on the pin's
//! edges), and turning pulses over elapsed time into WaterFlow (0.01 L/min) plus a total volume
//! that only grows.

use core::convert::Infallible;
use core::sync::atomic::{AtomicU32, Ordering};

use embedded_hal_async::digital::Wait;
use shared::iot::sensor::SensorKind;
use shared::iot::wire::Reading;

use super::reading;

/// YF-S201 datasheet: F (Hz) = 7.5 × Q (L/min), i.e. 7.5 × 60 = 450 pulses per litre. Other
/// meters differ (YF-B1: 660), so it is configurable.
pub const YF_S201_PULSES_PER_LITRE: u32 = 450;

/// Pulses seen on the meter's pin. One task counts ([`count_pulses`]), others read: with a
/// single writer, plain atomic loads and stores are enough, which matters because the
/// ESP32-C3's `riscv32imc` has no atomic read-modify-write instructions.
#[derive(Debug, Default)]
pub struct PulseCounter {
    count: AtomicU32,
}

impl PulseCounter {
    /// A counter at zero, usable as a `static`.
    pub const fn new() -> Self {
        Self { count: AtomicU32::new(0) }
    }

    /// Counts one pulse. Only the counting task may call this (single writer).
    pub fn record(&self) {
        let n = self.count.load(Ordering::Relaxed);
        self.count.store(n.wrapping_add(1), Ordering::Release);
    }

    /// Pulses since start-up (wraps after 2³² pulses, about 110 days of a full-bore meter).
    pub fn total(&self) -> u32 {
        self.count.load(Ordering::Acquire)
    }

    /// Pulses since the last call with the same `mark`, and moves `mark` to now; wrapping safe.
    pub fn since(&self, mark: &mut u32) -> u32 {
        let now = self.total();
        let delta = now.wrapping_sub(*mark);
        *mark = now;
        delta
    }
}

/// Counts rising edges of `pin` into `counter` until the pin fails; run it as its own task.
pub async fn count_pulses<W: Wait>(pin: &mut W, counter: &PulseCounter) -> Result<Infallible, W::Error> {
    loop {
        pin.wait_for_rising_edge().await?;
        counter.record();
    }
}

/// Turns pulse counts into flow and volume.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FlowMeter {
    pulses_per_litre: u32,
    total_pulses: u64,
    centi_lpm: i32,
}

impl FlowMeter {
    /// A YF-S201.
    pub const fn yf_s201() -> Self {
        Self::new(YF_S201_PULSES_PER_LITRE)
    }

    /// A meter giving `pulses_per_litre` (at least 1).
    pub const fn new(pulses_per_litre: u32) -> Self {
        let ppl = if pulses_per_litre == 0 { 1 } else { pulses_per_litre };
        Self { pulses_per_litre: ppl, total_pulses: 0, centi_lpm: 0 }
    }

    /// Adds `pulses` counted over `elapsed_ms` and returns the flow in hundredths of a litre per
    /// minute: Q = pulses · 60 000 / (pulses per litre · ms). A zero interval keeps the last flow.
    pub fn update(&mut self, pulses: u32, elapsed_ms: u32) -> i32 {
        self.total_pulses += u64::from(pulses);
        if elapsed_ms > 0 {
            let divisor = u64::from(self.pulses_per_litre) * u64::from(elapsed_ms);
            let centi = (u64::from(pulses) * 6_000_000 + divisor / 2) / divisor;
            self.centi_lpm = i32::try_from(centi).unwrap_or(i32::MAX);
        }
        self.centi_lpm
    }

    /// The flow at the last update, in hundredths of L/min.
    pub const fn centi_lpm(&self) -> i32 {
        self.centi_lpm
    }

    /// Water through the meter since start-up, in millilitres.
    pub const fn total_ml(&self) -> u64 {
        self.total_pulses * 1_000 / self.pulses_per_litre as u64
    }

    /// The WaterFlow reading of meter `channel`.
    pub fn reading(&self, channel: u8) -> Reading {
        reading(SensorKind::WaterFlow, channel, self.centi_lpm)
    }
}

#[cfg(test)]
mod tests {
    use std::io::ErrorKind;

    use embassy_futures::block_on;
    use embedded_hal_mock::eh1::MockError;
    use embedded_hal_mock::eh1::digital::{Edge, Mock, Transaction};

    use super::*;

    #[test]
    fn seventy_five_hertz_is_ten_litres_a_minute() {
        let mut meter = FlowMeter::yf_s201();
        // F = 7.5 · Q: 75 pulses in one second is 10.00 L/min.
        assert_eq!(meter.update(75, 1_000), 1_000);
        // 450 pulses in a minute is 1.00 L/min.
        assert_eq!(meter.update(450, 60_000), 100);
        // 7 pulses in 10 s: 7·60 000 / (450·10 000) = 0.0933 -> 0.09 L/min.
        assert_eq!(meter.update(7, 10_000), 9);
        let r = meter.reading(1);
        assert_eq!((r.k, r.c, r.t, r.v), (SensorKind::WaterFlow, 1, 0, 9));
    }

    #[test]
    fn total_volume_only_grows_and_a_still_meter_reads_zero_flow() {
        let mut meter = FlowMeter::yf_s201();
        meter.update(900, 60_000);
        assert_eq!(meter.update(0, 30_000), 0);
        meter.update(225, 0);
        // 1 125 pulses / 450 per litre = 2.5 L.
        assert_eq!(meter.total_ml(), 2_500);
        assert_eq!(meter.centi_lpm(), 0);
    }

    #[test]
    fn counter_deltas_survive_wrapping() {
        let counter = PulseCounter::new();
        counter.count.store(u32::MAX - 1, Ordering::Relaxed);
        let mut mark = counter.total();
        for _ in 0..5 {
            counter.record();
        }
        assert_eq!(counter.since(&mut mark), 5);
        assert_eq!(counter.since(&mut mark), 0);
    }

    #[test]
    fn the_counting_task_counts_each_rising_edge_until_the_pin_fails() {
        let err = MockError::Io(ErrorKind::BrokenPipe);
        let mut pin = Mock::new(&[
            Transaction::wait_for_edge(Edge::Rising),
            Transaction::wait_for_edge(Edge::Rising),
            Transaction::wait_for_edge(Edge::Rising),
            Transaction::wait_for_edge(Edge::Rising).with_error(err.clone()),
        ]);
        let counter = PulseCounter::new();
        let result = block_on(count_pulses(&mut pin, &counter));
        assert_eq!(result.err(), Some(err));
        assert_eq!(counter.total(), 3);
        pin.done();
    }
}
