//! The business' settings page.

use leptos::prelude::*;
use shared::tenancy::dto::BusinessSettings;

use crate::error::AppError;

#[cfg(feature = "ssr")]
fn to_dto(t: crate::tenancy::db::tenants::Tenant) -> BusinessSettings {
    use shared::tenancy::business::format_cuit;
    BusinessSettings {
        created_at: crate::time::format_local(t.created_at, crate::time::zone(&t.time_zone)),
        name: t.name,
        slug: t.slug,
        rubro: t.rubro,
        cuit: t.cuit.as_deref().map(format_cuit).unwrap_or_default(),
        iva_condition: t.iva_condition,
        time_zone: t.time_zone,
        currency: t.currency,
    }
}

/// The current business' settings.
#[server(prefix = "/api/tenancy", endpoint = "get_business")]
pub async fn get_business() -> Result<BusinessSettings, AppError> {
    use shared::tenancy::Permission;

    use crate::tenancy::db::tenants::Tenant;
    crate::call::in_business(Permission::BusinessView, async |conn, scope| {
        Ok(to_dto(Tenant::current(conn, scope).await?))
    })
    .await
}

/// Changes the current business' name, CUIT, IVA condition and time zone.
#[server(prefix = "/api/tenancy", endpoint = "update_business")]
pub async fn update_business(
    name: String,
    #[server(default)] cuit: String,
    iva_condition: String,
    time_zone: String,
) -> Result<BusinessSettings, AppError> {
    use shared::tenancy::{Permission, business};

    use crate::tenancy::{auth, db::audit, db::tenants};
    let ip = auth::request_meta().ip;
    crate::call::in_business(Permission::BusinessEdit, async |conn, scope| {
        let crate::tenancy::service::CheckedIdentity { name, cuit, iva } =
            crate::tenancy::service::check_identity("name", &name, &cuit, &iva_condition)?;
        if !business::TIME_ZONES.contains(&time_zone.as_str()) {
            return Err(AppError::invalid("time_zone", "Elegí una zona horaria de la lista."));
        }
        let changes =
            tenants::TenantChanges { name: &name, cuit: cuit.as_deref(), iva_condition: iva, time_zone: &time_zone };
        let t = tenants::Tenant::update(conn, scope, &changes).await?;
        audit::record(conn, scope, shared::tenancy::audit::AuditAction::BusinessUpdated, &name, &ip).await?;
        Ok(to_dto(t))
    })
    .await
}
