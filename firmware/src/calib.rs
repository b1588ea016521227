//! Analog calibration at run time: the calibration in use (loaded from flash, changed from the
//! console), the latest pin millivolts of each soil probe and gas sensor, and the console's
//! request for a fresh measurement, so a probe just put in water is calibrated against water
//! and not against the reading from ten minutes ago.

use core::cell::Cell;
use core::sync::atomic::{AtomicBool, Ordering};

use critical_section::Mutex;
use embassy_time::{Duration, Instant, Timer, with_timeout};
use mostrador_node::calibration::{Calibration, CalibrationProblem, MAX_SOIL_PROBES};
use mostrador_node::console::{CalibrateRequest, Reply, calibration_reply};
use mostrador_node::drivers::gas::GasConfig;

use crate::storage::Flash;

/// What the sampler last measured on the analog inputs.
#[derive(Clone, Copy, Default)]
struct Live {
    soil: [Option<u16>; MAX_SOIL_PROBES],
    soil_fitted: [bool; MAX_SOIL_PROBES],
    gas: Option<u16>,
    /// Fresh passes done on request (the console waits for it to move).
    passes: u32,
}

static IN_USE: Mutex<Cell<Option<Calibration>>> = Mutex::new(Cell::new(None));
static LIVE: Mutex<Cell<Live>> = Mutex::new(Cell::new(Live {
    soil: [None; MAX_SOIL_PROBES],
    soil_fitted: [false; MAX_SOIL_PROBES],
    gas: None,
    passes: 0,
}));
/// Set by the console, cleared by the sampler after measuring every analog input.
static WANTED: AtomicBool = AtomicBool::new(false);

fn live() -> Live {
    critical_section::with(|cs| LIVE.borrow(cs).get())
}

fn update(f: impl FnOnce(&mut Live)) {
    critical_section::with(|cs| {
        let cell = LIVE.borrow(cs);
        let mut live = cell.get();
        f(&mut live);
        cell.set(live);
    });
}

/// The calibration in use.
pub fn current() -> Calibration {
    critical_section::with(|cs| IN_USE.borrow(cs).get()).unwrap_or_default()
}

/// Uses `calibration` from now on (after boot, from flash).
pub fn set(calibration: Calibration) {
    critical_section::with(|cs| IN_USE.borrow(cs).set(Some(calibration)));
}

/// The sampler has a soil probe on `channel`.
pub fn soil_fitted(channel: u8) {
    update(|l| {
        if let Some(f) = l.soil_fitted.get_mut(usize::from(channel)) {
            *f = true;
        }
    });
}

/// A soil probe's averaged pin millivolts.
pub fn soil_measured(channel: u8, mv: u16) {
    update(|l| {
        if let Some(slot) = l.soil.get_mut(usize::from(channel)) {
            *slot = Some(mv);
        }
    });
}

/// The gas sensor's averaged pin millivolts (after warm-up).
pub fn gas_measured(mv: u16) {
    update(|l| l.gas = Some(mv));
}

/// Whether the console is waiting for a fresh measurement of every analog input.
pub fn wanted() -> bool {
    WANTED.load(Ordering::Acquire)
}

/// The sampler has measured every analog input on request.
pub fn fresh_pass_done() {
    update(|l| l.passes = l.passes.wrapping_add(1));
    WANTED.store(false, Ordering::Release);
}

/// Asks the sampler for a fresh measurement and waits for it, at most 3 s; `None` if none
/// came (a calibration against an old value would be wrong, so it is refused).
async fn fresh() -> Option<Live> {
    let before = live().passes;
    WANTED.store(true, Ordering::Release);
    with_timeout(Duration::from_secs(3), async {
        while live().passes == before {
            Timer::after_millis(20).await;
        }
    })
    .await
    .ok()
    .map(|()| live())
}

/// Carries out a console calibration request: measure, compute, save to flash, use; returns
/// the text for the terminal.
pub async fn apply(request: CalibrateRequest, flash: Flash) -> Reply {
    let in_use = current();
    let result = match request {
        CalibrateRequest::Show => return calibration_reply(request, Ok(&in_use)),
        CalibrateRequest::Soil { channel, point } => match fresh().await {
            Some(live) if live.soil_fitted.get(usize::from(channel)) == Some(&true) => {
                in_use.with_soil_point(channel, point, live.soil[usize::from(channel)])
            }
            Some(_) => Err(CalibrationProblem::NoSuchProbe(channel)),
            None => Err(CalibrationProblem::NoReading),
        },
        CalibrateRequest::Gas => match fresh().await {
            Some(live) => in_use.with_gas_clean_air(live.gas, Instant::now().as_millis(), &GasConfig::default()),
            None => Err(CalibrationProblem::NoReading),
        },
    };
    match result {
        Ok(new) => match flash.save_calibration(&new) {
            Ok(()) => {
                set(new);
                calibration_reply(request, Ok(&new))
            }
            Err(e) => {
                log::error!("calibration not saved: {e}");
                Reply::try_from("Error: no se pudo escribir la memoria flash; la calibración no cambió.\r\n")
                    .unwrap_or_default()
            }
        },
        Err(problem) => calibration_reply(request, Err(problem)),
    }
}
