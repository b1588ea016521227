//! The console's longer texts: the help and the settings as `estado` shows them, with the
//! secret masked and the Wi-Fi password never shown.

use core::fmt::{self, Write};

use heapless::String;

use crate::provision::{Provisioning, Wifi};

use super::Reply;

/// The `ayuda` text.
pub(super) const HELP: &str = concat!(
    "Comandos (entre paréntesis, el alias en inglés):\r\n",
    "  ayuda (help)                  esta ayuda\r\n",
    "  estado (status)               la configuración guardada\r\n",
    "  provisionar (provision) {..}  el JSON de la página del dispositivo (el del QR)\r\n",
    "  wifi <red> <clave>            la red Wi-Fi; con espacios, entre comillas:\r\n",
    "                                wifi \"Mi Casa\" \"clave 123\"; red abierta: wifi Libre \"\"\r\n",
    "  broker mqtt://host:puerto     el broker MQTT; solo el puerto: broker 1884\r\n",
    "  perfil (profile) <código>     el perfil de la placa, por ejemplo: perfil carniceria\r\n",
    "  calibrar (calibrate) suelo (soil) <canal> seco|humedo (dry|wet)\r\n",
    "                                la sonda de suelo en el aire (seco) o en agua (humedo)\r\n",
    "  calibrar gas                  el sensor de gas en aire limpio, ya caliente\r\n",
    "  calibracion (calibration)     las calibraciones guardadas\r\n",
    "  borrar (erase)                borra toda la configuración\r\n",
    "  reiniciar (reboot)            reinicia el nodo para aplicar los cambios\r\n",
);

/// Room for one line of a reply (a saved value's confirmation): the longest, a provisioned
/// device with a 76-byte broker URL, is about 110 bytes.
const LINE_MAX: usize = 160;

/// Formats into a fixed buffer; callers size it for what they write, so nothing is cut.
pub(super) fn format<const N: usize>(args: fmt::Arguments<'_>) -> String<N> {
    let mut s = String::new();
    let _ = s.write_fmt(args);
    s
}

/// Formats one line of a reply.
pub(super) fn line(args: fmt::Arguments<'_>) -> String<LINE_MAX> {
    format(args)
}

/// How a Wi-Fi password is described: its length, never its characters.
pub(super) fn password_note(wifi: &Wifi) -> String<32> {
    let mut r = String::new();
    let _ = if wifi.is_open() {
        r.write_str("(red abierta, sin clave)")
    } else {
        write!(r, "(clave de {} caracteres)", wifi.password().chars().count())
    };
    r
}

/// Appends what `p` still lacks, as a sentence's end: `wifi, broker.` and a line end.
pub(super) fn write_missing(r: &mut Reply, p: &Provisioning) {
    for (i, name) in p.missing().enumerate() {
        let _ = write!(r, "{}{name}", if i == 0 { "" } else { ", " });
    }
    let _ = r.write_str(".\r\n");
}

/// The `estado` text.
pub(super) fn status(p: &Provisioning) -> Reply {
    const UNSET: &str = "(sin configurar)";
    let mut r = Reply::new();
    if p.is_complete() {
        let _ = r.write_str("Estado: listo para conectarse.\r\n");
    } else {
        let _ = r.write_str("Estado: incompleto; falta configurar ");
        write_missing(&mut r, p);
    }
    let _ = match &p.identity {
        Some(identity) => {
            let s = &identity.secret().0;
            let (a, b) = (s[s.len() - 2], s[s.len() - 1]);
            write!(r, "  id:      {}\r\n  secreto: ****{a:02x}{b:02x}\r\n", identity.device_id())
        }
        None => write!(r, "  id:      {UNSET}\r\n  secreto: {UNSET}\r\n"),
    };
    let _ = match &p.broker {
        Some(broker) => write!(r, "  broker:  {broker}\r\n"),
        None => write!(r, "  broker:  {UNSET}\r\n"),
    };
    let _ = match &p.wifi {
        Some(wifi) => write!(r, "  wifi:    «{}» {}\r\n", wifi.ssid(), password_note(wifi)),
        None => write!(r, "  wifi:    {UNSET}\r\n"),
    };
    let _ = match &p.profile {
        Some(profile) => write!(r, "  perfil:  {}\r\n", profile.as_str()),
        None => write!(r, "  perfil:  (el predeterminado de la placa)\r\n"),
    };
    r
}
