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

/// Subject and body of the mail that finishes a sign-up. Nothing the form's sender typed goes
/// in it (the address may not be theirs: the mail must not carry a stranger's words).
pub fn confirm_sign_up(link: &str) -> (String, String) {
    (
        "Terminá de crear tu cuenta en Mostrador".into(),
        format!(
            "Hola:\n\nPara terminar de crear tu cuenta en Mostrador abrí este enlace (vale 3 días y sirve una \
             sola vez) y escribí la contraseña que elegiste:\n\n{link}\n\n\
             Si no fuiste vos, ignorá este mensaje: sin ese enlace y esa contraseña no se crea nada.\n\nMostrador"
        ),
    )
}

/// Subject and body of the mail sent when someone signs up with an address that already has an
/// account (the form answers the same, so it never tells a stranger who has an account).
pub fn account_exists(name: &str, login_link: &str, reset_link: &str) -> (String, String) {
    (
        "Ya tenés una cuenta en Mostrador".into(),
        format!(
            "Hola {name}:\n\nAlguien quiso crear una cuenta nueva en Mostrador con este correo, pero ya tenés \
             una. Para entrar:\n\n{login_link}\n\nSi no recordás la contraseña, restablecela acá:\n\n\
             {reset_link}\n\nPara sumar otro negocio, entrá y usá «Agregar otro negocio» en «Mi cuenta».\n\n\
             Si no fuiste vos, ignorá este mensaje: tu cuenta sigue igual.\n\nMostrador"
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
