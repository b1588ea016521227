//! Sends the mail outbox: every few seconds a server takes the due mails (`FOR UPDATE SKIP
//! LOCKED`, so several servers never send one twice), sends them over SMTP with `lettre`, and
//! marks them sent or schedules a retry. With no SMTP configured a mail is written to the log
//! and stays readable on the development mailbox page.

use std::time::Duration;

use app::db::DbPool;
use app::tenancy::db::mail::{self, OutboxMail};
use lettre::message::Mailbox;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use crate::config::MailConfig;
use crate::jobs::JobError;

/// How often the outbox is looked at.
pub const POLL_EVERY: Duration = Duration::from_secs(3);
/// Mails per round.
const BATCH: i64 = 20;

/// Where mails go.
pub enum Sender {
    /// A real SMTP server.
    Smtp { transport: Box<AsyncSmtpTransport<Tokio1Executor>>, from: Mailbox },
    /// Nowhere: the log and the development mailbox.
    Log,
}

impl Sender {
    /// Builds the sender from the configuration.
    pub fn from_config(config: &MailConfig) -> anyhow::Result<Self> {
        match &config.smtp_url {
            None => Ok(Self::Log),
            Some(url) => {
                let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
                    .map_err(|e| anyhow::anyhow!("APP_MAIL__SMTP_URL: {e}"))?
                    .timeout(Some(Duration::from_secs(20)))
                    .build();
                let from = config.from.parse().map_err(|e| anyhow::anyhow!("APP_MAIL__FROM: {e}"))?;
                Ok(Self::Smtp { transport: Box::new(transport), from })
            }
        }
    }

    async fn send(&self, m: &OutboxMail) -> Result<(), SendError> {
        match self {
            Self::Log => {
                tracing::info!(to = %m.to_address, subject = %m.subject, body = %m.body_text, "mail (no SMTP configured; see /dev/correos)");
                Ok(())
            }
            Self::Smtp { transport, from } => {
                let to: Mailbox = m.to_address.parse()?;
                let message = Message::builder()
                    .from(from.clone())
                    .to(to)
                    .subject(&m.subject)
                    .header(lettre::message::header::ContentType::TEXT_PLAIN)
                    .body(m.body_text.clone())?;
                Ok(transport.send(message).await.map(drop)?)
            }
        }
    }
}

/// Why one mail was not sent (kept on its outbox row, which is retried with back-off).
#[derive(Debug, thiserror::Error)]
enum SendError {
    /// The stored address is not one SMTP accepts.
    #[error("bad address: {0}")]
    Address(#[from] lettre::address::AddressError),
    /// The message could not be built.
    #[error("message: {0}")]
    Message(#[from] lettre::error::Error),
    /// The SMTP server refused it or could not be reached.
    #[error("smtp: {0}")]
    Smtp(#[from] lettre::transport::smtp::Error),
}

/// Sends what is due; returns how many were sent. Claims first (a short transaction), then
/// sends with no lock or transaction held, then records each outcome.
#[tracing::instrument(skip_all)]
pub async fn send_due(pool: &DbPool, sender: &Sender) -> Result<usize, JobError> {
    let mut conn = pool.get().await?;
    let due = mail::claim_due(&mut conn, BATCH).await?;
    let mut sent = 0;
    for m in &due {
        let outcome = sender.send(m).await;
        let recorded = match &outcome {
            Ok(()) => mail::mark_sent(&mut conn, m.id).await,
            Err(e) => {
                tracing::warn!(mail = m.id.0, attempt = m.attempts + 1, error = %e, "mail not sent; will retry");
                mail::mark_failed(&mut conn, m, &e.to_string()).await
            }
        };
        recorded?;
        sent += usize::from(outcome.is_ok());
    }
    Ok(sent)
}
