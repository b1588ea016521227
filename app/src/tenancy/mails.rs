//! The texts of the mails the tenancy domain sends (Spanish, plain text).

/// Subject and body of the "confirm your email" mail.
pub fn verify_email(name: &str, link: &str) -> (String, String) {
    (
        "Confirmá tu correo en Mostrador".into(),
        format!(
            "Hola {name}:\n\nPara confirmar tu correo en Mostrador abrí este enlace (vale 3 días):\n\n{link}\n\n\
             Si no creaste una cuenta, ignorá este mensaje.\n\nMostrador"
        ),
    )
}

/// Subject and body of the password reset mail.
pub fn reset_password(name: &str, link: &str) -> (String, String) {
    (
        "Restablecé tu contraseña de Mostrador".into(),
        format!(
            "Hola {name}:\n\nPediste restablecer tu contraseña. Abrí este enlace (vale 1 hora y sirve una sola vez):\n\n\
             {link}\n\nSi no lo pediste, ignorá este mensaje: tu contraseña sigue igual.\n\nMostrador"
        ),
    )
}

/// Subject and body of an invitation.
pub fn invitation(business: &str, inviter: &str, role: &str, link: &str) -> (String, String) {
    (
        format!("{inviter} te invitó a {business} en Mostrador"),
        format!(
            "Hola:\n\n{inviter} te invitó a sumarte a {business} en Mostrador como {role}.\n\n\
             Para aceptar abrí este enlace (vale 7 días):\n\n{link}\n\nMostrador"
        ),
    )
}
