//! The isolation sweep, which every later module extends: every registered server function,
//! REST route and page is called with a session of business B on ids that belong to business A.
//! It fails on any of A's data in an answer, on any change to A, and on any route missing from
//! its table. It runs twice: as the application role (row-level security on) and as a role
//! that bypasses RLS, so each wall is tested on its own: the Rust `TenantScope` filters alone
//! must already hold.
//!
//! Each call must also have gone through the one pipeline (`app::call`): its `Server-Timing`
//! header says it ran exactly one transaction on one connection, guard included.
//!
//! Also here: every role is refused exactly what its row of the permission matrix forbids.

use std::collections::BTreeSet;

use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use shared::tenancy::{Permission, Role};

use crate::fixtures::{self, Business};
use crate::helpers::{Session, TestApp};

/// One server function: the form it is called with. `{a_tenant}`, `{a_member}` (A's cashier),
/// `{a_invitation}` and `{a_session}` are replaced by A's ids.
const PROBES: &[Call] = &[
    ("/api/system/get_system_status", &[]),
    ("/api/tenancy/get_viewer", &[]),
    (
        "/api/tenancy/sign_up",
        &[
            ("email", "nuevo-en-sweep@otro.com.ar"),
            ("password", "una frase bastante larga"),
            ("display_name", "Nuevo"),
            ("business_name", "Negocio Nuevo"),
            ("rubro", "otro"),
            ("cuit", ""),
            ("iva_condition", "monotributo"),
        ],
    ),
    ("/api/tenancy/confirm_sign_up", &[("token", "no-es-un-token"), ("password", "una frase bastante larga")]),
    ("/api/tenancy/log_in", &[("email", "owner-a@alfajores.com.ar"), ("password", "adivinando mal 1")]),
    ("/api/tenancy/log_out", &[]),
    ("/api/tenancy/request_password_reset", &[("email", "owner-a@alfajores.com.ar")]),
    ("/api/tenancy/reset_password", &[("token", "no-es-un-token"), ("password", "una frase bastante larga")]),
    ("/api/tenancy/verify_email", &[("token", "no-es-un-token")]),
    ("/api/tenancy/resend_verification", &[]),
    (
        "/api/tenancy/change_password",
        &[("current_password", "incorrecta 123"), ("new_password", "otra frase bastante larga")],
    ),
    ("/api/tenancy/switch_business", &[("tenant_id", "{a_tenant}")]),
    (
        "/api/tenancy/create_business",
        &[("business_name", "Segundo de B"), ("rubro", "riego"), ("cuit", ""), ("iva_condition", "exento")],
    ),
    ("/api/tenancy/list_my_sessions", &[]),
    ("/api/tenancy/revoke_session", &[("session_id", "{a_session}")]),
    ("/api/tenancy/revoke_other_sessions", &[]),
    ("/api/tenancy/get_business", &[]),
    (
        "/api/tenancy/update_business",
        &[
            ("name", "Negocio B renombrado"),
            ("cuit", ""),
            ("iva_condition", "exento"),
            ("time_zone", "America/Argentina/Salta"),
        ],
    ),
    ("/api/tenancy/list_members", &[]),
    (
        "/api/tenancy/update_member",
        &[("member_id", "{a_member}"), ("role", "owner"), ("display_name", "Tomado"), ("phone", "")],
    ),
    ("/api/tenancy/remove_member", &[("member_id", "{a_member}")]),
    ("/api/tenancy/list_invitations", &[]),
    ("/api/tenancy/invite_member", &[("email", "invitado-de-b@otro.com.ar"), ("role", "viewer")]),
    ("/api/tenancy/revoke_invitation", &[("invitation_id", "{a_invitation}")]),
    ("/api/tenancy/preview_invitation", &[("token", "no-es-un-token")]),
    ("/api/tenancy/accept_invitation", &[("token", "no-es-un-token")]),
    (
        "/api/tenancy/sign_up_invited",
        &[("token", "no-es-un-token"), ("display_name", "X"), ("password", "una frase bastante larga")],
    ),
    ("/api/tenancy/list_audit_events", &[]),
    ("/api/tenancy/list_businesses", &[]),
    ("/api/tenancy/set_business_suspended", &[("tenant_id", "{a_tenant}"), ("suspended", "true")]),
    ("/api/tenancy/list_dev_mail", &[]),
    ("/api/iot/list_devices", &[]),
    ("/api/iot/add_device", &[("name", "Equipo de B"), ("location", "")]),
    ("/api/iot/rotate_device_secret", &[("uid", "{a_device}")]),
    ("/api/iot/revoke_device", &[("uid", "{a_device}")]),
    ("/api/iot/get_device_live", &[("uid", "{a_device}")]),
    ("/api/iot/get_device_charts", &[("uid", "{a_device}"), ("range", "24h")]),
    ("/api/iot/switch_relay", &[("uid", "{a_device}"), ("relay", "0"), ("on", "true")]),
];

/// Business A: what B must never see or change.
struct A {
    business: Business,
    cashier_member: shared::ids::MemberId,
    invitation: i64,
    session_id: shared::ids::SessionId,
    device: String,
    markers: Vec<String>,
}

async fn business_a(app: &TestApp) -> A {
    let mut conn = app.owner_conn().await;
    let business = fixtures::business(&mut conn, "Alfajorería Secreta", "owner-a@alfajores.com.ar").await;
    let cashier = fixtures::account(&mut conn, "cajera-a@alfajores.com.ar", false).await;
    let cashier_member = fixtures::member(&mut conn, business.tenant_id, &cashier, Role::Cashier).await;
    let (session_a, session_id) = fixtures::session(&mut conn, &business.owner, Some(business.tenant_id)).await;
    // Through the API, so A has an invitation, audit events and a mail.
    let res = app
        .call(
            "/api/tenancy/invite_member",
            &[("email", "invitada-a@alfajores.com.ar"), ("role", "viewer")],
            Some(&session_a),
        )
        .await;
    assert_eq!(res.status(), 200);
    let invitation: i64 = {
        use app::schema::invitations::dsl as i;
        i::invitations.filter(i::tenant_id.eq(business.tenant_id)).select(i::id).first(&mut conn).await.unwrap()
    };
    // A device with a reading, so charts, exports and live values have something to leak.
    let device = crate::nodes::add_device(app, &session_a, "Cámara Secreta").await;
    diesel::sql_query(
        "INSERT INTO readings (tenant_id, device_id, kind, channel, at, value) \
         SELECT tenant_id, id, 1, 0, now(), 4242 FROM devices WHERE uid = $1",
    )
    .bind::<diesel::sql_types::Text, _>(&device.uid)
    .execute(&mut conn)
    .await
    .unwrap();
    let markers =
        ["Alfajorería Secreta", "alfajores.com.ar", "cajera-a", "invitada-a", "Cámara Secreta", "42,42", "42.42"]
            .map(str::to_owned)
            .into_iter()
            .chain([device.uid.clone()])
            .collect();
    A { business, cashier_member, invitation, session_id, device: device.uid, markers }
}

fn fill(value: &str, a: &A) -> String {
    value
        .replace("{a_tenant}", &a.business.tenant_id.to_string())
        .replace("{a_member}", &a.cashier_member.to_string())
        .replace("{a_invitation}", &a.invitation.to_string())
        .replace("{a_session}", &a.session_id.to_string())
        .replace("{a_device}", &a.device)
}

/// A page's path with each `:param` replaced by A's id of that kind; the unknown parameter's
/// name when there is one (a new page must teach the sweep its ids).
fn page_path(route: &str, a: &A) -> Result<String, String> {
    route
        .split('/')
        .map(|segment| {
            // `:uid` or axum's `{uid}`.
            let param =
                segment.strip_prefix(':').or_else(|| segment.strip_prefix('{').and_then(|p| p.strip_suffix('}')));
            match param {
                None => Ok(segment.to_owned()),
                Some("uid") => Ok(a.device.clone()),
                Some(other) => Err(other.to_owned()),
            }
        })
        .collect::<Result<Vec<_>, _>>()
        .map(|segments| segments.join("/"))
}

/// A fresh session of B's owner (some probes log out or close sessions).
async fn b_session(app: &TestApp, b: &Business) -> Session {
    let mut conn = app.owner_conn().await;
    fixtures::session(&mut conn, &b.owner, Some(b.tenant_id)).await.0
}

fn leaks(body: &str, a: &A) -> Vec<String> {
    a.markers.iter().filter(|m| body.contains(m.as_str())).cloned().collect()
}

async fn sweep(app: TestApp) {
    app.wait_healthy().await;
    let a = business_a(&app).await;
    let mut conn = app.owner_conn().await;
    let b = fixtures::business(&mut conn, "Kiosco Beta", "owner-b@kiosco.com.ar").await;

    // Every registered server function is in the table, and the table names no stale one.
    let registered: BTreeSet<String> = leptos::server_fn::axum::server_fn_paths().map(|(p, _)| p.to_owned()).collect();
    let probed: BTreeSet<String> = PROBES.iter().map(|(p, _)| (*p).to_owned()).collect();
    let missing: Vec<_> = registered.difference(&probed).collect();
    assert!(missing.is_empty(), "server functions missing from the sweep's table: {missing:?}");
    let stale: Vec<_> = probed.difference(&registered).collect();
    assert!(stale.is_empty(), "the sweep names server functions that do not exist: {stale:?}");

    let mut failures = Vec::new();
    for (path, form) in PROBES {
        let filled: Vec<(String, String)> = form.iter().map(|(k, v)| ((*k).to_owned(), fill(v, &a))).collect();
        let pairs: Vec<(&str, &str)> = filled.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        let res = app.call(path, &pairs, Some(&b_session(&app, &b).await)).await;
        let status = res.status();
        let timings: Vec<String> =
            res.headers().get_all("server-timing").iter().map(|v| v.to_str().unwrap_or_default().to_owned()).collect();
        if timings.len() != 1 || !timings[0].contains(" transactions=1\"") {
            failures.push(format!("{path} did not run as one call with one transaction: {timings:?}"));
        }
        let body = res.text().await.unwrap();
        let leaked = leaks(&body, &a);
        if !leaked.is_empty() {
            failures.push(format!("{path} ({status}) leaked {leaked:?}: {body}"));
        }
        if status.is_server_error() {
            failures.push(format!("{path} answered {status}: {body}"));
        }
    }

    failures.extend(probe_pages_and_routes(&app, &a, &b).await);
    failures.extend(changes_to_a(&mut conn, &a).await);
    assert!(failures.is_empty(), "isolation failures:\n{}", failures.join("\n"));
}

/// Pages, rendered on the server with B's session (parameters filled with A's ids), and the plain
/// axum routes: what leaked.
async fn probe_pages_and_routes(app: &TestApp, a: &A, b: &Business) -> Vec<String> {
    let mut failures = Vec::new();
    let mut with_params = 0;
    for route in leptos_axum::generate_route_list(app::App) {
        let path = match page_path(route.path(), a) {
            Ok(path) => path,
            Err(param) => {
                failures.push(format!("page {} has a parameter the sweep cannot fill: {param}", route.path()));
                continue;
            }
        };
        with_params += usize::from(path != route.path());
        let body = app.get_as(&path, Some(&b_session(app, b).await)).await.text().await.unwrap();
        let leaked = leaks(&body, a);
        if !leaked.is_empty() {
            failures.push(format!("page {path} leaked {leaked:?}"));
        }
    }
    if with_params == 0 {
        failures.push("no page with a parameter was swept (/equipos/:uid at least)".into());
    }
    // Plain axum routes.
    for path in server::http::rest_paths() {
        // The export takes A's device and a long range.
        let url = if path == server::http::export::EXPORT_URL {
            format!("{path}?device={}&range=30d&format=csv", a.device)
        } else {
            path.to_owned()
        };
        let res = app.get_as(&url, Some(&b_session(app, b).await)).await;
        assert!(path.starts_with('/'), "{path}");
        let status = res.status();
        // The event stream never ends: read its first chunk only.
        let body = if status == 200 && path == app::system::components::EVENTS_URL {
            failures.push(format!("{path} streamed to a business owner"));
            String::new()
        } else {
            res.text().await.unwrap()
        };
        let leaked = leaks(&body, a);
        if !leaked.is_empty() {
            failures.push(format!("{path} leaked {leaked:?}"));
        }
    }

    failures
}

/// How A differs from what it was before the sweep (nothing, when the walls hold).
async fn changes_to_a(conn: &mut diesel_async::AsyncPgConnection, a: &A) -> Vec<String> {
    let mut failures = Vec::new();
    use app::schema::{invitations, memberships, sessions, tenants};
    let (name, suspended): (String, Option<chrono::DateTime<chrono::Utc>>) = tenants::table
        .find(a.business.tenant_id)
        .select((tenants::name, tenants::suspended_at))
        .first(conn)
        .await
        .unwrap();
    if name != "Alfajorería Secreta" || suspended.is_some() {
        failures.push(format!("A's business changed: {name} suspended={suspended:?}"));
    }
    let roles: Vec<(i64, String, String)> = memberships::table
        .filter(memberships::tenant_id.eq(a.business.tenant_id))
        .order(memberships::id)
        .select((memberships::id, memberships::role, memberships::display_name))
        .load(conn)
        .await
        .unwrap();
    let cashier = roles.iter().find(|(id, ..)| *id == a.cashier_member.0);
    if roles.len() != 2 || cashier.is_none_or(|(_, role, name)| role != "cashier" || name == "Tomado") {
        failures.push(format!("A's members changed: {roles:?}"));
    }
    let open: Option<Option<chrono::DateTime<chrono::Utc>>> =
        invitations::table.find(a.invitation).select(invitations::revoked_at).first(conn).await.optional().unwrap();
    if open != Some(None) {
        failures.push(format!("A's invitation changed: {open:?}"));
    }
    let revoked: Option<chrono::DateTime<chrono::Utc>> =
        sessions::table.find(a.session_id).select(sessions::revoked_at).first(conn).await.unwrap();
    if revoked.is_some() {
        failures.push("A's session was revoked".into());
    }
    use app::schema::{device_commands, devices};
    let (revoked, seq_upto): (Option<chrono::DateTime<chrono::Utc>>, i64) = devices::table
        .filter(devices::uid.eq(&a.device))
        .select((devices::revoked_at, devices::seq_upto))
        .first(conn)
        .await
        .unwrap();
    let commands: i64 = device_commands::table.count().get_result(conn).await.unwrap();
    if revoked.is_some() || commands != 0 || seq_upto != 0 {
        failures.push(format!("A's device changed: revoked={revoked:?} commands={commands} seq={seq_upto}"));
    }
    failures
}

/// The sweep's server, configured as in production (no development mailbox), optionally
/// connected as a role that bypasses RLS.
async fn sweep_app(bypass_rls: bool) -> TestApp {
    // The development mailbox is on: it holds A's mails (an invitation link), which B must not
    // read through it either.
    let mut extra = vec![("APP_MAIL__DEV_MAILBOX", "true"), ("APP_HTTP__SERVER_TIMING", "true")];
    if bypass_rls {
        // The test database's owner is a superuser: row-level security does not apply to it.
        extra.push(("APP_DATABASE__APP_URL", "{test_db}"));
    }
    TestApp::spawn_with(&extra).await
}

#[tokio::test]
async fn business_b_never_reaches_business_a_with_row_level_security() {
    sweep(sweep_app(false).await).await;
}

#[tokio::test]
async fn business_b_never_reaches_business_a_through_the_rust_scopes_alone() {
    sweep(sweep_app(true).await).await;
}

/// A server function path and its form.
type Call = (&'static str, &'static [(&'static str, &'static str)]);

/// A call allowed with `permission`, with arguments that succeed (or answer 404) when allowed.
const GATED: &[(Call, Permission)] = &[
    (("/api/tenancy/get_business", &[]), Permission::BusinessView),
    (
        (
            "/api/tenancy/update_business",
            &[
                ("name", "Negocio Roles"),
                ("cuit", ""),
                ("iva_condition", "monotributo"),
                ("time_zone", "America/Argentina/Buenos_Aires"),
            ],
        ),
        Permission::BusinessEdit,
    ),
    (("/api/tenancy/list_members", &[]), Permission::MembersView),
    (("/api/tenancy/list_invitations", &[]), Permission::MembersView),
    (("/api/tenancy/remove_member", &[("member_id", "-1")]), Permission::MembersManage),
    (("/api/tenancy/revoke_invitation", &[("invitation_id", "-1")]), Permission::MembersManage),
    (("/api/tenancy/invite_member", &[("email", "{fresh}"), ("role", "viewer")]), Permission::MembersManage),
    (("/api/tenancy/invite_member", &[("email", "{fresh}"), ("role", "owner")]), Permission::OwnersManage),
    (("/api/tenancy/list_audit_events", &[]), Permission::AuditView),
    (("/api/iot/list_devices", &[]), Permission::DevicesView),
    (("/api/iot/get_device_live", &[("uid", "zzzzzzzzzzzz")]), Permission::DevicesView),
    (("/api/iot/get_device_charts", &[("uid", "zzzzzzzzzzzz"), ("range", "1h")]), Permission::DevicesView),
    (("/api/iot/switch_relay", &[("uid", "zzzzzzzzzzzz"), ("relay", "0"), ("on", "true")]), Permission::DevicesOperate),
    (("/api/iot/add_device", &[("name", "Equipo"), ("location", "")]), Permission::DevicesManage),
    (("/api/iot/revoke_device", &[("uid", "zzzzzzzzzzzz")]), Permission::DevicesManage),
    (("/api/iot/rotate_device_secret", &[("uid", "zzzzzzzzzzzz")]), Permission::DevicesManage),
    (
        (
            "/api/tenancy/update_member",
            &[("member_id", "{cashier}"), ("role", "cashier"), ("display_name", "Caja"), ("phone", "")],
        ),
        Permission::MembersManage,
    ),
    (
        (
            "/api/tenancy/update_member",
            &[("member_id", "{owner2}"), ("role", "owner"), ("display_name", "Socia"), ("phone", "")],
        ),
        Permission::OwnersManage,
    ),
];

#[tokio::test]
async fn every_role_gets_exactly_what_the_matrix_allows() {
    let app = TestApp::spawn().await;
    let mut conn = app.owner_conn().await;
    let b = fixtures::business(&mut conn, "Negocio Roles", "duenio@roles.com.ar").await;
    let partner = fixtures::account(&mut conn, "socia@roles.com.ar", false).await;
    let owner2 = fixtures::member(&mut conn, b.tenant_id, &partner, Role::Owner).await.to_string();
    let till = fixtures::account(&mut conn, "caja@roles.com.ar", false).await;
    let cashier = fixtures::member(&mut conn, b.tenant_id, &till, Role::Cashier).await.to_string();
    let mut wrong = Vec::new();
    for role in Role::ALL {
        let person = fixtures::account(&mut conn, &format!("{}@roles.com.ar", role.code()), false).await;
        if role != Role::Owner {
            fixtures::member(&mut conn, b.tenant_id, &person, role).await;
        }
        let who = if role == Role::Owner { &b.owner } else { &person };
        let (session, _) = fixtures::session(&mut conn, who, Some(b.tenant_id)).await;
        for (i, ((path, form), permission)) in GATED.iter().enumerate() {
            let fresh = format!("{}-{i}@invitados.com.ar", role.code());
            let form: Vec<(&str, String)> = form
                .iter()
                .map(|(k, v)| {
                    (*k, v.replace("{fresh}", &fresh).replace("{owner2}", &owner2).replace("{cashier}", &cashier))
                })
                .collect();
            let pairs: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
            let status = app.call(path, &pairs, Some(&session)).await.status().as_u16();
            let allowed = role.allows(*permission);
            let refused = status == 403 || (status == 422 && !allowed);
            if allowed == refused || status >= 500 {
                wrong.push(format!("{role:?} {path} ({permission:?}): {status}"));
            }
        }
    }
    assert!(wrong.is_empty(), "the server disagrees with the matrix:\n{}", wrong.join("\n"));
}
