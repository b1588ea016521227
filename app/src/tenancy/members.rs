//! The team's rules: who may invite, promote, change or remove whom. Admins manage everyone
//! but owners; only owners make or change owners; the last owner stays (the database holds that
//! one too). Runs in the call's transaction, inside the business ([`crate::call::in_business`]).

use diesel_async::AsyncPgConnection;
use shared::ids::MemberId;
use shared::tenancy::audit::AuditAction;
use shared::tenancy::{Permission, Role, account};

use crate::error::AppError;
use crate::tenancy::auth::{self, RequestMeta, TenantScope};
use crate::tenancy::db::{self, audit, invitations, login_attempts::Kind, mail, memberships, tenants::Tenant};

/// When a member's role changed between reading and writing (someone else edited them).
pub const CHANGED_MEANWHILE: &str = "Alguien cambió a este miembro recién. Recargá la página y probá de nuevo.";

/// A member's new role and staff data, as the form sends them.
pub struct MemberForm {
    /// The role's code.
    pub role: String,
    /// The name shown in the business.
    pub display_name: String,
    /// Optional phone.
    pub phone: String,
    /// The "takes appointments" checkbox (`on` when ticked).
    pub is_professional: Option<String>,
}

/// Invites `email` with `role`: one open invitation per address, a one-time link by mail,
/// within the inviting account's and address' limits (each invitation is a mail to a stranger).
pub async fn invite(
    conn: &mut AsyncPgConnection,
    scope: &TenantScope,
    email: &str,
    role: &str,
    meta: &RequestMeta,
) -> Result<(), AppError> {
    let email = account::normalize_email(email).map_err(|e| AppError::invalid("email", e))?;
    let role = Role::from_code(role).ok_or_else(|| AppError::invalid("role", "Elegí un rol de la lista."))?;
    if !scope.role().may_assign(None, role) {
        return Err(AppError::invalid("role", "Solo un dueño puede invitar a otro dueño."));
    }
    let inviter_key = format!("usuario:{}", scope.user_id());
    crate::tenancy::service::within_limits(conn, Kind::Invitation, &inviter_key, meta, "email").await?;
    if memberships::email_is_member(conn, scope, &email).await? {
        return Err(AppError::invalid("email", "Esa persona ya es parte del negocio."));
    }
    let token = auth::new_token();
    invitations::create(conn, scope, &email, role, &auth::token_hash(&token)).await?.ok_or_else(|| {
        AppError::invalid("email", "Ya hay una invitación abierta para ese correo. Anulala para mandar otra.")
    })?;
    let business = Tenant::current(conn, scope).await?;
    let inviter = memberships::get(conn, scope, scope.member_id()).await?;
    let link = format!("{}/invitacion?token={token}", meta.site_url);
    let (subject, body) = crate::tenancy::mails::invitation(&business.name, &inviter.display_name, role.label(), &link);
    mail::enqueue(conn, &email, &subject, &body).await?;
    audit::record(conn, scope, AuditAction::MemberInvited, &format!("{email} como {}", role.label()), &meta.ip).await?;
    Ok(())
}

/// Changes a member's role and staff data, if the scope's role may.
pub async fn update(
    conn: &mut AsyncPgConnection,
    scope: &TenantScope,
    member_id: MemberId,
    form: &MemberForm,
    ip: &str,
) -> Result<(), AppError> {
    let new_role = Role::from_code(&form.role).ok_or_else(|| AppError::invalid("role", "Elegí un rol de la lista."))?;
    let display_name =
        account::validate_display_name(&form.display_name).map_err(|e| AppError::invalid("display_name", e))?;
    let phone = account::validate_phone(&form.phone).map_err(|e| AppError::invalid("phone", e))?;
    let current = memberships::get(conn, scope, member_id).await?;
    if current.role != new_role && !scope.role().may_assign(Some(current.role), new_role) {
        return Err(AppError::invalid("role", "Solo un dueño puede nombrar o cambiar dueños."));
    }
    if current.role == Role::Owner && !scope.role().allows(Permission::OwnersManage) {
        return Err(AppError::Forbidden);
    }
    let changes = memberships::MemberChanges {
        role: new_role,
        display_name,
        phone: phone.as_deref(),
        is_professional: form.is_professional.as_deref().is_some_and(|v| v == "on" || v == "true"),
    };
    let updated = memberships::update(conn, scope, member_id, current.role, &changes).await.map_err(|e| {
        if db::is_last_owner(&e) {
            AppError::invalid("role", "El negocio necesita al menos un dueño: nombrá otro antes de cambiar este.")
        } else {
            AppError::from(e)
        }
    })?;
    if !updated {
        return Err(AppError::conflict(CHANGED_MEANWHILE));
    }
    if current.role != new_role {
        let detail = format!("{}: {} → {}", current.email, current.role.label(), new_role.label());
        audit::record(conn, scope, AuditAction::RoleChanged, &detail, ip).await?;
    }
    audit::record(conn, scope, AuditAction::MemberUpdated, &current.email, ip).await?;
    Ok(())
}

/// Removes a member from the business (their account stays), if the scope's role may.
pub async fn remove(
    conn: &mut AsyncPgConnection,
    scope: &TenantScope,
    member_id: MemberId,
    ip: &str,
) -> Result<(), AppError> {
    let current = memberships::get(conn, scope, member_id).await?;
    if current.role == Role::Owner && !scope.role().allows(Permission::OwnersManage) {
        return Err(AppError::Forbidden);
    }
    let removed = memberships::remove(conn, scope, member_id, current.role).await.map_err(|e| {
        if db::is_last_owner(&e) {
            AppError::conflict("No se puede quitar al último dueño del negocio.")
        } else {
            AppError::from(e)
        }
    })?;
    if !removed {
        return Err(AppError::conflict(CHANGED_MEANWHILE));
    }
    audit::record(conn, scope, AuditAction::MemberRemoved, &current.email, ip).await?;
    Ok(())
}
