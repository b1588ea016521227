//! What a business is: its rubro, its IVA condition, its CUIT and its slug, with the checks a
//! sign-up or settings form runs (in the browser for quick feedback, on the server for real).

use alloc::string::String;
use serde::{Deserialize, Serialize};

/// The kind of business ("rubro"); it picks the demo, the landing page and the board profile.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "diesel", derive(diesel::expression::AsExpression, diesel::deserialize::FromSqlRow))]
#[cfg_attr(feature = "diesel", diesel(sql_type = diesel::sql_types::Text))]
pub enum Rubro {
    /// Carnicería or panadería: cold rooms, ovens, weighed goods.
    CarniceriaPanaderia,
    /// Irrigation: soil moisture, valves, pumps.
    Riego,
    /// Clothing store.
    TiendaRopa,
    /// Bar or nightclub with prepaid cards.
    BarBoliche,
    /// Medical centre with appointments.
    CentroMedico,
    /// Anything else.
    Otro,
}

impl Rubro {
    /// Every rubro, in the order the sign-up form lists them.
    pub const ALL: [Self; 6] =
        [Self::CarniceriaPanaderia, Self::Riego, Self::TiendaRopa, Self::BarBoliche, Self::CentroMedico, Self::Otro];

    /// Stored code.
    pub const fn code(self) -> &'static str {
        match self {
            Self::CarniceriaPanaderia => "carniceria_panaderia",
            Self::Riego => "riego",
            Self::TiendaRopa => "tienda_ropa",
            Self::BarBoliche => "bar_boliche",
            Self::CentroMedico => "centro_medico",
            Self::Otro => "otro",
        }
    }

    /// From its stored code.
    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.code() == code)
    }

    /// Its name in the UI.
    pub const fn label(self) -> &'static str {
        match self {
            Self::CarniceriaPanaderia => "Carnicería / panadería",
            Self::Riego => "Riego",
            Self::TiendaRopa => "Tienda de ropa",
            Self::BarBoliche => "Bar / boliche",
            Self::CentroMedico => "Centro médico",
            Self::Otro => "Otro",
        }
    }
}

/// The business' position before AFIP for IVA (it decides which invoices it issues).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "diesel", derive(diesel::expression::AsExpression, diesel::deserialize::FromSqlRow))]
#[cfg_attr(feature = "diesel", diesel(sql_type = diesel::sql_types::Text))]
pub enum IvaCondition {
    /// IVA Responsable Inscripto (issues A and B invoices).
    ResponsableInscripto,
    /// Monotributo (issues C invoices).
    Monotributo,
    /// IVA Exento.
    Exento,
}

impl IvaCondition {
    /// Every condition, for the form.
    pub const ALL: [Self; 3] = [Self::ResponsableInscripto, Self::Monotributo, Self::Exento];

    /// Stored code.
    pub const fn code(self) -> &'static str {
        match self {
            Self::ResponsableInscripto => "responsable_inscripto",
            Self::Monotributo => "monotributo",
            Self::Exento => "exento",
        }
    }

    /// From its stored code.
    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.code() == code)
    }

    /// Its name in the UI.
    pub const fn label(self) -> &'static str {
        match self {
            Self::ResponsableInscripto => "Responsable inscripto",
            Self::Monotributo => "Monotributista",
            Self::Exento => "Exento",
        }
    }
}

/// Why a CUIT was refused (shown next to the field).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CuitError {
    /// Not 11 digits once dashes and spaces are removed.
    Length,
    /// Not one of the type prefixes AFIP issues.
    Prefix,
    /// The check digit does not match.
    CheckDigit,
}

impl core::fmt::Display for CuitError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(match self {
            Self::Length => "El CUIT tiene 11 números (por ejemplo 20-12345678-6).",
            Self::Prefix => "El CUIT empieza con 20, 23, 24, 27, 30, 33 o 34.",
            Self::CheckDigit => "El dígito verificador del CUIT no coincide: revisá los números.",
        })
    }
}

/// Checks a CUIT (dashes, dots and spaces allowed) and returns its 11 digits.
pub fn parse_cuit(input: &str) -> Result<String, CuitError> {
    let digits: String = input.chars().filter(|c| !matches!(c, '-' | ' ' | '.')).collect();
    if digits.len() != 11 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(CuitError::Length);
    }
    if !matches!(&digits[..2], "20" | "23" | "24" | "27" | "30" | "33" | "34") {
        return Err(CuitError::Prefix);
    }
    const WEIGHTS: [u32; 10] = [5, 4, 3, 2, 7, 6, 5, 4, 3, 2];
    let d: alloc::vec::Vec<u32> = digits.bytes().map(|b| u32::from(b - b'0')).collect();
    let sum: u32 = d.iter().zip(WEIGHTS).map(|(a, w)| a * w).sum();
    let check = match 11 - sum % 11 {
        11 => 0,
        10 => 9,
        n => n,
    };
    if check == d[10] { Ok(digits) } else { Err(CuitError::CheckDigit) }
}

/// `20-12345678-6` from 11 digits.
pub fn format_cuit(digits: &str) -> String {
    if digits.len() == 11 {
        alloc::format!("{}-{}-{}", &digits[..2], &digits[2..10], &digits[10..])
    } else {
        digits.into()
    }
}

/// The longest slug (it is part of URLs).
pub const SLUG_MAX: usize = 60;

/// A URL slug from a business name: lowercase ASCII letters and digits joined by single
/// dashes, Spanish accents folded (`Carnicería Don Pepe` -> `carniceria-don-pepe`).
pub fn slugify(name: &str) -> String {
    let mut slug = String::new();
    for c in name.chars().flat_map(char::to_lowercase) {
        let c = match c {
            'á' | 'à' | 'ä' | 'â' => 'a',
            'é' | 'è' | 'ë' | 'ê' => 'e',
            'í' | 'ì' | 'ï' | 'î' => 'i',
            'ó' | 'ò' | 'ö' | 'ô' => 'o',
            'ú' | 'ù' | 'ü' | 'û' => 'u',
            'ñ' => 'n',
            'ç' => 'c',
            c => c,
        };
        if c.is_ascii_alphanumeric() {
            slug.push(c);
        } else if !slug.is_empty() && !slug.ends_with('-') {
            slug.push('-');
        }
        if slug.len() >= SLUG_MAX {
            break;
        }
    }
    while slug.ends_with('-') {
        slug.pop();
    }
    slug
}

/// Checks a business name: 2 to 120 characters once trimmed.
pub fn validate_business_name(name: &str) -> Result<&str, &'static str> {
    let name = name.trim();
    match name.chars().count() {
        0 => Err("Escribí el nombre del negocio."),
        1 => Err("El nombre es demasiado corto."),
        n if n > 120 => Err("El nombre puede tener hasta 120 caracteres."),
        _ if crate::text::has_control(name) => Err(crate::text::HAS_CONTROL),
        _ if slugify(name).is_empty() => Err("El nombre necesita al menos una letra o número."),
        _ => Ok(name),
    }
}

/// The time zones a business can pick (Argentina's IANA zones).
pub const TIME_ZONES: [&str; 12] = [
    "America/Argentina/Buenos_Aires",
    "America/Argentina/Cordoba",
    "America/Argentina/Salta",
    "America/Argentina/Jujuy",
    "America/Argentina/Tucuman",
    "America/Argentina/Catamarca",
    "America/Argentina/La_Rioja",
    "America/Argentina/San_Juan",
    "America/Argentina/Mendoza",
    "America/Argentina/San_Luis",
    "America/Argentina/Rio_Gallegos",
    "America/Argentina/Ushuaia",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn valid_cuits_pass_with_or_without_dashes() {
        assert_eq!(parse_cuit("20-12345678-6").as_deref(), Ok("20123456786"));
        assert_eq!(parse_cuit("30 71234567 1").as_deref(), Ok("30712345671"));
        assert_eq!(format_cuit("20123456786"), "20-12345678-6");
    }

    #[test]
    fn wrong_cuits_say_what_is_wrong() {
        assert_eq!(parse_cuit("20-1234567-6"), Err(CuitError::Length));
        assert_eq!(parse_cuit("20-12345678-x"), Err(CuitError::Length));
        assert_eq!(parse_cuit("11-12345678-6"), Err(CuitError::Prefix));
        assert_eq!(parse_cuit("20-12345678-5"), Err(CuitError::CheckDigit));
    }

    #[test]
    fn slugs_fold_accents_and_collapse_separators() {
        assert_eq!(slugify("Carnicería Don Pepe"), "carniceria-don-pepe");
        assert_eq!(slugify("  ¡Bar  & Boliche Ñandú! "), "bar-boliche-nandu");
        assert_eq!(slugify("---"), "");
        assert!(slugify(&"a".repeat(200)).len() <= SLUG_MAX);
    }

    #[test]
    fn business_names_are_checked() {
        assert_eq!(validate_business_name("  La Espiga "), Ok("La Espiga"));
        assert!(validate_business_name("").is_err());
        assert!(validate_business_name("x").is_err());
        assert!(validate_business_name("!!").is_err());
    }

    #[test]
    fn codes_round_trip() {
        for r in Rubro::ALL {
            assert_eq!(Rubro::from_code(r.code()), Some(r));
        }
        for c in IvaCondition::ALL {
            assert_eq!(IvaCondition::from_code(c.code()), Some(c));
        }
    }
}
