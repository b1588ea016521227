//! Sign up (and finish it from the mailed link), log in and out, email confirmation, password reset and change, who am I.

use leptos::prelude::*;
use shared::ids::TenantId;
use shared::tenancy::dto::Viewer;

use crate::error::AppError;

/// Who is signed in and in which business; `None` for visitors.
#[server(prefix = "/api/tenancy", endpoint = "get_viewer")]
pub async fn get_viewer() -> Result<Option<Viewer>, AppError> {
    use crate::tenancy::db::memberships;
    crate::call::as_visitor(async |conn, visitor| {
        let Some(user) = visitor.session.clone() else { return Ok(None) };
        user.enter(conn).await?;
        let all = memberships::all_of_user(conn, user.user_id).await?;
        Ok(Some(viewer(user, &all)))
    })
    .await
}

/// The viewer of `user`, who belongs to `all`.
#[cfg(feature = "ssr")]
fn viewer(user: crate::tenancy::auth::SessionUser, all: &[crate::tenancy::db::memberships::MembershipOf]) -> Viewer {
    use shared::tenancy::dto::{BusinessChoice, CurrentBusiness};
    let current = all.iter().find(|m| Some(m.tenant_id) == user.current_tenant_id).map(|m| CurrentBusiness {
        tenant_id: m.tenant_id,
        name: m.tenant_name.clone(),
        rubro: m.rubro,
        role: m.role,
        suspended: m.suspended_at.is_some(),
    });
    Viewer {
        user_id: user.user_id,
        email: user.email,
        display_name: user.display_name,
        email_verified: user.email_verified,
        is_operator: user.is_operator,
        current,
        businesses: all
            .iter()
            .map(|m| BusinessChoice { tenant_id: m.tenant_id, name: m.tenant_name.clone(), role: m.role })
            .collect(),
    }
}

/// Takes a sign-up and mails the link that finishes it; goes to the "check your mail" page,
/// whether or not the address already has an account.
#[server(prefix = "/api/tenancy", endpoint = "sign_up")]
pub async fn sign_up(
    email: String,
    password: String,
    display_name: String,
    business_name: String,
    rubro: String,
    #[server(default)] cuit: String,
    iva_condition: String,
) -> Result<(), AppError> {
    use crate::tenancy::service;
    let form = service::SignUp { email, password, display_name, business_name, rubro, cuit, iva_condition };
    crate::call::as_visitor(async |conn, visitor| service::sign_up(conn, form, &visitor.meta).await).await?;
    leptos_axum::redirect("/registro/enviado");
    Ok(())
}

/// Finishes a sign-up from its mailed link and the password chosen in the form: creates the
/// account and its business, signs in and goes to the business' page.
#[server(prefix = "/api/tenancy", endpoint = "confirm_sign_up")]
pub async fn confirm_sign_up(token: String, password: String) -> Result<(), AppError> {
    use crate::tenancy::{auth, service};
    let session = crate::call::as_visitor(async |conn, visitor| {
        service::confirm_sign_up(conn, &token, password, &visitor.meta).await
    })
    .await?;
    auth::set_session_cookie(&session);
    leptos_axum::redirect("/negocio");
    Ok(())
}

/// Creates another business owned by the signed-in account and switches to it.
#[server(prefix = "/api/tenancy", endpoint = "create_business")]
pub async fn create_business(
    business_name: String,
    rubro: String,
    #[server(default)] cuit: String,
    iva_condition: String,
) -> Result<(), AppError> {
    use crate::tenancy::{auth, service};
    let meta = auth::request_meta();
    crate::call::as_account(async |conn, user| {
        let form = service::check_business(&business_name, &rubro, &cuit, &iva_condition)?;
        service::add_business(conn, user, &form, &meta).await?;
        Ok(())
    })
    .await
}

/// Signs in. `next` is where to go after (a path on this site; anything else goes home).
#[server(prefix = "/api/tenancy", endpoint = "log_in")]
pub async fn log_in(email: String, password: String, #[server(default)] next: String) -> Result<(), AppError> {
    use crate::tenancy::{auth, service};
    let token = crate::call::kept(
        crate::call::as_visitor(async |conn, visitor| service::log_in(conn, &email, password, &visitor.meta).await)
            .await,
    )?;
    auth::set_session_cookie(&token);
    leptos_axum::redirect(safe_next(&next));
    Ok(())
}

/// A local path to go to after signing in; `/` for anything that could leave the site (browsers
/// drop tabs and newlines from URLs, so `/\t/evil.example` would become `//evil.example`) or that
/// is not a valid header value.
pub fn safe_next(next: &str) -> &str {
    let clean = next.chars().all(|c| c.is_ascii_graphic());
    let local =
        clean && next.starts_with('/') && !next.starts_with("//") && !next.contains('\\') && !next.contains("://");
    if local { next } else { "/" }
}

/// Ends this browser's session.
#[server(prefix = "/api/tenancy", endpoint = "log_out")]
pub async fn log_out() -> Result<(), AppError> {
    use crate::tenancy::{auth, db::audit, db::sessions};
    crate::call::as_visitor(async |conn, visitor| {
        if let Some(user) = &visitor.session {
            sessions::revoke(conn, user.user_id, user.session_id).await?;
            audit::record_account(
                conn,
                user.user_id,
                user.current_tenant_id,
                shared::tenancy::audit::AuditAction::Logout,
                "",
                &visitor.meta.ip,
            )
            .await?;
        }
        Ok(())
    })
    .await?;
    auth::clear_session_cookie();
    leptos_axum::redirect("/ingresar");
    Ok(())
}

/// Mails a password reset link if the account exists (the answer never says whether it does).
#[server(prefix = "/api/tenancy", endpoint = "request_password_reset")]
pub async fn request_password_reset(email: String) -> Result<(), AppError> {
    use crate::tenancy::service;
    crate::call::as_visitor(async |conn, visitor| service::request_reset(conn, &email, &visitor.meta).await).await
}

/// Sets a new password from a reset link; every other session ends and this browser is signed in.
#[server(prefix = "/api/tenancy", endpoint = "reset_password")]
pub async fn reset_password(token: String, password: String) -> Result<(), AppError> {
    use crate::tenancy::{auth, service};
    let session = crate::call::as_visitor(async |conn, visitor| {
        service::reset_password(conn, &token, password, &visitor.meta).await
    })
    .await?;
    auth::set_session_cookie(&session);
    leptos_axum::redirect("/");
    Ok(())
}

/// Confirms the email address of the link's account.
#[server(prefix = "/api/tenancy", endpoint = "verify_email")]
pub async fn verify_email(token: String) -> Result<(), AppError> {
    use crate::tenancy::service;
    crate::call::as_visitor(async |conn, visitor| service::verify_email(conn, &token, &visitor.meta).await).await
}

/// Mails a new confirmation link to the signed-in account.
#[server(prefix = "/api/tenancy", endpoint = "resend_verification")]
pub async fn resend_verification() -> Result<(), AppError> {
    use crate::tenancy::{auth, service};
    let meta = auth::request_meta();
    crate::call::as_account(async |conn, user| service::resend_verification(conn, user, &meta).await).await
}

/// Changes the signed-in account's password; its other sessions end.
#[server(prefix = "/api/tenancy", endpoint = "change_password")]
pub async fn change_password(current_password: String, new_password: String) -> Result<(), AppError> {
    use crate::tenancy::{auth, service};
    let meta = auth::request_meta();
    crate::call::kept(
        crate::call::as_account(async |conn, user| {
            service::change_password(conn, user, current_password, new_password, &meta).await
        })
        .await,
    )
}

/// Moves this session to another business the account belongs to.
#[server(prefix = "/api/tenancy", endpoint = "switch_business")]
pub async fn switch_business(tenant_id: TenantId) -> Result<(), AppError> {
    use crate::tenancy::db::{memberships, sessions};
    crate::call::as_account(async |conn, user| {
        memberships::of_user_in(conn, user.user_id, tenant_id).await?.ok_or(AppError::NotFound)?;
        sessions::set_tenant(conn, user.session_id, tenant_id).await?;
        Ok(())
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::safe_next;

    #[test]
    fn next_stays_on_this_site() {
        assert_eq!(safe_next("/negocio/miembros"), "/negocio/miembros");
        assert_eq!(safe_next("https://evil.example"), "/");
        assert_eq!(safe_next("//evil.example"), "/");
        assert_eq!(safe_next("/\\evil.example"), "/");
        assert_eq!(safe_next(""), "/");
        assert_eq!(safe_next("/\t/evil.example"), "/");
        assert_eq!(safe_next("/\n"), "/");
        assert_eq!(safe_next("/negocio?x=1 2"), "/");
    }
}
