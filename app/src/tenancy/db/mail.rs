//! The mail outbox: a mail is a row first, sent later by a job on any server (taken with
//! `FOR UPDATE SKIP LOCKED`), retried with back-off, so a restart or an SMTP outage loses none.

use chrono::{DateTime, Duration, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use shared::ids::MailId;

use crate::schema::mail_outbox;

/// A mail to send.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = mail_outbox)]
pub struct OutboxMail {
    pub id: MailId,
    pub to_address: String,
    pub subject: String,
    pub body_text: String,
    pub created_at: DateTime<Utc>,
    pub attempts: i32,
}

/// Give up after this many failed attempts (about a day with the back-off below).
pub const MAX_ATTEMPTS: i32 = 12;

/// Queues a mail (in the caller's transaction: it is sent only if the change commits).
pub async fn enqueue(conn: &mut AsyncPgConnection, to: &str, subject: &str, body: &str) -> QueryResult<()> {
    diesel::insert_into(mail_outbox::table)
        .values((mail_outbox::to_address.eq(to), mail_outbox::subject.eq(subject), mail_outbox::body_text.eq(body)))
        .execute(conn)
        .await
        .map(drop)
}

/// How long a server may take to send the mails it claimed before another server may take
/// them (a server that dies mid-send leaves them to the others after this).
pub const LEASE: Duration = Duration::minutes(5);

/// Claims up to `limit` due mails for this server: takes them with `FOR UPDATE SKIP LOCKED` and
/// moves them [`LEASE`] into the future, in a short transaction of its own. Sending happens
/// after, with no lock held; a mail is sent at least once (twice only if a server dies between
/// sending and [`mark_sent`]).
pub async fn claim_due(conn: &mut AsyncPgConnection, limit: i64) -> QueryResult<Vec<OutboxMail>> {
    use diesel_async::AsyncConnection;
    conn.transaction::<_, diesel::result::Error, _>(async |conn| {
        let due = take_due(conn, limit).await?;
        let ids: Vec<MailId> = due.iter().map(|m| m.id).collect();
        diesel::update(mail_outbox::table.filter(mail_outbox::id.eq_any(&ids)))
            .set(mail_outbox::send_after.eq(Utc::now() + LEASE))
            .execute(conn)
            .await?;
        Ok(due)
    })
    .await
}

/// Takes up to `limit` mails due now, locking them for this transaction.
pub async fn take_due(conn: &mut AsyncPgConnection, limit: i64) -> QueryResult<Vec<OutboxMail>> {
    mail_outbox::table
        .filter(mail_outbox::sent_at.is_null())
        .filter(mail_outbox::send_after.le(Utc::now()))
        .filter(mail_outbox::attempts.lt(MAX_ATTEMPTS))
        .order(mail_outbox::send_after.asc())
        .limit(limit)
        .for_update()
        .skip_locked()
        .select(OutboxMail::as_select())
        .load(conn)
        .await
}

/// Marks a mail sent.
pub async fn mark_sent(conn: &mut AsyncPgConnection, id: MailId) -> QueryResult<()> {
    diesel::update(mail_outbox::table.find(id))
        .set(mail_outbox::sent_at.eq(diesel::dsl::now))
        .execute(conn)
        .await
        .map(drop)
}

/// Records a failed attempt and schedules the next one (1, 2, 4... minutes, at most 4 hours).
pub async fn mark_failed(conn: &mut AsyncPgConnection, mail: &OutboxMail, error: &str) -> QueryResult<()> {
    let minutes = 1_i64 << mail.attempts.clamp(0, 8);
    diesel::update(mail_outbox::table.find(mail.id))
        .set((
            mail_outbox::attempts.eq(mail.attempts + 1),
            mail_outbox::last_error.eq(error),
            mail_outbox::send_after.eq(Utc::now() + Duration::minutes(minutes.min(240))),
        ))
        .execute(conn)
        .await
        .map(drop)
}

/// The latest mails, newest first (the development mailbox).
pub async fn latest(conn: &mut AsyncPgConnection, limit: i64) -> QueryResult<Vec<OutboxMail>> {
    mail_outbox::table.order(mail_outbox::id.desc()).limit(limit).select(OutboxMail::as_select()).load(conn).await
}
