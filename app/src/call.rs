//! The one way a server function runs. Each takes **one** pool connection and runs, in **one**
//! transaction: the session lookup, the guard (membership and role, or the operator flag), the
//! row-level-security settings of its scope, the work and its audit rows. At the exit it sets the
//! error's HTTP status once, and reports what the call cost PostgreSQL: the statements and
//! transactions counted on its connection go in the `call` span's DEBUG line, and in a
//! `Server-Timing` header when `APP_HTTP__SERVER_TIMING` is on (tests, development; never by
//! default, since counts differ between an unknown account and a wrong password).
//!
//! - [`in_business`]: a member of the session's current business whose role allows a permission;
//!   the work gets the [`TenantScope`].
//! - [`as_account`]: any signed-in account (its sessions, password, businesses); gets the
//!   [`SessionUser`], with `app.user_id` set.
//! - [`as_operator`]: the platform operator; gets the [`OperatorScope`], entered.
//! - [`as_visitor`]: anyone (sign-up, log-in, links from mails); gets the session if there is one.
//!
//! The work is an `async` closure `async |conn, scope| -> Result<T, AppError>`. A refusal that
//! must keep what the work wrote (a failed login counts against its limit) is the work's `Ok`
//! value: return `Ok(Err(e))` and flatten after the call.

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Instant;

use diesel::connection::{Instrumentation, InstrumentationEvent};
use diesel_async::{AsyncConnection, AsyncPgConnection};
use shared::tenancy::Permission;
use tracing::Instrument as _;

use crate::error::AppError;
use crate::tenancy::auth::{self, OperatorScope, SessionUser, TenantScope};

/// An `async` closure of a connection and a scope whose future is `Send` for every lifetime of
/// the two (what a server function's future needs), nameable on stable Rust. Implemented for
/// every such closure; callers never name it.
pub trait Work<A, B, R>: AsyncFnOnce(A, B) -> R + FnOnce(A, B) -> <Self as Work<A, B, R>>::Fut {
    /// The closure's future.
    type Fut: Future<Output = R>;
}

impl<F, A, B, Fut, R> Work<A, B, R> for F
where
    F: AsyncFnOnce(A, B) -> R + FnOnce(A, B) -> Fut,
    Fut: Future<Output = R>,
{
    type Fut = Fut;
}

/// The `Ok` value of work that may end in a refusal which must keep what the work wrote (a failed
/// login counts against its limit and is in the audit log): the transaction commits, then
/// [`kept`] turns it into the call's answer.
pub type Kept<T> = Result<T, AppError>;

/// A call's answer when its work returned a [`Kept`] value: the refusal, with its HTTP status.
pub fn kept<T>(result: Result<Kept<T>, AppError>) -> Result<T, AppError> {
    result.and_then(|kept| kept.map_err(AppError::reply))
}

/// Who is calling, for [`as_visitor`]: the request's facts and the session, if any.
#[derive(Debug, Clone)]
pub struct Visitor {
    /// Address, browser, the site's origin.
    pub meta: auth::RequestMeta,
    /// The live session behind the cookie.
    pub session: Option<SessionUser>,
}

/// Runs `work` in the session's current business if its role there allows `permission`.
/// No session: `Unauthenticated`; no business, no membership or a role that may not:
/// `Forbidden`; a suspended membership: `Suspended`.
pub async fn in_business<T, F>(permission: Permission, work: F) -> Result<T, AppError>
where
    T: Send,
    F: Send + for<'r, 's> Work<&'r mut AsyncPgConnection, &'s TenantScope, Result<T, AppError>, Fut: Send>,
{
    let span = span("business");
    run(span.clone(), async move |conn| {
        let user = signed_in(conn, &span).await?;
        let scope = auth::scope_in(conn, user.clone(), permission).await?;
        span.record("tenant_id", scope.tenant_id().0);
        let done = work(conn, &scope).await?;
        auth::note_activity(conn, &user, Some(&scope)).await?;
        Ok(done)
    })
    .await
}

/// Runs `work` as the signed-in account (`Unauthenticated` without a session).
pub async fn as_account<T, F>(work: F) -> Result<T, AppError>
where
    T: Send,
    F: Send + for<'r, 's> Work<&'r mut AsyncPgConnection, &'s SessionUser, Result<T, AppError>, Fut: Send>,
{
    let span = span("account");
    run(span.clone(), async move |conn| {
        let user = signed_in(conn, &span).await?;
        user.enter(conn).await?;
        let done = work(conn, &user).await?;
        auth::note_activity(conn, &user, None).await?;
        Ok(done)
    })
    .await
}

/// Runs `work` as the platform operator (`Unauthenticated`, or `Forbidden` for anyone else).
pub async fn as_operator<T, F>(work: F) -> Result<T, AppError>
where
    T: Send,
    F: Send + for<'r, 's> Work<&'r mut AsyncPgConnection, &'s OperatorScope, Result<T, AppError>, Fut: Send>,
{
    let span = span("operator");
    run(span.clone(), async move |conn| {
        let user = signed_in(conn, &span).await?;
        let operator = OperatorScope::of(&user).ok_or(AppError::Forbidden)?;
        operator.enter(conn).await?;
        let done = work(conn, &operator).await?;
        auth::note_activity(conn, &user, None).await?;
        Ok(done)
    })
    .await
}

/// Runs `work` for anyone: the public calls (sign-up, log-in, links from mails) and the ones
/// that answer visitors too (who am I, log out).
pub async fn as_visitor<T, F>(work: F) -> Result<T, AppError>
where
    T: Send,
    F: Send + for<'r, 's> Work<&'r mut AsyncPgConnection, &'s Visitor, Result<T, AppError>, Fut: Send>,
{
    let span = span("visitor");
    let meta = auth::request_meta();
    run(span.clone(), async move |conn| {
        let session = auth::current_session(conn).await?;
        if let Some(user) = &session {
            span.record("user_id", user.user_id.0);
        }
        let visitor = Visitor { meta, session };
        let done = work(conn, &visitor).await?;
        if let Some(user) = &visitor.session {
            auth::note_activity(conn, user, None).await?;
        }
        Ok(done)
    })
    .await
}

/// The session behind the cookie, named in `span`; `Unauthenticated` without one.
async fn signed_in(conn: &mut AsyncPgConnection, span: &tracing::Span) -> Result<SessionUser, AppError> {
    let user = auth::current_session(conn).await?.ok_or(AppError::Unauthenticated)?;
    span.record("user_id", user.user_id.0);
    Ok(user)
}

fn span(kind: &'static str) -> tracing::Span {
    tracing::info_span!("call", kind, tenant_id = tracing::field::Empty, user_id = tracing::field::Empty)
}

/// [`Work`] with the connection only: the steps [`run`] wraps in the transaction.
pub trait Steps<A, R>: AsyncFnOnce(A) -> R + FnOnce(A) -> <Self as Steps<A, R>>::Fut {
    /// The closure's future.
    type Fut: Future<Output = R>;
}

impl<F, A, Fut, R> Steps<A, R> for F
where
    F: AsyncFnOnce(A) -> R + FnOnce(A) -> Fut,
    Fut: Future<Output = R>,
{
    type Fut = Fut;
}

/// The pipeline itself: one connection, one transaction around `steps`, the status and the
/// report at the exit.
async fn run<T, F>(span: tracing::Span, steps: F) -> Result<T, AppError>
where
    T: Send,
    F: Send + for<'r> Steps<&'r mut AsyncPgConnection, Result<T, AppError>, Fut: Send>,
{
    async move {
        let started = Instant::now();
        let mut pooled = crate::db::conn().await.map_err(AppError::reply)?;
        let conn: &mut AsyncPgConnection = &mut pooled;
        let counts = Counts::watch(conn);
        let result = conn.transaction(steps).await;
        // The connection goes back to the pool: what runs on it next is not this call's.
        conn.set_instrumentation(Uncounted);
        report(&counts, started, result.as_ref().err());
        result.map_err(AppError::reply)
    }
    .instrument(span)
    .await
}

/// What a call cost its connection.
#[derive(Default)]
struct Counts {
    statements: AtomicU32,
    transactions: AtomicU32,
}

impl Counts {
    /// Counts from now on what runs on `conn` (replacing what counted its previous call).
    fn watch(conn: &mut AsyncPgConnection) -> Arc<Self> {
        let counts = Arc::new(Self::default());
        conn.set_instrumentation(Counter(counts.clone()));
        counts
    }
}

struct Counter(Arc<Counts>);

/// What a pooled connection counts between calls: nothing.
struct Uncounted;

impl Instrumentation for Uncounted {
    fn on_connection_event(&mut self, _: InstrumentationEvent<'_>) {}
}

impl Instrumentation for Counter {
    fn on_connection_event(&mut self, event: InstrumentationEvent<'_>) {
        match event {
            InstrumentationEvent::StartQuery { .. } => {
                self.0.statements.fetch_add(1, Ordering::Relaxed);
            }
            InstrumentationEvent::BeginTransaction { depth, .. } if depth.get() == 1 => {
                self.0.transactions.fetch_add(1, Ordering::Relaxed);
            }
            _ => {}
        }
    }
}

/// Logs the call at DEBUG and, when configured, answers with `Server-Timing`.
fn report(counts: &Counts, started: Instant, error: Option<&AppError>) {
    let statements = counts.statements.load(Ordering::Relaxed);
    let transactions = counts.transactions.load(Ordering::Relaxed);
    let ms = started.elapsed().as_secs_f64() * 1000.0;
    tracing::debug!(statements, transactions, ms, error = error.map(|e| format!("{e:?}")), "call");
    let enabled = crate::state::state().is_ok_and(|s| s.server_timing);
    if let (true, Some(response)) = (enabled, leptos::prelude::use_context::<leptos_axum::ResponseOptions>()) {
        let value = format!("db;desc=\"statements={statements} transactions={transactions}\";dur={ms:.2}");
        if let Ok(value) = http::HeaderValue::from_str(&value) {
            response.append_header(http::HeaderName::from_static("server-timing"), value);
        }
    }
}
