//! Fixture builders: accounts, businesses, members with a role, sessions, written straight into
//! the test's database (as its owner) with the application's own queries, so tests start from a
//! known state without going through forms they do not test.

use app::tenancy::auth::{PasswordHasher, new_token, token_hash};
use app::tenancy::db::{memberships, sessions, tenants, users};
use diesel_async::AsyncPgConnection;
use shared::ids::{MemberId, SessionId, TenantId, UserId};
use shared::tenancy::Role;

use crate::helpers::{Session, TestApp};

/// The password every fixture account has.
pub const PASSWORD: &str = "contraseña de prueba";

/// An account created by a fixture.
#[derive(Debug, Clone)]
pub struct Account {
    pub user_id: UserId,
    pub email: String,
}

/// A business created by a fixture, with its owner.
#[derive(Debug, Clone)]
pub struct Business {
    pub tenant_id: TenantId,
    pub owner: Account,
    pub owner_member_id: MemberId,
}

fn hash() -> String {
    static HASH: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    HASH.get_or_init(|| PasswordHasher::hash_blocking(PASSWORD).unwrap()).clone()
}

/// Creates an account.
pub async fn account(conn: &mut AsyncPgConnection, email: &str, operator: bool) -> Account {
    let hash = hash();
    let user = users::User::create(
        conn,
        &users::NewUser {
            email,
            password_hash: &hash,
            display_name: email.split('@').next().unwrap(),
            is_operator: operator,
        },
    )
    .await
    .unwrap();
    Account { user_id: user.id, email: email.to_owned() }
}

/// Creates a business owned by a new account `owner_email`.
pub async fn business(conn: &mut AsyncPgConnection, name: &str, owner_email: &str) -> Business {
    let owner = account(conn, owner_email, false).await;
    let id = tenants::Tenant::reserve_id(conn).await.unwrap();
    let slug = shared::tenancy::business::slugify(name);
    tenants::Tenant::create(
        conn,
        &tenants::NewTenant {
            id,
            name,
            slug: &slug,
            rubro: shared::tenancy::business::Rubro::Otro,
            cuit: Some("20123456786"),
            iva_condition: shared::tenancy::business::IvaCondition::Monotributo,
        },
    )
    .await
    .unwrap()
    .unwrap();
    let owner_member_id = member(conn, id, &owner, Role::Owner).await;
    Business { tenant_id: id, owner, owner_member_id }
}

/// Adds `account` to a business with `role`; returns the membership id.
pub async fn member(conn: &mut AsyncPgConnection, tenant_id: TenantId, account: &Account, role: Role) -> MemberId {
    memberships::create(
        conn,
        &memberships::NewMembership { tenant_id, user_id: account.user_id, role, display_name: &account.email },
    )
    .await
    .unwrap()
}

/// A signed-in session of `account` working in `tenant_id`; returns it and its row id.
pub async fn session(
    conn: &mut AsyncPgConnection,
    account: &Account,
    tenant_id: Option<TenantId>,
) -> (Session, SessionId) {
    let token = new_token();
    let id =
        sessions::create(conn, &token_hash(&token), account.user_id, tenant_id, "127.0.0.1", "fixture").await.unwrap();
    (Session { token }, id)
}

/// Shortcut: a business and its owner's session.
pub async fn business_with_session(app: &TestApp, name: &str, owner_email: &str) -> (Business, Session) {
    let mut conn = app.owner_conn().await;
    let b = business(&mut conn, name, owner_email).await;
    let (s, _) = session(&mut conn, &b.owner, Some(b.tenant_id)).await;
    (b, s)
}

/// A signed-in platform operator (the status page is theirs).
pub async fn operator(app: &crate::helpers::TestApp) -> crate::helpers::Session {
    let mut conn = app.owner_conn().await;
    let op = account(&mut conn, &format!("op{}@mostrador.local", rand::random::<u32>()), true).await;
    session(&mut conn, &op, None).await.0
}
