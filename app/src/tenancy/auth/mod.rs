//! Who is asking and what they may do: password hashing, session cookies, the request's
//! address, and the guards [`crate::call`] runs for every server function ([`scope_in`] for a
//! business, [`OperatorScope::of`] for the platform operator, [`current_session`] for accounts).

mod crypto;
mod guard;
mod request;

pub use crypto::{PasswordHasher, hash_password, new_token, token_hash, verify_password};
pub(in crate::tenancy) use guard::enter_invited_business;
pub use guard::{
    OperatorScope, SessionUser, TenantScope, current_session, is_operator_request, note_activity, require_from_headers,
    scope_in, set_invitation_hash,
};
pub use request::{
    RequestMeta, clear_session_cookie, is_loopback, request_meta, session_token, session_token_from, set_session_cookie,
};

/// Settings the auth code needs from the server's configuration.
#[derive(Debug, Clone, Default)]
pub struct AuthSettings {
    /// The site's public origin (`https://app.example.com`), used for links in mails and the
    /// CSRF check. `None`: taken from each request's `Host`.
    pub public_url: Option<String>,
    /// Mark cookies `Secure` (the site is served over TLS).
    pub secure_cookies: bool,
    /// No SMTP configured: mails are logged and shown on the development mailbox page.
    pub dev_mailbox: bool,
    /// Take the client's address from `X-Forwarded-For` (only behind a proxy that sets it).
    pub trust_forwarded: bool,
}
