//! The flash record and the A/B slots: round trips, erased flash, damage and power cuts.

use super::*;

fn full() -> Provisioning {
    Provisioning {
        identity: Some(Identity::new("abc234def567", &"5a".repeat(32)).unwrap()),
        broker: Some(Broker::parse(&alloc::format!("mqtt://{}:65535", "h".repeat(63))).unwrap()),
        wifi: Some(Wifi::new(&"ñ".repeat(16), &"p".repeat(63)).unwrap()),
        profile: Some(ProfileCode::new("carniceria_mayor").unwrap()),
    }
}

fn record(p: &Provisioning, generation: u32) -> [u8; RECORD_LEN] {
    let mut buf = [0u8; RECORD_LEN];
    p.encode(generation, &mut buf);
    buf
}

const BLANK: [u8; RECORD_LEN] = [0xFF; RECORD_LEN];

#[test]
fn crc32_matches_the_iso_hdlc_check_value() {
    assert_eq!(crc32(b"123456789"), 0xCBF4_3926);
    assert_eq!(crc32(b""), 0);
}

#[test]
fn a_full_record_round_trips_with_its_generation() {
    let stored = read(&record(&full(), 41)).unwrap();
    assert_eq!(stored, Stored { generation: 41, provisioning: full() });
}

#[test]
fn partial_and_empty_settings_round_trip() {
    let wifi_only = Provisioning { wifi: Some(Wifi::new("Libre", "").unwrap()), ..Provisioning::default() };
    assert_eq!(Provisioning::decode(&record(&wifi_only, 0)), Ok(wifi_only));
    assert_eq!(Provisioning::decode(&record(&Provisioning::default(), 0)), Ok(Provisioning::default()));
}

#[test]
fn a_record_is_read_from_a_whole_flash_sector() {
    let mut sector = [0xFF; 4096];
    sector[..RECORD_LEN].copy_from_slice(&record(&full(), 3));
    assert_eq!(Provisioning::decode(&sector), Ok(full()));
}

#[test]
fn erased_flash_reads_as_not_provisioned() {
    assert_eq!(read(&BLANK), Err(RecordError::Blank));
    assert_eq!(read(&[0xFF; 4096]), Err(RecordError::Blank));
    assert_eq!(read(&[0; RECORD_LEN]), Err(RecordError::Corrupt));
    assert_eq!(read(&[]), Err(RecordError::Corrupt));
}

#[test]
fn any_flipped_byte_is_caught() {
    let good = record(&full(), 7);
    let len = HEADER_LEN + usize::from(u16::from_le_bytes([good[6], good[7]])) + CRC_LEN;
    for i in 0..len {
        let mut bad = good;
        bad[i] ^= 0x10;
        assert_eq!(read(&bad), Err(RecordError::Corrupt), "byte {i}");
    }
}

#[test]
fn a_torn_write_reads_as_corrupt() {
    let good = record(&full(), 7);
    for written in [4, 12, 100, 200] {
        let mut torn = BLANK;
        torn[..written].copy_from_slice(&good[..written]);
        assert_eq!(read(&torn), Err(RecordError::Corrupt), "{written} bytes written");
    }
}

#[test]
fn a_newer_format_is_reported_as_such() {
    let mut buf = record(&full(), 1);
    buf[4] = 2;
    let end = HEADER_LEN + usize::from(u16::from_le_bytes([buf[6], buf[7]]));
    let crc = crc32(&buf[..end]);
    buf[end..end + CRC_LEN].copy_from_slice(&crc.to_le_bytes());
    assert_eq!(read(&buf), Err(RecordError::UnknownFormat(2)));
}

#[test]
fn values_that_fail_their_checks_are_invalid_even_with_a_good_crc() {
    let mut buf = record(&full(), 1);
    buf[HEADER_LEN + 1] = b'A'; // the device id's first character
    let end = HEADER_LEN + usize::from(u16::from_le_bytes([buf[6], buf[7]]));
    let crc = crc32(&buf[..end]);
    buf[end..end + CRC_LEN].copy_from_slice(&crc.to_le_bytes());
    assert_eq!(read(&buf), Err(RecordError::Invalid));
}

#[test]
fn the_newer_generation_wins() {
    let old = Provisioning { profile: Some(ProfileCode::new("vivero").unwrap()), ..full() };
    assert_eq!(pick(&record(&old, 4), &record(&full(), 5)), Some((Slot::B, full())));
    assert_eq!(pick(&record(&full(), 6), &record(&old, 5)), Some((Slot::A, full())));
}

#[test]
fn a_torn_second_slot_falls_back_to_the_first() {
    let a = record(&Provisioning::default(), 8);
    let mut b = BLANK;
    b[..64].copy_from_slice(&record(&full(), 9)[..64]);
    assert_eq!(pick(&a, &b), Some((Slot::A, Provisioning::default())));
    assert_eq!(next_slot(&a, &b), (Slot::B, 9));
}

#[test]
fn generations_wrap_around() {
    let old = Provisioning::default();
    assert_eq!(pick(&record(&old, u32::MAX), &record(&full(), 0)), Some((Slot::B, full())));
    assert_eq!(next_slot(&record(&old, u32::MAX), &record(&full(), 0)), (Slot::A, 1));
    assert_eq!(next_slot(&record(&full(), u32::MAX), &BLANK), (Slot::B, 0));
}

#[test]
fn saves_alternate_between_slots() {
    assert_eq!(pick(&BLANK, &BLANK), None);
    assert_eq!(next_slot(&BLANK, &BLANK), (Slot::A, 0));
    let (mut a, mut b) = (BLANK, BLANK);
    for generation in 0..4u32 {
        let (slot, next) = next_slot(&a, &b);
        assert_eq!(next, generation);
        let target = if slot == Slot::A { &mut a } else { &mut b };
        full().encode(next, target);
        assert_eq!(pick(&a, &b), Some((slot, full())));
    }
}
