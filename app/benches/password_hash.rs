//! How long one login's password work takes with the configured argon2id parameters: hashing
//! (sign-up, password change) and verifying (login), for a known account and for an unknown
//! one (the dummy hash), on one core. `cargo bench -p app --features ssr --bench password_hash`.
#![expect(clippy::unwrap_used, reason = "a benchmark fails loudly")]

use std::time::{Duration, Instant};

use app::tenancy::auth::PasswordHasher;

fn measure(label: &str, runs: usize, mut f: impl FnMut()) -> Duration {
    f(); // warm-up
    let mut times: Vec<Duration> = (0..runs)
        .map(|_| {
            let start = Instant::now();
            f();
            start.elapsed()
        })
        .collect();
    times.sort();
    let median = times[runs / 2];
    let p95 = times[runs * 95 / 100];
    println!("{label:<34} median {:>7.2} ms   p95 {:>7.2} ms   ({runs} runs)", ms(median), ms(p95));
    median
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn main() {
    let runs = 40;
    let hash = PasswordHasher::hash_blocking("una frase bastante larga").unwrap();
    println!("parameters: {}", &hash[..hash.rfind('$').and_then(|i| hash[..i].rfind('$')).unwrap_or(0)]);
    let h = measure("hash (sign-up, change)", runs, || {
        PasswordHasher::hash_blocking("una frase bastante larga").unwrap();
    });
    measure("verify, right password", runs, || {
        assert!(PasswordHasher::verify_blocking("una frase bastante larga", &hash))
    });
    measure("verify, wrong password", runs, || assert!(!PasswordHasher::verify_blocking("otra frase", &hash)));
    println!("=> about {:.0} password checks per second per core", 1.0 / h.as_secs_f64());
}
