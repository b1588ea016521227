//! The development mailbox: with no SMTP server configured, mails are not sent but kept in the
//! outbox, logged, and listed here so a developer (or a browser test) can follow their links.
//! It holds every business' mails, password-reset links included, so only the operator may read
//! it, and only from this machine (a loopback client): anyone else is told it does not exist.

use leptos::prelude::*;
use shared::tenancy::dto::DevMail;

use crate::error::AppError;

/// How many mails the page lists.
pub const DEV_MAILBOX_SIZE: i64 = 50;

/// The latest mails, for the operator on this machine; `NotFound` when SMTP is configured (the
/// page does not exist then) or the client is not on loopback.
#[server(prefix = "/api/tenancy", endpoint = "list_dev_mail")]
pub async fn list_dev_mail() -> Result<Vec<DevMail>, AppError> {
    use crate::tenancy::{auth, db::mail};
    let state = crate::state::state()?;
    if !state.auth.dev_mailbox || !auth::is_loopback(&auth::request_meta().ip) {
        return Err(AppError::NotFound.reply());
    }
    let tz = crate::state::default_time_zone()?;
    crate::call::as_operator(async |conn, _| {
        Ok(mail::latest(conn, DEV_MAILBOX_SIZE)
            .await?
            .into_iter()
            .map(|m| DevMail {
                id: m.id,
                to: m.to_address,
                subject: m.subject,
                body: m.body_text,
                created_at: crate::time::format_local(m.created_at, tz),
            })
            .collect())
    })
    .await
}
