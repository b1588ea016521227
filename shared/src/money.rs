//! Money as integer minor units (centavos), never floats. Formatting follows es-AR
//! conventions (`$ 1.234,56`): thousands with `.`, decimals with `,`.

use alloc::string::String;
use core::fmt;
use serde::{Deserialize, Serialize};

/// An amount of money in centavos of the tenant's currency (ARS for now).
///
/// `i64` centavos cover ±92 trillion pesos, far past any sale or invoice this product handles.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Money(pub i64);

/// Why a money amount could not be parsed from text typed by a person.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MoneyParseError {
    /// Nothing was typed.
    Empty,
    /// A character that is not a digit, `.`, `,`, `$`, space or a leading `-`.
    InvalidCharacter,
    /// More than two decimals (centavos are the smallest unit).
    TooManyDecimals,
    /// The amount does not fit in `i64` centavos.
    Overflow,
}

impl fmt::Display for MoneyParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Empty => "Ingresá un importe.",
            Self::InvalidCharacter => "El importe solo puede tener números, punto y coma.",
            Self::TooManyDecimals => "El importe admite como máximo dos decimales.",
            Self::Overflow => "El importe es demasiado grande.",
        })
    }
}

impl Money {
    /// Builds an amount from whole pesos and centavos.
    pub const fn from_pesos(pesos: i64, centavos: i64) -> Self {
        Self(pesos * 100 + centavos)
    }

    /// The amount in centavos.
    pub const fn centavos(self) -> i64 {
        self.0
    }

    /// Adds two amounts, `None` on overflow.
    pub fn checked_add(self, other: Self) -> Option<Self> {
        self.0.checked_add(other.0).map(Self)
    }

    /// Parses an amount typed in es-AR style: `1.234,56`, `1234,5`, `$ 12`, `-3,10`.
    /// A single `.` followed by exactly one or two digits and no `,` is read as a decimal point
    /// too (`12.50`), since keypads on tablets often only offer `.`.
    pub fn parse_es_ar(input: &str) -> Result<Self, MoneyParseError> {
        let s: String = input.chars().filter(|c| !c.is_whitespace() && *c != '$').collect();
        let (negative, s) = match s.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, s.as_str()),
        };
        if s.is_empty() {
            return Err(MoneyParseError::Empty);
        }
        if s.chars().any(|c| !(c.is_ascii_digit() || c == '.' || c == ',')) {
            return Err(MoneyParseError::InvalidCharacter);
        }
        let (int_part, dec_part) = if let Some((i, d)) = s.rsplit_once(',') {
            (i, d)
        } else if let Some((i, d)) = s.rsplit_once('.') {
            if s.matches('.').count() == 1 && (1..=2).contains(&d.len()) { (i, d) } else { (s, "") }
        } else {
            (s, "")
        };
        if dec_part.contains(['.', ',']) {
            return Err(MoneyParseError::InvalidCharacter);
        }
        if dec_part.len() > 2 {
            return Err(MoneyParseError::TooManyDecimals);
        }
        let mut pesos: i64 = 0;
        for c in int_part.chars().filter(|c| *c != '.') {
            if c == ',' {
                return Err(MoneyParseError::InvalidCharacter);
            }
            let digit = i64::from(c as u8 - b'0');
            pesos = pesos.checked_mul(10).and_then(|p| p.checked_add(digit)).ok_or(MoneyParseError::Overflow)?;
        }
        let mut centavos: i64 = 0;
        for (i, c) in dec_part.chars().enumerate() {
            let digit = i64::from(c as u8 - b'0');
            centavos += if i == 0 { digit * 10 } else { digit };
        }
        let total = pesos.checked_mul(100).and_then(|p| p.checked_add(centavos)).ok_or(MoneyParseError::Overflow)?;
        Ok(Self(if negative { -total } else { total }))
    }
}

impl fmt::Display for Money {
    /// `$ 1.234,56`, `-$ 0,50`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let abs = self.0.unsigned_abs();
        let (pesos, centavos) = (abs / 100, abs % 100);
        if self.0 < 0 {
            f.write_str("-")?;
        }
        f.write_str("$ ")?;
        crate::format::write_grouped(f, u128::from(pesos))?;
        write!(f, ",{centavos:02}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::string::ToString;

    #[test]
    fn formats_with_es_ar_separators() {
        assert_eq!(Money(123_456).to_string(), "$ 1.234,56");
        assert_eq!(Money(5).to_string(), "$ 0,05");
        assert_eq!(Money(-50).to_string(), "-$ 0,50");
        assert_eq!(Money(10_000_000_000).to_string(), "$ 100.000.000,00");
        assert_eq!(Money(i64::MIN).to_string(), "-$ 92.233.720.368.547.758,08");
    }

    #[test]
    fn parses_what_people_type() {
        assert_eq!(Money::parse_es_ar("1.234,56"), Ok(Money(123_456)));
        assert_eq!(Money::parse_es_ar("$ 12"), Ok(Money(1_200)));
        assert_eq!(Money::parse_es_ar("12,5"), Ok(Money(1_250)));
        assert_eq!(Money::parse_es_ar("12.50"), Ok(Money(1_250)));
        assert_eq!(Money::parse_es_ar("1.234"), Ok(Money(123_400)));
        assert_eq!(Money::parse_es_ar("-3,10"), Ok(Money(-310)));
    }

    #[test]
    fn refuses_malformed_amounts_with_a_reason() {
        assert_eq!(Money::parse_es_ar("  "), Err(MoneyParseError::Empty));
        assert_eq!(Money::parse_es_ar("12a"), Err(MoneyParseError::InvalidCharacter));
        assert_eq!(Money::parse_es_ar("1,234"), Err(MoneyParseError::TooManyDecimals));
        assert_eq!(Money::parse_es_ar("1,2,3"), Err(MoneyParseError::InvalidCharacter));
        assert_eq!(Money::parse_es_ar("99999999999999999999"), Err(MoneyParseError::Overflow));
    }

    #[test]
    fn serializes_as_plain_centavos() {
        assert_eq!(serde_json::to_string(&Money(1050)).unwrap(), "1050");
    }
}
