//! The calibration commands: `calibrar suelo <canal> seco|humedo` and `calibrar gas` (and their
//! English aliases) parsed into a [`CalibrateRequest`], and the text printed once the firmware
//! has measured and saved, or refused.

use core::fmt::Write;

use crate::calibration::{Calibration, CalibrationProblem, MAX_SOIL_PROBES, SoilPoint};

use super::args::Args;
use super::{CalibrateRequest, Refused, Reply, reply, same_word};

const USAGE: &str = "uso: calibrar suelo <canal> seco|humedo, o calibrar gas (en aire limpio)";
const SOIL_USAGE: &str = "uso: calibrar suelo <canal> seco|humedo, por ejemplo: calibrar suelo 0 seco";
const BAD_CHANNEL: &str = "el canal de la sonda de suelo es un número de 0 a 3, por ejemplo: calibrar suelo 0 seco";
const BAD_POINT: &str =
    "el punto es seco (la sonda en el aire) o humedo (la sonda en agua), por ejemplo: calibrar suelo 0 humedo";
const GAS_USAGE: &str = "uso: calibrar gas, sin nada más, con el sensor caliente y en aire limpio";
// BAD_CHANNEL spells out "0 a 3": change it with MAX_SOIL_PROBES.
const _: () = assert!(MAX_SOIL_PROBES == 4);

/// The next argument if it is one of `words`; a missing or different one is `usage`.
fn next_word<'w>(args: &mut Args<'_>, words: &[&'w str], usage: &'static str) -> Result<&'w str, Refused> {
    let typed = args.next_arg().and_then(Result::ok).ok_or(Refused(usage))?;
    words.iter().find(|w| same_word(&typed, w)).copied().ok_or(Refused(usage))
}

/// Parses what follows `calibrar`.
pub(super) fn parse(args: &mut Args<'_>) -> Result<CalibrateRequest, Refused> {
    let request = match next_word(args, &["suelo", "soil", "gas"], USAGE)? {
        "gas" => {
            if !args.is_empty() {
                return Err(GAS_USAGE.into());
            }
            CalibrateRequest::Gas
        }
        _ => {
            let channel = args.next_arg().ok_or(Refused(SOIL_USAGE))?.map_err(|_| Refused(BAD_CHANNEL))?;
            let channel = channel.parse::<u8>().ok().filter(|c| usize::from(*c) < MAX_SOIL_PROBES);
            let channel = channel.ok_or(Refused(BAD_CHANNEL))?;
            if args.is_empty() {
                return Err(SOIL_USAGE.into());
            }
            let point = match next_word(args, &["seco", "dry", "humedo", "húmedo", "wet"], BAD_POINT)? {
                "seco" | "dry" => SoilPoint::Dry,
                _ => SoilPoint::Wet,
            };
            if !args.is_empty() {
                return Err(SOIL_USAGE.into());
            }
            CalibrateRequest::Soil { channel, point }
        }
    };
    Ok(request)
}

/// The text the firmware prints after applying (or failing) a `Calibrate` request: the new
/// points or R0, every calibration for `Show`, or `Error: ...` with the problem.
pub fn calibration_reply(request: CalibrateRequest, result: Result<&Calibration, CalibrationProblem>) -> Reply {
    let calibration = match result {
        Ok(calibration) => calibration,
        Err(problem) => return reply(format_args!("Error: {}.\r\n", problem.message())),
    };
    match request {
        CalibrateRequest::Soil { channel, .. } => {
            let soil = calibration.soil(channel);
            reply(format_args!(
                "Sonda de suelo {channel}: seco {} mV, húmedo {} mV (guardado).\r\n",
                soil.dry_mv, soil.wet_mv
            ))
        }
        CalibrateRequest::Gas => {
            reply(format_args!("Sensor de gas: R0 {} Ω (guardado).\r\n", calibration.gas().r0_ohms))
        }
        CalibrateRequest::Show => show(calibration),
    }
}

/// Every probe and the gas sensor, saved or factory values.
fn show(calibration: &Calibration) -> Reply {
    const FACTORY: &str = "sin calibrar (valores de fábrica";
    let mut r = reply(format_args!("Calibración:\r\n"));
    for (channel, saved) in (0u8..).zip(calibration.soil) {
        let soil = calibration.soil(channel);
        let _ = match saved {
            Some(_) => write!(r, "  suelo {channel}: seco {} mV, húmedo {} mV\r\n", soil.dry_mv, soil.wet_mv),
            None => write!(r, "  suelo {channel}: {FACTORY}: seco {} mV, húmedo {} mV)\r\n", soil.dry_mv, soil.wet_mv),
        };
    }
    let r0 = calibration.gas().r0_ohms;
    let _ = match calibration.gas {
        Some(_) => write!(r, "  gas:     R0 {r0} Ω\r\n"),
        None => write!(r, "  gas:     {FACTORY}: R0 {r0} Ω)\r\n"),
    };
    r
}
