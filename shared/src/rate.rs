//! A sliding-window event counter: how many events per second over the last minute, in
//! fixed memory (one bucket per second). The server uses it for the broker's message rate; it
//! is pure (the caller passes the time) so it is tested without clocks.

/// Seconds the window covers. A minute is long enough to smooth bursts from nodes that
/// publish every few seconds, short enough to show a stall within the minute.
pub const WINDOW_SECS: usize = 60;

/// Counts events per whole second over the last [`WINDOW_SECS`] seconds.
#[derive(Debug, Clone)]
pub struct RateWindow {
    buckets: [u64; WINDOW_SECS],
    /// The second (Unix time) each bucket currently counts.
    stamps: [i64; WINDOW_SECS],
    total: u64,
}

impl Default for RateWindow {
    fn default() -> Self {
        Self::new()
    }
}

impl RateWindow {
    /// An empty window.
    pub const fn new() -> Self {
        Self { buckets: [0; WINDOW_SECS], stamps: [i64::MIN; WINDOW_SECS], total: 0 }
    }

    /// Records `n` events at `now_secs` (Unix seconds).
    pub fn record(&mut self, now_secs: i64, n: u64) {
        let i = now_secs.rem_euclid(WINDOW_SECS as i64) as usize;
        if self.stamps[i] != now_secs {
            self.stamps[i] = now_secs;
            self.buckets[i] = 0;
        }
        self.buckets[i] += n;
        self.total += n;
    }

    /// Events in the last `secs` seconds, counting the current one (capped to the window).
    pub fn count_last(&self, now_secs: i64, secs: usize) -> u64 {
        let secs = secs.min(WINDOW_SECS) as i64;
        self.stamps
            .iter()
            .zip(self.buckets.iter())
            .filter(|(stamp, _)| **stamp <= now_secs && now_secs.saturating_sub(**stamp) < secs)
            .map(|(_, n)| *n)
            .sum()
    }

    /// Average events per second over the last `secs` seconds, in hundredths (so `250` means
    /// 2.5 msg/s); integer so the firmware and the wire never see floats.
    pub fn per_second_x100(&self, now_secs: i64, secs: usize) -> u64 {
        let secs = secs.clamp(1, WINDOW_SECS);
        self.count_last(now_secs, secs) * 100 / secs as u64
    }

    /// Every event ever recorded.
    pub const fn total(&self) -> u64 {
        self.total
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_only_the_window() {
        let mut w = RateWindow::new();
        w.record(1000, 5);
        w.record(1001, 3);
        w.record(1059, 2);
        assert_eq!(w.count_last(1059, 60), 10);
        // Second 1000 falls out of the window at 1060.
        assert_eq!(w.count_last(1060, 60), 5);
        assert_eq!(w.count_last(1059, 1), 2);
        assert_eq!(w.total(), 10);
    }

    #[test]
    fn reused_buckets_start_from_zero() {
        let mut w = RateWindow::new();
        w.record(10, 7);
        w.record(70, 1); // same bucket, a minute later
        assert_eq!(w.count_last(70, 60), 1);
        assert_eq!(w.total(), 8);
    }

    #[test]
    fn rate_is_in_hundredths_per_second() {
        let mut w = RateWindow::new();
        for s in 0..10 {
            w.record(100 + s, 3);
        }
        assert_eq!(w.per_second_x100(109, 10), 300);
        assert_eq!(w.per_second_x100(109, 60), 50);
        assert_eq!(w.per_second_x100(500, 10), 0);
    }

    #[test]
    fn future_buckets_are_ignored() {
        let mut w = RateWindow::new();
        w.record(200, 4);
        assert_eq!(w.count_last(199, 60), 0);
    }
}
