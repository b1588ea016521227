//! The HTTP shell: server-rendered pages, the 404 page, `/health` and its failure mode,
//! security headers, request ids, graceful shutdown.

use crate::helpers::TestApp;

#[tokio::test]
async fn home_page_is_server_rendered_spanish_html() {
    let app = TestApp::spawn().await;
    let res = app.http.get(app.url("/")).send().await.unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["x-content-type-options"], "nosniff");
    let html = res.text().await.unwrap();
    assert!(html.contains(r#"<html lang="es-AR""#), "{html}");
    assert!(html.contains("Tu negocio, en un solo lugar"));
    // A visitor is offered to sign up or in, not the operator's pages.
    assert!(html.contains(r#"href="/registro""#) && html.contains(r#"href="/ingresar""#));
    assert!(!html.contains(r#"href="/sistema""#));
    assert!(html.contains(r#"rel="manifest""#));
}

#[tokio::test]
async fn home_page_sends_a_member_to_their_business() {
    let app = TestApp::spawn().await;
    let (_, owner) = crate::fixtures::business_with_session(&app, "Heladería Polo", "polo@helados.com.ar").await;
    let html = app.get_as("/", Some(&owner)).await.text().await.unwrap();
    assert!(html.contains("Heladería Polo") && html.contains(r#"data-testid="go-business""#), "{html}");
}

#[tokio::test]
async fn unknown_path_answers_404_with_a_spanish_page() {
    let app = TestApp::spawn().await;
    let res = app.http.get(app.url("/esto/no/existe")).send().await.unwrap();
    assert_eq!(res.status(), 404);
    assert!(res.text().await.unwrap().contains("No encontramos esta página"));
}

#[tokio::test]
async fn health_is_ok_when_database_and_broker_work() {
    let app = TestApp::spawn().await;
    app.wait_healthy().await;
    let body: serde_json::Value = app.http.get(app.url("/health")).send().await.unwrap().json().await.unwrap();
    assert_eq!(body["status"], "ok");
    assert!(body["database"]["Ok"]["latency_ms"].is_u64());
    assert!(body["broker"]["Ok"]["latency_ms"].is_u64());
}

#[tokio::test]
async fn health_answers_503_naming_the_database_when_it_is_gone() {
    let app = TestApp::spawn().await;
    app.wait_healthy().await;
    // Pull the database out from under the running server.
    let admin_url = std::env::var("DATABASE_URL").unwrap();
    let mut admin = server::db::connect(&admin_url, std::time::Duration::from_secs(5)).await.unwrap();
    use diesel_async::RunQueryDsl;
    diesel::sql_query(format!("DROP DATABASE {} WITH (FORCE)", app.db().name())).execute(&mut admin).await.unwrap();

    let res = app.http.get(app.url("/health")).send().await.unwrap();
    assert_eq!(res.status(), 503);
    let body: serde_json::Value = res.json().await.unwrap();
    assert_eq!(body["status"], "degraded");
    assert!(body["database"]["Down"]["reason"].as_str().unwrap().contains("base de datos"));
    assert!(body["broker"]["Ok"].is_object(), "the broker is still fine: {body}");
}

#[tokio::test]
async fn graceful_shutdown_stops_serving_and_returns_ok() {
    let app = TestApp::spawn().await;
    app.wait_healthy().await;
    let url = app.url("/health");
    let http = app.http.clone();
    let (ended, _db) = app.shutdown().await;
    ended.expect("clean shutdown");
    assert!(http.get(url).send().await.is_err(), "nothing listens after shutdown");
}

#[tokio::test]
async fn shutdown_does_not_wait_for_open_status_pages() {
    let app = TestApp::spawn().await;
    app.wait_healthy().await;
    // A status page left open: its event stream never ends by itself.
    let op = crate::fixtures::operator(&app).await;
    let stream = app.get_as("/api/system/events", Some(&op)).await;
    assert_eq!(stream.status(), 200);
    let (ended, _db) = app.shutdown().await;
    ended.expect("clean shutdown");
    // Ended by the server (a complete chunked body), not cut off when the drain time ran out.
    let body = stream.text().await.expect("the stream ended cleanly");
    assert!(body.contains("Snapshot"), "{body}");
}

#[tokio::test]
async fn every_answer_names_its_own_request_id_never_the_client_s() {
    let app = TestApp::spawn().await;
    let id = |res: &reqwest::Response| res.headers()["x-request-id"].to_str().unwrap().to_owned();
    let first = app.http.get(app.url("/")).send().await.unwrap();
    let second = app.http.get(app.url("/no-existe")).header("x-request-id", "inventado").send().await.unwrap();
    assert_eq!(second.status(), 404);
    let (a, b) = (id(&first), id(&second));
    assert!(a.len() == 16 && a.bytes().all(|c| c.is_ascii_hexdigit()), "{a}");
    assert!(b.len() == 16 && b != a && b != "inventado", "{b}");
    // Plain routes answer errors the way server functions do: status and the Spanish message.
    let url = format!("{}?device=abcdefghijkl&range=1h", server::http::export::EXPORT_URL);
    let export = app.http.get(app.url(&url)).send().await.unwrap();
    assert_eq!(export.status(), 401);
    assert_eq!(export.text().await.unwrap(), "Tenés que iniciar sesión.");
}
