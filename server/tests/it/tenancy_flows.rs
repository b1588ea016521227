//! Accounts and businesses end to end through the HTTP API: sign up, log in (same answer for
//! unknown accounts, rate limits), password reset through the outbox, invitations, roles, the
//! last owner, sessions, suspension, CSRF and the security headers.

use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use shared::tenancy::Role;
use shared::tenancy::dto::{Member, Viewer};

use crate::fixtures::{self, PASSWORD};
use crate::helpers::{Session, TestApp};

async fn viewer(app: &TestApp, session: &Session) -> Option<Viewer> {
    app.run(&app::tenancy::api::account::GetViewer {}, Some(session)).await.unwrap()
}

async fn sign_up(app: &TestApp, email: &str, business: &str) -> reqwest::Response {
    app.call(
        "/api/tenancy/sign_up",
        &[
            ("email", email),
            ("password", "una frase bastante larga"),
            ("display_name", "Ana Pérez"),
            ("business_name", business),
            ("rubro", "carniceria_panaderia"),
            ("cuit", "20-12345678-6"),
            ("iva_condition", "monotributo"),
        ],
        None,
    )
    .await
}

async fn log_in(app: &TestApp, email: &str, password: &str) -> reqwest::Response {
    app.call("/api/tenancy/log_in", &[("email", email), ("password", password)], None).await
}

/// The latest mail to `to` in the outbox, and the `token=` of its link.
async fn last_mail_token(app: &TestApp, to: &str) -> (String, String) {
    use app::schema::mail_outbox::dsl as m;
    let mut conn = app.owner_conn().await;
    let body: String = m::mail_outbox
        .filter(m::to_address.eq(to))
        .order(m::id.desc())
        .select(m::body_text)
        .first(&mut conn)
        .await
        .unwrap();
    let token = body.split("token=").nth(1).unwrap().split_whitespace().next().unwrap().to_owned();
    (body, token)
}

fn invalid(body: &serde_json::Value) -> (&str, &str) {
    (body["invalid"]["field"].as_str().unwrap_or_default(), body["invalid"]["reason"].as_str().unwrap_or_default())
}

/// Signs up and follows the mailed link: the new owner's session.
async fn sign_up_and_confirm(app: &TestApp, email: &str, business: &str) -> (Session, reqwest::Response) {
    let res = sign_up(app, email, business).await;
    assert_eq!(res.status(), 200, "{:?}", res.headers());
    let (_, token) = last_mail_token(app, &email.trim().to_lowercase()).await;
    let res = app
        .call("/api/tenancy/confirm_sign_up", &[("token", &token), ("password", "una frase bastante larga")], None)
        .await;
    assert_eq!(res.status(), 200, "{:?}", res.headers());
    (Session::from_response(&res).expect("a session"), res)
}

async fn count_users(app: &TestApp, email: &str) -> i64 {
    use app::schema::users::dsl as u;
    u::users.filter(u::email.eq(email)).count().get_result(&mut app.owner_conn().await).await.unwrap()
}

#[tokio::test]
async fn sign_up_creates_the_business_its_owner_and_a_secure_session_from_the_mailed_link() {
    let app = TestApp::spawn().await;
    let res = sign_up(&app, " Ana@Carniceria.com.AR ", "Carnicería Don Pepe").await;
    assert_eq!(res.status(), 200);
    assert!(res.headers().get("set-cookie").is_none(), "no session before the address is proven");
    assert_eq!(count_users(&app, "ana@carniceria.com.ar").await, 0, "nothing is created before the link");
    let (body, token) = last_mail_token(&app, "ana@carniceria.com.ar").await;
    assert!(body.contains("/confirmar-alta?token="), "{body}");
    assert!(!body.contains("Carnicería") && !body.contains("Ana"), "no text of the form's sender in the mail: {body}");

    // Whoever holds the link must also know the password chosen in the form (else a stranger
    // could file a sign-up for someone's address and have them activate it); a wrong one uses
    // nothing up.
    let wrong = app.call("/api/tenancy/confirm_sign_up", &[("token", &token), ("password", "otra cosa")], None).await;
    assert_eq!(wrong.status(), 422);
    let body: serde_json::Value = wrong.json().await.unwrap();
    assert_eq!(invalid(&body).0, "password");
    assert_eq!(count_users(&app, "ana@carniceria.com.ar").await, 0);

    let res = app
        .call("/api/tenancy/confirm_sign_up", &[("token", &token), ("password", "una frase bastante larga")], None)
        .await;
    assert_eq!(res.status(), 200, "{:?}", res.headers());
    let cookie = res.headers().get("set-cookie").unwrap().to_str().unwrap().to_owned();
    assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax") && cookie.contains("Path=/"), "{cookie}");
    assert!(!cookie.contains("Secure"), "plain http in tests: no Secure flag");
    let session = Session::from_response(&res).unwrap();

    let v = viewer(&app, &session).await.expect("signed in");
    assert_eq!(v.email, "ana@carniceria.com.ar");
    assert!(v.email_verified, "following the mailed link proved the address");
    let current = v.current.expect("a business");
    assert_eq!(current.name, "Carnicería Don Pepe");
    assert_eq!(current.role, Role::Owner);

    let business: shared::tenancy::dto::BusinessSettings =
        app.call("/api/tenancy/get_business", &[], Some(&session)).await.json().await.unwrap();
    assert_eq!(business.slug, "carniceria-don-pepe");
    assert_eq!(business.cuit, "20-12345678-6");
    assert_eq!(business.time_zone, "America/Argentina/Buenos_Aires");
    assert_eq!(business.currency, "ARS");

    // The link works once.
    let again = app
        .call("/api/tenancy/confirm_sign_up", &[("token", &token), ("password", "una frase bastante larga")], None)
        .await;
    assert_eq!(again.status(), 422);
    let body: serde_json::Value = again.json().await.unwrap();
    assert_eq!(invalid(&body).0, "token");
    assert_eq!(count_users(&app, "ana@carniceria.com.ar").await, 1);

    // Same slug again gets a suffix.
    let (s2, _) = sign_up_and_confirm(&app, "otra@carniceria.com.ar", "Carnicería Don Pepe").await;
    let b2: shared::tenancy::dto::BusinessSettings =
        app.call("/api/tenancy/get_business", &[], Some(&s2)).await.json().await.unwrap();
    assert_eq!(b2.slug, "carniceria-don-pepe-2");
}

#[tokio::test]
async fn sign_up_never_tells_whether_an_address_has_an_account() {
    let app = TestApp::spawn().await;
    sign_up_and_confirm(&app, "ana@carniceria.com.ar", "Carnicería Don Pepe").await;
    let answer = |res: reqwest::Response| async move {
        let status = res.status();
        let location = res.headers().get("location").map(|v| v.to_str().unwrap().to_owned());
        let cookie = res.headers().get("set-cookie").is_some();
        (status, location, cookie, res.text().await.unwrap())
    };
    let taken = answer(sign_up(&app, "ana@carniceria.com.ar", "Otro").await).await;
    let free = answer(sign_up(&app, "nadie@carniceria.com.ar", "Otro").await).await;
    assert_eq!(taken, free, "the same answer for a taken and a free address");
    assert!(!taken.3.contains("cuenta"), "{}", taken.3);

    // The owner of the taken address is told, with the ways in; the account is unchanged.
    let (subject, body): (String, String) = {
        use app::schema::mail_outbox::dsl as m;
        m::mail_outbox
            .filter(m::to_address.eq("ana@carniceria.com.ar"))
            .order(m::id.desc())
            .select((m::subject, m::body_text))
            .first(&mut app.owner_conn().await)
            .await
            .unwrap()
    };
    assert_eq!(subject, "Ya tenés una cuenta en Mostrador");
    assert!(body.contains("/ingresar") && body.contains("/recuperar-contrasena") && !body.contains("token="), "{body}");
    assert_eq!(count_users(&app, "ana@carniceria.com.ar").await, 1);
    assert_eq!(log_in(&app, "ana@carniceria.com.ar", "una frase bastante larga").await.status(), 200);

    // Two sign-ups for one free address: the first link used ends the other.
    sign_up(&app, "doble@carniceria.com.ar", "Primero").await;
    let (_, first) = last_mail_token(&app, "doble@carniceria.com.ar").await;
    sign_up(&app, "doble@carniceria.com.ar", "Segundo").await;
    let (_, second) = last_mail_token(&app, "doble@carniceria.com.ar").await;
    assert_eq!(
        app.call("/api/tenancy/confirm_sign_up", &[("token", &second), ("password", "una frase bastante larga")], None)
            .await
            .status(),
        200
    );
    assert_eq!(
        app.call("/api/tenancy/confirm_sign_up", &[("token", &first), ("password", "una frase bastante larga")], None)
            .await
            .status(),
        422
    );
    assert_eq!(count_users(&app, "doble@carniceria.com.ar").await, 1);
}

#[tokio::test]
async fn sign_up_names_the_wrong_field_in_spanish() {
    let app = TestApp::spawn().await;
    let cases = [
        ("email", "sin-arroba", "@"),
        ("password", "corta", "10 caracteres"),
        ("cuit", "20-12345678-5", "verificador"),
        ("rubro", "astronautas", "rubro"),
    ];
    for (field, value, expected) in cases {
        let mut form = vec![
            ("email", "ok@negocio.com.ar"),
            ("password", "una frase bastante larga"),
            ("display_name", "Ana"),
            ("business_name", "Negocio"),
            ("rubro", "otro"),
            ("cuit", ""),
            ("iva_condition", "monotributo"),
        ];
        form.iter_mut().find(|(k, _)| *k == field).unwrap().1 = value;
        let res = app.call("/api/tenancy/sign_up", &form, None).await;
        assert_eq!(res.status(), 422, "{field}");
        let body: serde_json::Value = res.json().await.unwrap();
        assert_eq!(invalid(&body).0, field);
        assert!(invalid(&body).1.contains(expected), "{field}: {body}");
    }
}

#[tokio::test]
async fn unknown_email_and_wrong_password_get_the_same_answer() {
    let app = TestApp::spawn().await;
    let mut conn = app.owner_conn().await;
    fixtures::account(&mut conn, "real@negocio.com.ar", false).await;
    let unknown = log_in(&app, "nadie@negocio.com.ar", "lo que sea 123").await;
    let wrong = log_in(&app, "real@negocio.com.ar", "lo que sea 123").await;
    assert_eq!((unknown.status().as_u16(), wrong.status().as_u16()), (422, 422));
    assert!(unknown.headers().get("set-cookie").is_none());
    assert_eq!(unknown.text().await.unwrap(), wrong.text().await.unwrap());
    let ok = log_in(&app, "REAL@negocio.com.ar", PASSWORD).await;
    assert_eq!(ok.status(), 200);
    assert!(Session::from_response(&ok).is_some());
}

#[tokio::test]
async fn login_is_rate_limited_per_account_and_per_address() {
    let app = TestApp::spawn().await;
    let mut conn = app.owner_conn().await;
    fixtures::account(&mut conn, "victima@negocio.com.ar", false).await;
    for _ in 0..5 {
        assert_eq!(log_in(&app, "victima@negocio.com.ar", "adivinando 1234").await.status(), 422);
    }
    // Even the right password is refused now, with the limit's message.
    let res = log_in(&app, "victima@negocio.com.ar", PASSWORD).await;
    let body: serde_json::Value = res.json().await.unwrap();
    assert!(invalid(&body).1.contains("Demasiados intentos"), "{body}");

    // Per address: 30 attempts in the window, whatever the accounts.
    for i in 0..25 {
        log_in(&app, &format!("otro{i}@negocio.com.ar"), "adivinando 1234").await;
    }
    let body: serde_json::Value = log_in(&app, "cualquiera@negocio.com.ar", "x1234567890").await.json().await.unwrap();
    assert!(invalid(&body).1.contains("Demasiados intentos"), "{body}");
}

#[tokio::test]
async fn a_burst_of_parallel_guesses_gets_only_the_free_attempts() {
    let app = TestApp::spawn_with(&[("APP_DATABASE__POOL_SIZE", "8")]).await;
    let mut conn = app.owner_conn().await;
    fixtures::account(&mut conn, "rafaga@negocio.com.ar", false).await;
    let guesses = (0..12)
        .map(|i| log_in(&app, "rafaga@negocio.com.ar", if i % 2 == 0 { "adivinando 1234" } else { "x9876543210" }));
    let answers = futures::future::join_all(guesses).await;
    let mut wrong_password = 0;
    for res in answers {
        assert_eq!(res.status(), 422);
        let body: serde_json::Value = res.json().await.unwrap();
        let reason = invalid(&body).1.to_owned();
        if reason == app::tenancy::service::BAD_CREDENTIALS {
            wrong_password += 1;
        } else {
            assert!(reason.contains("Demasiados intentos"), "{body}");
        }
    }
    // The attempts take turns on the account's lock: exactly the five free ones were checked.
    assert_eq!(wrong_password, 5, "parallel guesses slipped under the limit");
    let failed: i64 = app::schema::login_attempts::table
        .filter(app::schema::login_attempts::email.eq("rafaga@negocio.com.ar"))
        .count()
        .get_result(&mut conn)
        .await
        .unwrap();
    assert_eq!(failed, 5, "each checked guess is recorded, refused ones are not");
}

/// Logs in as if from `ip` (the test server trusts `X-Forwarded-For`).
async fn log_in_from(app: &TestApp, ip: &str, email: &str, password: &str) -> reqwest::Response {
    app.http
        .post(app.url("/api/tenancy/log_in"))
        .header("origin", app.origin())
        .header("content-type", "application/x-www-form-urlencoded")
        .header("x-forwarded-for", ip)
        .body(crate::helpers::serde_urlencoded_pairs(&[("email", email), ("password", password)]))
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn someone_else_s_guesses_never_lock_a_person_out_at_their_own_address() {
    let app = TestApp::spawn_with(&[("APP_HTTP__TRUST_FORWARDED", "true")]).await;
    let mut conn = app.owner_conn().await;
    fixtures::account(&mut conn, "operador@mostrador.test", true).await;
    for _ in 0..6 {
        log_in_from(&app, "203.0.113.66", "operador@mostrador.test", "adivinando 1234").await;
    }
    let body: serde_json::Value =
        log_in_from(&app, "203.0.113.66", "operador@mostrador.test", PASSWORD).await.json().await.unwrap();
    assert!(invalid(&body).1.contains("Demasiados intentos"), "the guessing address waits: {body}");
    assert!(invalid(&body).1.contains("Esperá"), "and is told how long: {body}");
    // The operator, from their own address, gets in at once.
    assert_eq!(log_in_from(&app, "198.51.100.7", "operador@mostrador.test", PASSWORD).await.status(), 200);
    // Guesses from many addresses slow the account down, never for long (a try a minute at most).
    for i in 0..21 {
        log_in_from(&app, &format!("192.0.2.{i}"), "operador@mostrador.test", "adivinando 1234").await;
    }
    let body: serde_json::Value =
        log_in_from(&app, "198.51.100.7", "operador@mostrador.test", PASSWORD).await.json().await.unwrap();
    let reason = invalid(&body).1;
    assert!(reason.contains("segundo"), "a wait in seconds, not a lock: {body}");
}

#[tokio::test]
async fn sign_up_password_change_and_mails_are_rate_limited() {
    let app = TestApp::spawn().await;
    // Sign-ups from one address: each hashes a password and sends a mail.
    for i in 0..20 {
        assert_eq!(sign_up(&app, &format!("alta{i}@negocio.com.ar"), &format!("Negocio {i}")).await.status(), 200);
    }
    let body: serde_json::Value = sign_up(&app, "alta99@negocio.com.ar", "Negocio 99").await.json().await.unwrap();
    assert_eq!(invalid(&body).0, "email");
    assert!(invalid(&body).1.contains("Demasiados intentos"), "{body}");
    // Guessing the current password from a stolen session.
    let (b, session) = fixtures::business_with_session(&app, "Ferretería Tito", "tito@ferreteria.com.ar").await;
    let change = |current: &str| {
        let current = current.to_owned();
        let session = &session;
        let app = &app;
        async move {
            app.call(
                "/api/tenancy/change_password",
                &[("current_password", &current), ("new_password", "otra frase bastante larga")],
                Some(session),
            )
            .await
        }
    };
    for _ in 0..5 {
        assert_eq!(change("adivinando 1234").await.status(), 422);
    }
    let body: serde_json::Value = change(PASSWORD).await.json().await.unwrap();
    assert_eq!(invalid(&body).0, "current_password");
    assert!(invalid(&body).1.contains("Demasiados intentos"), "{body}");
    // New confirmation links: three, then wait.
    let mut conn = app.owner_conn().await;
    diesel::sql_query(format!("UPDATE users SET email_verified_at = NULL WHERE id = {}", b.owner.user_id))
        .execute(&mut conn)
        .await
        .unwrap();
    for _ in 0..3 {
        assert_eq!(app.call("/api/tenancy/resend_verification", &[], Some(&session)).await.status(), 200);
    }
    assert_eq!(app.call("/api/tenancy/resend_verification", &[], Some(&session)).await.status(), 422);
}

#[tokio::test]
async fn password_reset_through_the_mailed_link_ends_old_sessions() {
    let app = TestApp::spawn().await;
    let (b, old_session) = fixtures::business_with_session(&app, "Verdulería Lola", "lola@verduleria.com.ar").await;
    // Unknown addresses get the same answer and no mail.
    assert_eq!(
        app.call("/api/tenancy/request_password_reset", &[("email", "nadie@x.com.ar")], None).await.status(),
        200
    );
    let res = app.call("/api/tenancy/request_password_reset", &[("email", &b.owner.email)], None).await;
    assert_eq!(res.status(), 200);
    let (body, token) = last_mail_token(&app, &b.owner.email).await;
    assert!(body.contains("/restablecer-contrasena?token="), "{body}");

    let weak = app.call("/api/tenancy/reset_password", &[("token", &token), ("password", "corta")], None).await;
    assert_eq!(weak.status(), 422);
    let res =
        app.call("/api/tenancy/reset_password", &[("token", &token), ("password", "la nueva contraseña")], None).await;
    assert_eq!(res.status(), 200);
    let new_session = Session::from_response(&res).expect("signed in after the reset");
    assert!(viewer(&app, &new_session).await.is_some());
    assert!(viewer(&app, &old_session).await.is_none(), "old sessions end");
    assert_eq!(log_in(&app, &b.owner.email, PASSWORD).await.status(), 422);
    assert_eq!(log_in(&app, &b.owner.email, "la nueva contraseña").await.status(), 200);
    let reused =
        app.call("/api/tenancy/reset_password", &[("token", &token), ("password", "otra contraseña más")], None).await;
    assert_eq!(reused.status(), 422, "a link works once");
}

#[tokio::test]
async fn an_invited_cashier_joins_and_cannot_manage_members() {
    let app = TestApp::spawn().await;
    let (b, owner) = fixtures::business_with_session(&app, "Bar El Farol", "duenio@farol.com.ar").await;
    let res = app
        .call("/api/tenancy/invite_member", &[("email", "caja@farol.com.ar"), ("role", "cashier")], Some(&owner))
        .await;
    assert_eq!(res.status(), 200);
    // A second open invitation for the same address is refused next to the field.
    let again = app
        .call("/api/tenancy/invite_member", &[("email", "caja@farol.com.ar"), ("role", "viewer")], Some(&owner))
        .await;
    assert_eq!(again.status(), 422);
    let (body, token) = last_mail_token(&app, "caja@farol.com.ar").await;
    assert!(body.contains("Bar El Farol") && body.contains("Cajero/a"), "{body}");

    let preview: shared::tenancy::dto::InvitationPreview =
        app.call("/api/tenancy/preview_invitation", &[("token", &token)], None).await.json().await.unwrap();
    assert_eq!(
        (preview.business_name.as_str(), preview.role, preview.account_exists),
        ("Bar El Farol", Role::Cashier, false)
    );

    let res = app
        .call(
            "/api/tenancy/sign_up_invited",
            &[("token", &token), ("display_name", "Caro"), ("password", "la caja de caro")],
            None,
        )
        .await;
    assert_eq!(res.status(), 200);
    let cashier = Session::from_response(&res).unwrap();
    let v = viewer(&app, &cashier).await.unwrap();
    assert_eq!(v.current.as_ref().map(|c| (c.tenant_id, c.role)), Some((b.tenant_id, Role::Cashier)));
    assert!(v.email_verified, "the invitation link proved the address");

    assert_eq!(app.call("/api/tenancy/list_members", &[], Some(&cashier)).await.status(), 403);
    assert_eq!(app.call("/api/tenancy/get_business", &[], Some(&cashier)).await.status(), 200);
    let html = app.get_as("/negocio/miembros", Some(&cashier)).await.text().await.unwrap();
    assert!(html.contains("No tenés permiso"));

    let members: Vec<Member> = app.call("/api/tenancy/list_members", &[], Some(&owner)).await.json().await.unwrap();
    assert_eq!(members.len(), 2);
    assert!(members.iter().any(|m| m.email == "caja@farol.com.ar" && m.role == Role::Cashier));
    // The link is used up.
    assert_eq!(app.call("/api/tenancy/preview_invitation", &[("token", &token)], None).await.status(), 422);
}

#[tokio::test]
async fn the_last_owner_can_be_neither_demoted_nor_removed() {
    let app = TestApp::spawn().await;
    let (b, owner) = fixtures::business_with_session(&app, "Riego del Sur", "duenia@riego.com.ar").await;
    let id = b.owner_member_id.to_string();
    let res = app
        .call(
            "/api/tenancy/update_member",
            &[("member_id", &id), ("role", "admin"), ("display_name", "Duenia"), ("phone", "")],
            Some(&owner),
        )
        .await;
    assert_eq!(res.status(), 422);
    let body: serde_json::Value = res.json().await.unwrap();
    assert_eq!(invalid(&body).0, "role");
    assert!(invalid(&body).1.contains("al menos un dueño"), "{body}");
    assert_eq!(app.call("/api/tenancy/remove_member", &[("member_id", &id)], Some(&owner)).await.status(), 409);

    // The database holds it even against a direct delete.
    let mut conn = app.owner_conn().await;
    let direct = diesel::sql_query(format!("DELETE FROM memberships WHERE id = {id}")).execute(&mut conn).await;
    assert!(direct.is_err_and(|e| app::tenancy::db::is_last_owner(&e)));

    // With a second owner, the first can step down.
    let other = fixtures::account(&mut conn, "socio@riego.com.ar", false).await;
    fixtures::member(&mut conn, b.tenant_id, &other, Role::Owner).await;
    let res = app
        .call(
            "/api/tenancy/update_member",
            &[
                ("member_id", &id),
                ("role", "admin"),
                ("display_name", "Duenia"),
                ("phone", "+54 9 11 1234-5678"),
                ("is_professional", "on"),
            ],
            Some(&owner),
        )
        .await;
    assert_eq!(res.status(), 200);
}

#[tokio::test]
async fn admins_manage_members_but_not_owners() {
    let app = TestApp::spawn().await;
    let (b, _) = fixtures::business_with_session(&app, "Tienda Moda", "duenia@moda.com.ar").await;
    let mut conn = app.owner_conn().await;
    let admin = fixtures::account(&mut conn, "admin@moda.com.ar", false).await;
    fixtures::member(&mut conn, b.tenant_id, &admin, Role::Admin).await;
    let (admin_s, _) = fixtures::session(&mut conn, &admin, Some(b.tenant_id)).await;
    let res = app
        .call("/api/tenancy/invite_member", &[("email", "otro@moda.com.ar"), ("role", "owner")], Some(&admin_s))
        .await;
    assert_eq!(res.status(), 422, "an admin cannot make owners");
    let res =
        app.call("/api/tenancy/remove_member", &[("member_id", &b.owner_member_id.to_string())], Some(&admin_s)).await;
    assert_eq!(res.status(), 403, "nor remove them");
    let res = app
        .call("/api/tenancy/invite_member", &[("email", "vende@moda.com.ar"), ("role", "cashier")], Some(&admin_s))
        .await;
    assert_eq!(res.status(), 200);
}

#[tokio::test]
async fn closing_other_sessions_signs_out_everywhere_else() {
    let app = TestApp::spawn().await;
    let (b, here) = fixtures::business_with_session(&app, "Centro Médico Sur", "dir@medico.com.ar").await;
    let mut conn = app.owner_conn().await;
    let (elsewhere, _) = fixtures::session(&mut conn, &b.owner, Some(b.tenant_id)).await;
    let listed: Vec<shared::tenancy::dto::SessionEntry> =
        app.call("/api/tenancy/list_my_sessions", &[], Some(&here)).await.json().await.unwrap();
    assert_eq!(listed.len(), 2);
    assert_eq!(listed.iter().filter(|s| s.current).count(), 1);
    let n: usize = app.call("/api/tenancy/revoke_other_sessions", &[], Some(&here)).await.json().await.unwrap();
    assert_eq!(n, 1);
    assert!(viewer(&app, &elsewhere).await.is_none());
    assert!(viewer(&app, &here).await.is_some());
    // Logging out ends this one too and clears the cookie.
    let res = app.call("/api/tenancy/log_out", &[], Some(&here)).await;
    assert!(res.headers().get("set-cookie").unwrap().to_str().unwrap().contains("Max-Age=0"));
    assert!(viewer(&app, &here).await.is_none());
}

#[tokio::test]
async fn a_suspended_business_is_refused_until_reinstated() {
    let app = TestApp::spawn().await;
    let (b, owner) = fixtures::business_with_session(&app, "Boliche Luna", "luna@boliche.com.ar").await;
    let op = crate::fixtures::operator(&app).await;
    let list: Vec<shared::tenancy::dto::OperatorBusiness> =
        app.call("/api/tenancy/list_businesses", &[], Some(&op)).await.json().await.unwrap();
    let row = list.iter().find(|r| r.id == b.tenant_id).unwrap();
    assert_eq!((row.members, row.suspended), (1, false));
    assert_eq!(app.call("/api/tenancy/list_businesses", &[], Some(&owner)).await.status(), 403);

    let tid = b.tenant_id.to_string();
    let res =
        app.call("/api/tenancy/set_business_suspended", &[("tenant_id", &tid), ("suspended", "true")], Some(&op)).await;
    assert_eq!(res.status(), 200);
    let res = app.call("/api/tenancy/get_business", &[], Some(&owner)).await;
    assert_eq!(res.status(), 403);
    assert!(res.text().await.unwrap().contains("suspended"));
    app.call("/api/tenancy/set_business_suspended", &[("tenant_id", &tid), ("suspended", "false")], Some(&op)).await;
    assert_eq!(app.call("/api/tenancy/get_business", &[], Some(&owner)).await.status(), 200);
    // Both decisions are in the business' own audit log.
    let events: Vec<shared::tenancy::dto::AuditEntry> =
        app.call("/api/tenancy/list_audit_events", &[], Some(&owner)).await.json().await.unwrap();
    let actions: Vec<&str> = events.iter().map(|e| e.action.as_str()).collect();
    assert!(actions.contains(&"Negocio suspendido por la plataforma"), "{actions:?}");
    assert!(actions.contains(&"Negocio reactivado por la plataforma"), "{actions:?}");
}

#[tokio::test]
async fn owners_read_logins_and_role_changes_in_the_audit_log() {
    let app = TestApp::spawn().await;
    let (b, owner) = fixtures::business_with_session(&app, "Panadería Sol", "sol@panaderia.com.ar").await;
    let mut conn = app.owner_conn().await;
    let cashier = fixtures::account(&mut conn, "caja@panaderia.com.ar", false).await;
    let cashier_id = fixtures::member(&mut conn, b.tenant_id, &cashier, Role::Cashier).await.to_string();
    assert_eq!(log_in(&app, "caja@panaderia.com.ar", "mal mal mal mal").await.status(), 422);
    assert_eq!(log_in(&app, "caja@panaderia.com.ar", PASSWORD).await.status(), 200);
    app.call(
        "/api/tenancy/update_member",
        &[("member_id", &cashier_id), ("role", "manager"), ("display_name", "Caja"), ("phone", "")],
        Some(&owner),
    )
    .await;
    let events: Vec<shared::tenancy::dto::AuditEntry> =
        app.call("/api/tenancy/list_audit_events", &[], Some(&owner)).await.json().await.unwrap();
    let actions: Vec<&str> = events.iter().map(|e| e.action.as_str()).collect();
    for expected in ["Inicio de sesión", "Cambio de rol"] {
        assert!(actions.contains(&expected), "{expected} missing in {actions:?}");
    }
    // A failed login belongs to the account, not to any business.
    assert!(!actions.contains(&"Intento de inicio de sesión fallido"), "{actions:?}");
    let change = events.iter().find(|e| e.action == "Cambio de rol").unwrap();
    assert!(change.detail.contains("Cajero/a → Encargado/a"), "{change:?}");
    assert_eq!(change.actor, "sol@panaderia.com.ar");
}

#[tokio::test]
async fn owners_never_see_what_their_members_do_in_other_businesses() {
    let app = TestApp::spawn().await;
    let (other, _) = fixtures::business_with_session(&app, "Bar Nocturno", "bar@nocturno.com.ar").await;
    let mut conn = app.owner_conn().await;
    let member = fixtures::account(&mut conn, "mozo@nocturno.com.ar", false).await;
    fixtures::member(&mut conn, other.tenant_id, &member, Role::Cashier).await;
    // The member signs in, which lands in the bar.
    assert_eq!(log_in(&app, "mozo@nocturno.com.ar", PASSWORD).await.status(), 200);
    // Later the same account joins a bakery, and works there.
    let (bakery, owner) = fixtures::business_with_session(&app, "Panadería Luna", "luna@panaderia.com.ar").await;
    fixtures::member(&mut conn, bakery.tenant_id, &member, Role::Cashier).await;
    let (in_bakery, _) = fixtures::session(&mut conn, &member, Some(bakery.tenant_id)).await;
    assert_eq!(app.call("/api/tenancy/revoke_other_sessions", &[], Some(&in_bakery)).await.status(), 200);
    let events: Vec<shared::tenancy::dto::AuditEntry> =
        app.call("/api/tenancy/list_audit_events", &[], Some(&owner)).await.json().await.unwrap();
    let of_member: Vec<&str> =
        events.iter().filter(|e| e.actor == "mozo@nocturno.com.ar").map(|e| e.action.as_str()).collect();
    assert_eq!(of_member, ["Cierre de otras sesiones"], "only what the member did in the bakery");
}

#[tokio::test]
async fn state_changing_requests_from_other_sites_are_refused() {
    let app = TestApp::spawn().await;
    let (_, owner) = fixtures::business_with_session(&app, "Carnicería Norte", "norte@carne.com.ar").await;
    let post = |origin: Option<&str>| {
        let mut req = app
            .http
            .post(app.url("/api/tenancy/invite_member"))
            .header("content-type", "application/x-www-form-urlencoded")
            .header("cookie", owner.cookie_header())
            .body("email=x%40evil.com&role=owner");
        if let Some(o) = origin {
            req = req.header("origin", o);
        }
        req.send()
    };
    assert_eq!(post(None).await.unwrap().status(), 403);
    assert_eq!(post(Some("https://evil.example")).await.unwrap().status(), 403);
    assert_eq!(post(Some("null")).await.unwrap().status(), 403);
    assert_eq!(post(Some(&app.origin())).await.unwrap().status(), 200);
}

#[tokio::test]
async fn pages_carry_a_nonce_csp_that_matches_their_scripts_and_forbid_framing() {
    let app = TestApp::spawn().await;
    let res = app.get_as("/ingresar", None).await;
    let csp = res.headers()["content-security-policy"].to_str().unwrap().to_owned();
    assert_eq!(res.headers()["x-frame-options"], "DENY");
    assert_eq!(res.headers()["x-content-type-options"], "nosniff");
    assert!(csp.contains("frame-ancestors 'none'") && csp.contains("'wasm-unsafe-eval'"), "{csp}");
    let nonce = csp.split("'nonce-").nth(1).unwrap().split('\'').next().unwrap().to_owned();
    let html = res.text().await.unwrap();
    assert!(html.contains(&format!("nonce=\"{nonce}\"")), "the hydration script carries the nonce");
    // A new nonce per response.
    let again = app.get_as("/ingresar", None).await.headers()["content-security-policy"].to_str().unwrap().to_owned();
    assert_ne!(again, csp);
}

#[tokio::test]
async fn one_account_runs_two_businesses_and_switches_between_them() {
    let app = TestApp::spawn().await;
    let (first, session) = fixtures::business_with_session(&app, "Bar Uno", "duenio@bares.com.ar").await;
    let res = app
        .call(
            "/api/tenancy/create_business",
            &[
                ("business_name", "Bar Dos"),
                ("rubro", "bar_boliche"),
                ("cuit", ""),
                ("iva_condition", "responsable_inscripto"),
            ],
            Some(&session),
        )
        .await;
    assert_eq!(res.status(), 200);
    let v = viewer(&app, &session).await.unwrap();
    assert_eq!(v.businesses.len(), 2);
    let current = v.current.unwrap();
    assert_eq!((current.name.as_str(), current.role), ("Bar Dos", Role::Owner));
    let members: Vec<Member> = app.call("/api/tenancy/list_members", &[], Some(&session)).await.json().await.unwrap();
    assert_eq!(members.len(), 1, "a new business starts with its owner only");

    let back = first.tenant_id.to_string();
    assert_eq!(app.call("/api/tenancy/switch_business", &[("tenant_id", &back)], Some(&session)).await.status(), 200);
    assert_eq!(viewer(&app, &session).await.unwrap().current.unwrap().name, "Bar Uno");
    // A business the account does not belong to is "not found".
    let (other, _) = fixtures::business_with_session(&app, "Bar Ajeno", "ajeno@bares.com.ar").await;
    let res =
        app.call("/api/tenancy/switch_business", &[("tenant_id", &other.tenant_id.to_string())], Some(&session)).await;
    assert_eq!(res.status(), 404);
}

#[tokio::test]
async fn long_names_still_get_unique_slugs() {
    let app = TestApp::spawn().await;
    let name = "Panadería y Confitería ".repeat(5);
    for i in 0..3 {
        let (s, _) = sign_up_and_confirm(&app, &format!("largo{i}@panaderia.com.ar"), &name).await;
        let b: shared::tenancy::dto::BusinessSettings =
            app.call("/api/tenancy/get_business", &[], Some(&s)).await.json().await.unwrap();
        assert!(b.slug.len() <= 60 && b.slug.starts_with("panaderia-y-confiteria"), "{}", b.slug);
    }
}

#[tokio::test]
async fn an_existing_account_accepts_an_invitation_with_its_own_email_only() {
    let app = TestApp::spawn().await;
    let (b, owner) = fixtures::business_with_session(&app, "Óptica Central", "duenia@optica.com.ar").await;
    let (_, elsewhere) = fixtures::business_with_session(&app, "Kiosco Lejano", "vendedor@kiosco.com.ar").await;
    let (_, stranger) = fixtures::business_with_session(&app, "Otro Negocio", "intruso@otro.com.ar").await;
    let res = app
        .call("/api/tenancy/invite_member", &[("email", "vendedor@kiosco.com.ar"), ("role", "manager")], Some(&owner))
        .await;
    assert_eq!(res.status(), 200);
    let (_, token) = last_mail_token(&app, "vendedor@kiosco.com.ar").await;
    let preview: shared::tenancy::dto::InvitationPreview =
        app.call("/api/tenancy/preview_invitation", &[("token", &token)], None).await.json().await.unwrap();
    assert!(preview.account_exists);

    // Someone else's session cannot take it.
    let res = app.call("/api/tenancy/accept_invitation", &[("token", &token)], Some(&stranger)).await;
    assert_eq!(res.status(), 422);
    let body: serde_json::Value = res.json().await.unwrap();
    assert!(invalid(&body).1.contains("vendedor@kiosco.com.ar"), "{body}");

    let res = app.call("/api/tenancy/accept_invitation", &[("token", &token)], Some(&elsewhere)).await;
    assert_eq!(res.status(), 200);
    let v = viewer(&app, &elsewhere).await.unwrap();
    assert_eq!(v.businesses.len(), 2);
    assert_eq!(v.current.map(|c| (c.tenant_id, c.role)), Some((b.tenant_id, Role::Manager)));
    // Used up.
    assert_eq!(app.call("/api/tenancy/accept_invitation", &[("token", &token)], Some(&elsewhere)).await.status(), 422);
}

#[tokio::test]
async fn a_revoked_invitation_link_stops_working() {
    let app = TestApp::spawn().await;
    let (_, owner) = fixtures::business_with_session(&app, "Librería Sur", "libros@sur.com.ar").await;
    app.call("/api/tenancy/invite_member", &[("email", "nueva@sur.com.ar"), ("role", "viewer")], Some(&owner)).await;
    let (_, token) = last_mail_token(&app, "nueva@sur.com.ar").await;
    let open: Vec<shared::tenancy::dto::Invitation> =
        app.call("/api/tenancy/list_invitations", &[], Some(&owner)).await.json().await.unwrap();
    let id = open[0].id.to_string();
    assert_eq!(app.call("/api/tenancy/revoke_invitation", &[("invitation_id", &id)], Some(&owner)).await.status(), 200);
    let res = app
        .call(
            "/api/tenancy/sign_up_invited",
            &[("token", &token), ("display_name", "Nueva"), ("password", "una frase larga de verdad")],
            None,
        )
        .await;
    assert_eq!(res.status(), 422);
    let mut conn = app.owner_conn().await;
    assert!(
        app::tenancy::db::users::User::by_email(&mut conn, "nueva@sur.com.ar").await.unwrap().is_none(),
        "no half-made account"
    );
}

/// Backdates the owner's sessions and the business' activity by an hour; returns whether each
/// moved since (seen within the last minute): (session, business).
async fn seen_recently(app: &TestApp, b: &fixtures::Business, backdate: bool) -> (bool, bool) {
    use app::schema::{sessions, tenants};
    let mut conn = app.owner_conn().await;
    if backdate {
        let hour_ago = chrono::Utc::now() - chrono::Duration::hours(1);
        diesel::update(sessions::table.filter(sessions::user_id.eq(b.owner.user_id)))
            .set(sessions::last_seen_at.eq(hour_ago))
            .execute(&mut conn)
            .await
            .unwrap();
        diesel::update(tenants::table.find(b.tenant_id))
            .set(tenants::last_activity_at.eq(hour_ago))
            .execute(&mut conn)
            .await
            .unwrap();
        return (false, false);
    }
    let minute_ago = chrono::Utc::now() - chrono::Duration::minutes(1);
    let session: chrono::DateTime<chrono::Utc> = sessions::table
        .filter(sessions::user_id.eq(b.owner.user_id))
        .select(sessions::last_seen_at)
        .first(&mut conn)
        .await
        .unwrap();
    let business: chrono::DateTime<chrono::Utc> =
        tenants::table.find(b.tenant_id).select(tenants::last_activity_at).first(&mut conn).await.unwrap();
    (session > minute_ago, business > minute_ago)
}

#[tokio::test]
async fn a_call_records_its_session_and_business_as_seen_and_a_refused_one_changes_nothing() {
    let app = TestApp::spawn().await;
    let (b, session) = fixtures::business_with_session(&app, "Panadería Vista", "vista@panaderia.com.ar").await;
    seen_recently(&app, &b, true).await;
    let form = [("name", ""), ("cuit", ""), ("iva_condition", "monotributo"), ("time_zone", "America/Argentina/Salta")];
    let refused = app.call("/api/tenancy/update_business", &form, Some(&session));
    assert_eq!(refused.await.status(), 422);
    assert_eq!(seen_recently(&app, &b, false).await, (false, false), "a refused call rolls everything back");
    assert_eq!(app.call("/api/tenancy/list_members", &[], Some(&session)).await.status(), 200);
    assert_eq!(seen_recently(&app, &b, false).await, (true, true), "a business call notes both");
    seen_recently(&app, &b, true).await;
    assert_eq!(app.call("/api/tenancy/list_my_sessions", &[], Some(&session)).await.status(), 200);
    assert_eq!(seen_recently(&app, &b, false).await, (true, false), "an account call notes the session only");
}
