//! Property-based fuzzing of what strangers can hand us: a node's frame bytes, an MQTT topic,
//! a CUIT and an e-mail address typed in a form. Whatever the input, nothing panics, and what
//! is accepted keeps its promises (a decoded frame re-encodes to a frame that verifies; an
//! accepted topic names a device; an accepted CUIT has a valid check digit).
#![expect(clippy::unwrap_used, reason = "tests fail loudly")]

use proptest::prelude::*;
use shared::iot::check::{TimeWindow, frame_problem, reading_problem};
use shared::iot::frame::{self, Secret};
use shared::iot::wire::{Direction, Uplink, UplinkFrame, is_device_id, parse_topic};
use shared::tenancy::{account, business};

const DEVICE: &str = "abcdefgh2345";

fn secret() -> Secret {
    Secret::from_bytes(&[7u8; 32]).unwrap()
}

/// Bytes that look like frames: a JSON-ish prefix, a dot and hex, or anything at all.
fn frame_bytes() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        proptest::collection::vec(any::<u8>(), 0..1200),
        ("[ -~]{0,300}", "[0-9a-f]{0,40}").prop_map(|(json, mac)| format!("{json}.{mac}").into_bytes()),
        (any::<u64>(), any::<u64>(), "[ -~]{0,40}").prop_map(|(seq, t, text)| {
            format!(r#"{{"v":1,"seq":{seq},"msg":{{"event":{{"rfid":{{"uid":"{text}","t":{t}}}}}}}}}.00"#).into_bytes()
        }),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2_000, ..ProptestConfig::default() })]

    #[test]
    fn the_frame_decoder_never_panics(bytes in frame_bytes()) {
        let _ = frame::verify(&bytes, &secret(), Direction::Up, DEVICE);
        let _ = frame::decode::<UplinkFrame>(&bytes, &secret(), Direction::Up, DEVICE);
        if let Ok(f) = serde_json::from_slice::<UplinkFrame>(&bytes) {
            let window = TimeWindow { earliest_ms: 1, latest_ms: u64::MAX };
            let _ = frame_problem(&f, window);
            if let Uplink::Telemetry { readings } = &f.msg {
                for r in readings {
                    let _ = reading_problem(r, window);
                }
            }
        }
    }

    #[test]
    fn a_signed_json_frame_decodes_to_what_was_signed(seq in 1u64..u64::MAX, t in any::<u64>(), uid in "[0-9A-F]{8}") {
        let msg = Uplink::Event(shared::iot::wire::NodeEvent::Rfid { uid: heapless::String::try_from(uid.as_str()).unwrap(), t });
        let f = UplinkFrame { v: 1, seq, floor: 0, msg };
        let bytes = frame::encode(&f, &secret(), Direction::Up, DEVICE).unwrap();
        prop_assert_eq!(frame::decode::<UplinkFrame>(&bytes, &secret(), Direction::Up, DEVICE).unwrap(), f);
    }

    #[test]
    fn the_topic_parser_never_panics_and_accepts_only_device_topics(topic in "(mostrador/n/)?[a-z0-9/+#$\\-]{0,40}|\\PC{0,60}") {
        if let Some((id, _)) = parse_topic(&topic) {
            prop_assert!(is_device_id(id));
            prop_assert!(topic.starts_with("mostrador/n/"));
        }
    }

    #[test]
    fn the_cuit_check_never_panics_and_accepts_only_valid_check_digits(input in "[0-9\\- ]{0,16}|\\PC{0,20}") {
        if let Ok(cuit) = business::parse_cuit(&input) {
            let digits: Vec<u32> = cuit.chars().filter_map(|c| c.to_digit(10)).collect();
            prop_assert_eq!(digits.len(), 11);
            let weights = [5, 4, 3, 2, 7, 6, 5, 4, 3, 2];
            let sum: u32 = digits.iter().zip(weights).map(|(d, w)| d * w).sum();
            let check = match 11 - sum % 11 { 11 => 0, 10 => 9, n => n };
            prop_assert_eq!(digits[10], check);
        }
    }

    #[test]
    fn the_email_check_never_panics_and_accepts_no_control_characters(input in "\\PC{0,40}|[a-z@.\\x00-\\x1f ]{0,30}") {
        if let Ok(email) = account::normalize_email(&input) {
            prop_assert!(!email.chars().any(char::is_control));
            prop_assert!(email.contains('@') && email.len() <= 254);
        }
        let _ = account::validate_display_name(&input);
        let _ = business::validate_business_name(&input);
    }
}
