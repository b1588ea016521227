//! Checks on what a person types for their account: email address, password, display name.
//! Messages are Spanish, for the field they belong to.

use alloc::string::String;

/// Shortest password accepted. Length beats composition rules (NIST SP 800-63B).
pub const PASSWORD_MIN: usize = 10;
/// Longest password accepted: argon2 takes any length, but a megabyte "password" is an attack.
pub const PASSWORD_MAX: usize = 256;

/// Normalises and checks an email address: trimmed, lowercased, one `@`, a dot in the domain.
pub fn normalize_email(input: &str) -> Result<String, &'static str> {
    let email = input.trim().to_lowercase();
    if email.is_empty() {
        return Err("Escribí tu correo electrónico.");
    }
    let Some((local, domain)) = email.split_once('@') else {
        return Err("El correo tiene que tener una @ (por ejemplo ana@negocio.com.ar).");
    };
    let ok = !local.is_empty()
        && email.len() <= 254
        && !domain.contains('@')
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !email.chars().any(|c| c.is_whitespace() || c.is_control());
    if ok { Ok(email) } else { Err("Ese correo no parece válido (por ejemplo ana@negocio.com.ar).") }
}

/// Checks a new password.
pub fn validate_password(password: &str, email: &str) -> Result<(), &'static str> {
    let n = password.chars().count();
    if n < PASSWORD_MIN {
        return Err("La contraseña tiene que tener al menos 10 caracteres.");
    }
    if n > PASSWORD_MAX {
        return Err("La contraseña puede tener hasta 256 caracteres.");
    }
    if !email.is_empty() && password.trim().eq_ignore_ascii_case(email.trim()) {
        return Err("La contraseña no puede ser tu correo.");
    }
    if password.chars().all(|c| c == password.chars().next().unwrap_or(' ')) {
        return Err("Elegí una contraseña menos predecible.");
    }
    Ok(())
}

/// Checks a person's display name: 1 to 80 characters once trimmed.
pub fn validate_display_name(name: &str) -> Result<&str, &'static str> {
    let name = name.trim();
    match name.chars().count() {
        0 => Err("Escribí un nombre."),
        n if n > 80 => Err("El nombre puede tener hasta 80 caracteres."),
        _ if crate::text::has_control(name) => Err(crate::text::HAS_CONTROL),
        _ => Ok(name),
    }
}

/// Checks an optional phone: digits, spaces, `+`, `-`, parentheses; 6 to 20 digits.
pub fn validate_phone(input: &str) -> Result<Option<String>, &'static str> {
    let phone = input.trim();
    if phone.is_empty() {
        return Ok(None);
    }
    let digits = phone.chars().filter(char::is_ascii_digit).count();
    let allowed = phone.chars().all(|c| c.is_ascii_digit() || matches!(c, ' ' | '+' | '-' | '(' | ')'));
    if allowed && (6..=20).contains(&digits) && phone.chars().count() <= 30 {
        Ok(Some(phone.into()))
    } else {
        Err("Escribí el teléfono con números (por ejemplo +54 9 11 1234-5678).")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_are_normalised() {
        assert_eq!(normalize_email("  Ana@Negocio.com.AR ").as_deref(), Ok("ana@negocio.com.ar"));
        assert!(normalize_email("").is_err());
        assert!(normalize_email("ana").is_err());
        assert!(normalize_email("ana@negocio").is_err());
        assert!(normalize_email("a b@c.com").is_err());
        assert!(normalize_email("@c.com").is_err());
    }

    #[test]
    fn passwords_need_length_and_not_the_email() {
        assert!(validate_password("corta", "").is_err());
        assert!(validate_password("aaaaaaaaaaaa", "").is_err());
        assert!(validate_password("ana@negocio.com", "ana@negocio.com").is_err());
        assert!(validate_password(&"x1".repeat(200), "").is_err());
        assert!(validate_password("caballo correcto batería", "ana@negocio.com").is_ok());
    }

    #[test]
    fn phones_are_optional_but_checked() {
        assert_eq!(validate_phone(" "), Ok(None));
        assert_eq!(validate_phone("+54 9 11 1234-5678").unwrap().as_deref(), Some("+54 9 11 1234-5678"));
        assert!(validate_phone("llamame").is_err());
        assert!(validate_phone("123").is_err());
        assert!(validate_phone("+54 (9) 11 - 1234 - 5678 - 90 - 12").is_err(), "longer than the database allows");
    }
}
