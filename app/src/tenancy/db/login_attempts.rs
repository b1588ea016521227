//! Login and password-reset attempts, kept in PostgreSQL so the limits hold across every app
//! server. An attempt is counted and written *before* any password work, under advisory locks
//! on its keys ([`begin`]), so a burst of parallel requests cannot slip under the limit.

use chrono::{Duration, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};

use crate::schema::login_attempts;

/// The window every limit counts in.
pub const WINDOW: Duration = Duration::minutes(15);

/// What is being limited; each kind counts on its own, so reset requests never lock anyone
/// out of logging in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A login.
    Login,
    /// A password reset request.
    Reset,
    /// A sign-up (it hashes a password and sends a mail).
    SignUp,
    /// A password change (it checks the current password: guessing from a stolen session).
    PasswordChange,
    /// A new confirmation link (a mail).
    Verification,
    /// An invitation (a mail to someone else).
    Invitation,
}

/// How many attempts a key gets in [`WINDOW`] before it must wait, and the longest wait.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Allowance {
    /// Attempts before back-off starts.
    pub free: i64,
    /// The first wait, in seconds; it doubles with each attempt after it.
    pub first_secs: i64,
    /// The longest wait, in seconds.
    pub cap_secs: i64,
}

impl Kind {
    const fn code(self) -> &'static str {
        match self {
            Self::Login => "login",
            Self::Reset => "reset",
            Self::SignUp => "sign_up",
            Self::PasswordChange => "password_change",
            Self::Verification => "verification",
            Self::Invitation => "invitation",
        }
    }

    /// Per account (or, for logins, per account *and* address: someone else's guesses never
    /// lock a person out at their own address).
    pub const fn per_account(self) -> Allowance {
        match self {
            Self::Login | Self::Reset | Self::PasswordChange => {
                Allowance { free: 5, first_secs: 30, cap_secs: 15 * 60 }
            }
            Self::SignUp | Self::Verification => Allowance { free: 3, first_secs: 60, cap_secs: 15 * 60 },
            Self::Invitation => Allowance { free: 20, first_secs: 30, cap_secs: 15 * 60 },
        }
    }

    /// Per address, whatever the accounts (credential stuffing; a shared office NAT with a few
    /// typos still fits).
    pub const fn per_address(self) -> Allowance {
        match self {
            Self::Login | Self::Reset | Self::PasswordChange | Self::Invitation => {
                Allowance { free: 30, first_secs: 60, cap_secs: 15 * 60 }
            }
            Self::SignUp => Allowance { free: 20, first_secs: 60, cap_secs: 15 * 60 },
            Self::Verification => Allowance { free: 10, first_secs: 60, cap_secs: 15 * 60 },
        }
    }

    /// Logins per account from every address together: many addresses guessing one account
    /// (the operator's) slow it down to a try a minute at most, never lock it.
    const ACCOUNT_WIDE: Allowance = Allowance { free: 20, first_secs: 5, cap_secs: 60 };

    /// Whether only failures count (logins, password changes) or every attempt (the rest: each
    /// sends a mail or creates something).
    const fn counts_failures_only(self) -> bool {
        matches!(self, Self::Login | Self::PasswordChange)
    }
}

/// The wait after `n` counted attempts with `allowance`: none within the free ones, then the
/// first wait, doubling with each attempt, up to the cap.
pub fn backoff_secs(n: i64, allowance: Allowance) -> i64 {
    if n <= allowance.free {
        return 0;
    }
    let doublings = u32::try_from((n - allowance.free - 1).min(30)).unwrap_or(30);
    allowance.first_secs.saturating_mul(1_i64 << doublings).min(allowance.cap_secs)
}

/// An attempt refused until its back-off passes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Wait {
    /// Seconds to wait.
    pub secs: i64,
}

impl Wait {
    /// "Esperá 8 segundos" / "Esperá 15 minutos".
    pub fn spanish(self) -> String {
        if self.secs < 60 {
            format!("Esperá {} segundo{}", self.secs.max(1), if self.secs == 1 { "" } else { "s" })
        } else {
            let min = (self.secs + 59) / 60;
            format!("Esperá {min} minuto{}", if min == 1 { "" } else { "s" })
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

/// Checks an attempt against the kind's limits and records it (as failed until [`succeeded`] says
/// otherwise) *before* any password or mail work. It runs in the call's transaction
/// ([`crate::call`]) and first takes transaction-scoped advisory locks on the attempt's keys (the
/// account and the address), so parallel attempts on one key take turns and each counts every
/// attempt committed before it: a burst cannot slip under the limits. Returns the attempt's id,
/// or how long to wait; a refused attempt is not recorded, so waiting is never prolonged by the
/// refusals themselves. The attempt counts once the caller's transaction commits: a failure that
/// must count (a wrong password) is answered as a kept refusal, which commits.
pub async fn begin(conn: &mut AsyncPgConnection, kind: Kind, email: &str, ip: &str) -> QueryResult<Result<i64, Wait>> {
    use diesel::sql_types::Text;
    let key = rate_key(ip);
    // Always in the same order, so two attempts never wait for each other's second lock.
    let mut locks = [format!("{}|account|{email}", kind.code()), format!("{}|address|{key}", kind.code())];
    locks.sort();
    let [first, second] = locks;
    diesel::sql_query(
        "SELECT pg_advisory_xact_lock(hashtextextended($1, 0)), pg_advisory_xact_lock(hashtextextended($2, 0))",
    )
    .bind::<Text, _>(&first)
    .bind::<Text, _>(&second)
    .execute(conn)
    .await?;
    let since = Utc::now() - WINDOW;
    // (count including this attempt, newest earlier attempt) for one key.
    let mut measure = async |by_email: bool, by_ip: bool| -> QueryResult<(i64, Option<chrono::DateTime<Utc>>)> {
        let mut q = login_attempts::table
            .filter(login_attempts::kind.eq(kind.code()))
            .filter(login_attempts::at.gt(since))
            .into_boxed();
        if kind.counts_failures_only() {
            q = q.filter(login_attempts::succeeded.eq(false));
        }
        if by_email {
            q = q.filter(login_attempts::email.eq(email));
        }
        if by_ip {
            q = q.filter(login_attempts::ip.eq(&key));
        }
        let rows: Vec<(i64, chrono::DateTime<Utc>)> = q
            .select((login_attempts::id, login_attempts::at))
            .order(login_attempts::at.desc())
            .limit(200)
            .load(conn)
            .await?;
        let newest = rows.iter().map(|(_, at)| *at).max();
        Ok((i64::try_from(rows.len()).unwrap_or(i64::MAX).saturating_add(1), newest))
    };
    let per_account = if kind == Kind::Login { measure(true, true).await? } else { measure(true, false).await? };
    let mut checks = vec![(per_account, kind.per_account()), (measure(false, true).await?, kind.per_address())];
    if kind == Kind::Login {
        checks.push((measure(true, false).await?, Kind::ACCOUNT_WIDE));
    }
    let now = Utc::now();
    let wait = checks
        .into_iter()
        .filter_map(|((n, newest), allowance)| {
            let until = newest? + Duration::seconds(backoff_secs(n, allowance));
            (until > now).then(|| (until - now).num_seconds() + 1)
        })
        .max();
    if let Some(secs) = wait {
        return Ok(Err(Wait { secs }));
    }
    diesel::insert_into(login_attempts::table)
        .values((
            login_attempts::kind.eq(kind.code()),
            login_attempts::email.eq(email),
            login_attempts::ip.eq(&key),
            login_attempts::succeeded.eq(false),
        ))
        .returning(login_attempts::id)
        .get_result(conn)
        .await
        .map(Ok)
}

/// Marks an attempt successful (it stops counting where only failures count).
pub async fn mark_succeeded(conn: &mut AsyncPgConnection, id: i64) -> QueryResult<()> {
    diesel::update(login_attempts::table.find(id)).set(login_attempts::succeeded.eq(true)).execute(conn).await.map(drop)
}

/// Marks a login attempt successful and forgives the account's earlier failures (a person who
/// got in is not locked out by their typos); the address' failures still count.
pub async fn succeeded(conn: &mut AsyncPgConnection, id: i64, email: &str) -> QueryResult<()> {
    mark_succeeded(conn, id).await?;
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
    use super::{Allowance, Kind, Wait, backoff_secs, rate_key};

    #[test]
    fn back_off_doubles_after_the_free_attempts_up_to_its_cap() {
        let a = Allowance { free: 5, first_secs: 1, cap_secs: 60 };
        let waits: Vec<i64> = (1..=13).map(|n| backoff_secs(n, a)).collect();
        assert_eq!(waits, [0, 0, 0, 0, 0, 1, 2, 4, 8, 16, 32, 60, 60]);
        let login = Kind::Login.per_account();
        assert_eq!((backoff_secs(6, login), backoff_secs(7, login)), (30, 60));
        assert_eq!(backoff_secs(i64::MAX, Kind::Login.per_account()), 15 * 60);
        assert_eq!(Wait { secs: 1 }.spanish(), "Esperá 1 segundo");
        assert_eq!(Wait { secs: 45 }.spanish(), "Esperá 45 segundos");
        assert_eq!(Wait { secs: 61 }.spanish(), "Esperá 2 minutos");
    }

    #[test]
    fn ipv6_counts_per_64_and_ipv4_per_address() {
        assert_eq!(rate_key("2001:db8:1:2:aaaa::1"), "2001:db8:1:2::/64");
        assert_eq!(rate_key("2001:db8:1:2:bbbb::9"), "2001:db8:1:2::/64");
        assert_eq!(rate_key("203.0.113.7"), "203.0.113.7");
        assert_eq!(rate_key("::ffff:203.0.113.7"), "203.0.113.7");
        assert_eq!(rate_key(""), "");
    }
}
