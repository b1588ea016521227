//! Guard rails for the schema: `app/src/schema.rs` says exactly what the migrations build (every
//! table, column, type, nullability and primary key), and every migration goes down and up again
//! leaving the same schema; stored codes read as their enums.

use std::collections::BTreeMap;
use std::time::Duration;

use diesel::QueryableByName;
use diesel::sql_types::{Bool, Text};
use diesel_async::{AsyncMigrationHarness, AsyncPgConnection, RunQueryDsl};
use diesel_migrations::MigrationHarness;
use server::testing::TestDatabase;

/// Tables the migrations create that `schema.rs` leaves out on purpose, and why.
const NOT_IN_SCHEMA_RS: &[(&str, &str)] = &[
    ("readings", "written by COPY and read through SQL in app/src/iot/db (partitioned by day)"),
    ("__diesel_schema_migrations", "diesel's own bookkeeping"),
];

/// One column: (SQL type as diesel names it, nullable).
type Columns = BTreeMap<String, (String, bool)>;

/// A table: its primary key, in order, and its columns.
#[derive(Debug, PartialEq, Eq)]
struct Table {
    key: Vec<String>,
    columns: Columns,
}

/// Reads `diesel::table! { name (key, ...) { column -> Type, ... } }` blocks.
fn parse_schema_rs(text: &str) -> BTreeMap<String, Table> {
    let mut tables = BTreeMap::new();
    let mut current: Option<(String, Table)> = None;
    for line in text.lines().map(str::trim) {
        if let Some((name, rest)) = line.split_once(" (").filter(|_| line.ends_with(") {")) {
            let key = rest.trim_end_matches(") {").split(',').map(|k| k.trim().to_owned()).collect();
            current = Some((name.to_owned(), Table { key, columns: Columns::new() }));
        } else if let Some((column, ty)) = line.strip_suffix(',').and_then(|l| l.split_once(" -> ")) {
            if let Some((_, table)) = current.as_mut() {
                let (ty, nullable) = match ty.strip_prefix("Nullable<").and_then(|t| t.strip_suffix('>')) {
                    Some(inner) => (inner, true),
                    None => (ty, false),
                };
                table.columns.insert(column.trim_start_matches("r#").to_owned(), (ty.to_owned(), nullable));
            }
        } else if line == "}"
            && let Some((name, table)) = current.take()
        {
            tables.insert(name, table);
        }
    }
    tables
}

#[derive(QueryableByName)]
struct ColumnRow {
    #[diesel(sql_type = Text)]
    table_name: String,
    #[diesel(sql_type = Text)]
    column_name: String,
    #[diesel(sql_type = Text)]
    type_name: String,
    #[diesel(sql_type = Bool)]
    nullable: bool,
}

#[derive(QueryableByName)]
struct KeyRow {
    #[diesel(sql_type = Text)]
    table_name: String,
    #[diesel(sql_type = Text)]
    column_name: String,
}

/// The diesel name of a PostgreSQL type (the ones this project uses).
fn diesel_type(pg: &str) -> String {
    match pg {
        "int8" => "Int8",
        "int4" => "Int4",
        "int2" => "Int2",
        "text" => "Text",
        "bool" => "Bool",
        "bytea" => "Bytea",
        "jsonb" => "Jsonb",
        "timestamptz" => "Timestamptz",
        "timestamp" => "Timestamp",
        "date" => "Date",
        "float8" => "Float8",
        "numeric" => "Numeric",
        "uuid" => "Uuid",
        "inet" => "Inet",
        // `xid8` and the like: not mapped in schema.rs, so any use shows up as a difference.
        other => return format!("<{other}>"),
    }
    .to_owned()
}

/// The public tables the database has (partitions left out: they are their parent's).
async fn tables_in(conn: &mut AsyncPgConnection) -> BTreeMap<String, Table> {
    let columns: Vec<ColumnRow> = diesel::sql_query(
        "SELECT c.relname::text AS table_name, a.attname::text AS column_name, t.typname::text AS type_name,
                NOT a.attnotnull AS nullable
           FROM pg_class c
           JOIN pg_namespace n ON n.oid = c.relnamespace AND n.nspname = 'public'
           JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
           JOIN pg_type t ON t.oid = a.atttypid
          WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition
          ORDER BY 1, a.attnum",
    )
    .load(conn)
    .await
    .unwrap();
    let keys: Vec<KeyRow> = diesel::sql_query(
        "SELECT c.relname::text AS table_name, a.attname::text AS column_name
           FROM pg_constraint p
           JOIN pg_class c ON c.oid = p.conrelid AND NOT c.relispartition
           JOIN pg_namespace n ON n.oid = c.relnamespace AND n.nspname = 'public'
           CROSS JOIN LATERAL unnest(p.conkey) WITH ORDINALITY AS k(attnum, ord)
           JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = k.attnum
          WHERE p.contype = 'p'
          ORDER BY 1, k.ord",
    )
    .load(conn)
    .await
    .unwrap();
    let mut tables: BTreeMap<String, Table> = BTreeMap::new();
    for c in columns {
        let table = tables.entry(c.table_name).or_insert_with(|| Table { key: Vec::new(), columns: Columns::new() });
        table.columns.insert(c.column_name, (diesel_type(&c.type_name), c.nullable));
    }
    for k in keys {
        if let Some(table) = tables.get_mut(&k.table_name) {
            table.key.push(k.column_name);
        }
    }
    tables
}

#[tokio::test]
async fn schema_rs_says_exactly_what_the_migrations_build() {
    let db = TestDatabase::new().await.unwrap();
    let mut conn = server::db::connect(db.url(), Duration::from_secs(5)).await.unwrap();
    let mut built = tables_in(&mut conn).await;
    for (table, _why) in NOT_IN_SCHEMA_RS {
        built.remove(*table);
    }
    let declared = parse_schema_rs(include_str!("../../../app/src/schema.rs"));
    assert!(declared.len() >= 20, "the parser read {} tables from schema.rs", declared.len());
    let mut differences = Vec::new();
    for name in built.keys().filter(|n| !declared.contains_key(*n)) {
        differences.push(format!("table {name} is built by the migrations but missing from schema.rs"));
    }
    for (name, table) in &declared {
        let Some(real) = built.get(name) else {
            differences.push(format!("schema.rs declares {name}, which the migrations do not build"));
            continue;
        };
        if table.key != real.key {
            differences
                .push(format!("{name}: primary key {:?} in schema.rs, {:?} in the database", table.key, real.key));
        }
        for (column, declared_as) in &table.columns {
            match real.columns.get(column) {
                None => differences.push(format!("{name}.{column} is in schema.rs but not in the database")),
                Some(actual) if actual != declared_as => differences
                    .push(format!("{name}.{column}: {declared_as:?} in schema.rs, {actual:?} in the database")),
                Some(_) => {}
            }
        }
        for column in real.columns.keys().filter(|c| !table.columns.contains_key(*c)) {
            differences.push(format!("{name}.{column} is in the database but not in schema.rs"));
        }
    }
    assert!(differences.is_empty(), "schema.rs drifted from the migrations:\n{}", differences.join("\n"));
}

#[test]
fn the_parser_reads_keys_types_and_nullability() {
    let declared = parse_schema_rs(
        "diesel::table! {\n    t (a, b) {\n        a -> Int8,\n        b -> Nullable<Text>,\n    }\n}\n",
    );
    let t = &declared["t"];
    assert_eq!(t.key, ["a", "b"]);
    assert_eq!(t.columns["a"], ("Int8".to_owned(), false));
    assert_eq!(t.columns["b"], ("Text".to_owned(), true));
}

#[tokio::test]
async fn every_migration_goes_down_and_up_again_to_the_same_schema() {
    let db = TestDatabase::new().await.unwrap();
    let mut conn = server::db::connect(db.url(), Duration::from_secs(5)).await.unwrap();
    let before = tables_in(&mut conn).await;
    let conn = tokio::task::spawn_blocking(move || {
        let mut harness = AsyncMigrationHarness::new(conn);
        let reverted = harness.revert_all_migrations(server::db::MIGRATIONS).expect("every down.sql runs").len();
        let applied = harness.run_pending_migrations(server::db::MIGRATIONS).expect("every up.sql runs again").len();
        assert_eq!(reverted, applied);
        assert!(applied >= 6, "{applied} migrations");
        harness.into_inner()
    })
    .await
    .unwrap();
    let mut conn = conn;
    let after = tables_in(&mut conn).await;
    assert_eq!(before, after, "down and up again leave the same tables, columns and keys");
}

#[tokio::test]
async fn stored_codes_read_as_their_enums_and_an_unknown_code_is_an_error() {
    use shared::tenancy::Role;
    use shared::tenancy::business::Rubro;
    #[derive(QueryableByName)]
    struct Codes {
        #[diesel(sql_type = Text)]
        role: Role,
        #[diesel(sql_type = Text)]
        rubro: Rubro,
    }
    let db = TestDatabase::new().await.unwrap();
    let mut conn = server::db::connect(db.url(), Duration::from_secs(5)).await.unwrap();
    let known: Codes = diesel::sql_query("SELECT 'cashier'::text AS role, 'riego'::text AS rubro")
        .get_result(&mut conn)
        .await
        .unwrap();
    assert_eq!((known.role, known.rubro), (Role::Cashier, Rubro::Riego));
    let unknown = diesel::sql_query("SELECT 'jefe'::text AS role, 'riego'::text AS rubro")
        .get_result::<Codes>(&mut conn)
        .await
        .err()
        .expect("an unknown code is refused, not read as some default");
    assert!(unknown.to_string().contains("unknown") && unknown.to_string().contains("jefe"), "{unknown}");
}

/// The codes a table's `CHECK` constraint `name` lists, in order.
async fn checked_codes(conn: &mut diesel_async::AsyncPgConnection, name: &str) -> Vec<String> {
    #[derive(QueryableByName)]
    struct Check {
        #[diesel(sql_type = Text)]
        def: String,
    }
    let check: Check =
        diesel::sql_query("SELECT pg_get_constraintdef(oid) AS def FROM pg_constraint WHERE conname = $1")
            .bind::<Text, _>(name)
            .get_result(conn)
            .await
            .unwrap();
    check.def.split('\'').skip(1).step_by(2).map(str::to_owned).collect()
}

#[tokio::test]
async fn every_stored_enum_and_its_check_name_the_same_codes_in_the_same_order() {
    use shared::iot::codes::{CommandStatus, EventKind};
    use shared::tenancy::audit::AuditAction;
    let db = TestDatabase::new().await.unwrap();
    let mut conn = server::db::connect(db.url(), Duration::from_secs(5)).await.unwrap();
    let audit: Vec<String> = AuditAction::ALL.iter().map(|a| a.code().to_owned()).collect();
    let cases = [
        ("audit_events_action_check", audit.clone()),
        ("account_events_action_check", audit),
        ("device_commands_status_check", CommandStatus::ALL.iter().map(|s| s.code().to_owned()).collect()),
        ("device_events_kind_check", EventKind::ALL.iter().map(|k| k.code().to_owned()).collect()),
    ];
    for (name, known) in cases {
        assert_eq!(checked_codes(&mut conn, name).await, known, "{name} and its enum differ");
    }
}
