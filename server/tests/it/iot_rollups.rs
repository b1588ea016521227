//! Rollups and charts: minutes and hours rolled from readings, late readings re-rolled, and
//! charts that read hours, minutes and raw readings without counting any reading twice.

use chrono::{DateTime, Duration, DurationRound, Utc};
use diesel::sql_types::{BigInt, Text, Timestamptz};
use diesel_async::RunQueryDsl;
use shared::iot::dto::ChartSeries;

use crate::fixtures::business_with_session;
use crate::helpers::TestApp;
use crate::nodes::add_device;

#[derive(diesel::QueryableByName)]
struct N {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

async fn insert(conn: &mut diesel_async::AsyncPgConnection, uid: &str, at: DateTime<Utc>, value: i64) {
    diesel::sql_query(
        "INSERT INTO readings (tenant_id, device_id, kind, channel, at, value) \
         SELECT tenant_id, id, 1, 0, $2, $3::int4 FROM devices WHERE uid = $1",
    )
    .bind::<Text, _>(uid)
    .bind::<Timestamptz, _>(at)
    .bind::<BigInt, _>(value)
    .execute(conn)
    .await
    .unwrap();
}

async fn count(conn: &mut diesel_async::AsyncPgConnection, sql: &str) -> i64 {
    diesel::sql_query(sql).get_result::<N>(conn).await.unwrap().n
}

async fn roll_until_done(app: &TestApp) {
    let mut conn = app.owner_conn().await;
    for _ in 0..10 {
        app::iot::db::upkeep::roll_up(&mut conn, 400).await.unwrap();
    }
}

async fn chart_total(app: &TestApp, session: &crate::helpers::Session, uid: &str, range: &str) -> i64 {
    let res = app.call("/api/iot/get_device_charts", &[("uid", uid), ("range", range)], Some(session)).await;
    assert_eq!(res.status(), 200);
    let charts: Vec<ChartSeries> = res.json().await.unwrap();
    charts.iter().map(|c| c.readings).sum()
}

#[tokio::test]
#[expect(clippy::too_many_lines, reason = "one scenario in order: roll, late readings, re-roll, charts")]
async fn minutes_and_hours_roll_up_late_readings_are_rerolled_and_charts_count_each_reading_once() {
    let app = TestApp::spawn().await;
    app.wait_healthy().await;
    let (_, owner) = business_with_session(&app, "Granja Norte", "dueno@granja.com.ar").await;
    let device = add_device(&app, &owner, "Galpón").await;
    let mut conn = app.owner_conn().await;
    let now = Utc::now();
    let three_hours_ago = (now - Duration::hours(3)).duration_trunc(Duration::hours(1)).unwrap();
    // Start the rollups three hours back, as if the job had been off since then.
    diesel::sql_query("UPDATE reading_rollup_progress SET minutes_until = $1, hours_until = $1")
        .bind::<Timestamptz, _>(three_hours_ago)
        .execute(&mut conn)
        .await
        .unwrap();
    // Readings: three in a minute 2.5 h ago, two 20 min ago, one a minute ago (not rolled yet).
    let old = three_hours_ago + Duration::minutes(30);
    for (i, v) in [400, 410, 420].into_iter().enumerate() {
        insert(&mut conn, &device.uid, old + Duration::seconds(i as i64 * 10), v).await;
    }
    let recent = (now - Duration::minutes(20)).duration_trunc(Duration::minutes(1)).unwrap();
    insert(&mut conn, &device.uid, recent + Duration::seconds(5), 500).await;
    insert(&mut conn, &device.uid, recent + Duration::seconds(15), 520).await;
    insert(&mut conn, &device.uid, now - Duration::seconds(60), 600).await;
    // Charts list the sensors the device has reported (the ingest keeps this table).
    diesel::sql_query(
        "INSERT INTO device_latest (tenant_id, device_id, kind, channel, value, at) \
         SELECT tenant_id, id, 1, 0, 600, now() FROM devices WHERE uid = $1",
    )
    .bind::<Text, _>(&device.uid)
    .execute(&mut conn)
    .await
    .unwrap();
    roll_until_done(&app).await;

    let minute =
        |b: DateTime<Utc>| format!("SELECT n::int8 AS n FROM reading_minutes WHERE bucket = '{}'", b.to_rfc3339());
    assert_eq!(count(&mut conn, &minute(old)).await, 3);
    assert_eq!(count(&mut conn, &minute(recent)).await, 2);
    let hour = format!(
        "SELECT n::int8 AS n FROM reading_hours WHERE bucket = '{}'",
        old.duration_trunc(Duration::hours(1)).unwrap().to_rfc3339()
    );
    assert_eq!(count(&mut conn, &hour).await, 3);
    let newest =
        count(&mut conn, "SELECT count(*) AS n FROM reading_minutes WHERE bucket > now() - interval '5 minutes'").await;
    assert_eq!(newest, 0, "minutes younger than the lag are not rolled yet");

    // Every chart counts each reading once, whichever tables serve it.
    assert_eq!(chart_total(&app, &owner, &device.uid, "1h").await, 3);
    assert_eq!(chart_total(&app, &owner, &device.uid, "24h").await, 6);
    assert_eq!(chart_total(&app, &owner, &device.uid, "7d").await, 6);
    assert_eq!(chart_total(&app, &owner, &device.uid, "30d").await, 6);

    // A late reading (a node flushing its buffer) in the old minute: marked by the ingest,
    // re-rolled by the next round, minute and hour.
    let limits = app::iot::db::ingest::TimeLimits {
        earliest: now - Duration::days(30),
        latest: now + Duration::days(1),
        late_before: now - Duration::seconds(90),
    };
    let device_row = count(&mut conn, &format!("SELECT id AS n FROM devices WHERE uid = '{}'", device.uid)).await;
    let tenant = count(&mut conn, &format!("SELECT tenant_id AS n FROM devices WHERE uid = '{}'", device.uid)).await;
    let mut readings = heapless::Vec::new();
    readings
        .push(shared::iot::wire::Reading {
            k: shared::iot::sensor::SensorKind::Temperature,
            c: 0,
            t: (old + Duration::seconds(40)).timestamp_millis() as u64,
            v: 430,
        })
        .unwrap();
    let batch = app::iot::db::ingest::DeviceBatch {
        device_id: shared::ids::DeviceId(device_row),
        tenant_id: shared::ids::TenantId(tenant),
        key_version: 1,
        frames: vec![app::iot::db::ingest::VerifiedFrame {
            seq: 1,
            floor: 0,
            msg: shared::iot::wire::Uplink::Telemetry { readings },
            received_at: now,
            raw: bytes::Bytes::new(),
            refused: None,
        }],
        ..Default::default()
    };
    let outcome = app::iot::db::ingest::write_batch(&mut conn, &[batch], limits).await.unwrap();
    assert_eq!((outcome.readings, outcome.acks), (1, vec![(shared::ids::DeviceId(device_row), 1)]));
    roll_until_done(&app).await;
    assert_eq!(count(&mut conn, &minute(old)).await, 4);
    assert_eq!(count(&mut conn, &hour).await, 4);
    assert_eq!(count(&mut conn, "SELECT count(*) AS n FROM reading_rollup_dirty").await, 0);
    assert_eq!(chart_total(&app, &owner, &device.uid, "7d").await, 7);
}
