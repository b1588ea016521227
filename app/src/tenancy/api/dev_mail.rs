//! The development mailbox: with no SMTP server configured, mails are not sent but kept in the
//! outbox, logged, and listed here so a developer (or a browser test) can follow their links.

use leptos::prelude::*;
use shared::tenancy::dto::DevMail;

use crate::error::AppError;

/// How many mails the page lists.
pub const DEV_MAILBOX_SIZE: i64 = 50;

/// The latest mails; `NotFound` when SMTP is configured (the page does not exist then).
#[server(prefix = "/api/tenancy", endpoint = "list_dev_mail")]
pub async fn list_dev_mail() -> Result<Vec<DevMail>, AppError> {
    use crate::tenancy::db::mail;
    let state = expect_context::<crate::state::AppState>();
    if !state.auth.dev_mailbox {
        return Err(AppError::NotFound.reply());
    }
    let mut conn = crate::db::conn().await?;
    let tz = crate::state::default_time_zone();
    Ok(mail::latest(&mut conn, DEV_MAILBOX_SIZE)
        .await?
        .into_iter()
        .map(|m| DevMail {
            id: m.id,
            to: m.to_address,
            subject: m.subject,
            body: m.body_text,
            created_at: crate::db::format_local(m.created_at, &tz),
        })
        .collect())
}
