//! Members (the staff) and invitations.

use leptos::prelude::*;
use shared::tenancy::dto::{Invitation, InvitationPreview, Member};

use crate::error::AppError;

/// When a member's role changed between reading and writing (someone else edited them).
pub const CHANGED_MEANWHILE: &str = "Alguien cambió a este miembro recién. Recargá la página y probá de nuevo.";

/// The team of the current business.
#[server(prefix = "/api/tenancy", endpoint = "list_members")]
pub async fn list_members() -> Result<Vec<Member>, AppError> {
    use diesel_async::AsyncConnection;
    use shared::tenancy::Permission;

    use crate::tenancy::{auth, db::memberships};
    let scope = auth::require(Permission::MembersView).await?;
    let mut conn = crate::db::conn().await?;
    let rows = conn
        .transaction(async |conn| {
            scope.enter(conn).await?;
            memberships::list(conn, &scope).await
        })
        .await?;
    Ok(rows
        .into_iter()
        .map(|m| Member {
            role: m.role,
            is_me: m.user_id == scope.user_id(),
            joined_at: crate::time::format_local(m.created_at, scope.time_zone()),
            id: m.id,
            email: m.email,
            display_name: m.display_name,
            phone: m.phone.unwrap_or_default(),
            is_professional: m.is_professional,
        })
        .collect())
}

/// Changes a member's role and staff data. Admins manage everyone but owners; only owners
/// make or change owners; the last owner stays.
#[server(prefix = "/api/tenancy", endpoint = "update_member")]
pub async fn update_member(
    member_id: i64,
    role: String,
    display_name: String,
    #[server(default)] phone: String,
    #[server(default)] is_professional: Option<String>,
) -> Result<(), AppError> {
    use diesel_async::AsyncConnection;
    use shared::tenancy::{Permission, Role, account};

    use crate::tenancy::{auth, db, db::audit, db::memberships};
    let scope = auth::require(Permission::MembersManage).await?;
    let new_role = Role::from_code(&role).ok_or_else(|| AppError::invalid("role", "Elegí un rol de la lista."))?;
    let display_name =
        account::validate_display_name(&display_name).map_err(|e| AppError::invalid("display_name", e))?;
    let phone = account::validate_phone(&phone).map_err(|e| AppError::invalid("phone", e))?;
    let ip = auth::request_meta().ip;
    let mut conn = crate::db::conn().await?;
    conn.transaction(async |conn| {
        scope.enter(conn).await?;
        let current = memberships::get(conn, &scope, member_id).await?;
        if current.role != new_role && !scope.role().may_assign(Some(current.role), new_role) {
            return Err(AppError::invalid("role", "Solo un dueño puede nombrar o cambiar dueños."));
        }
        if current.role == Role::Owner && !scope.role().allows(Permission::OwnersManage) {
            return Err(AppError::Forbidden.reply());
        }
        let changes = memberships::MemberChanges {
            role: new_role,
            display_name,
            phone: phone.as_deref(),
            is_professional: is_professional.is_some_and(|v| v == "on" || v == "true"),
        };
        let updated = memberships::update(conn, &scope, member_id, current.role, &changes).await.map_err(|e| {
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
            audit::record(conn, &scope, "role_changed", &detail, &ip).await?;
        }
        audit::record(conn, &scope, "member_updated", &current.email, &ip).await?;
        Ok(())
    })
    .await
}

/// Removes a member from the business (their account stays).
#[server(prefix = "/api/tenancy", endpoint = "remove_member")]
pub async fn remove_member(member_id: i64) -> Result<(), AppError> {
    use diesel_async::AsyncConnection;
    use shared::tenancy::{Permission, Role};

    use crate::tenancy::{auth, db, db::audit, db::memberships};
    let scope = auth::require(Permission::MembersManage).await?;
    let ip = auth::request_meta().ip;
    let mut conn = crate::db::conn().await?;
    conn.transaction(async |conn| {
        scope.enter(conn).await?;
        let current = memberships::get(conn, &scope, member_id).await?;
        if current.role == Role::Owner && !scope.role().allows(Permission::OwnersManage) {
            return Err(AppError::Forbidden.reply());
        }
        let removed = memberships::remove(conn, &scope, member_id, current.role).await.map_err(|e| {
            if db::is_last_owner(&e) {
                AppError::conflict("No se puede quitar al último dueño del negocio.")
            } else {
                AppError::from(e)
            }
        })?;
        if !removed {
            return Err(AppError::conflict(CHANGED_MEANWHILE));
        }
        audit::record(conn, &scope, "member_removed", &current.email, &ip).await?;
        Ok(())
    })
    .await
}

/// Open invitations of the current business.
#[server(prefix = "/api/tenancy", endpoint = "list_invitations")]
pub async fn list_invitations() -> Result<Vec<Invitation>, AppError> {
    use diesel_async::AsyncConnection;
    use shared::tenancy::Permission;

    use crate::tenancy::{auth, db::invitations};
    let scope = auth::require(Permission::MembersView).await?;
    let mut conn = crate::db::conn().await?;
    let rows = conn
        .transaction(async |conn| {
            scope.enter(conn).await?;
            invitations::list_open(conn, &scope).await
        })
        .await?;
    Ok(rows
        .into_iter()
        .map(|(i, by)| Invitation {
            id: i.id,
            role: i.role,
            email: i.email,
            invited_by: by.unwrap_or_else(|| "(ya no está en el negocio)".into()),
            expires_at: crate::time::format_local(i.expires_at, scope.time_zone()),
        })
        .collect())
}

/// Invites `email` with `role`: mails a one-time link.
#[server(prefix = "/api/tenancy", endpoint = "invite_member")]
pub async fn invite_member(email: String, role: String) -> Result<(), AppError> {
    use diesel_async::AsyncConnection;
    use shared::tenancy::{Permission, Role, account};

    use crate::tenancy::db::login_attempts::Kind;
    use crate::tenancy::{auth, db::audit, db::invitations, db::mail, db::memberships, db::tenants::Tenant, mails};
    let scope = auth::require(Permission::MembersManage).await?;
    let email = account::normalize_email(&email).map_err(|e| AppError::invalid("email", e))?;
    let role = Role::from_code(&role).ok_or_else(|| AppError::invalid("role", "Elegí un rol de la lista."))?;
    if !scope.role().may_assign(None, role) {
        return Err(AppError::invalid("role", "Solo un dueño puede invitar a otro dueño."));
    }
    let meta = auth::request_meta();
    let token = auth::new_token();
    let mut conn = crate::db::conn().await?;
    // Each invitation is a mail to a stranger: limited per inviting account and per address.
    let inviter_key = format!("usuario:{}", scope.user_id());
    crate::tenancy::service::within_limits(&mut conn, Kind::Invitation, &inviter_key, &meta, "email").await?;
    conn.transaction(async |conn| {
        scope.enter(conn).await?;
        if memberships::email_is_member(conn, &scope, &email).await? {
            return Err(AppError::invalid("email", "Esa persona ya es parte del negocio."));
        }
        invitations::create(conn, &scope, &email, role, &auth::token_hash(&token)).await?.ok_or_else(|| {
            AppError::invalid("email", "Ya hay una invitación abierta para ese correo. Anulala para mandar otra.")
        })?;
        let business = Tenant::current(conn, &scope).await?;
        let inviter = memberships::get(conn, &scope, scope.member_id()).await?;
        let link = format!("{}/invitacion?token={token}", meta.site_url);
        let (subject, body) = mails::invitation(&business.name, &inviter.display_name, role.label(), &link);
        mail::enqueue(conn, &email, &subject, &body).await?;
        audit::record(conn, &scope, "member_invited", &format!("{email} como {}", role.label()), &meta.ip).await?;
        Ok(())
    })
    .await
}

/// Cancels an open invitation; its link stops working.
#[server(prefix = "/api/tenancy", endpoint = "revoke_invitation")]
pub async fn revoke_invitation(invitation_id: i64) -> Result<(), AppError> {
    use diesel_async::AsyncConnection;
    use shared::tenancy::Permission;

    use crate::tenancy::{auth, db::audit, db::invitations};
    let scope = auth::require(Permission::MembersManage).await?;
    let ip = auth::request_meta().ip;
    let mut conn = crate::db::conn().await?;
    conn.transaction(async |conn| {
        scope.enter(conn).await?;
        let inv = invitations::revoke(conn, &scope, invitation_id).await?;
        audit::record(conn, &scope, "invitation_revoked", &inv.email, &ip).await?;
        Ok(())
    })
    .await
}

/// What an invitation link offers (anyone with the link may ask).
#[server(prefix = "/api/tenancy", endpoint = "preview_invitation")]
pub async fn preview_invitation(token: String) -> Result<InvitationPreview, AppError> {
    use crate::tenancy::{db::users::User, service};
    let mut conn = crate::db::conn().await?;
    let (inv, tenant) = service::invitation_by_token(&mut conn, &token).await?;
    let account_exists = User::by_email(&mut conn, &inv.email).await?.is_some();
    Ok(InvitationPreview { business_name: tenant.name, role: inv.role, email: inv.email, account_exists })
}

/// Accepts an invitation as the signed-in account (its email must be the invited one).
#[server(prefix = "/api/tenancy", endpoint = "accept_invitation")]
pub async fn accept_invitation(token: String) -> Result<(), AppError> {
    use crate::tenancy::{auth, service};
    let user = auth::require_login().await?;
    let mut conn = crate::db::conn().await?;
    service::accept_invitation(&mut conn, &token, user.user_id, Some(user.session_id), &auth::request_meta()).await?;
    leptos_axum::redirect("/negocio");
    Ok(())
}

/// Creates an account from an invitation link and joins the business.
#[server(prefix = "/api/tenancy", endpoint = "sign_up_invited")]
pub async fn sign_up_invited(token: String, display_name: String, password: String) -> Result<(), AppError> {
    use crate::tenancy::{auth, service};
    let mut conn = crate::db::conn().await?;
    let session = service::sign_up_invited(&mut conn, &token, &display_name, password, &auth::request_meta()).await?;
    auth::set_session_cookie(&session);
    leptos_axum::redirect("/negocio");
    Ok(())
}
