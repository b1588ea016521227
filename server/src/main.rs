//! The `mostrador` binary: logs, configuration, then [`server::start`] until SIGINT/SIGTERM.
//! `mostrador create-operator EMAIL` makes an account the platform operator instead (the
//! password of a new account comes from `MOSTRADOR_OPERATOR_PASSWORD` or the first line of stdin);
//! `mostrador simulate ...` runs simulated sensor nodes (see `server::simulate`). `--help` lists
//! the options.

use anyhow::Context;
use clap::Parser;

/// Mostrador: runs the server (no command), or one of the commands.
#[derive(Parser)]
#[command(name = "mostrador", version)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(clap::Subcommand)]
enum Command {
    /// Makes EMAIL the platform operator (a new account's password from MOSTRADOR_OPERATOR_PASSWORD
    /// or the first line of stdin).
    CreateOperator {
        /// The account's email.
        email: String,
    },
    /// Runs simulated sensor nodes over MQTT.
    Simulate(server::simulate::SimulateArgs),
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    server::telemetry::init();
    let config = server::config::Config::from_env().context("reading configuration")?;
    match cli.command {
        None => {
            tracing::info!(?config, "starting mostrador {}", env!("CARGO_PKG_VERSION"));
            server::start(config).await
        }
        Some(Command::CreateOperator { email }) => server::create_operator(&config, &email).await,
        Some(Command::Simulate(args)) => server::simulate::run(&config, args).await,
    }
}
