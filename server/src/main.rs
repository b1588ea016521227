//! The `mostrador` binary: logs, configuration, then [`server::start`] until SIGINT/SIGTERM.
//! `mostrador create-operator EMAIL` makes an account the platform operator instead (the
//! password of a new account comes from `MOSTRADOR_OPERATOR_PASSWORD` or the first line of stdin);
//! `mostrador simulate ...` runs simulated sensor nodes (see `server::simulate`).

use anyhow::Context;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    server::telemetry::init();
    let config = server::config::Config::from_env().context("reading configuration")?;
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.iter().map(String::as_str).collect::<Vec<_>>().as_slice() {
        [] => {
            tracing::info!(?config, "starting mostrador {}", env!("CARGO_PKG_VERSION"));
            server::start(config).await
        }
        ["create-operator", email] => server::create_operator(&config, email).await,
        ["simulate", ..] => server::simulate::run(&config, server::simulate::SimulateArgs::parse(&args[1..])?).await,
        _ => anyhow::bail!(
            "usage: mostrador [create-operator EMAIL | simulate (--devices N --rate R [--duration S] [--business SLUG] \
             [--summary FILE] | --device UID --secret HEX [--rate R]) [--broker mqtt://host:port]]"
        ),
    }
}
