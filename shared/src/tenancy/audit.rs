//! What the audit log records: each action a business' log (`audit_events`) or an account's
//! (`account_events`) can hold, stored as its [`AuditAction::code`] (a `CHECK` in the database
//! names the same list) and shown with its Spanish label.

/// One kind of recorded event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "diesel", derive(diesel::expression::AsExpression, diesel::deserialize::FromSqlRow))]
#[cfg_attr(feature = "diesel", diesel(sql_type = diesel::sql_types::Text))]
pub enum AuditAction {
    /// Signed in (or an account created by signing up).
    Login,
    /// A wrong password for an existing account.
    LoginFailed,
    /// Signed out.
    Logout,
    /// Changed the password while signed in.
    PasswordChanged,
    /// Set a new password from a mailed link.
    PasswordReset,
    /// Closed sessions (one, or all but this one).
    SessionsRevoked,
    /// Confirmed the email address.
    EmailVerified,
    /// Created a business.
    BusinessCreated,
    /// Changed the business' settings.
    BusinessUpdated,
    /// Invited someone.
    MemberInvited,
    /// Cancelled an invitation.
    InvitationRevoked,
    /// Joined through an invitation.
    InvitationAccepted,
    /// Changed a member's data.
    MemberUpdated,
    /// Changed a member's role.
    RoleChanged,
    /// Removed a member.
    MemberRemoved,
    /// The platform operator suspended the business.
    BusinessSuspended,
    /// The platform operator reinstated the business.
    BusinessReinstated,
}

impl AuditAction {
    /// Every action, in the order of the database's `CHECK`.
    pub const ALL: [Self; 17] = [
        Self::Login,
        Self::LoginFailed,
        Self::Logout,
        Self::PasswordChanged,
        Self::PasswordReset,
        Self::SessionsRevoked,
        Self::EmailVerified,
        Self::BusinessCreated,
        Self::BusinessUpdated,
        Self::MemberInvited,
        Self::InvitationRevoked,
        Self::InvitationAccepted,
        Self::MemberUpdated,
        Self::RoleChanged,
        Self::MemberRemoved,
        Self::BusinessSuspended,
        Self::BusinessReinstated,
    ];

    /// The stored code.
    pub const fn code(self) -> &'static str {
        match self {
            Self::Login => "login",
            Self::LoginFailed => "login_failed",
            Self::Logout => "logout",
            Self::PasswordChanged => "password_changed",
            Self::PasswordReset => "password_reset",
            Self::SessionsRevoked => "sessions_revoked",
            Self::EmailVerified => "email_verified",
            Self::BusinessCreated => "business_created",
            Self::BusinessUpdated => "business_updated",
            Self::MemberInvited => "member_invited",
            Self::InvitationRevoked => "invitation_revoked",
            Self::InvitationAccepted => "invitation_accepted",
            Self::MemberUpdated => "member_updated",
            Self::RoleChanged => "role_changed",
            Self::MemberRemoved => "member_removed",
            Self::BusinessSuspended => "business_suspended",
            Self::BusinessReinstated => "business_reinstated",
        }
    }

    /// The action of a stored code.
    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|a| a.code() == code)
    }

    /// How the audit page names it.
    pub const fn label(self) -> &'static str {
        match self {
            Self::Login => "Inicio de sesión",
            Self::LoginFailed => "Intento de inicio de sesión fallido",
            Self::Logout => "Cierre de sesión",
            Self::PasswordChanged => "Cambio de contraseña",
            Self::PasswordReset => "Contraseña restablecida por correo",
            Self::SessionsRevoked => "Cierre de otras sesiones",
            Self::EmailVerified => "Correo confirmado",
            Self::BusinessCreated => "Negocio creado",
            Self::BusinessUpdated => "Datos del negocio modificados",
            Self::MemberInvited => "Invitación enviada",
            Self::InvitationRevoked => "Invitación anulada",
            Self::InvitationAccepted => "Invitación aceptada",
            Self::MemberUpdated => "Miembro modificado",
            Self::RoleChanged => "Cambio de rol",
            Self::MemberRemoved => "Miembro quitado",
            Self::BusinessSuspended => "Negocio suspendido por la plataforma",
            Self::BusinessReinstated => "Negocio reactivado por la plataforma",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::AuditAction;

    #[test]
    fn every_code_reads_back_and_is_a_lower_case_word() {
        for a in AuditAction::ALL {
            assert_eq!(AuditAction::from_code(a.code()), Some(a));
            assert!(a.code().bytes().all(|b| b.is_ascii_lowercase() || b == b'_'), "{}", a.code());
            assert!(!a.label().is_empty());
        }
        assert_eq!(AuditAction::from_code("borrado"), None);
    }
}
