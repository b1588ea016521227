//! Login and password-reset attempts, kept in PostgreSQL so the limits hold across every app
//! server. An attempt is written *before* any password work and counted with the others, so a
//! burst of parallel requests cannot all slip under the limit.

use chrono::{Duration, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};

use crate::schema::login_attempts;

/// The window both limits count in.
pub const WINDOW: Duration = Duration::minutes(15);
/// Failed logins (or reset requests) per account (email) per window: enough for typos, too few
/// to guess.
pub const MAX_FAILURES_PER_ACCOUNT: i64 = 5;
/// Failed logins (or reset requests) per address per window, whatever the accounts (credential
/// stuffing): a shared office NAT with a few typos still fits.
pub const MAX_FAILURES_PER_IP: i64 = 30;

/// What is being limited; each kind counts on its own, so reset requests never lock anyone
/// out of logging in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A login.
    Login,
    /// A password reset request.
    Reset,
}

impl Kind {
    const fn code(self) -> &'static str {
        match self {
            Self::Login => "login",
            Self::Reset => "reset",
        }
    }
}

/// The address an attempt counts against: the IP itself, or its /64 for IPv6 (one subscriber
/// usually holds a whole /64).
pub fn rate_key(ip: &str) -> String {
    match ip.parse::<std::net::IpAddr>() {
        Ok(std::net::IpAddr::V6(v6)) if v6.to_ipv4_mapped().is_none() => {
            let s = v6.segments();
            format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
        }
        Ok(std::net::IpAddr::V6(v6)) => v6.to_ipv4_mapped().map(|v4| v4.to_string()).unwrap_or_default(),
        _ => ip.to_owned(),
    }
}

/// Records an attempt as failed (until [`succeeded`] says otherwise) and says whether, counting
/// it, a limit is exceeded. Returns the attempt's id and that verdict.
pub async fn begin(conn: &mut AsyncPgConnection, kind: Kind, email: &str, ip: &str) -> QueryResult<(i64, bool)> {
    let key = rate_key(ip);
    let id = diesel::insert_into(login_attempts::table)
        .values((
            login_attempts::kind.eq(kind.code()),
            login_attempts::email.eq(email),
            login_attempts::ip.eq(&key),
            login_attempts::succeeded.eq(false),
        ))
        .returning(login_attempts::id)
        .get_result(conn)
        .await?;
    let since = Utc::now() - WINDOW;
    let failures = |column_is_email: bool| {
        let base = login_attempts::table
            .filter(login_attempts::kind.eq(kind.code()))
            .filter(login_attempts::succeeded.eq(false))
            .filter(login_attempts::at.gt(since))
            .into_boxed();
        if column_is_email {
            base.filter(login_attempts::email.eq(email))
        } else {
            base.filter(login_attempts::ip.eq(&key))
        }
    };
    let for_account: i64 = failures(true).count().get_result(conn).await?;
    if for_account > MAX_FAILURES_PER_ACCOUNT {
        return Ok((id, true));
    }
    let for_ip: i64 = failures(false).count().get_result(conn).await?;
    Ok((id, for_ip > MAX_FAILURES_PER_IP))
}

/// Marks a login attempt successful and forgives the account's earlier failures (a person who
/// got in is not locked out by their typos); the address' failures still count.
pub async fn succeeded(conn: &mut AsyncPgConnection, id: i64, email: &str) -> QueryResult<()> {
    diesel::update(login_attempts::table.find(id)).set(login_attempts::succeeded.eq(true)).execute(conn).await?;
    forgive_account(conn, email).await
}

/// Detaches the account's failed logins from it (after a successful login or password reset).
pub async fn forgive_account(conn: &mut AsyncPgConnection, email: &str) -> QueryResult<()> {
    diesel::update(
        login_attempts::table
            .filter(login_attempts::kind.eq(Kind::Login.code()))
            .filter(login_attempts::email.eq(email))
            .filter(login_attempts::succeeded.eq(false)),
    )
    .set(login_attempts::email.eq(""))
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

#[cfg(test)]
mod tests {
    use super::rate_key;

    #[test]
    fn ipv6_counts_per_64_and_ipv4_per_address() {
        assert_eq!(rate_key("2001:db8:1:2:aaaa::1"), "2001:db8:1:2::/64");
        assert_eq!(rate_key("2001:db8:1:2:bbbb::9"), "2001:db8:1:2::/64");
        assert_eq!(rate_key("203.0.113.7"), "203.0.113.7");
        assert_eq!(rate_key("::ffff:203.0.113.7"), "203.0.113.7");
        assert_eq!(rate_key(""), "");
    }
}
