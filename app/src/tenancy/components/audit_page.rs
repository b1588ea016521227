//! `/negocio/auditoria`: the security events of the business and of its members' accounts.

use leptos::prelude::*;
use leptos_meta::Title;

use super::viewer::use_viewer;
use crate::components::ErrorNotice;
use crate::tenancy::api::audit::list_audit_events;

/// The audit log page (owners and admins).
#[component]
pub fn AuditPage() -> impl IntoView {
    let ctx = use_viewer();
    let events = Resource::new(move || ctx.version.get(), |_| list_audit_events());
    view! {
        <Title text="Auditoría" />
        <div class="page-header">
            <h1>"Auditoría"</h1>
            <p>
                "Inicios de sesión, cambios de rol, invitaciones y cambios del negocio, del más nuevo al más viejo."
            </p>
        </div>
        <Suspense fallback=|| {
            view! { <p>"Cargando…"</p> }
        }>
            {move || Suspend::new(async move {
                match events.await {
                    Ok(list) if list.is_empty() => view! { <p>"Todavía no hay eventos."</p> }.into_any(),
                    Ok(list) => {
                        view! {
                            <div class="table-wrap">
                                <table class="table" data-testid="audit">
                                    <thead>
                                        <tr>
                                            <th>"Cuándo"</th>
                                            <th>"Quién"</th>
                                            <th>"Qué"</th>
                                            <th>"Detalle"</th>
                                            <th>"Dirección"</th>
                                        </tr>
                                    </thead>
                                    <tbody>
                                        {list
                                            .into_iter()
                                            .map(|e| {
                                                view! {
                                                    <tr>
                                                        <td>{e.at}</td>
                                                        <td>{e.actor}</td>
                                                        <td>{e.action}</td>
                                                        <td>{e.detail}</td>
                                                        <td>{e.ip}</td>
                                                    </tr>
                                                }
                                            })
                                            .collect_view()}
                                    </tbody>
                                </table>
                            </div>
                        }
                            .into_any()
                    }
                    Err(e) => view! { <ErrorNotice error=e /> }.into_any(),
                }
            })}
        </Suspense>
    }
}
