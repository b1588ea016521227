//! Logging: `tracing` with an `EnvFilter` (`RUST_LOG`, default INFO for our crates and WARN for
//! the noisy ones), human-readable by default, JSON lines with `APP_LOG_FORMAT=json`.

use tracing_subscriber::EnvFilter;

/// Filter used when `RUST_LOG` is not set.
pub const DEFAULT_FILTER: &str = "info,rmqtt=warn,rmqtt_net=warn,rmqtt_codec=warn,rumqttc=warn";

/// Installs the global subscriber. Safe to call more than once (tests): later calls do nothing.
pub fn init() {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(DEFAULT_FILTER));
    let json = std::env::var("APP_LOG_FORMAT").is_ok_and(|f| f.eq_ignore_ascii_case("json"));
    let ansi = std::io::IsTerminal::is_terminal(&std::io::stdout());
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_target(true).with_ansi(ansi);
    let _ = if json { builder.json().try_init() } else { builder.try_init() };
}

/// Like [`init`], but writes through the test harness so output shows only for failing tests.
pub fn init_for_tests() {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(DEFAULT_FILTER));
    let _ = tracing_subscriber::fmt().with_env_filter(filter).with_test_writer().try_init();
}
