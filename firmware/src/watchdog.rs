//! The hardware watchdog (TIMG1's MWDT): it resets the chip unless fed every 30 s, and it is
//! fed only while every part of the node shows it is alive (the session loop, the sensor
//! tasks). A task that hangs, or an executor that stops, ends in a reset rather than a node
//! that looks online and reports nothing.

use core::sync::atomic::{AtomicU32, Ordering};

use embassy_time::{Duration, Instant, Timer};
use esp_hal::peripherals::TIMG1;
use esp_hal::timer::timg::{MwdtStage, Wdt};

/// Parts that must check in.
#[derive(Debug, Clone, Copy)]
pub enum Part {
    /// The MQTT session (or the unprovisioned idle loop).
    Session = 0,
    /// The sensor sampling task.
    Sensors = 1,
}

const PARTS: usize = 2;
/// A part silent for longer than this is considered hung.
const HUNG_AFTER_S: u32 = 45;
/// The hardware timeout: long enough for a flash erase or a slow Wi-Fi join.
const TIMEOUT_S: u64 = 30;

/// Seconds since boot of each part's last check-in (0: not started yet, so not watched).
static SEEN: [AtomicU32; PARTS] = [AtomicU32::new(0), AtomicU32::new(0)];

/// Called by a part on each turn of its loop.
pub fn alive(part: Part) {
    SEEN[part as usize].store(now_s().max(1), Ordering::Relaxed);
}

fn now_s() -> u32 {
    u32::try_from(Instant::now().as_secs()).unwrap_or(u32::MAX)
}

/// Arms the watchdog and feeds it every second while every started part is alive.
#[embassy_executor::task]
pub async fn feeder(mut wdt: Wdt<TIMG1<'static>>) {
    wdt.set_timeout(MwdtStage::Stage0, esp_hal::time::Duration::from_secs(TIMEOUT_S));
    wdt.enable();
    loop {
        let now = now_s();
        let hung = SEEN.iter().position(|seen| {
            let at = seen.load(Ordering::Relaxed);
            at != 0 && now.saturating_sub(at) > HUNG_AFTER_S
        });
        match hung {
            None => wdt.feed(),
            Some(part) => log::error!("part {part} silent for over {HUNG_AFTER_S} s: letting the watchdog reset"),
        }
        Timer::after(Duration::from_secs(1)).await;
    }
}
