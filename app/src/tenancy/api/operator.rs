//! The platform operator's list of businesses and suspension.

use leptos::prelude::*;
use shared::ids::TenantId;
use shared::tenancy::dto::OperatorBusiness;

use crate::error::AppError;

/// Every business on the installation.
#[server(prefix = "/api/tenancy", endpoint = "list_businesses")]
pub async fn list_businesses() -> Result<Vec<OperatorBusiness>, AppError> {
    use crate::tenancy::db::tenants::Tenant;
    let tz = crate::state::default_time_zone()?;
    crate::call::as_operator(async |conn, operator| {
        let rows = Tenant::list_all(conn, operator).await?;
        Ok(rows
            .into_iter()
            .map(|r| OperatorBusiness {
                id: r.tenant.id,
                rubro: r.tenant.rubro,
                members: r.members,
                created_at: crate::time::format_local(r.tenant.created_at, tz),
                last_activity_at: crate::time::format_local(r.tenant.last_activity_at, tz),
                suspended: r.tenant.suspended_at.is_some(),
                name: r.tenant.name,
                slug: r.tenant.slug,
            })
            .collect())
    })
    .await
}

/// Suspends (`suspended = true`) or reinstates a business.
#[server(prefix = "/api/tenancy", endpoint = "set_business_suspended")]
pub async fn set_business_suspended(tenant_id: TenantId, suspended: bool) -> Result<(), AppError> {
    use crate::tenancy::{auth, db::audit, db::tenants::Tenant};
    let ip = auth::request_meta().ip;
    crate::call::as_operator(async |conn, operator| {
        if !Tenant::set_suspended(conn, operator, tenant_id, suspended).await? {
            return Err(AppError::NotFound);
        }
        use shared::tenancy::audit::AuditAction;
        let action = if suspended { AuditAction::BusinessSuspended } else { AuditAction::BusinessReinstated };
        audit::record_by_operator(conn, operator, tenant_id, action, &ip).await?;
        Ok(())
    })
    .await
}
