//! Numbers as people in Argentina read them (es-AR): `.` every three digits, `,` before the
//! decimals, no `-0`. One place for every screen (money, sensor values, charts, rates), so a
//! device card and its chart never show the same value two ways; [`fixed_plain`] is the
//! machine form for CSV (dot, no grouping).

use alloc::string::String;
use core::fmt::{self, Write};

/// Writes `n` with `.` every three digits.
pub fn write_grouped(f: &mut impl Write, n: u128) -> fmt::Result {
    let mut digits = [0u8; 40];
    let mut len = 0;
    let mut rest = n;
    loop {
        digits[len] = (rest % 10) as u8;
        len += 1;
        rest /= 10;
        if rest == 0 {
            break;
        }
    }
    for i in (0..len).rev() {
        f.write_char(char::from(b'0' + digits[i]))?;
        if i > 0 && i % 3 == 0 {
            f.write_char('.')?;
        }
    }
    Ok(())
}

/// A fixed-point integer with `decimals` places: `fixed(-405, 2)` is `"-4,05"`,
/// `fixed(123_456, 1)` is `"12.345,6"`.
pub fn fixed(value: impl Into<i128>, decimals: u32) -> String {
    let mut out = String::new();
    // Writing to a String cannot fail.
    let _ = write_fixed(&mut out, value.into(), decimals, true);
    out
}

/// The same value for machines (CSV, JSON): a dot before the decimals, no grouping:
/// `fixed_plain(-405, 2)` is `"-4.05"`.
pub fn fixed_plain(value: impl Into<i128>, decimals: u32) -> String {
    let mut out = String::new();
    let _ = write_fixed(&mut out, value.into(), decimals, false);
    out
}

/// The most decimals [`fixed`] writes (`10^38` is the largest power of ten in a `u128`).
pub const MAX_DECIMALS: u32 = 38;

fn write_fixed(f: &mut impl Write, value: i128, decimals: u32, es_ar: bool) -> fmt::Result {
    let decimals = decimals.min(MAX_DECIMALS);
    let scale = 10u128.pow(decimals);
    let abs = value.unsigned_abs();
    let (int, frac) = (abs / scale, abs % scale);
    if value < 0 {
        f.write_char('-')?;
    }
    if es_ar {
        write_grouped(f, int)?;
    } else {
        write!(f, "{int}")?;
    }
    if decimals > 0 {
        write!(f, "{}{frac:0width$}", if es_ar { ',' } else { '.' }, width = decimals as usize)?;
    }
    Ok(())
}

/// A float rounded to `decimals` places, for charts and averages: `decimal(1_234.56, 1)` is
/// `"1.234,6"`; a value that rounds to zero has no minus sign; NaN and infinities are `"—"`.
pub fn decimal(value: f64, decimals: usize) -> String {
    if !value.is_finite() {
        return "—".into();
    }
    let text = alloc::format!("{:.*}", decimals, value.abs());
    let (int, frac) = text.split_once('.').unwrap_or((text.as_str(), ""));
    let negative = value < 0.0 && text.bytes().any(|b| matches!(b, b'1'..=b'9'));
    let mut out = String::with_capacity(text.len() + 4);
    if negative {
        out.push('-');
    }
    for (i, c) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            out.push('.');
        }
        out.push(c);
    }
    if !frac.is_empty() {
        out.push(',');
        out.push_str(frac);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fixed_groups_thousands_and_uses_a_decimal_comma() {
        assert_eq!(fixed(425, 2), "4,25");
        assert_eq!(fixed(-405, 2), "-4,05");
        assert_eq!(fixed(-5, 2), "-0,05");
        assert_eq!(fixed(0, 2), "0,00");
        assert_eq!(fixed(1500, 0), "1.500");
        assert_eq!(fixed(1_234_567_u64, 2), "12.345,67");
        assert_eq!(fixed(i64::MIN, 0), "-9.223.372.036.854.775.808");
        assert_eq!(fixed(u64::MAX, 2), "184.467.440.737.095.516,15");
    }

    #[test]
    fn the_plain_form_is_for_machines() {
        assert_eq!(fixed_plain(425, 2), "4.25");
        assert_eq!(fixed_plain(-405, 2), "-4.05");
        assert_eq!(fixed_plain(1_234_567, 1), "123456.7");
        assert_eq!(fixed_plain(1500, 0), "1500");
    }

    #[test]
    fn decimals_of_floats_agree_with_fixed_point() {
        assert_eq!(decimal(4.25, 2), "4,25");
        assert_eq!(decimal(-3.5, 1), "-3,5");
        assert_eq!(decimal(12_500.0, 0), "12.500");
        assert_eq!(decimal(1_234_567.891, 1), "1.234.567,9");
        assert_eq!(decimal(-0.01, 1), "0,0", "no minus sign on a value that rounds to zero");
        assert_eq!(decimal(999.0, 0), "999");
        assert_eq!(decimal(f64::NEG_INFINITY, 1), "—");
        assert_eq!(decimal(f64::NAN, 1), "—");
        assert_eq!(fixed(5, 60), fixed(5, MAX_DECIMALS), "decimals are capped, never a panic");
        // A reading shown on its card (fixed point) and on its chart (float) reads the same.
        for (value, decimals) in [(123_456, 2u32), (-405, 2), (1500, 0), (873, 1)] {
            let float = value as f64 / 10f64.powi(decimals as i32);
            assert_eq!(fixed(value, decimals), decimal(float, decimals as usize));
        }
    }

    #[test]
    fn grouping_writes_every_digit() {
        let mut s = String::new();
        write_grouped(&mut s, 0).unwrap();
        s.push(' ');
        write_grouped(&mut s, 999).unwrap();
        s.push(' ');
        write_grouped(&mut s, 1000).unwrap();
        assert_eq!(s, "0 999 1.000");
    }
}
