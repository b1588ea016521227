//! The calibration maths, its refusals and its flash record.

use super::*;
use crate::drivers::gas::DEFAULT_WARM_UP_MS;

fn calibrated() -> Calibration {
    let mut soil = [None; MAX_SOIL_PROBES];
    soil[0] = Some(SoilCalibration { dry_mv: 2_412, wet_mv: 1_100 });
    soil[3] = Some(SoilCalibration { dry_mv: 600, wet_mv: 2_500 });
    Calibration { generation: 7, soil, gas: Some(GasCalibration { r0_ohms: 1_029 }) }
}

#[test]
fn a_record_round_trips_through_its_slot_bytes() {
    for c in [calibrated(), Calibration::default(), Calibration { generation: u32::MAX, ..calibrated() }] {
        assert_eq!(Calibration::decode(&c.encode()), Some(c));
    }
    assert!(calibrated().encode()[BODY_LEN + 4..].iter().all(|b| *b == 0xFF));
}

#[test]
fn blank_torn_or_short_slots_are_ignored() {
    assert_eq!(Calibration::decode(&[0xFF; CALIBRATION_LEN]), None);
    assert_eq!(Calibration::decode(&[0; CALIBRATION_LEN]), None);
    assert_eq!(Calibration::decode(&calibrated().encode()[..BODY_LEN]), None);
    for i in [0, 5, 8, 13, BODY_LEN - 1, BODY_LEN] {
        let mut torn = calibrated().encode();
        torn[i] ^= 0x01;
        assert_eq!(Calibration::decode(&torn), None, "byte {i}");
    }
}

#[test]
fn a_record_with_values_that_fail_their_checks_is_not_used() {
    let mut soil = [None; MAX_SOIL_PROBES];
    soil[1] = Some(SoilCalibration { dry_mv: 1_500, wet_mv: 1_450 });
    assert_eq!(Calibration::decode(&Calibration { soil, ..calibrated() }.encode()), None);
    let no_r0 = Calibration { gas: Some(GasCalibration { r0_ohms: 0 }), ..calibrated() };
    assert_eq!(Calibration::decode(&no_r0.encode()), None);
}

#[test]
fn pick_takes_the_newest_good_slot_and_defaults_into_the_first() {
    let old = calibrated();
    let new = Calibration { generation: 8, gas: None, ..old };
    let mut torn = new.encode();
    torn[20] ^= 0x10;
    assert_eq!(Calibration::pick(&old.encode(), &new.encode()), (new, false));
    assert_eq!(Calibration::pick(&new.encode(), &old.encode()), (new, true));
    assert_eq!(Calibration::pick(&old.encode(), &torn), (old, true));
    assert_eq!(Calibration::pick(&torn, &old.encode()), (old, false));
    assert_eq!(Calibration::pick(&[0xFF; CALIBRATION_LEN], &torn), (Calibration::default(), false));
}

#[test]
fn the_generation_wraps_in_pick_without_the_older_slot_winning() {
    let old = Calibration { generation: u32::MAX, ..calibrated() };
    let new = old.with_soil_point(2, SoilPoint::Dry, Some(2_300)).unwrap();
    assert_eq!(new.generation, 0);
    assert_eq!(Calibration::pick(&old.encode(), &new.encode()), (new, false));
    assert_eq!(Calibration::pick(&new.encode(), &old.encode()), (new, true));
}

#[test]
fn unsaved_probes_and_gas_read_as_the_factory_defaults() {
    let c = Calibration::default();
    assert_eq!(
        (c.soil(0), c.soil(200), c.gas()),
        (SoilCalibration::DEFAULT, SoilCalibration::DEFAULT, GasCalibration::default())
    );
    assert_eq!(calibrated().soil(3), SoilCalibration { dry_mv: 600, wet_mv: 2_500 });
}

#[test]
fn soil_dry_then_wet_sets_both_points_and_keeps_the_rest() {
    let before = calibrated();
    let dry = before.with_soil_point(1, SoilPoint::Dry, Some(2_650)).unwrap();
    // The wet point is still the default until it is measured.
    assert_eq!(dry.soil[1], Some(SoilCalibration { dry_mv: 2_650, wet_mv: 1_100 }));
    let wet = dry.with_soil_point(1, SoilPoint::Wet, Some(1_320)).unwrap();
    assert_eq!(wet.soil(1), SoilCalibration { dry_mv: 2_650, wet_mv: 1_320 });
    assert_eq!((dry.generation, wet.generation), (8, 9));
    assert_eq!((wet.soil[0], wet.soil[3], wet.gas), (before.soil[0], before.soil[3], before.gas));
}

#[test]
fn a_span_too_small_is_refused_naming_both_values() {
    let c = calibrated();
    let err = c.with_soil_point(0, SoilPoint::Wet, Some(2_350)).unwrap_err();
    assert_eq!(err, CalibrationProblem::SpanTooSmall { dry_mv: 2_412, wet_mv: 2_350 });
    let text = err.message();
    assert!(text.contains("seco 2412 mV") && text.contains("húmedo 2350 mV"), "{text}");
    // A probe in water first: the default dry point is too close to it.
    assert_eq!(
        Calibration::default().with_soil_point(2, SoilPoint::Wet, Some(2_399)),
        Err(CalibrationProblem::SpanTooSmall { dry_mv: 2_400, wet_mv: 2_399 })
    );
}

#[test]
fn a_channel_beyond_the_probes_is_refused() {
    let max = MAX_SOIL_PROBES as u8;
    assert_eq!(
        calibrated().with_soil_point(max, SoilPoint::Dry, Some(2_400)),
        Err(CalibrationProblem::NoSuchProbe(max))
    );
    assert!(CalibrationProblem::NoSuchProbe(max).message().contains("canal 4"));
}

#[test]
fn a_sensor_not_read_yet_is_refused() {
    assert_eq!(calibrated().with_soil_point(0, SoilPoint::Dry, None), Err(CalibrationProblem::NoReading));
    assert_eq!(
        calibrated().with_gas_clean_air(None, 120_000, &GasConfig::default()),
        Err(CalibrationProblem::NoReading)
    );
}

#[test]
fn zero_or_supply_level_millivolts_are_implausible() {
    for mv in [0, IMPLAUSIBLE_MV, u16::MAX] {
        assert_eq!(calibrated().with_soil_point(0, SoilPoint::Dry, Some(mv)), Err(CalibrationProblem::Implausible(mv)));
    }
    assert!(calibrated().with_soil_point(0, SoilPoint::Dry, Some(IMPLAUSIBLE_MV - 1)).is_ok());
    let gas = |mv| calibrated().with_gas_clean_air(Some(mv), 120_000, &GasConfig::default());
    assert_eq!(gas(0), Err(CalibrationProblem::Implausible(0)));
    // 2 500 mV at the pin is the whole 5 V out: Rs 0 Ω, a shorted sensor.
    assert_eq!(gas(2_500), Err(CalibrationProblem::Implausible(2_500)));
    assert!(CalibrationProblem::Implausible(0).message().contains("0 mV"));
}

#[test]
fn gas_is_refused_during_warm_up_with_the_seconds_left() {
    let config = GasConfig::default();
    let at = |ms| calibrated().with_gas_clean_air(Some(225), ms, &config);
    assert_eq!(at(0), Err(CalibrationProblem::WarmingUp { remaining_s: DEFAULT_WARM_UP_MS / 1_000 }));
    // 60 000 − 20 500 = 39 500 ms: 40 s, rounded up so "0 s" is never shown while refusing.
    assert_eq!(at(20_500), Err(CalibrationProblem::WarmingUp { remaining_s: 40 }));
    assert_eq!(at(59_999), Err(CalibrationProblem::WarmingUp { remaining_s: 1 }));
    assert!(at(60_000).is_ok());
    assert!(CalibrationProblem::WarmingUp { remaining_s: 40 }.message().contains("40 s"));
}

#[test]
fn gas_r0_is_the_clean_air_rs_over_the_datasheet_ratio() {
    // 300 mV at the pin is 600 mV out of the 2:1 divider: Rs = 1 kΩ · 4 400 / 600 = 7 333 Ω,
    // R0 = 7 333 / 9.83 = 745.98 -> 746 Ω.
    let new = calibrated().with_gas_clean_air(Some(300), 61_000, &GasConfig::default()).unwrap();
    assert_eq!(new.gas, Some(GasCalibration { r0_ohms: 746 }));
    assert_eq!((new.generation, new.soil), (8, calibrated().soil));
    // The driver's own example: 225 mV, Rs 10 111 Ω, R0 1 029 Ω.
    let new = Calibration::default().with_gas_clean_air(Some(225), 60_000, &GasConfig::default()).unwrap();
    assert_eq!(new.gas(), GasCalibration { r0_ohms: 1_029 });
}

#[test]
fn every_problem_message_fits_its_buffer_with_the_largest_values() {
    // A message cut short would lose its end, so each is checked to end as written.
    let problems = [
        (CalibrationProblem::NoSuchProbe(u8::MAX), "canal 255"),
        (CalibrationProblem::NoReading, "probá de nuevo"),
        (CalibrationProblem::SpanTooSmall { dry_mv: u16::MAX, wet_mv: u16::MAX }, "después en agua?"),
        (CalibrationProblem::WarmingUp { remaining_s: u32::MAX }, "en 4294967295 s"),
        (CalibrationProblem::Implausible(u16::MAX), "esté conectado"),
    ];
    for (problem, end) in problems {
        let text = problem.message();
        assert!(text.ends_with(end), "{text}");
    }
}
