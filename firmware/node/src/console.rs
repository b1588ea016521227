//! The serial console a technician provisions and calibrates a node with: [`LineBuffer`] turns
//! the bytes from USB-Serial-JTAG/UART into lines and [`execute`] turns a line into an
//! [`Outcome`], what to do (save, erase, reboot, calibrate) and what to print, in Spanish. Pure:
//! the firmware does the I/O. A bad command changes nothing and says what was wrong.

mod args;
mod calibrate;
mod line;
mod text;

pub use calibrate::calibration_reply;
pub use line::{Echo, Feed, LINE_MAX, LineBuffer, LineError};

use core::fmt::{self, Write};

use heapless::String;

use crate::calibration::SoilPoint;
use crate::provision::{Broker, ProfileCode, ProvisionError, Provisioning, Wifi, parse_port};
use args::{ArgError, Args};

/// What the firmware prints before each line the technician types.
pub const PROMPT: &str = "> ";
/// Longest reply: the help text is the longest (about 1 000 bytes); room to grow.
pub const REPLY_MAX: usize = 1536;
/// Text for the terminal, lines ended by `"\r\n"`.
pub type Reply = String<REPLY_MAX>;

/// What the firmware does with a command.
#[derive(Clone, Debug, PartialEq, Eq)]
#[expect(clippy::large_enum_variant, reason = "one value per typed line; boxing would only add a heap allocation")]
pub enum Action {
    /// Only print the reply.
    Print,
    /// Save these settings (the whole record, merged with what was saved), then print the reply.
    Save(Provisioning),
    /// Erase both slots, then print the reply. Erase the slot `pick` did not return first, so a
    /// power cut in between leaves the newest record rather than bringing back an older one.
    Erase,
    /// Print the reply, then restart the node.
    Reboot,
    /// Measure (for a soil point or the gas sensor), compute and save the calibration, then
    /// print [`calibration_reply`]; the outcome's reply is empty.
    Calibrate(CalibrateRequest),
}

/// A calibration the technician asked for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CalibrateRequest {
    /// `calibrar suelo <canal> seco|humedo`: soil probe `channel` (below
    /// [`MAX_SOIL_PROBES`](crate::calibration::MAX_SOIL_PROBES)) is at `point` now.
    Soil {
        /// The probe's channel.
        channel: u8,
        /// Dry air or water.
        point: SoilPoint,
    },
    /// `calibrar gas`: the gas sensor is in clean air now.
    Gas,
    /// `calibracion`: print the calibration in use.
    Show,
}

/// The result of one console line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Outcome {
    /// What to do.
    pub action: Action,
    /// What to print (possibly empty).
    pub reply: Reply,
}

/// Runs one console line against the saved settings (`None` if nothing is saved). Commands are
/// Spanish words with English aliases, in any case; see `ayuda`.
pub fn execute(line: &str, current: Option<&Provisioning>) -> Outcome {
    let line = line.trim();
    if line.is_empty() {
        return print(format_args!(""));
    }
    let (word, rest) = line.split_once(char::is_whitespace).unwrap_or((line, ""));
    let saved = current.cloned().unwrap_or_default();
    match Command::from_word(word) {
        Some(command) => {
            run(command, rest, saved).unwrap_or_else(|Refused(why)| print(format_args!("Error: {why}.\r\n")))
        }
        None => {
            let shown = word.char_indices().nth(24).map_or(word, |(i, _)| &word[..i]);
            print(format_args!("Error: no conozco el comando «{shown}»; escribí «ayuda» para ver la lista.\r\n"))
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Command {
    Help,
    Status,
    Provision,
    Wifi,
    Broker,
    Profile,
    Erase,
    Reboot,
    Calibrate,
    ShowCalibration,
}

impl Command {
    fn from_word(word: &str) -> Option<Self> {
        const WORDS: [(&str, Command); 20] = [
            ("ayuda", Command::Help),
            ("help", Command::Help),
            ("?", Command::Help),
            ("estado", Command::Status),
            ("status", Command::Status),
            ("provisionar", Command::Provision),
            ("provision", Command::Provision),
            ("wifi", Command::Wifi),
            ("broker", Command::Broker),
            ("perfil", Command::Profile),
            ("profile", Command::Profile),
            ("borrar", Command::Erase),
            ("erase", Command::Erase),
            ("reiniciar", Command::Reboot),
            ("reboot", Command::Reboot),
            ("calibrar", Command::Calibrate),
            ("calibrate", Command::Calibrate),
            ("calibracion", Command::ShowCalibration),
            ("calibración", Command::ShowCalibration),
            ("calibration", Command::ShowCalibration),
        ];
        WORDS.iter().find(|(w, _)| same_word(w, word)).map(|(_, c)| *c)
    }
}

/// Whether two words are the same in any case, accents included (`CALIBRACIÓN` is
/// `calibración`).
fn same_word(a: &str, b: &str) -> bool {
    a.chars().flat_map(char::to_lowercase).eq(b.chars().flat_map(char::to_lowercase))
}

/// Why a command was refused, printed as `Error: ...`.
struct Refused(&'static str);

impl From<&'static str> for Refused {
    fn from(message: &'static str) -> Self {
        Self(message)
    }
}

impl From<ProvisionError> for Refused {
    fn from(err: ProvisionError) -> Self {
        Self(err.message())
    }
}

const WIFI_USAGE: &str = "uso: wifi <red> <clave> (con espacios, entre comillas: wifi \"Mi Casa\" \"clave 123\")";
const NO_PASSWORD: &str = "falta la clave: wifi <red> <clave> (si la red es abierta: wifi <red> \"\")";
const BROKER_USAGE: &str = "uso: broker mqtt://host:puerto, o solo el puerto: broker 1884";
const PROFILE_USAGE: &str = "uso: perfil <código>, por ejemplo: perfil carniceria";
const NO_JSON: &str = "falta el JSON: provisionar {\"v\":1,...} (copialo de la página del dispositivo)";
const NO_BROKER: &str = "todavía no hay broker para cambiarle el puerto: broker mqtt://host:puerto";

fn run(command: Command, rest: &str, mut p: Provisioning) -> Result<Outcome, Refused> {
    let mut args = Args::new(rest);
    let no_args =
        |args: &Args<'_>| if args.is_empty() { Ok(()) } else { Err(Refused::from("este comando no lleva argumentos")) };
    match command {
        Command::Help => no_args(&args).map(|()| print(format_args!("{}", text::HELP))),
        Command::Status => no_args(&args).map(|()| Outcome { action: Action::Print, reply: text::status(&p) }),
        Command::Provision => {
            if args.is_empty() {
                return Err(NO_JSON.into());
            }
            let new = Provisioning::from_json(rest)?;
            p.identity = new.identity;
            p.broker = new.broker;
            p.wifi = new.wifi.or(p.wifi);
            p.profile = new.profile.or(p.profile);
            let id = p.identity.as_ref().map_or("", |i| i.device_id());
            let line = match &p.broker {
                Some(broker) => text::line(format_args!("Dispositivo {id}, broker {broker}.")),
                None => text::line(format_args!("Dispositivo {id}.")),
            };
            Ok(save(&line, p))
        }
        Command::Wifi => {
            let ssid = arg(&mut args, ProvisionError::Ssid, WIFI_USAGE)?;
            let password = arg(&mut args, ProvisionError::Password, NO_PASSWORD)?;
            if !args.is_empty() {
                return Err(WIFI_USAGE.into());
            }
            let wifi = Wifi::new(&ssid, &password)?;
            let line = text::line(format_args!("Wi-Fi «{}» {}.", wifi.ssid(), text::password_note(&wifi)));
            p.wifi = Some(wifi);
            Ok(save(&line, p))
        }
        Command::Broker => {
            let value = only_arg(&mut args, ProvisionError::BrokerHost, BROKER_USAGE)?;
            let broker = if value.bytes().all(|b| b.is_ascii_digit()) {
                p.broker.as_ref().ok_or(Refused::from(NO_BROKER))?.with_port(parse_port(&value)?)?
            } else {
                Broker::parse(&value)?
            };
            let line = text::line(format_args!("Broker {broker}."));
            p.broker = Some(broker);
            Ok(save(&line, p))
        }
        Command::Profile => {
            let profile = ProfileCode::new(&only_arg(&mut args, ProvisionError::Profile, PROFILE_USAGE)?)?;
            let line = text::line(format_args!("Perfil {}.", profile.as_str()));
            p.profile = Some(profile);
            Ok(save(&line, p))
        }
        Command::Erase => no_args(&args).map(|()| Outcome {
            action: Action::Erase,
            reply: reply(format_args!("Configuración borrada. Provisioná el nodo de nuevo y escribí «reiniciar».\r\n")),
        }),
        Command::Reboot => no_args(&args)
            .map(|()| Outcome { action: Action::Reboot, reply: reply(format_args!("Reiniciando…\r\n")) }),
        Command::Calibrate => calibrate::parse(&mut args).map(calibrate),
        Command::ShowCalibration => no_args(&args).map(|()| calibrate(CalibrateRequest::Show)),
    }
}

/// The next argument; a too-long one is `too_long`'s field error, a missing one `usage`.
fn arg(
    args: &mut Args<'_>,
    too_long: ProvisionError,
    usage: &'static str,
) -> Result<String<{ args::ARG_MAX }>, Refused> {
    match args.next_arg() {
        Some(Ok(value)) => Ok(value),
        Some(Err(ArgError::TooLong)) => Err(too_long.into()),
        Some(Err(ArgError::Quotes)) => Err("faltan comillas de cierre, o falta un espacio después de ellas".into()),
        None => Err(usage.into()),
    }
}

/// The only argument; nothing may follow it.
fn only_arg(
    args: &mut Args<'_>,
    too_long: ProvisionError,
    usage: &'static str,
) -> Result<String<{ args::ARG_MAX }>, Refused> {
    let value = arg(args, too_long, usage)?;
    if args.is_empty() { Ok(value) } else { Err(usage.into()) }
}

/// Saves `p`: the reply is `what`, then whether the node is ready.
fn save(what: &str, p: Provisioning) -> Outcome {
    let mut r = reply(format_args!("{what}\r\n"));
    if p.is_complete() {
        let _ = r.write_str("Guardado. Escribí «reiniciar» para aplicar los cambios.\r\n");
    } else {
        let _ = r.write_str("Guardado. Falta configurar ");
        text::write_missing(&mut r, &p);
    }
    Outcome { action: Action::Save(p), reply: r }
}

/// Asks the firmware to calibrate; it prints [`calibration_reply`] afterwards.
fn calibrate(request: CalibrateRequest) -> Outcome {
    Outcome { action: Action::Calibrate(request), reply: Reply::new() }
}

fn print(args: fmt::Arguments<'_>) -> Outcome {
    Outcome { action: Action::Print, reply: reply(args) }
}

/// Formats a reply; [`REPLY_MAX`] holds every reply, so nothing is cut in practice.
fn reply(args: fmt::Arguments<'_>) -> Reply {
    text::format(args)
}

#[cfg(test)]
mod tests;
