//! Login attempts, kept in PostgreSQL so the limits hold across every app server.

use chrono::{Duration, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};

use crate::schema::login_attempts;

/// The window both limits count in.
pub const WINDOW: Duration = Duration::minutes(15);
/// Failed attempts per account (email) per window: enough for typos, too few to guess.
pub const MAX_FAILURES_PER_ACCOUNT: i64 = 5;
/// Failed attempts per IP address per window, whatever the accounts (credential stuffing): a
/// shared office NAT with a few typos still fits.
pub const MAX_FAILURES_PER_IP: i64 = 30;

/// Whether another attempt for `email` from `ip` is refused, checked before any password work.
pub async fn is_limited(conn: &mut AsyncPgConnection, email: &str, ip: &str) -> QueryResult<bool> {
    let since = Utc::now() - WINDOW;
    let failures: i64 = login_attempts::table
        .filter(login_attempts::email.eq(email))
        .filter(login_attempts::succeeded.eq(false))
        .filter(login_attempts::at.gt(since))
        .count()
        .get_result(conn)
        .await?;
    if failures >= MAX_FAILURES_PER_ACCOUNT {
        return Ok(true);
    }
    let from_ip: i64 = login_attempts::table
        .filter(login_attempts::ip.eq(ip))
        .filter(login_attempts::succeeded.eq(false))
        .filter(login_attempts::at.gt(since))
        .count()
        .get_result(conn)
        .await?;
    Ok(from_ip >= MAX_FAILURES_PER_IP)
}

/// Records an attempt. A success clears the account's failures (a person who got in is not
/// locked out by their earlier typos); the address' failures stay.
pub async fn record(conn: &mut AsyncPgConnection, email: &str, ip: &str, succeeded: bool) -> QueryResult<()> {
    if succeeded {
        diesel::update(
            login_attempts::table.filter(login_attempts::email.eq(email)).filter(login_attempts::succeeded.eq(false)),
        )
        .set(login_attempts::email.eq(""))
        .execute(conn)
        .await?;
    }
    diesel::insert_into(login_attempts::table)
        .values((login_attempts::email.eq(email), login_attempts::ip.eq(ip), login_attempts::succeeded.eq(succeeded)))
        .execute(conn)
        .await
        .map(drop)
}

/// Deletes attempts older than a day (a job calls it).
pub async fn prune(conn: &mut AsyncPgConnection) -> QueryResult<usize> {
    diesel::delete(login_attempts::table.filter(login_attempts::at.lt(Utc::now() - Duration::days(1))))
        .execute(conn)
        .await
}
