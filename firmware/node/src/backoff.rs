//! Exponential back-off with full jitter for reconnecting (Wi-Fi and MQTT): a fleet of nodes
//! that lost the same access point or broker does not come back in lock-step, and a node that
//! keeps failing settles at one attempt a minute instead of hammering the network.

/// Delays of `base * 2^n`, capped, each drawn uniformly from its upper half (so there is
/// always some wait, never a burst of immediate retries).
#[derive(Debug, Clone)]
pub struct Backoff {
    base_ms: u64,
    cap_ms: u64,
    attempt: u32,
    rng: u64,
}

impl Backoff {
    /// First retry after about `base_ms`, never more than `cap_ms`; `seed` spreads nodes apart
    /// (the device id's hash or a hardware random number).
    pub fn new(base_ms: u64, cap_ms: u64, seed: u64) -> Self {
        Self { base_ms: base_ms.max(1), cap_ms: cap_ms.max(base_ms.max(1)), attempt: 0, rng: seed | 1 }
    }

    /// The reconnection settings of a node: 1 s first, up to a minute.
    pub fn for_node(seed: u64) -> Self {
        Self::new(1_000, 60_000, seed)
    }

    /// How long to wait before the next attempt.
    pub fn next_delay(&mut self) -> u64 {
        let ceiling = self.base_ms.saturating_mul(1u64 << self.attempt.min(20)).min(self.cap_ms);
        self.attempt = self.attempt.saturating_add(1);
        let half = ceiling / 2;
        half + self.random() % (ceiling - half + 1)
    }

    /// A connection held: the next failure starts again from the base delay.
    pub fn reset(&mut self) {
        self.attempt = 0;
    }

    /// Failed attempts since the last success.
    pub const fn attempts(&self) -> u32 {
        self.attempt
    }

    /// xorshift64: enough to decorrelate nodes, no need for a cryptographic source.
    fn random(&mut self) -> u64 {
        self.rng ^= self.rng << 13;
        self.rng ^= self.rng >> 7;
        self.rng ^= self.rng << 17;
        self.rng
    }
}

/// A 64-bit FNV-1a hash, to seed [`Backoff`] from a device id.
pub fn seed_from(text: &str) -> u64 {
    text.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_grow_to_the_cap_and_stay_in_the_upper_half() {
        let mut b = Backoff::new(1_000, 60_000, 42);
        let ceilings = [1_000, 2_000, 4_000, 8_000, 16_000, 32_000, 60_000, 60_000, 60_000];
        for ceiling in ceilings {
            let d = b.next_delay();
            assert!(d >= ceiling / 2 && d <= ceiling, "{d} outside {}..={ceiling}", ceiling / 2);
        }
        assert_eq!(b.attempts(), 9);
    }

    #[test]
    fn reset_starts_again_from_the_base_delay() {
        let mut b = Backoff::for_node(7);
        for _ in 0..10 {
            b.next_delay();
        }
        b.reset();
        assert!(b.next_delay() <= 1_000);
    }

    #[test]
    fn two_nodes_with_different_ids_do_not_retry_in_lock_step() {
        let mut a = Backoff::for_node(seed_from("a1b2c3d4e5f6"));
        let mut b = Backoff::for_node(seed_from("a1b2c3d4e5f7"));
        let same = (0..8).filter(|_| a.next_delay() == b.next_delay()).count();
        assert!(same < 3, "{same} identical delays out of 8");
    }

    #[test]
    fn a_huge_number_of_failures_does_not_overflow() {
        let mut b = Backoff::new(u64::MAX / 2, u64::MAX, 3);
        for _ in 0..100 {
            assert!(b.next_delay() >= u64::MAX / 4);
        }
    }
}
