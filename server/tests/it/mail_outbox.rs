//! The mail outbox against a local SMTP sink (a few lines of SMTP on loopback): mails queued by
//! a request are sent by the job over real SMTP and marked sent; with the SMTP server down they
//! stay queued with the error and a later attempt, never lost.

use std::time::Duration;

use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;
use tokio::sync::mpsc;

use crate::fixtures;

type Instant = chrono::DateTime<chrono::Utc>;
use crate::helpers::TestApp;

/// One mail as the sink received it.
#[derive(Debug)]
struct Received {
    rcpt: Vec<String>,
    data: String,
}

/// Accepts SMTP sessions and forwards each mail's envelope and data.
async fn smtp_sink() -> (u16, mpsc::UnboundedReceiver<Received>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let (tx, rx) = mpsc::unbounded_channel();
    tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else { return };
            let tx = tx.clone();
            tokio::spawn(async move {
                let (read, mut write) = stream.into_split();
                let mut lines = BufReader::new(read).lines();
                let _ = write.write_all(b"220 sink ESMTP\r\n").await;
                let mut rcpt = Vec::new();
                while let Ok(Some(line)) = lines.next_line().await {
                    let upper = line.to_ascii_uppercase();
                    let reply: &[u8] = if upper.starts_with("EHLO") || upper.starts_with("HELO") {
                        b"250-sink\r\n250 8BITMIME\r\n"
                    } else if upper.starts_with("RCPT TO:") {
                        rcpt.push(line[8..].trim().trim_matches(['<', '>']).to_owned());
                        b"250 ok\r\n"
                    } else if upper.starts_with("DATA") {
                        let _ = write.write_all(b"354 go on\r\n").await;
                        let mut data = String::new();
                        while let Ok(Some(l)) = lines.next_line().await {
                            if l == "." {
                                break;
                            }
                            data.push_str(&l);
                            data.push('\n');
                        }
                        let _ = tx.send(Received { rcpt: std::mem::take(&mut rcpt), data });
                        b"250 queued\r\n"
                    } else if upper.starts_with("QUIT") {
                        let _ = write.write_all(b"221 bye\r\n").await;
                        return;
                    } else {
                        b"250 ok\r\n"
                    };
                    let _ = write.write_all(reply).await;
                }
            });
        }
    });
    (port, rx)
}

#[tokio::test]
async fn queued_mail_is_sent_over_smtp_and_marked_sent() {
    let (port, mut inbox) = smtp_sink().await;
    let url = format!("smtp://127.0.0.1:{port}");
    let app = TestApp::spawn_with(&[
        ("APP_MAIL__SMTP_URL", &url),
        ("APP_MAIL__FROM", "Mostrador <hola@mostrador.test>"),
        ("APP_HTTP__PUBLIC_URL", "https://app.mostrador.test"),
        ("APP_MAIL__DEV_MAILBOX", "true"),
    ])
    .await;
    let mut conn = app.owner_conn().await;
    let user = fixtures::account(&mut conn, "olvidadiza@negocio.com.ar", false).await;
    let res = app.call("/api/tenancy/request_password_reset", &[("email", &user.email)], None).await;
    assert_eq!(res.status(), 200);

    let mail = tokio::time::timeout(Duration::from_secs(15), inbox.recv()).await.expect("mail in time").unwrap();
    assert_eq!(mail.rcpt, ["olvidadiza@negocio.com.ar"]);
    assert!(mail.data.contains("From: Mostrador <hola@mostrador.test>"), "{}", mail.data);
    // Links use the configured address, never the request's Host.
    assert!(mail.data.contains("https://app.mostrador.test/restablecer-contrasena?token="), "{}", mail.data);
    // The development mailbox does not exist when SMTP is configured.
    assert_eq!(app.call("/api/tenancy/list_dev_mail", &[], None).await.status(), 404);

    use app::schema::mail_outbox::dsl as m;
    for _ in 0..50 {
        let sent: Vec<Option<chrono::DateTime<chrono::Utc>>> =
            m::mail_outbox.select(m::sent_at).load(&mut conn).await.unwrap();
        if sent.iter().all(Option::is_some) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the mail was never marked sent");
}

#[tokio::test]
async fn mail_waits_with_its_error_while_smtp_is_down() {
    // Nothing listens on the discard port.
    let app = TestApp::spawn_with(&[
        ("APP_MAIL__SMTP_URL", "smtp://127.0.0.1:9"),
        ("APP_HTTP__PUBLIC_URL", "https://app.mostrador.test"),
    ])
    .await;
    let mut conn = app.owner_conn().await;
    let user = fixtures::account(&mut conn, "paciente@negocio.com.ar", false).await;
    app.call("/api/tenancy/request_password_reset", &[("email", &user.email)], None).await;

    use app::schema::mail_outbox::dsl as m;
    for _ in 0..100 {
        let rows: Vec<(i32, Option<String>, Option<Instant>, Instant)> = m::mail_outbox
            .select((m::attempts, m::last_error, m::sent_at, m::send_after))
            .load(&mut conn)
            .await
            .unwrap();
        if let [(attempts, Some(error), None, send_after)] = rows.as_slice()
            && *attempts >= 1
        {
            assert!(!error.is_empty());
            assert!(*send_after > chrono::Utc::now(), "the retry is scheduled later");
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the failed attempt was never recorded");
}

#[tokio::test]
async fn the_development_mailbox_exists_only_when_asked_for_and_only_for_the_operator_on_this_machine() {
    let app = TestApp::spawn().await;
    assert_eq!(app.call("/api/tenancy/list_dev_mail", &[], None).await.status(), 404, "off by default");
    let dev = TestApp::spawn_with(&[("APP_MAIL__DEV_MAILBOX", "true"), ("APP_HTTP__TRUST_FORWARDED", "true")]).await;
    let mut conn = dev.owner_conn().await;
    fixtures::account(&mut conn, "dev@negocio.com.ar", false).await;
    dev.call("/api/tenancy/request_password_reset", &[("email", "dev@negocio.com.ar")], None).await;
    // It holds every business' reset links: not for visitors, nor for a signed-in owner.
    assert_eq!(dev.call("/api/tenancy/list_dev_mail", &[], None).await.status(), 401);
    let owner = fixtures::account(&mut conn, "duena@negocio.com.ar", false).await;
    let (owner_session, _) = fixtures::session(&mut conn, &owner, None).await;
    assert_eq!(dev.call("/api/tenancy/list_dev_mail", &[], Some(&owner_session)).await.status(), 403);
    let operator = fixtures::account(&mut conn, "operador@mostrador.test", true).await;
    let (operator_session, _) = fixtures::session(&mut conn, &operator, None).await;
    let mails: Vec<shared::tenancy::dto::DevMail> =
        dev.call("/api/tenancy/list_dev_mail", &[], Some(&operator_session)).await.json().await.unwrap();
    assert_eq!(mails.len(), 1);
    assert!(mails[0].body.contains("/restablecer-contrasena?token="));
    // The operator's own session from another machine (through a proxy) is told it does not exist.
    let remote = dev
        .http
        .post(dev.url("/api/tenancy/list_dev_mail"))
        .header("origin", dev.origin())
        .header("cookie", operator_session.cookie_header())
        .header("x-forwarded-for", "203.0.113.9")
        .send()
        .await
        .unwrap();
    assert_eq!(remote.status(), 404);
}

#[tokio::test]
async fn without_a_public_address_only_loopback_host_names_are_served() {
    let app = TestApp::spawn_with(&[("APP_MAIL__DEV_MAILBOX", "true")]).await;
    // A page elsewhere whose name was re-pointed at 127.0.0.1 (DNS rebinding) sends its own name.
    for (host, status) in [("evil.example", 421), ("evil.example:3000", 421), ("localhost", 200), ("127.0.0.1", 200)] {
        let res = app.http.get(app.url("/health")).header("host", host).send().await.unwrap();
        assert_eq!(res.status().as_u16(), status, "{host}");
    }
    let res = app.http.get(app.url("/dev/correos")).header("host", "rebound.example").send().await.unwrap();
    assert_eq!(res.status().as_u16(), 421);
    assert!(res.text().await.unwrap().contains("APP_HTTP__PUBLIC_URL"));
}
