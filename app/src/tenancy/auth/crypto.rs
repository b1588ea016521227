//! Passwords (argon2id with explicit parameters, hashed on a blocking thread so a login never
//! stalls the async runtime) and random tokens (cookies, email links) stored only as SHA-256.
//! Each hash takes 19 MiB and a core for ~15 ms, so they run under one limit for the whole
//! process ([`HashingLimit`]): at most one per core at a time, a bounded queue behind them, and
//! an answer of "try again" (503) beyond it instead of memory and threads without end.

use std::sync::OnceLock;

use argon2::password_hash::{PasswordHash, PasswordHasher as _, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use base64::Engine;
use sha2::{Digest, Sha256};

use crate::error::AppError;

/// argon2id, 19 MiB, 2 passes, 1 lane: OWASP's recommended minimum. About 15 ms per hash on one
/// core of the development machine (`benches/password_hash.rs`, docs/BENCHMARKS.md).
pub const ARGON2_MEMORY_KIB: u32 = 19 * 1024;
/// Passes over memory.
pub const ARGON2_ITERATIONS: u32 = 2;
/// Lanes.
pub const ARGON2_PARALLELISM: u32 = 1;

/// The configured hasher.
pub struct PasswordHasher;

impl PasswordHasher {
    fn argon2() -> Argon2<'static> {
        let params = Params::new(ARGON2_MEMORY_KIB, ARGON2_ITERATIONS, ARGON2_PARALLELISM, None)
            .unwrap_or_else(|_| Params::default());
        Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
    }

    /// Hashes synchronously (call from a blocking thread).
    pub fn hash_blocking(password: &str) -> Result<String, argon2::password_hash::Error> {
        let salt_bytes: [u8; 16] = rand::random();
        let salt = SaltString::encode_b64(&salt_bytes)?;
        Ok(Self::argon2().hash_password(password.as_bytes(), &salt)?.to_string())
    }

    /// Verifies synchronously. A hash that does not parse never matches.
    pub fn verify_blocking(password: &str, hash: &str) -> bool {
        PasswordHash::new(hash).is_ok_and(|parsed| Self::argon2().verify_password(password.as_bytes(), &parsed).is_ok())
    }

    /// Computes the dummy hash now (at start-up), so the first login with an unknown email
    /// does not take longer than later ones.
    pub fn warm_up() {
        let _ = Self::dummy();
    }

    /// A hash of a random password with the same parameters: checked when the email is
    /// unknown, so unknown accounts and wrong passwords take the same time.
    fn dummy() -> &'static str {
        static DUMMY: OnceLock<String> = OnceLock::new();
        DUMMY.get_or_init(|| Self::hash_blocking(&new_token()).unwrap_or_default())
    }
}

/// The process-wide limit on password hashing.
pub struct HashingLimit {
    running: tokio::sync::Semaphore,
    waiting: std::sync::atomic::AtomicUsize,
    max_waiting: usize,
}

impl HashingLimit {
    /// Requests that may wait per hashing slot (about 15 ms each: a queue of ~0.25 s).
    pub const WAITING_PER_SLOT: usize = 16;

    fn global() -> &'static Self {
        static LIMIT: OnceLock<HashingLimit> = OnceLock::new();
        LIMIT.get_or_init(|| {
            let slots = std::thread::available_parallelism().map_or(2, std::num::NonZero::get);
            Self::new(slots)
        })
    }

    /// A limit of `slots` hashes at a time.
    pub fn new(slots: usize) -> Self {
        Self {
            running: tokio::sync::Semaphore::new(slots.max(1)),
            waiting: std::sync::atomic::AtomicUsize::new(0),
            max_waiting: slots.max(1) * Self::WAITING_PER_SLOT,
        }
    }

    /// Runs `work` on a blocking thread once a slot is free; `Unavailable` at once when the
    /// queue is full.
    pub async fn run<T: Send + 'static>(&self, work: impl FnOnce() -> T + Send + 'static) -> Result<T, AppError> {
        use std::sync::atomic::Ordering;
        if self.waiting.fetch_add(1, Ordering::AcqRel) >= self.max_waiting {
            self.waiting.fetch_sub(1, Ordering::AcqRel);
            tracing::warn!("password hashing queue full; request refused");
            return Err(AppError::Unavailable.reply());
        }
        let permit = self.running.acquire().await;
        self.waiting.fetch_sub(1, Ordering::AcqRel);
        let _permit = permit.map_err(|e| AppError::internal(e))?;
        tokio::task::spawn_blocking(work).await.map_err(|e| AppError::internal(e))
    }
}

/// Hashes `password` on a blocking thread, within the process-wide `HashingLimit`.
pub async fn hash_password(password: String) -> Result<String, AppError> {
    HashingLimit::global()
        .run(move || PasswordHasher::hash_blocking(&password))
        .await?
        .map_err(|e| AppError::internal(e))
}

/// Checks `password` against `hash`, or against a dummy hash when there is no account, on a
/// blocking thread. Same work either way.
pub async fn verify_password(password: String, hash: Option<String>) -> Result<bool, AppError> {
    HashingLimit::global()
        .run(move || match hash {
            Some(hash) => PasswordHasher::verify_blocking(&password, &hash),
            None => {
                let _ = PasswordHasher::verify_blocking(&password, PasswordHasher::dummy());
                false
            }
        })
        .await
}

/// 32 random bytes, URL-safe base64 (43 characters): a session cookie or an email link.
pub fn new_token() -> String {
    let bytes: [u8; 32] = rand::random();
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// SHA-256 of a token, hex: what the database stores instead of the token.
pub fn token_hash(token: &str) -> String {
    let digest = Sha256::digest(token.as_bytes());
    let mut hex = String::with_capacity(64);
    for b in digest {
        use std::fmt::Write;
        let _ = write!(hex, "{b:02x}");
    }
    hex
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hash_verifies_its_password_only() {
        let hash = PasswordHasher::hash_blocking("caballo correcto").unwrap();
        assert!(hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{hash}");
        assert!(PasswordHasher::verify_blocking("caballo correcto", &hash));
        assert!(!PasswordHasher::verify_blocking("caballo incorrecto", &hash));
        assert!(!PasswordHasher::verify_blocking("caballo correcto", "not a hash"));
    }

    #[tokio::test]
    async fn hashing_beyond_the_queue_is_refused_at_once_and_never_runs_more_than_its_slots() {
        use std::sync::Arc;
        use std::sync::atomic::{AtomicUsize, Ordering};
        let limit = Arc::new(HashingLimit::new(1));
        let (running, most) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
        let (release_tx, release_rx) = std::sync::mpsc::channel::<()>();
        let release_rx = Arc::new(std::sync::Mutex::new(release_rx));
        let mut tasks = Vec::new();
        for _ in 0..(1 + HashingLimit::WAITING_PER_SLOT) {
            let (limit, running, most, release_rx) = (limit.clone(), running.clone(), most.clone(), release_rx.clone());
            tasks.push(tokio::spawn(async move {
                limit
                    .run(move || {
                        let now = running.fetch_add(1, Ordering::SeqCst) + 1;
                        most.fetch_max(now, Ordering::SeqCst);
                        let _ = release_rx.lock().map(|rx| rx.recv());
                        running.fetch_sub(1, Ordering::SeqCst);
                    })
                    .await
            }));
        }
        // Let every task reach the queue.
        while limit.waiting.load(Ordering::SeqCst) < HashingLimit::WAITING_PER_SLOT {
            tokio::task::yield_now().await;
        }
        let refused = limit.run(|| ()).await;
        assert!(matches!(refused, Err(AppError::Unavailable)), "{refused:?}");
        for _ in 0..tasks.len() {
            release_tx.send(()).unwrap();
        }
        for t in tasks {
            t.await.unwrap().unwrap();
        }
        assert_eq!(most.load(Ordering::SeqCst), 1, "one hash at a time with one slot");
    }

    #[test]
    fn tokens_are_random_and_hashed_to_hex() {
        let (a, b) = (new_token(), new_token());
        assert_ne!(a, b);
        assert_eq!(a.len(), 43);
        let h = token_hash(&a);
        assert_eq!(h.len(), 64);
        assert!(h.bytes().all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase()));
        assert_eq!(token_hash("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    }
}
