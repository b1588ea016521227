//! `mostrador simulate`'s command line.

use std::path::PathBuf;
use std::time::Duration;

/// Simulated sensor nodes: `--devices N --rate R [--duration S]` provisions N devices and runs
/// them (the benchmark); `--device UID --secret HEX` runs one node of the devices page.
#[derive(Debug, Clone, clap::Args)]
pub struct SimulateArgs {
    /// Devices to provision in the business and run (1 to 5000).
    #[arg(long, default_value_t = 1, value_parser = devices)]
    pub devices: usize,
    /// Readings per second per device (more than 0, at most 100000).
    #[arg(long, default_value_t = 1.0, value_parser = rate)]
    pub rate: f64,
    /// Stop producing after this many seconds, wait for every acknowledgement and print the
    /// figures (without it: until Ctrl-C).
    #[arg(long, value_parser = seconds)]
    pub duration: Option<Duration>,
    /// The business (its slug) the devices are provisioned in.
    #[arg(long, default_value = "carniceria-don-pepe")]
    pub business: String,
    /// The broker (`mqtt://host:port`); default: `APP_MQTT__URL`, else the embedded broker's port.
    #[arg(long)]
    pub broker: Option<String>,
    /// Run one existing device (with `--secret`) instead of provisioning new ones.
    #[arg(long, requires = "secret")]
    pub device: Option<String>,
    /// The device's secret, 64 hexadecimal characters (the devices page's QR).
    #[arg(long, requires = "device")]
    pub secret: Option<String>,
    /// Write what each node produced to this JSON file (the fault test reads it).
    #[arg(long)]
    pub summary: Option<PathBuf>,
    /// How long to wait for the last acknowledgements after `--duration`, in seconds.
    #[arg(long, default_value = "120", value_parser = seconds)]
    pub drain_timeout: Duration,
}

fn devices(text: &str) -> Result<usize, String> {
    match text.parse::<usize>() {
        Ok(n) if (1..=5_000).contains(&n) => Ok(n),
        _ => Err("a number of devices from 1 to 5000".into()),
    }
}

fn rate(text: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(r) if r > 0.0 && r <= 100_000.0 => Ok(r),
        _ => Err("readings per second, more than 0 and at most 100000".into()),
    }
}

fn seconds(text: &str) -> Result<Duration, String> {
    text.parse::<f64>()
        .ok()
        .and_then(|s| Duration::try_from_secs_f64(s).ok())
        .ok_or_else(|| "a number of seconds".to_owned())
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::SimulateArgs;

    #[derive(Parser)]
    struct Cli {
        #[command(flatten)]
        args: SimulateArgs,
    }

    fn parse(line: &[&str]) -> Result<SimulateArgs, clap::Error> {
        Cli::try_parse_from(std::iter::once("simulate").chain(line.iter().copied())).map(|c| c.args)
    }

    #[test]
    fn the_benchmark_line_parses_and_bad_values_are_refused() {
        let a = parse(&["--devices", "200", "--rate", "350", "--duration", "65", "--drain-timeout", "90"]).unwrap();
        assert_eq!((a.devices, a.rate, a.duration.map(|d| d.as_secs())), (200, 350.0, Some(65)));
        assert_eq!(a.drain_timeout.as_secs(), 90);
        assert!(parse(&["--devices", "0"]).is_err());
        assert!(parse(&["--rate", "-1"]).is_err());
        assert!(parse(&["--device", "abc"]).is_err(), "--device needs --secret");
        assert!(parse(&["--bogus"]).is_err());
        let one = parse(&["--device", "abc", "--secret", "00"]).unwrap();
        assert_eq!(one.device.as_deref(), Some("abc"));
    }
}
