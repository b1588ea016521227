//! The tenancy operations that take several steps (sign up, log in, accept an invitation,
//! reset a password). Each runs in the call's one transaction ([`crate::call`]); server
//! functions stay thin and call these.

use diesel_async::AsyncPgConnection;
use shared::ids::{SessionId, TenantId, UserId};
use shared::tenancy::audit::AuditAction;
use shared::tenancy::{Role, account, business};

use crate::call::Kept;
use crate::error::AppError;
use crate::tenancy::auth::{self, RequestMeta, SessionUser, TenantScope};
use crate::tenancy::db::{
    audit, email_tokens, email_tokens::Purpose, invitations, login_attempts, mail, memberships, sessions,
    sign_up_requests, tenants, users,
};

/// What a sign-up form sends.
#[derive(Debug, Clone)]
pub struct SignUp {
    pub email: String,
    pub password: String,
    pub display_name: String,
    pub business_name: String,
    pub rubro: String,
    pub cuit: String,
    pub iva_condition: String,
}

/// Checked fields of a new business.
pub struct CheckedBusiness {
    pub(in crate::tenancy) name: String,
    pub(in crate::tenancy) rubro: business::Rubro,
    pub(in crate::tenancy) cuit: Option<String>,
    pub(in crate::tenancy) iva: business::IvaCondition,
}

/// Checks a new business' fields (sign-up and "another business").
pub fn check_business(name: &str, rubro: &str, cuit: &str, iva_condition: &str) -> Result<CheckedBusiness, AppError> {
    let rubro =
        business::Rubro::from_code(rubro).ok_or_else(|| AppError::invalid("rubro", "Elegí el rubro de tu negocio."))?;
    let identity = check_identity("business_name", name, cuit, iva_condition)?;
    Ok(CheckedBusiness { name: identity.name, rubro, cuit: identity.cuit, iva: identity.iva })
}

/// A business' name and tax identity, checked.
pub struct CheckedIdentity {
    pub name: String,
    /// The 11 digits, if given.
    pub cuit: Option<String>,
    pub iva: business::IvaCondition,
}

/// Checks a business' name (its form field is `name_field`), CUIT (optional) and IVA condition:
/// the one check for creating a business and for editing it.
pub fn check_identity(
    name_field: &'static str,
    name: &str,
    cuit: &str,
    iva_condition: &str,
) -> Result<CheckedIdentity, AppError> {
    let name = business::validate_business_name(name).map_err(|e| AppError::invalid(name_field, e))?;
    let cuit = if cuit.trim().is_empty() {
        None
    } else {
        Some(business::parse_cuit(cuit).map_err(|e| AppError::invalid("cuit", e))?)
    };
    let iva = business::IvaCondition::from_code(iva_condition)
        .ok_or_else(|| AppError::invalid("iva_condition", "Elegí la condición frente al IVA."))?;
    Ok(CheckedIdentity { name: name.to_owned(), cuit, iva })
}

/// Checked sign-up fields.
struct CheckedSignUp {
    email: String,
    display_name: String,
    business: CheckedBusiness,
}

fn check_sign_up(form: &SignUp) -> Result<CheckedSignUp, AppError> {
    let email = account::normalize_email(&form.email).map_err(|e| AppError::invalid("email", e))?;
    let display_name =
        account::validate_display_name(&form.display_name).map_err(|e| AppError::invalid("display_name", e))?;
    account::validate_password(&form.password, &email).map_err(|e| AppError::invalid("password", e))?;
    let business = check_business(&form.business_name, &form.rubro, &form.cuit, &form.iva_condition)?;
    Ok(CheckedSignUp { email, display_name: display_name.to_owned(), business })
}

/// Takes a sign-up: mails the address a link that finishes it ([`confirm_sign_up`]), or, when the
/// address already has an account, a mail that says so. The answer, and the work done (one
/// password hash, one mail), are the same either way, so the form never tells a stranger who has
/// an account; nothing is created until the address is proven.
pub async fn sign_up(conn: &mut AsyncPgConnection, form: SignUp, meta: &RequestMeta) -> Result<(), AppError> {
    let checked = check_sign_up(&form)?;
    within_limits(conn, login_attempts::Kind::SignUp, &checked.email, meta, "email").await?;
    let hash = auth::hash_password(form.password).await?;
    let token = auth::new_token();
    if let Some(user) = users::User::by_email(conn, &checked.email).await? {
        let (subject, body) = super::mails::account_exists(
            &user.display_name,
            &format!("{}/ingresar", meta.site_url),
            &format!("{}/recuperar-contrasena", meta.site_url),
        );
        mail::enqueue(conn, &user.email, &subject, &body).await?;
        return Ok(());
    }
    let business = &checked.business;
    let request = sign_up_requests::SignUpRequest {
        email: checked.email.clone(),
        password_hash: hash,
        display_name: checked.display_name.clone(),
        business_name: business.name.clone(),
        rubro: business.rubro,
        cuit: business.cuit.clone().unwrap_or_default(),
        iva_condition: business.iva,
    };
    sign_up_requests::insert(conn, &auth::token_hash(&token), &request).await?;
    let (subject, body) = super::mails::confirm_sign_up(&format!("{}/confirmar-alta?token={token}", meta.site_url));
    mail::enqueue(conn, &checked.email, &subject, &body).await?;
    Ok(())
}

/// Finishes a sign-up from its mailed link and the password chosen in the form: creates the
/// account (its address proven), the business with it as owner, and a session. Returns the
/// session token for the cookie. The password is asked again so that a stranger who filed a
/// sign-up for someone else's address cannot have that person activate an account whose
/// password the stranger knows.
pub async fn confirm_sign_up(
    conn: &mut AsyncPgConnection,
    token: &str,
    password: String,
    meta: &RequestMeta,
) -> Result<String, AppError> {
    let hash_of_link = auth::token_hash(token.trim());
    if password.is_empty() {
        return Err(AppError::invalid("password", "Escribí la contraseña que elegiste al crear la cuenta."));
    }
    let expired = || AppError::invalid("token", "El enlace no es válido, ya se usó o venció. Volvé a crear la cuenta.");
    let pending = sign_up_requests::open(conn, &hash_of_link).await?.ok_or_else(expired)?;
    if !auth::verify_password(password, Some(pending)).await? {
        return Err(AppError::invalid(
            "password",
            "No es la contraseña que elegiste al crear la cuenta. Si no creaste una cuenta, ignorá el correo.",
        ));
    }
    let session = auth::new_token();
    let request = sign_up_requests::consume(conn, &hash_of_link).await?.ok_or_else(expired)?;
    // Checked when it was stored; a code removed since would land here.
    let business =
        check_business(&request.business_name, request.rubro.code(), &request.cuit, request.iva_condition.code())
            .map_err(|_| {
                AppError::invalid("token", "Los datos del negocio ya no son válidos. Volvé a crear la cuenta.")
            })?;
    let user = users::User::create(
        conn,
        &users::NewUser {
            email: &request.email,
            password_hash: &request.password_hash,
            display_name: &request.display_name,
            is_operator: false,
        },
    )
    .await
    .map_err(|e| {
        // Whoever holds the link owns the address, so saying so tells nobody else anything.
        if crate::db::is_unique_violation(&e, "users_email_key") {
            AppError::invalid("token", "Ya hay una cuenta con este correo. Ingresá o restablecé la contraseña.")
        } else {
            AppError::from(e)
        }
    })?;
    users::User::mark_verified(conn, user.id).await?;
    let scope = create_business(conn, &business, &request.display_name, user.id).await.map_err(|e| match e {
        AppError::Invalid { reason, .. } => AppError::invalid("token", reason),
        e => e,
    })?;
    audit::record(conn, &scope, AuditAction::BusinessCreated, &business.name, &meta.ip).await?;
    sessions::create(conn, &auth::token_hash(&session), user.id, Some(scope.tenant_id()), &meta.ip, &meta.user_agent)
        .await?;
    audit::record_account(conn, user.id, Some(scope.tenant_id()), AuditAction::Login, "alta de cuenta", &meta.ip)
        .await?;
    Ok(session)
}

/// Inserts the business under a free slug and its owner membership (shown as `owner_name`);
/// returns the owner's scope.
pub(in crate::tenancy) async fn create_business(
    conn: &mut AsyncPgConnection,
    form: &CheckedBusiness,
    owner_name: &str,
    user_id: UserId,
) -> Result<TenantScope, AppError> {
    let id = tenants::Tenant::reserve_id(conn).await?;
    // No membership yet: enter the new business as the account, to write it and its first member.
    crate::rls::enter_tenant_as(conn, id, user_id).await?;
    // Room for a "-2" .. "-9" or "-abcd" suffix within the slug's 60 characters.
    let mut base = business::slugify(&form.name);
    base.truncate(business::SLUG_MAX - 5);
    let base = base.trim_end_matches('-').to_owned();
    let mut created = None;
    for attempt in 0..20_u32 {
        let slug = match attempt {
            0 => base.clone(),
            1..=9 => format!("{base}-{}", attempt + 1),
            _ => format!("{base}-{:04x}", rand::random::<u16>()),
        };
        let new = tenants::NewTenant {
            id,
            name: &form.name,
            slug: &slug,
            rubro: form.rubro,
            cuit: form.cuit.as_deref(),
            iva_condition: form.iva,
        };
        if let Some(t) = tenants::Tenant::create(conn, &new).await? {
            created = Some(t);
            break;
        }
    }
    let tenant = created.ok_or_else(|| AppError::invalid("business_name", "Probá con otro nombre para el negocio."))?;
    let member_id = memberships::create(
        conn,
        &memberships::NewMembership { tenant_id: id, user_id, role: Role::Owner, display_name: owner_name },
    )
    .await?;
    Ok(TenantScope::for_new_member(id, user_id, member_id, Role::Owner, &tenant.time_zone))
}

async fn queue_verification(
    conn: &mut AsyncPgConnection,
    user: &users::User,
    token: &str,
    meta: &RequestMeta,
) -> Result<(), AppError> {
    email_tokens::issue(conn, user.id, Purpose::VerifyEmail, &auth::token_hash(token)).await?;
    let (subject, body) =
        super::mails::verify_email(&user.display_name, &format!("{}/verificar-correo?token={token}", meta.site_url));
    mail::enqueue(conn, &user.email, &subject, &body).await?;
    Ok(())
}

/// Creates another business owned by the signed-in account and moves the session to it.
pub async fn add_business(
    conn: &mut AsyncPgConnection,
    user: &SessionUser,
    form: &CheckedBusiness,
    meta: &RequestMeta,
) -> Result<TenantId, AppError> {
    let scope = create_business(conn, form, &user.display_name, user.user_id).await?;
    audit::record(conn, &scope, AuditAction::BusinessCreated, &form.name, &meta.ip).await?;
    sessions::set_tenant(conn, user.session_id, scope.tenant_id()).await?;
    Ok(scope.tenant_id())
}

/// The message for both an unknown email and a wrong password.
pub const BAD_CREDENTIALS: &str = "El correo o la contraseña no son correctos.";
/// The message when the reset limit is reached.
fn too_many_resets(wait: login_attempts::Wait) -> String {
    format!("Ya pediste varios enlaces. Revisá tu correo (también el spam). {} para pedir otro.", wait.spanish())
}
/// The message when a login limit is reached.
fn too_many_attempts(wait: login_attempts::Wait) -> String {
    format!("Demasiados intentos. {} o restablecé tu contraseña con «¿Olvidaste tu contraseña?».", wait.spanish())
}
/// The message for the other limits (sign-up, changes, mails).
fn too_many(wait: login_attempts::Wait) -> String {
    format!("Demasiados intentos seguidos. {} y probá de nuevo.", wait.spanish())
}

/// Checks `kind`'s limits for `email` from `meta`'s address before any work (see
/// [`login_attempts::begin`]); the refusal names `field`.
pub(crate) async fn within_limits(
    conn: &mut AsyncPgConnection,
    kind: login_attempts::Kind,
    email: &str,
    meta: &RequestMeta,
    field: &'static str,
) -> Result<i64, AppError> {
    login_attempts::begin(conn, kind, email, &meta.ip).await?.map_err(|wait| {
        let message = match kind {
            login_attempts::Kind::Login => too_many_attempts(wait),
            login_attempts::Kind::Reset => too_many_resets(wait),
            _ => too_many(wait),
        };
        AppError::invalid(field, message)
    })
}

/// Checks the credentials (same work and answer for unknown accounts) within the rate limits and
/// starts a session in the account's first business. Returns the session token; wrong
/// credentials are a kept refusal, so the failed attempt counts and is in the audit log.
pub async fn log_in(
    conn: &mut AsyncPgConnection,
    email: &str,
    password: String,
    meta: &RequestMeta,
) -> Result<Kept<String>, AppError> {
    let email = account::normalize_email(email).map_err(|e| AppError::invalid("email", e))?;
    if password.is_empty() {
        return Err(AppError::invalid("password", "Escribí tu contraseña."));
    }
    let attempt = within_limits(conn, login_attempts::Kind::Login, &email, meta, "password").await?;
    let user = users::User::by_email(conn, &email).await?;
    let matches = auth::verify_password(password, user.as_ref().map(|u| u.password_hash.clone())).await?;
    let Some(user) = user else { return Ok(Err(AppError::invalid("password", BAD_CREDENTIALS))) };
    if !matches {
        audit::record_account(conn, user.id, None, AuditAction::LoginFailed, "", &meta.ip).await?;
        return Ok(Err(AppError::invalid("password", BAD_CREDENTIALS)));
    }
    let token = auth::new_token();
    auth::SessionUser::enter_user_id(conn, user.id).await?;
    let first = memberships::all_of_user(conn, user.id).await?.into_iter().next().map(|m| m.tenant_id);
    sessions::create(conn, &auth::token_hash(&token), user.id, first, &meta.ip, &meta.user_agent).await?;
    login_attempts::succeeded(conn, attempt, &email).await?;
    audit::record_account(conn, user.id, first, AuditAction::Login, "", &meta.ip).await?;
    Ok(Ok(token))
}

/// Queues a reset link if the account exists; answers the same either way.
pub async fn request_reset(conn: &mut AsyncPgConnection, email: &str, meta: &RequestMeta) -> Result<(), AppError> {
    let email = account::normalize_email(email).map_err(|e| AppError::invalid("email", e))?;
    // Limits of their own (never counted against logins), so the form cannot flood an inbox.
    within_limits(conn, login_attempts::Kind::Reset, &email, meta, "email").await?;
    let Some(user) = users::User::by_email(conn, &email).await? else { return Ok(()) };
    let token = auth::new_token();
    email_tokens::issue(conn, user.id, Purpose::ResetPassword, &auth::token_hash(&token)).await?;
    let (subject, body) = super::mails::reset_password(
        &user.display_name,
        &format!("{}/restablecer-contrasena?token={token}", meta.site_url),
    );
    mail::enqueue(conn, &user.email, &subject, &body).await?;
    Ok(())
}

/// Sets a new password from a reset link, ends every session and starts a new one.
pub async fn reset_password(
    conn: &mut AsyncPgConnection,
    token: &str,
    password: String,
    meta: &RequestMeta,
) -> Result<String, AppError> {
    let hash_of_link = auth::token_hash(token.trim());
    let new_session = auth::new_token();
    // Check the password against the account before hashing (cheap failure first).
    let user_id = email_tokens::consume(conn, Purpose::ResetPassword, &hash_of_link)
        .await?
        .ok_or_else(|| AppError::invalid("token", "El enlace no es válido o ya venció. Pedí uno nuevo."))?;
    let user = users::User::by_id(conn, user_id).await?;
    account::validate_password(&password, &user.email).map_err(|e| AppError::invalid("password", e))?;
    let hash = auth::hash_password(password.clone()).await?;
    users::User::set_password(conn, user.id, &hash).await?;
    // Following a mailed link proves the address.
    users::User::mark_verified(conn, user.id).await?;
    sessions::revoke_others(conn, user.id, None).await?;
    auth::SessionUser::enter_user_id(conn, user.id).await?;
    let first = memberships::all_of_user(conn, user.id).await?.into_iter().next().map(|m| m.tenant_id);
    sessions::create(conn, &auth::token_hash(&new_session), user.id, first, &meta.ip, &meta.user_agent).await?;
    login_attempts::forgive_account(conn, &user.email).await?;
    audit::record_account(conn, user.id, None, AuditAction::PasswordReset, "", &meta.ip).await?;
    Ok(new_session)
}

/// Changes the password of the signed-in account after checking the current one; other
/// sessions end. A wrong current password is a kept refusal (the attempt counts).
pub async fn change_password(
    conn: &mut AsyncPgConnection,
    user: &SessionUser,
    current: String,
    new: String,
    meta: &RequestMeta,
) -> Result<Kept<()>, AppError> {
    account::validate_password(&new, &user.email).map_err(|e| AppError::invalid("new_password", e))?;
    let attempt =
        within_limits(conn, login_attempts::Kind::PasswordChange, &user.email, meta, "current_password").await?;
    let account = users::User::by_id(conn, user.user_id).await?;
    if !auth::verify_password(current, Some(account.password_hash)).await? {
        return Ok(Err(AppError::invalid("current_password", "La contraseña actual no es correcta.")));
    }
    login_attempts::mark_succeeded(conn, attempt).await?;
    let hash = auth::hash_password(new).await?;
    users::User::set_password(conn, user.user_id, &hash).await?;
    email_tokens::expire(conn, user.user_id, Purpose::ResetPassword).await?;
    sessions::revoke_others(conn, user.user_id, Some(user.session_id)).await?;
    audit::record_account(conn, user.user_id, None, AuditAction::PasswordChanged, "", &meta.ip).await?;
    Ok(Ok(()))
}

/// Confirms an email address from its link.
pub async fn verify_email(conn: &mut AsyncPgConnection, token: &str, meta: &RequestMeta) -> Result<(), AppError> {
    let hash = auth::token_hash(token.trim());
    let user_id = email_tokens::consume(conn, Purpose::VerifyEmail, &hash).await?.ok_or_else(|| {
        AppError::invalid("token", "El enlace no es válido o ya venció. Pedí uno nuevo desde «Mi cuenta».")
    })?;
    users::User::mark_verified(conn, user_id).await?;
    audit::record_account(conn, user_id, None, AuditAction::EmailVerified, "", &meta.ip).await?;
    Ok(())
}

/// Sends a new verification link to the signed-in account.
pub async fn resend_verification(
    conn: &mut AsyncPgConnection,
    user: &SessionUser,
    meta: &RequestMeta,
) -> Result<(), AppError> {
    let account = users::User::by_id(conn, user.user_id).await?;
    if account.email_verified_at.is_some() {
        return Ok(());
    }
    within_limits(conn, login_attempts::Kind::Verification, &account.email, meta, "email").await?;
    let token = auth::new_token();
    queue_verification(conn, &account, &token, meta).await
}

/// Reads an invitation by its link's token (any visitor holding the link may).
pub async fn invitation_by_token(
    conn: &mut AsyncPgConnection,
    token: &str,
) -> Result<(invitations::InvitationRow, tenants::Tenant), AppError> {
    let hash = auth::token_hash(token.trim());
    auth::set_invitation_hash(conn, &hash).await?;
    let inv =
        invitations::by_token(conn, &hash).await?.filter(invitations::InvitationRow::is_open).ok_or_else(|| {
            AppError::invalid(
                "token",
                "La invitación no es válida, ya se usó o venció. Pedile a quien te invitó una nueva.",
            )
        })?;
    auth::enter_invited_business(conn, inv.tenant_id).await?;
    let tenant = tenants::Tenant::entered(conn, inv.tenant_id).await?;
    Ok((inv, tenant))
}

/// Accepts an invitation as `user_id`, whose email must be the invited one; the session moves
/// to that business. `new_account` says the account was created from this link.
pub async fn accept_invitation(
    conn: &mut AsyncPgConnection,
    token: &str,
    user_id: UserId,
    session_id: Option<SessionId>,
    meta: &RequestMeta,
) -> Result<TenantId, AppError> {
    let hash = auth::token_hash(token.trim());
    auth::set_invitation_hash(conn, &hash).await?;
    let inv = invitations::by_token(conn, &hash)
        .await?
        .filter(invitations::InvitationRow::is_open)
        .ok_or_else(|| AppError::invalid("token", "La invitación no es válida, ya se usó o venció."))?;
    let user = users::User::by_id(conn, user_id).await?;
    if user.email != inv.email {
        return Err(AppError::invalid(
            "token",
            format!("Esta invitación es para {}. Iniciá sesión con esa cuenta para aceptarla.", inv.email),
        ));
    }
    let role = inv.role;
    crate::rls::enter_tenant_as(conn, inv.tenant_id, user.id).await?;
    let member_id = match memberships::of_user_in(conn, user.id, inv.tenant_id).await? {
        Some(existing) => existing.id,
        None => {
            memberships::create(
                conn,
                &memberships::NewMembership {
                    tenant_id: inv.tenant_id,
                    user_id: user.id,
                    role: inv.role,
                    display_name: &user.display_name,
                },
            )
            .await?
        }
    };
    let scope = TenantScope::for_new_member(inv.tenant_id, user.id, member_id, role, "");
    if !invitations::mark_accepted(conn, &scope, inv.id).await? {
        return Err(AppError::invalid("token", "La invitación fue anulada o ya se usó."));
    }
    users::User::mark_verified(conn, user.id).await?;
    audit::record(
        conn,
        &scope,
        AuditAction::InvitationAccepted,
        &format!("{} como {}", user.email, role.label()),
        &meta.ip,
    )
    .await?;
    if let Some(session_id) = session_id {
        sessions::set_tenant(conn, session_id, inv.tenant_id).await?;
    }
    Ok(inv.tenant_id)
}

/// Creates an account from an invitation link (the link proves the email) and accepts it.
/// Returns the new session's token.
pub async fn sign_up_invited(
    conn: &mut AsyncPgConnection,
    token: &str,
    display_name: &str,
    password: String,
    meta: &RequestMeta,
) -> Result<String, AppError> {
    let (inv, _) = invitation_by_token(conn, token).await?;
    let display_name =
        account::validate_display_name(display_name).map_err(|e| AppError::invalid("display_name", e))?;
    account::validate_password(&password, &inv.email).map_err(|e| AppError::invalid("password", e))?;
    let hash = auth::hash_password(password).await?;
    let session = auth::new_token();
    let user = users::User::create(
        conn,
        &users::NewUser { email: &inv.email, password_hash: &hash, display_name, is_operator: false },
    )
    .await
    .map_err(|e| {
        if crate::db::is_unique_violation(&e, "users_email_key") {
            AppError::invalid("email", "Ya hay una cuenta con ese correo: iniciá sesión para aceptar la invitación.")
        } else {
            AppError::from(e)
        }
    })?;
    let tenant_id = accept_invitation(conn, token, user.id, None, meta).await?;
    sessions::create(conn, &auth::token_hash(&session), user.id, Some(tenant_id), &meta.ip, &meta.user_agent).await?;
    audit::record_account(conn, user.id, Some(tenant_id), AuditAction::Login, "alta por invitación", &meta.ip).await?;
    Ok(session)
}
