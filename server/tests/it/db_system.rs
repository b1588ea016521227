//! `server_instances`: migrations create it with its checks, each server keeps its heartbeat
//! row, and a clean shutdown removes it.

use std::time::Duration;

use app::schema::server_instances;
use app::system::db::{NewServerInstance, ServerInstance};
use diesel::{QueryDsl, SelectableHelper};
use diesel_async::RunQueryDsl;
use server::testing::TestDatabase;

use crate::helpers::TestApp;

#[tokio::test]
async fn heartbeat_inserts_then_refreshes_one_row() {
    let db = TestDatabase::new().await.unwrap();
    let mut conn = server::db::connect(db.url(), Duration::from_secs(5)).await.unwrap();
    let me = NewServerInstance { id: "h:1:a", hostname: "h", version: "0.1.0", broker_mode: "embedded" };
    let all = || server_instances::table.select(ServerInstance::as_select());
    ServerInstance::heartbeat(&mut conn, &me).await.unwrap();
    let first: Vec<ServerInstance> = all().load(&mut conn).await.unwrap();
    tokio::time::sleep(Duration::from_millis(20)).await;
    ServerInstance::heartbeat(&mut conn, &me).await.unwrap();
    let second: Vec<ServerInstance> = all().load(&mut conn).await.unwrap();
    assert_eq!((first.len(), second.len()), (1, 1));
    assert!(second[0].last_seen_at > first[0].last_seen_at);
    assert_eq!(second[0].started_at, first[0].started_at);
    assert_eq!(ServerInstance::count_alive(&mut conn).await.unwrap(), 1);
}

#[tokio::test]
async fn servers_silent_for_a_minute_are_not_counted_and_old_ones_are_pruned() {
    let db = TestDatabase::new().await.unwrap();
    let mut conn = server::db::connect(db.url(), Duration::from_secs(5)).await.unwrap();
    diesel::sql_query(
        "INSERT INTO server_instances (id, hostname, version, broker_mode, started_at, last_seen_at) VALUES
         ('quiet', 'h', '0.1.0', 'external', now() - interval '2 hours', now() - interval '2 minutes'),
         ('gone',  'h', '0.1.0', 'external', now() - interval '3 days',  now() - interval '2 days')",
    )
    .execute(&mut conn)
    .await
    .unwrap();
    assert_eq!(ServerInstance::count_alive(&mut conn).await.unwrap(), 0);
    assert_eq!(ServerInstance::prune_stale(&mut conn).await.unwrap(), 1);
}

#[tokio::test]
async fn the_database_refuses_an_unknown_broker_mode() {
    let db = TestDatabase::new().await.unwrap();
    let mut conn = server::db::connect(db.url(), Duration::from_secs(5)).await.unwrap();
    let bad = NewServerInstance { id: "x", hostname: "h", version: "0.1.0", broker_mode: "carrier-pigeon" };
    let err = ServerInstance::heartbeat(&mut conn, &bad).await.unwrap_err();
    assert!(err.to_string().contains("check constraint"), "{err}");
}

#[tokio::test]
async fn a_running_server_counts_itself_and_clean_shutdown_removes_its_row() {
    let app = TestApp::spawn().await;
    app.wait_healthy().await;
    let mut conn = server::db::connect(app.db().url(), Duration::from_secs(5)).await.unwrap();
    // The first heartbeat runs at start-up; give it a moment to commit and to update the
    // monitor (it does so just after the commit).
    for _ in 0..50 {
        if ServerInstance::count_alive(&mut conn).await.unwrap() == 1
            && app.state.monitor.snapshot(false).servers_online >= 1
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(ServerInstance::count_alive(&mut conn).await.unwrap(), 1);
    assert!(app.state.monitor.snapshot(false).servers_online >= 1);

    let (ended, _db) = app.shutdown().await;
    ended.unwrap();
    assert_eq!(ServerInstance::count_alive(&mut conn).await.unwrap(), 0);
}
