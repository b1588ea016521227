//! Every console command, its aliases and its refusals.

use alloc::format;
use alloc::string::String;

use super::*;
use crate::calibration::{Calibration, CalibrationProblem};
use crate::drivers::soil::SoilCalibration;
use crate::provision::Identity;

const ID: &str = "abc234def567";

fn secret_hex() -> String {
    format!("{}c0de", "00".repeat(30))
}

fn page_json() -> String {
    format!(r#"{{"v":1,"id":"{ID}","secret":"{}","broker":"mqtt://10.0.0.2:1883"}}"#, secret_hex())
}

fn saved() -> Provisioning {
    Provisioning {
        identity: Some(Identity::new(ID, &secret_hex()).unwrap()),
        broker: Some(Broker::parse("mqtt://10.0.0.2").unwrap()),
        wifi: Some(Wifi::new("Mi Casa", "clave 123").unwrap()),
        profile: Some(ProfileCode::new("vivero").unwrap()),
    }
}

/// The settings a command would save; panics (failing the test) if it saves nothing.
fn saves(line: &str, current: Option<&Provisioning>) -> Provisioning {
    match execute(line, current) {
        Outcome { action: Action::Save(p), .. } => p,
        other => panic!("{line}: {other:?}"),
    }
}

/// The error a command prints; panics if it does anything but print an error.
fn refuses(line: &str, current: Option<&Provisioning>) -> String {
    let outcome = execute(line, current);
    assert_eq!(outcome.action, Action::Print, "{line}");
    assert!(outcome.reply.starts_with("Error: "), "{line}: {}", outcome.reply);
    outcome.reply.as_str().into()
}

#[test]
fn help_lists_every_command_in_both_languages() {
    for word in ["ayuda", "help", "AYUDA", "?"] {
        let out = execute(word, None);
        assert_eq!(out.action, Action::Print);
        let commands = ["estado", "provisionar", "wifi", "broker", "perfil", "borrar", "reiniciar", "(reboot)"];
        for command in commands.into_iter().chain(["calibrar (calibrate) suelo", "calibrar gas", "calibracion"]) {
            assert!(out.reply.contains(command), "{command}");
        }
        assert!(out.reply.ends_with("\r\n"), "the help fits in a reply");
    }
}

#[test]
fn an_empty_line_prints_nothing() {
    assert_eq!(execute("   ", Some(&saved())), Outcome { action: Action::Print, reply: Reply::new() });
}

#[test]
fn status_masks_the_secret_and_never_shows_the_wifi_password() {
    let out = execute("estado", Some(&saved()));
    assert_eq!(out.action, Action::Print);
    let text = out.reply.as_str();
    assert!(text.contains("listo para conectarse") && text.contains(ID), "{text}");
    assert!(text.contains("****c0de") && !text.contains(&secret_hex()[..8]), "{text}");
    assert!(text.contains("«Mi Casa» (clave de 9 caracteres)") && !text.contains("clave 123"), "{text}");
    assert!(text.contains("mqtt://10.0.0.2:1883") && text.contains("vivero"), "{text}");
}

#[test]
fn status_of_an_unprovisioned_node_says_what_is_missing() {
    let text = execute("status", None).reply;
    assert!(text.contains("falta configurar id y secreto (provisionar), broker, wifi."), "{text}");
    assert!(text.contains("(sin configurar)"), "{text}");
}

#[test]
fn provisioning_json_is_saved_and_keeps_the_wifi_and_profile_already_set() {
    let only_wifi = Provisioning { wifi: saved().wifi, profile: saved().profile, ..Provisioning::default() };
    let p = saves(&format!("provisionar {}", page_json()), Some(&only_wifi));
    assert_eq!(p, Provisioning { broker: Some(Broker::parse("mqtt://10.0.0.2:1883").unwrap()), ..saved() });
    let out = execute(&format!("PROVISION   {}", page_json()), Some(&only_wifi));
    assert!(out.reply.contains(ID) && out.reply.contains("reiniciar"), "{}", out.reply);
}

#[test]
fn provisioning_json_with_wifi_replaces_the_saved_wifi() {
    let json = page_json().replace('}', r#","wifi":{"ssid":"Local","password":"otraclave"}}"#);
    assert_eq!(saves(&format!("provisionar {json}"), Some(&saved())).wifi.unwrap().ssid(), "Local");
}

#[test]
fn provisioning_without_wifi_says_wifi_is_still_missing() {
    let out = execute(&format!("provisionar {}", page_json()), None);
    assert!(matches!(out.action, Action::Save(_)));
    assert!(out.reply.ends_with("Guardado. Falta configurar wifi.\r\n"), "{}", out.reply);
}

#[test]
fn bad_json_or_a_bad_secret_is_refused_and_names_the_problem() {
    assert!(refuses("provisionar", Some(&saved())).contains("falta el JSON"));
    assert!(refuses("provisionar {\"v\":1,", Some(&saved())).contains("JSON"));
    let bad_secret = page_json().replace(&secret_hex(), "c0de");
    let text = refuses(&format!("provisionar {bad_secret}"), Some(&saved()));
    assert_eq!(text, "Error: el secreto debe tener 64 caracteres hexadecimales.\r\n");
}

#[test]
fn wifi_takes_quoted_names_and_passwords_with_spaces() {
    let p = saves(r#"wifi "Mi Casa" "clave 123""#, None);
    let wifi = p.wifi.unwrap();
    assert_eq!((wifi.ssid(), wifi.password()), ("Mi Casa", "clave 123"));
    assert!(p.identity.is_none() && !execute("wifi Casa clave123", None).reply.contains("clave123"));
}

#[test]
fn wifi_with_an_empty_password_is_an_open_network() {
    let out = execute(r#"wifi Libre """#, Some(&saved()));
    assert!(out.reply.contains("red abierta"), "{}", out.reply);
    assert!(
        matches!(out.action, Action::Save(p) if p.wifi.as_ref().is_some_and(Wifi::is_open) && p.identity.is_some())
    );
}

#[test]
fn wifi_refuses_long_ssids_short_passwords_and_bad_quoting() {
    let ssid = "s".repeat(33);
    assert!(refuses(&format!("wifi {ssid} clave1234"), None).contains("SSID"));
    assert!(refuses(&format!("wifi {} clave1234", "s".repeat(200)), None).contains("SSID"));
    assert!(refuses("wifi Casa corta", None).contains("de 8 a 63"));
    assert!(refuses("wifi Casa", None).contains("falta la clave"));
    assert!(refuses("wifi", None).contains("uso: wifi"));
    assert!(refuses("wifi Casa clave123 sobra", None).contains("uso: wifi"));
    assert!(refuses(r#"wifi "Mi Casa clave123"#, None).contains("comillas"));
}

#[test]
fn broker_takes_a_url_or_just_a_new_port() {
    let p = saves("broker mqtt://mostrador.local:1884", None);
    assert_eq!(p.broker.unwrap().to_string(), "mqtt://mostrador.local:1884");
    let p = saves("broker 1884", Some(&saved()));
    assert_eq!(p, Provisioning { broker: Some(Broker::new("10.0.0.2", 1884).unwrap()), ..saved() });
    assert!(refuses("broker 1884", None).contains("todavía no hay broker"));
    assert!(refuses("broker 70000", Some(&saved())).contains("puerto"));
    assert!(refuses("broker http://h", Some(&saved())).contains("mqtt://host"));
    assert!(refuses("broker", Some(&saved())).contains("uso: broker"));
}

#[test]
fn profile_is_checked_and_saved() {
    assert_eq!(saves("perfil carniceria", Some(&saved())).profile.unwrap().as_str(), "carniceria");
    assert_eq!(saves("Profile vivero_norte", None).profile.unwrap().as_str(), "vivero_norte");
    assert!(refuses("perfil Carnicería", None).contains("letras minúsculas"));
    assert!(refuses("perfil a b", None).contains("uso: perfil"));
}

#[test]
fn erase_and_reboot_ask_the_firmware_to_act() {
    assert_eq!(execute("borrar", Some(&saved())).action, Action::Erase);
    assert_eq!(execute("ERASE", None).action, Action::Erase);
    assert_eq!(execute("reiniciar", None).action, Action::Reboot);
    assert_eq!(execute("reboot", None).action, Action::Reboot);
    assert!(refuses("borrar todo", Some(&saved())).contains("no lleva argumentos"));
}

#[test]
fn unknown_commands_point_to_the_help() {
    assert_eq!(
        refuses("conectar ya", None),
        "Error: no conozco el comando «conectar»; escribí «ayuda» para ver la lista.\r\n"
    );
    assert!(refuses(&"ñ".repeat(300), None).contains(&format!("«{}»", "ñ".repeat(24))));
}

#[test]
fn a_bad_command_never_asks_to_save_or_erase() {
    let bad = ["wifi x corta", "broker mqtt://", "perfil X", "provisionar {}", "borrar ya", "nada"];
    for line in bad {
        assert_eq!(execute(line, Some(&saved())).action, Action::Print, "{line}");
    }
}

#[test]
fn the_longest_settings_fit_a_typed_line_and_the_status_reply() {
    let json = format!(
        r#"{{"v":1,"id":"{ID}","secret":"{}","broker":"mqtt://{}:65535","profile":"{}","wifi":{{"ssid":"{}","password":"{}"}}}}"#,
        secret_hex(),
        "h".repeat(63),
        "p".repeat(16),
        "ñ".repeat(16),
        "c".repeat(63)
    );
    let mut buffer = LineBuffer::new();
    let mut typed = None;
    for byte in format!("provisionar {json}\r\n").bytes() {
        if let Feed::Line(line) = buffer.push(byte) {
            typed = Some(saves(line, None));
        }
    }
    let p = typed.unwrap();
    assert!(p.is_complete());
    let status = execute("estado", Some(&p)).reply;
    assert!(status.ends_with(&format!("perfil:  {}\r\n", "p".repeat(16))), "{status}");
    assert!(text::HELP.len() < REPLY_MAX);
}

/// The calibration a command asks for, with an empty reply; panics if it asks for anything else.
fn calibrates(line: &str) -> CalibrateRequest {
    match execute(line, Some(&saved())) {
        Outcome { action: Action::Calibrate(request), reply } if reply.is_empty() => request,
        other => panic!("{line}: {other:?}"),
    }
}

#[test]
fn calibration_commands_and_their_aliases_ask_the_firmware_to_calibrate() {
    let soil = |channel, point| CalibrateRequest::Soil { channel, point };
    assert_eq!(calibrates("calibrar suelo 0 seco"), soil(0, SoilPoint::Dry));
    assert_eq!(calibrates("calibrar suelo 3 humedo"), soil(3, SoilPoint::Wet));
    assert_eq!(calibrates("Calibrar  SUELO 1  Húmedo "), soil(1, SoilPoint::Wet));
    assert_eq!(calibrates("calibrate soil 2 dry"), soil(2, SoilPoint::Dry));
    assert_eq!(calibrates("CALIBRATE soil 0 WET"), soil(0, SoilPoint::Wet));
    assert_eq!(calibrates("calibrar gas"), CalibrateRequest::Gas);
    assert_eq!(calibrates("calibrate GAS"), CalibrateRequest::Gas);
    for show in ["calibracion", "calibración", "CALIBRACIÓN", "calibration"] {
        assert_eq!(calibrates(show), CalibrateRequest::Show, "{show}");
    }
}

#[test]
fn a_bad_channel_or_point_is_refused_with_the_usage() {
    for line in ["calibrar suelo 4 seco", "calibrar suelo x seco", "calibrar suelo -1 seco", "calibrate soil 300 dry"] {
        assert!(refuses(line, None).contains("un número de 0 a 3"), "{line}");
    }
    assert!(refuses("calibrar suelo 0 mojado", None).contains("seco (la sonda en el aire) o humedo"));
    for line in ["calibrar suelo", "calibrar suelo 0", "calibrar suelo 0 seco ya"] {
        assert!(refuses(line, None).contains("uso: calibrar suelo <canal>"), "{line}");
    }
    assert!(refuses("calibrar", None).contains("o calibrar gas"));
    assert!(refuses("calibrar agua 0 seco", None).contains("o calibrar gas"));
    assert!(refuses("calibrar gas ahora", None).contains("uso: calibrar gas"));
    assert!(refuses("calibracion gas", None).contains("no lleva argumentos"));
}

#[test]
fn calibration_replies_show_the_saved_values_or_the_problem() {
    let mut calibration = Calibration::default();
    calibration.soil[0] = Some(SoilCalibration { dry_mv: 2_412, wet_mv: 1_100 });
    let soil = CalibrateRequest::Soil { channel: 0, point: SoilPoint::Dry };
    assert_eq!(
        calibration_reply(soil, Ok(&calibration)),
        "Sonda de suelo 0: seco 2412 mV, húmedo 1100 mV (guardado).\r\n"
    );
    let gas = calibration.with_gas_clean_air(Some(225), 60_000, &Default::default()).unwrap();
    assert_eq!(calibration_reply(CalibrateRequest::Gas, Ok(&gas)), "Sensor de gas: R0 1029 Ω (guardado).\r\n");
    let problem = CalibrationProblem::WarmingUp { remaining_s: 42 };
    assert_eq!(
        calibration_reply(CalibrateRequest::Gas, Err(problem)),
        "Error: el sensor de gas todavía se está calentando; probá de nuevo en 42 s.\r\n"
    );
}

#[test]
fn showing_the_calibration_lists_every_probe_and_the_gas_sensor() {
    let mut calibration = Calibration::default();
    calibration.soil[2] = Some(SoilCalibration { dry_mv: 2_650, wet_mv: 1_320 });
    assert_eq!(
        calibration_reply(CalibrateRequest::Show, Ok(&calibration)),
        concat!(
            "Calibración:\r\n",
            "  suelo 0: sin calibrar (valores de fábrica: seco 2400 mV, húmedo 1100 mV)\r\n",
            "  suelo 1: sin calibrar (valores de fábrica: seco 2400 mV, húmedo 1100 mV)\r\n",
            "  suelo 2: seco 2650 mV, húmedo 1320 mV\r\n",
            "  suelo 3: sin calibrar (valores de fábrica: seco 2400 mV, húmedo 1100 mV)\r\n",
            "  gas:     sin calibrar (valores de fábrica: R0 1000 Ω)\r\n",
        )
    );
}
