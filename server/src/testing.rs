//! Test support, used by the HTTP tests and any database test: a fresh PostgreSQL database per
//! test, cloned from a migrated template (crates.io's pattern), dropped when the test ends.
//!
//! `DATABASE_URL` must point at a server where the user may create databases (the test
//! script's private cluster). The template, `mostrador_template`, is (re)built when its applied
//! migrations differ from the embedded ones; an advisory lock keeps parallel test binaries from
//! building it twice or cloning it while it is being built.

use anyhow::Context;
use diesel::QueryableByName;
use diesel::migration::MigrationSource;
use diesel::sql_types::Text;
use diesel_async::{AsyncPgConnection, RunQueryDsl};

use crate::db::{MIGRATIONS, connect};

/// Name of the migrated template database.
pub const TEMPLATE_DB: &str = "mostrador_template";
/// Advisory-lock key guarding the template.
const TEMPLATE_LOCK: i64 = 0x6d6f_7374; // "most"

/// A database of its own for one test. Dropped (with `FORCE`) when this value is dropped.
pub struct TestDatabase {
    admin_url: String,
    name: String,
    url: String,
}

/// One text column named `value`, for the catalogue queries below.
#[derive(QueryableByName)]
struct TextRow {
    #[diesel(sql_type = Text)]
    value: String,
}

impl TestDatabase {
    /// Creates `mostrador_test_<random>` from the template.
    pub async fn new() -> anyhow::Result<Self> {
        let admin_url = std::env::var("DATABASE_URL")
            .context("DATABASE_URL must point at a test PostgreSQL (scripts/test.sh sets it)")?;
        let mut admin = connect(&admin_url, std::time::Duration::from_secs(10)).await?;
        diesel::sql_query(format!("SELECT pg_advisory_lock({TEMPLATE_LOCK})")).execute(&mut admin).await?;
        let created = async {
            ensure_template(&mut admin, &admin_url).await?;
            let name = format!("mostrador_test_{:016x}", rand::random::<u64>());
            diesel::sql_query(format!("CREATE DATABASE {name} TEMPLATE {TEMPLATE_DB}")).execute(&mut admin).await?;
            Ok::<_, anyhow::Error>(name)
        }
        .await;
        diesel::sql_query(format!("SELECT pg_advisory_unlock({TEMPLATE_LOCK})")).execute(&mut admin).await?;
        let name = created?;
        let url = with_database(&admin_url, &name)?;
        Ok(Self { admin_url, name, url })
    }

    /// The URL of this test's database.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The database name.
    pub fn name(&self) -> &str {
        &self.name
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        let (admin_url, name) = (self.admin_url.clone(), self.name.clone());
        // Drop runs inside the test's runtime: do the async work on a thread of its own.
        let dropped = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
            rt.block_on(async {
                let mut admin = connect(&admin_url, std::time::Duration::from_secs(5)).await?;
                diesel::sql_query(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).execute(&mut admin).await?;
                Ok::<_, anyhow::Error>(())
            })
        })
        .join();
        if !matches!(dropped, Ok(Ok(()))) {
            eprintln!("warning: test database {} was not dropped", self.name);
        }
    }
}

/// Builds the template unless it exists with exactly the embedded migrations applied.
async fn ensure_template(admin: &mut AsyncPgConnection, admin_url: &str) -> anyhow::Result<()> {
    let mut wanted: Vec<String> = MigrationSource::<diesel::pg::Pg>::migrations(&MIGRATIONS)
        .map_err(|e| anyhow::anyhow!("{e}"))?
        .iter()
        .map(|m| m.name().version().to_string())
        .collect();
    wanted.sort();
    let template_url = with_database(admin_url, TEMPLATE_DB)?;
    let exists: Vec<TextRow> = diesel::sql_query("SELECT datname AS value FROM pg_database WHERE datname = $1")
        .bind::<Text, _>(TEMPLATE_DB)
        .load(admin)
        .await?;
    if !exists.is_empty() {
        let applied = async {
            let mut conn = connect(&template_url, std::time::Duration::from_secs(5)).await?;
            let rows: Vec<TextRow> =
                diesel::sql_query("SELECT version AS value FROM __diesel_schema_migrations ORDER BY version")
                    .load(&mut conn)
                    .await?;
            Ok::<_, anyhow::Error>(rows.into_iter().map(|r| r.value).collect::<Vec<_>>())
        }
        .await
        .unwrap_or_default();
        if applied == wanted {
            return Ok(());
        }
        diesel::sql_query(format!("DROP DATABASE {TEMPLATE_DB} WITH (FORCE)")).execute(admin).await?;
    }
    diesel::sql_query(format!("CREATE DATABASE {TEMPLATE_DB}")).execute(admin).await?;
    crate::db::run_migrations(&template_url).await?;
    Ok(())
}

/// `admin_url` with its database replaced by `name`.
pub fn with_database(admin_url: &str, name: &str) -> anyhow::Result<String> {
    let mut url = url::Url::parse(admin_url).context("DATABASE_URL is not a URL")?;
    url.set_path(&format!("/{name}"));
    Ok(url.to_string())
}
