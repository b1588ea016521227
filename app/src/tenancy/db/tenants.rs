//! Businesses (tenants). Row-level security shows a session only its own business (plus, for
//! the switcher, those it is a member of; for the operator, all).

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use shared::ids::TenantId;

use shared::tenancy::business::{IvaCondition, Rubro};

use crate::schema::{memberships, tenants};
use crate::tenancy::auth::{OperatorScope, TenantScope};

/// A business.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = tenants)]
pub struct Tenant {
    pub id: TenantId,
    pub name: String,
    pub slug: String,
    pub rubro: Rubro,
    pub cuit: Option<String>,
    pub iva_condition: IvaCondition,
    pub time_zone: String,
    pub currency: String,
    pub suspended_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub last_activity_at: DateTime<Utc>,
}

/// A business to create (the id is reserved first, so row-level security can admit it).
#[derive(Insertable)]
#[diesel(table_name = tenants)]
pub struct NewTenant<'a> {
    pub id: TenantId,
    pub name: &'a str,
    pub slug: &'a str,
    pub rubro: Rubro,
    pub cuit: Option<&'a str>,
    pub iva_condition: IvaCondition,
}

/// What the settings form may change.
#[derive(AsChangeset)]
#[diesel(table_name = tenants, treat_none_as_null = true)]
pub struct TenantChanges<'a> {
    pub name: &'a str,
    pub cuit: Option<&'a str>,
    pub iva_condition: IvaCondition,
    pub time_zone: &'a str,
}

/// A business with its member count, for the operator.
#[derive(Debug, Clone)]
pub struct TenantWithMembers {
    pub tenant: Tenant,
    pub members: i64,
}

impl Tenant {
    /// Reserves an id for a new business (before `app.tenant_id` can be set to it).
    pub async fn reserve_id(conn: &mut AsyncPgConnection) -> QueryResult<TenantId> {
        diesel::select(diesel::dsl::sql::<diesel::sql_types::BigInt>(
            "nextval(pg_get_serial_sequence('tenants', 'id'))",
        ))
        .get_result(conn)
        .await
    }

    /// Inserts a business unless its slug is taken; `None` when it is.
    pub async fn create(conn: &mut AsyncPgConnection, new: &NewTenant<'_>) -> QueryResult<Option<Self>> {
        diesel::insert_into(tenants::table)
            .values(new)
            .on_conflict(tenants::slug)
            .do_nothing()
            .returning(Self::as_returning())
            .get_result(conn)
            .await
            .optional()
    }

    /// Business `id`, which the caller's transaction has entered (`app.tenant_id`): row-level
    /// security is what scopes this read (the invitation page, before any membership exists).
    pub async fn entered(conn: &mut AsyncPgConnection, id: TenantId) -> QueryResult<Self> {
        tenants::table.find(id).select(Self::as_select()).first(conn).await
    }

    /// The scope's business.
    pub async fn current(conn: &mut AsyncPgConnection, scope: &TenantScope) -> QueryResult<Self> {
        tenants::table.find(scope.tenant_id()).select(Self::as_select()).first(conn).await
    }

    /// Changes the scope's business.
    pub async fn update(
        conn: &mut AsyncPgConnection,
        scope: &TenantScope,
        changes: &TenantChanges<'_>,
    ) -> QueryResult<Self> {
        diesel::update(tenants::table.find(scope.tenant_id()))
            .set(changes)
            .returning(Self::as_returning())
            .get_result(conn)
            .await
    }

    /// How often a business' last activity is written (one write per request would make every
    /// page view a write).
    pub const TOUCH_EVERY: chrono::Duration = chrono::Duration::minutes(1);

    /// Notes activity in the scope's business, at most once every [`Self::TOUCH_EVERY`]. Never
    /// waits for the row: when another call holds it (noting activity too, or changing the
    /// business), this one leaves it, so one business' calls never queue on it.
    pub async fn touch(conn: &mut AsyncPgConnection, scope: &TenantScope) -> QueryResult<()> {
        let minute_ago = Utc::now() - Self::TOUCH_EVERY;
        diesel::sql_query(
            "UPDATE tenants SET last_activity_at = now() WHERE id = \
             (SELECT id FROM tenants WHERE id = $1 AND last_activity_at < $2 FOR NO KEY UPDATE SKIP LOCKED)",
        )
        .bind::<diesel::sql_types::BigInt, _>(scope.tenant_id())
        .bind::<diesel::sql_types::Timestamptz, _>(minute_ago)
        .execute(conn)
        .await
        .map(drop)
    }

    /// Every business with its member count, newest first (the operator's list).
    pub async fn list_all(conn: &mut AsyncPgConnection, _scope: &OperatorScope) -> QueryResult<Vec<TenantWithMembers>> {
        let rows: Vec<(Tenant, i64)> = tenants::table
            .left_join(memberships::table)
            .group_by(tenants::id)
            .select((Self::as_select(), diesel::dsl::count(memberships::id.nullable())))
            .order(tenants::created_at.desc())
            .load(conn)
            .await?;
        Ok(rows.into_iter().map(|(tenant, members)| TenantWithMembers { tenant, members }).collect())
    }

    /// Suspends or reinstates a business (the operator); false if it does not exist.
    pub async fn set_suspended(
        conn: &mut AsyncPgConnection,
        _scope: &OperatorScope,
        id: TenantId,
        suspended: bool,
    ) -> QueryResult<bool> {
        let at = suspended.then(Utc::now);
        diesel::update(tenants::table.find(id)).set(tenants::suspended_at.eq(at)).execute(conn).await.map(|n| n > 0)
    }
}
