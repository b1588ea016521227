//! Setting up an installation, run by the server binary rather than by requests: the demo
//! (`APP_DEMO__SEED`) and the platform operator's account (`mostrador create-operator`).

use diesel_async::{AsyncConnection, AsyncPgConnection};
use shared::tenancy::{Role, account, business};

use crate::error::AppError;
use crate::tenancy::auth::{self, TenantScope};
use crate::tenancy::db::{memberships, users};
use crate::tenancy::service::{CheckedBusiness, create_business};

/// A demo business: its name, rubro and people (email, name, role; the first is the owner).
type DemoBusiness = (&'static str, business::Rubro, &'static [(&'static str, &'static str, Role)]);

/// The demo: the platform operator and two businesses with a few members, all with
/// `password`. Does nothing if the operator's account exists. Returns who was created.
pub async fn seed_demo(conn: &mut AsyncPgConnection, password: &str) -> Result<Vec<(String, String)>, AppError> {
    const OPERATOR: &str = "operador@mostrador.local";
    if users::User::by_email(conn, OPERATOR).await?.is_some() {
        return Ok(vec![(OPERATOR.into(), "operador de la plataforma (ya existía)".into())]);
    }
    let hash = auth::hash_password(password.to_owned()).await?;
    let businesses: [DemoBusiness; 2] = [
        (
            "Carnicería Don Pepe",
            business::Rubro::CarniceriaPanaderia,
            &[
                ("pepe@donpepe.com.ar", "José Pérez", Role::Owner),
                ("caja@donpepe.com.ar", "Lucía Gómez", Role::Cashier),
            ],
        ),
        (
            "Centro Médico Sur",
            business::Rubro::CentroMedico,
            &[
                ("direccion@medicosur.com.ar", "Marta Ruiz", Role::Owner),
                ("dra.sosa@medicosur.com.ar", "Dra. Ana Sosa", Role::Professional),
            ],
        ),
    ];
    conn.transaction(async |conn| {
        let mut created = Vec::new();
        let new =
            |email, name, is_operator| users::NewUser { email, password_hash: &hash, display_name: name, is_operator };
        let op = users::User::create(conn, &new(OPERATOR, "Operador", true)).await?;
        users::User::mark_verified(conn, op.id).await?;
        created.push((OPERATOR.to_owned(), "operador de la plataforma".to_owned()));
        for (name, rubro, people) in businesses {
            let mut scope: Option<TenantScope> = None;
            for (email, person, role) in people {
                let user = users::User::create(conn, &new(email, person, false)).await?;
                users::User::mark_verified(conn, user.id).await?;
                match &scope {
                    None => {
                        let form = CheckedBusiness {
                            name: name.to_owned(),
                            rubro,
                            cuit: None,
                            iva: business::IvaCondition::Monotributo,
                        };
                        scope = Some(create_business(conn, &form, person, user.id).await?);
                    }
                    Some(s) => {
                        s.enter(conn).await?;
                        memberships::create(
                            conn,
                            &memberships::NewMembership {
                                tenant_id: s.tenant_id(),
                                user_id: user.id,
                                role: *role,
                                display_name: person,
                            },
                        )
                        .await?;
                    }
                }
                created.push(((*email).to_owned(), format!("{} de {name}", role.label())));
            }
        }
        Ok::<_, AppError>(created)
    })
    .await
}

/// Makes `email` the platform operator: an existing account gets the flag (its password stays);
/// a new one is created with `password`. Returns whether the account was created.
pub async fn make_operator(
    conn: &mut AsyncPgConnection,
    email: &str,
    password: Option<String>,
) -> Result<bool, AppError> {
    use diesel::prelude::*;
    use diesel_async::RunQueryDsl;

    use crate::schema::users as u;
    let email = account::normalize_email(email).map_err(|e| AppError::invalid("email", e))?;
    if let Some(user) = users::User::by_email(conn, &email).await? {
        diesel::update(u::table.find(user.id)).set(u::is_operator.eq(true)).execute(conn).await?;
        return Ok(false);
    }
    let password =
        password.ok_or_else(|| AppError::invalid("password", "Falta la contraseña para la cuenta nueva."))?;
    account::validate_password(&password, &email).map_err(|e| AppError::invalid("password", e))?;
    let hash = auth::hash_password(password).await?;
    let user = users::User::create(
        conn,
        &users::NewUser { email: &email, password_hash: &hash, display_name: "Operador", is_operator: true },
    )
    .await?;
    users::User::mark_verified(conn, user.id).await?;
    Ok(true)
}
