//! Members (the staff) and invitations. The rules (who may assign which role) are in
//! [`crate::tenancy::members`].

use leptos::prelude::*;
use shared::ids::{InvitationId, MemberId};
use shared::tenancy::dto::{Invitation, InvitationPreview, Member};

use crate::error::AppError;

/// The team of the current business.
#[server(prefix = "/api/tenancy", endpoint = "list_members")]
pub async fn list_members() -> Result<Vec<Member>, AppError> {
    use shared::tenancy::Permission;

    use crate::tenancy::db::memberships;
    crate::call::in_business(Permission::MembersView, async |conn, scope| {
        let rows = memberships::list(conn, scope).await?;
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
    })
    .await
}

/// Changes a member's role and staff data. Admins manage everyone but owners; only owners
/// make or change owners; the last owner stays.
#[server(prefix = "/api/tenancy", endpoint = "update_member")]
pub async fn update_member(
    member_id: MemberId,
    role: String,
    display_name: String,
    #[server(default)] phone: String,
    #[server(default)] is_professional: Option<String>,
) -> Result<(), AppError> {
    use shared::tenancy::Permission;

    use crate::tenancy::{auth, members};
    let ip = auth::request_meta().ip;
    let form = members::MemberForm { role, display_name, phone, is_professional };
    crate::call::in_business(Permission::MembersManage, async |conn, scope| {
        members::update(conn, scope, member_id, &form, &ip).await
    })
    .await
}

/// Removes a member from the business (their account stays).
#[server(prefix = "/api/tenancy", endpoint = "remove_member")]
pub async fn remove_member(member_id: MemberId) -> Result<(), AppError> {
    use shared::tenancy::Permission;

    use crate::tenancy::{auth, members};
    let ip = auth::request_meta().ip;
    crate::call::in_business(Permission::MembersManage, async |conn, scope| {
        members::remove(conn, scope, member_id, &ip).await
    })
    .await
}

/// Open invitations of the current business.
#[server(prefix = "/api/tenancy", endpoint = "list_invitations")]
pub async fn list_invitations() -> Result<Vec<Invitation>, AppError> {
    use shared::tenancy::Permission;

    use crate::tenancy::db::invitations;
    crate::call::in_business(Permission::MembersView, async |conn, scope| {
        let rows = invitations::list_open(conn, scope).await?;
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
    })
    .await
}

/// Invites `email` with `role`: mails a one-time link.
#[server(prefix = "/api/tenancy", endpoint = "invite_member")]
pub async fn invite_member(email: String, role: String) -> Result<(), AppError> {
    use shared::tenancy::Permission;

    use crate::tenancy::{auth, members};
    let meta = auth::request_meta();
    crate::call::in_business(Permission::MembersManage, async |conn, scope| {
        members::invite(conn, scope, &email, &role, &meta).await
    })
    .await
}

/// Cancels an open invitation; its link stops working.
#[server(prefix = "/api/tenancy", endpoint = "revoke_invitation")]
pub async fn revoke_invitation(invitation_id: InvitationId) -> Result<(), AppError> {
    use shared::tenancy::Permission;

    use crate::tenancy::{auth, db::audit, db::invitations};
    let ip = auth::request_meta().ip;
    crate::call::in_business(Permission::MembersManage, async |conn, scope| {
        let inv = invitations::revoke(conn, scope, invitation_id).await?;
        audit::record(conn, scope, shared::tenancy::audit::AuditAction::InvitationRevoked, &inv.email, &ip).await?;
        Ok(())
    })
    .await
}

/// What an invitation link offers (anyone with the link may ask).
#[server(prefix = "/api/tenancy", endpoint = "preview_invitation")]
pub async fn preview_invitation(token: String) -> Result<InvitationPreview, AppError> {
    use crate::tenancy::{db::users::User, service};
    crate::call::as_visitor(async |conn, _| {
        let (inv, tenant) = service::invitation_by_token(conn, &token).await?;
        let account_exists = User::by_email(conn, &inv.email).await?.is_some();
        Ok(InvitationPreview { business_name: tenant.name, role: inv.role, email: inv.email, account_exists })
    })
    .await
}

/// Accepts an invitation as the signed-in account (its email must be the invited one).
#[server(prefix = "/api/tenancy", endpoint = "accept_invitation")]
pub async fn accept_invitation(token: String) -> Result<(), AppError> {
    use crate::tenancy::{auth, service};
    let meta = auth::request_meta();
    crate::call::as_account(async |conn, user| {
        service::accept_invitation(conn, &token, user.user_id, Some(user.session_id), &meta).await
    })
    .await?;
    leptos_axum::redirect("/negocio");
    Ok(())
}

/// Creates an account from an invitation link and joins the business.
#[server(prefix = "/api/tenancy", endpoint = "sign_up_invited")]
pub async fn sign_up_invited(token: String, display_name: String, password: String) -> Result<(), AppError> {
    use crate::tenancy::{auth, service};
    let session = crate::call::as_visitor(async |conn, visitor| {
        service::sign_up_invited(conn, &token, &display_name, password, &visitor.meta).await
    })
    .await?;
    auth::set_session_cookie(&session);
    leptos_axum::redirect("/negocio");
    Ok(())
}
