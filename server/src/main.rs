//! The `mostrador` binary: logs, configuration, then [`server::start`] until SIGINT/SIGTERM.

use anyhow::Context;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    server::telemetry::init();
    let config = server::config::Config::from_env().context("reading configuration")?;
    tracing::info!(?config, "starting mostrador {}", env!("CARGO_PKG_VERSION"));
    server::start(config).await
}
