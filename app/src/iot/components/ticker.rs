//! A counter that goes up on a fixed period in the browser, for resources that refresh live
//! (key the resource on it). On the server and in the browser's first pass it stays at zero, so
//! both render the same page. It stops after an answer no refresh can change.

use std::time::Duration;

use leptos::prelude::*;

use crate::error::AppError;

/// How often live values refresh: nodes report every few seconds.
pub const LIVE_EVERY: Duration = Duration::from_secs(2);

/// How often charts refresh: their buckets are a minute or longer.
pub const CHARTS_EVERY: Duration = Duration::from_secs(5);

/// A refresh counter; see [`use_ticker`].
#[derive(Debug, Clone, Copy)]
pub struct Ticker {
    count: ReadSignal<u32>,
    stopped: RwSignal<bool>,
}

impl Ticker {
    /// The count (tracked: a resource keyed on it refetches on each tick).
    pub fn get(self) -> u32 {
        self.count.get()
    }

    /// Stops ticking after `result` if refreshing cannot change it (the device is gone, the
    /// role may not see it, the session ended); a network failure keeps it going, and a good
    /// answer (say, for another device the page moved to) starts it again.
    pub fn stop_after<T>(self, result: &Result<T, AppError>) {
        let fixed = matches!(
            result,
            Err(AppError::NotFound | AppError::Forbidden | AppError::Unauthenticated | AppError::Suspended)
        );
        if self.stopped.get_untracked() != fixed {
            self.stopped.set(fixed);
        }
    }
}

/// Ticks every `every` once hydrated (not while the tab is hidden, nor once stopped); the
/// interval ends with the calling component.
pub fn use_ticker(every: Duration) -> Ticker {
    let (count, set_count) = signal(0_u32);
    let stopped = RwSignal::new(false);
    #[cfg(feature = "hydrate")]
    Effect::new(move |_| {
        let bump = move || {
            if !document().hidden() && !stopped.try_get_untracked().unwrap_or(true) {
                set_count.try_update(|n| *n = n.wrapping_add(1));
            }
        };
        if let Ok(handle) = set_interval_with_handle(bump, every) {
            on_cleanup(move || handle.clear());
        }
    });
    #[cfg(not(feature = "hydrate"))]
    let _ = (set_count, every);
    Ticker { count, stopped }
}
