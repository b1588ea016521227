//! The second wall: PostgreSQL row-level security. Every tenant-owned table has it enabled and
//! forced; the application's role owns nothing and does not bypass it, so a query that forgets
//! its tenant filter sees only the request's tenant, and without one, nothing.

use diesel::QueryableByName;
use diesel::sql_types::{BigInt, Bool, Text};
use diesel_async::{AsyncConnection, RunQueryDsl};
use shared::tenancy::Role;

use crate::fixtures;
use crate::helpers::TestApp;

#[derive(QueryableByName, Debug)]
struct TableRls {
    #[diesel(sql_type = Text)]
    table_name: String,
    #[diesel(sql_type = Bool)]
    enabled: bool,
    #[diesel(sql_type = Bool)]
    forced: bool,
}

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

#[tokio::test]
async fn every_tenant_table_has_row_level_security_enabled_and_forced() {
    let app = TestApp::spawn().await;
    let mut conn = app.owner_conn().await;
    // Tenant-owned: every table with a tenant_id column, and the tenants table itself.
    let tables: Vec<TableRls> = diesel::sql_query(
        "SELECT c.relname::text AS table_name, c.relrowsecurity AS enabled, c.relforcerowsecurity AS forced
           FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
          WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p')
            AND (c.relname = 'tenants' OR EXISTS (
                 SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attname = 'tenant_id' AND NOT a.attisdropped))
          ORDER BY 1",
    )
    .load(&mut conn)
    .await
    .unwrap();
    let names: Vec<&str> = tables.iter().map(|t| t.table_name.as_str()).collect();
    for expected in ["audit_events", "invitations", "memberships", "tenants"] {
        assert!(names.contains(&expected), "{expected} not found in {names:?}");
    }
    // account_events belongs to an account (user_id); its tenant_id only says in which business
    // the session was working. A business reads it through audit::list's scope filter; row-level
    // security for it (user or business) comes with the one request pipeline (issue 12).
    const ACCOUNT_OWNED: [&str; 1] = ["account_events"];
    let unprotected: Vec<&TableRls> = tables
        .iter()
        .filter(|t| !ACCOUNT_OWNED.contains(&t.table_name.as_str()))
        .filter(|t| !(t.enabled && t.forced))
        .collect();
    assert!(unprotected.is_empty(), "tables without forced RLS: {unprotected:?}");
}

#[tokio::test]
async fn the_app_role_owns_nothing_and_cannot_bypass_rls() {
    let app = TestApp::spawn().await;
    let mut conn = app.owner_conn().await;
    let role: Vec<Count> = diesel::sql_query(
        "SELECT count(*) AS n FROM pg_roles WHERE rolname = 'mostrador_app' AND NOT rolsuper AND NOT rolbypassrls",
    )
    .load(&mut conn)
    .await
    .unwrap();
    assert_eq!(role[0].n, 1);
    let owned: Vec<Count> = diesel::sql_query(
        "SELECT count(*) AS n FROM pg_tables WHERE schemaname = 'public' AND tableowner = 'mostrador_app'",
    )
    .load(&mut conn)
    .await
    .unwrap();
    assert_eq!(owned[0].n, 0);
}

#[tokio::test]
async fn an_unfiltered_query_as_the_app_role_sees_only_the_entered_tenant() {
    let app = TestApp::spawn().await;
    let mut owner = app.owner_conn().await;
    let a = fixtures::business(&mut owner, "Negocio A", "a@a.com.ar").await;
    let b = fixtures::business(&mut owner, "Negocio B", "b@b.com.ar").await;
    let extra = fixtures::account(&mut owner, "cajero@a.com.ar", false).await;
    fixtures::member(&mut owner, a.tenant_id, &extra, Role::Cashier).await;

    let app_url = server::config::app_role_url(app.db().url()).unwrap();
    let mut conn = server::db::connect(&app_url, std::time::Duration::from_secs(5)).await.unwrap();
    let count = async |conn: &mut diesel_async::AsyncPgConnection, sql: &str| -> i64 {
        let rows: Vec<Count> = diesel::sql_query(sql).load(conn).await.unwrap();
        rows[0].n
    };
    // No tenant entered: nothing.
    assert_eq!(count(&mut conn, "SELECT count(*) AS n FROM memberships").await, 0);
    assert_eq!(count(&mut conn, "SELECT count(*) AS n FROM tenants").await, 0);

    let (a_id, b_id) = (a.tenant_id, b.tenant_id);
    let (members, tenants, audit_b) = conn
        .transaction::<_, diesel::result::Error, _>(async |conn| {
            diesel::sql_query(format!("SELECT set_config('app.tenant_id', '{a_id}', true)")).execute(conn).await?;
            let m: Vec<Count> = diesel::sql_query("SELECT count(*) AS n FROM memberships").load(conn).await?;
            let t: Vec<Count> = diesel::sql_query("SELECT count(*) AS n FROM tenants").load(conn).await?;
            // Writing into another tenant is refused by the policy's WITH CHECK.
            // (In a savepoint, so the refusal does not abort the outer transaction.)
            let write = conn
                .transaction::<_, diesel::result::Error, _>(async |c| {
                    diesel::sql_query(format!("INSERT INTO audit_events (tenant_id, action) VALUES ({b_id}, 'login')"))
                        .execute(c)
                        .await
                })
                .await;
            Ok((m[0].n, t[0].n, write.is_err_and(|e| e.to_string().contains("row-level security"))))
        })
        .await
        .unwrap();
    assert_eq!((members, tenants), (2, 1), "A's owner and cashier, A itself");
    assert!(audit_b, "a row for tenant B cannot be written while in A");
    // An account in both businesses, inside A's transaction, still sees only A: its own rows
    // elsewhere are readable only while no business is entered (the business switcher).
    let both = fixtures::account(&mut owner, "ambos@ab.com.ar", false).await;
    fixtures::member(&mut owner, a_id, &both, Role::Viewer).await;
    fixtures::member(&mut owner, b_id, &both, Role::Viewer).await;
    let user = both.user_id;
    let (inside_a, outside) = conn
        .transaction::<_, diesel::result::Error, _>(async |conn| {
            diesel::sql_query(format!("SELECT set_config('app.user_id', '{user}', true)")).execute(conn).await?;
            let outside: Vec<Count> = diesel::sql_query("SELECT count(*) AS n FROM tenants").load(conn).await?;
            diesel::sql_query(format!("SELECT set_config('app.tenant_id', '{a_id}', true)")).execute(conn).await?;
            let t: Vec<Count> = diesel::sql_query("SELECT count(*) AS n FROM tenants").load(conn).await?;
            let m: Vec<Count> =
                diesel::sql_query(format!("SELECT count(*) AS n FROM memberships WHERE tenant_id <> {a_id}"))
                    .load(conn)
                    .await?;
            Ok(((t[0].n, m[0].n), outside[0].n))
        })
        .await
        .unwrap();
    assert_eq!(outside, 2, "the switcher sees both of the account's businesses");
    assert_eq!(inside_a, (1, 0), "inside A, nothing of B");
    // The setting was local to that transaction.
    assert_eq!(count(&mut conn, "SELECT count(*) AS n FROM memberships").await, 0);
}
