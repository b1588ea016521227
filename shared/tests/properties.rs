//! Properties of the pure logic the rest of the product counts on, checked on many generated
//! cases: the replay window stores each frame once whatever the order and the repeats, money
//! survives being shown and typed back and adds like integers, and a CUIT with its right check
//! digit is accepted in every way people write it while any other check digit is refused.

use std::collections::BTreeSet;

use proptest::prelude::*;
use shared::iot::replay::{ReplayWindow, Verdict, WINDOW};
use shared::money::Money;
use shared::tenancy::business::{CuitError, format_cuit, parse_cuit};

/// The check digit of the first ten digits, computed here independently of `parse_cuit`
/// (modulo 11 with AFIP's weights; a result of 10 is written 9).
fn check_digit(ten: &[u32]) -> u32 {
    const WEIGHTS: [u32; 10] = [5, 4, 3, 2, 7, 6, 5, 4, 3, 2];
    let sum: u32 = ten.iter().zip(WEIGHTS).map(|(a, w)| a * w).sum();
    match 11 - sum % 11 {
        11 => 0,
        10 => 9,
        n => n,
    }
}

proptest! {
    /// Frames arriving in any order, each any number of times, within the window a node can
    /// have in flight: each is `Fresh` exactly once, and once all arrived the mark covers them.
    #[test]
    fn the_replay_window_stores_each_frame_once(
        start in 0u64..1_000_000,
        arrivals in prop::collection::vec(1u64..=WINDOW, 1..200),
    ) {
        let mut window = ReplayWindow { upto: start, above: 0 };
        let mut seen = BTreeSet::new();
        for offset in &arrivals {
            let seq = start + offset;
            let fresh = seen.insert(seq);
            prop_assert_eq!(window.commit(seq), if fresh { Verdict::Fresh } else { Verdict::Duplicate });
            prop_assert_eq!(window.check(seq), Verdict::Duplicate);
        }
        // The mark is the longest run of committed numbers right after `start`.
        let run = (1..=WINDOW).take_while(|o| seen.contains(&(start + o))).count() as u64;
        prop_assert_eq!(window.upto, start + run);
        // What the stored columns say is what the window says.
        let (upto, above) = window.to_columns();
        prop_assert_eq!(ReplayWindow::from_columns(upto, above), window);
    }

    /// Giving up numbers the node dropped never makes a committed frame fresh again.
    #[test]
    fn giving_up_never_lets_a_committed_frame_in_again(
        committed in prop::collection::vec(1u64..=WINDOW, 1..40),
        floor in 0u64..(2 * WINDOW),
    ) {
        let mut window = ReplayWindow::default();
        for seq in &committed {
            window.commit(*seq);
        }
        window.give_up_to(floor);
        for seq in committed.iter().chain(std::iter::once(&floor)).filter(|s| **s > 0) {
            prop_assert_eq!(window.check(*seq), Verdict::Duplicate, "seq {}", seq);
        }
        prop_assert!(window.upto >= floor);
    }

    /// Any amount shown in es-AR style reads back as the same amount: the amounts of a shop
    /// and every other one (all but `i64::MIN`, below).
    #[test]
    fn money_shown_reads_back_the_same(
        centavos in prop_oneof![-100_000_000i64..100_000_000, -i64::MAX..=i64::MAX],
    ) {
        let shown = Money(centavos).to_string();
        prop_assert_eq!(Money::parse_es_ar(&shown), Ok(Money(centavos)), "{}", shown);
    }

    /// Money adds like integers: exactly, and refuses instead of wrapping.
    #[test]
    fn money_adds_exactly_or_refuses(a in any::<i64>(), b in any::<i64>()) {
        let exact = i128::from(a) + i128::from(b);
        match Money(a).checked_add(Money(b)) {
            Some(sum) => prop_assert_eq!(i128::from(sum.centavos()), exact),
            None => prop_assert!(i64::try_from(exact).is_err()),
        }
    }

    /// A CUIT with its right check digit is accepted plain, with dashes, dots or spaces, and
    /// shown as `XX-XXXXXXXX-X`; every other check digit is refused as such.
    #[test]
    fn a_cuit_is_accepted_exactly_with_its_check_digit(
        prefix in prop::sample::select(vec!["20", "23", "24", "27", "30", "33", "34"]),
        body in "[0-9]{8}",
        wrong in 0u32..10,
    ) {
        let ten: Vec<u32> = format!("{prefix}{body}").bytes().map(|b| u32::from(b - b'0')).collect();
        let right = check_digit(&ten);
        let plain = format!("{prefix}{body}{right}");
        prop_assert_eq!(parse_cuit(&plain), Ok(plain.clone()));
        let dashed = format_cuit(&plain);
        prop_assert_eq!(dashed.len(), 13);
        for written in [dashed.clone(), dashed.replace('-', "."), dashed.replace('-', " ")] {
            prop_assert_eq!(parse_cuit(&written).unwrap(), plain.clone());
        }
        if wrong != right {
            prop_assert_eq!(parse_cuit(&format!("{prefix}{body}{wrong}")), Err(CuitError::CheckDigit));
        }
    }
}

/// The one amount that shows but does not read back: typed, it is an overflow, never another
/// amount.
#[test]
fn the_smallest_amount_is_refused_rather_than_misread() {
    let shown = Money(i64::MIN).to_string();
    assert_eq!(Money::parse_es_ar(&shown), Err(shared::money::MoneyParseError::Overflow), "{shown}");
}

/// Real CUITs, so the check digit above is not only `parse_cuit` agreeing with a copy of itself.
#[test]
fn known_cuits_are_accepted_and_a_changed_check_digit_is_not() {
    for (cuit, digits) in [("33-69345023-9", "33693450239"), ("20-12345678-6", "20123456786")] {
        assert_eq!(parse_cuit(cuit).as_deref(), Ok(digits));
        assert_eq!(
            check_digit(&digits.bytes().take(10).map(|b| u32::from(b - b'0')).collect::<Vec<_>>()),
            u32::from(digits.as_bytes()[10] - b'0')
        );
    }
    assert_eq!(parse_cuit("33-69345023-8"), Err(CuitError::CheckDigit));
}
