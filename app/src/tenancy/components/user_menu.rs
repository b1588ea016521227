//! The top bar's right side: the current business and the account (or "Ingresar"), and the
//! navigation entries the viewer's role may open (the matrix in `shared` decides).

use leptos::prelude::*;
use leptos_router::components::A;
use shared::tenancy::Permission;
use shared::tenancy::dto::Viewer;

use super::viewer::use_viewer;
use crate::tenancy::api::account::LogOut;

/// Navigation entries that depend on who is looking.
pub fn nav_for(viewer: Option<&Viewer>) -> Vec<(&'static str, &'static str)> {
    let mut items = Vec::new();
    let Some(v) = viewer else { return items };
    if v.current.is_some() {
        items.push(("/negocio", "Mi negocio"));
    }
    if v.can(Permission::DevicesView) {
        items.push(("/equipos", "Equipos"));
    }
    if v.can(Permission::MembersView) {
        items.push(("/negocio/miembros", "Miembros"));
    }
    if v.can(Permission::AuditView) {
        items.push(("/negocio/auditoria", "Auditoría"));
    }
    if v.is_operator {
        items.push(("/operador", "Negocios"));
        items.push(("/sistema", "Estado del sistema"));
    }
    items
}

/// The viewer-dependent part of the top bar.
#[component]
pub fn UserMenu() -> impl IntoView {
    let ctx = use_viewer();
    let log_out = ServerAction::<LogOut>::new();
    view! {
        <Transition fallback=|| ()>
            {move || Suspend::new(async move {
                let viewer = ctx.viewer.await.ok().flatten();
                let links = nav_for(viewer.as_ref())
                    .into_iter()
                    .map(|(href, label)| {
                        view! {
                            <A href=href exact=true>
                                {label}
                            </A>
                        }
                    })
                    .collect_view();
                let account = match viewer {
                    Some(v) => {
                        view! {
                            <div class="account" data-testid="account-menu">
                                {v
                                    .current
                                    .as_ref()
                                    .map(|c| {
                                        view! {
                                            <span class="current-business" data-testid="current-business">
                                                {c.name.clone()}
                                            </span>
                                            {c.suspended.then(|| view! { <span class="badge bad">"Suspendido"</span> })}
                                        }
                                    })}
                                <A href="/cuenta">{v.display_name.clone()}</A>
                                <ActionForm action=log_out attr:class="inline">
                                    <button type="submit" class="linklike" data-testid="log-out">
                                        "Salir"
                                    </button>
                                </ActionForm>
                            </div>
                        }
                            .into_any()
                    }
                    None => {
                        view! {
                            <div class="account">
                                <A href="/ingresar">"Ingresar"</A>
                                <A href="/registro">"Crear cuenta"</A>
                            </div>
                        }
                            .into_any()
                    }
                };
                view! {
                    {links}
                    {account}
                }
            })}
        </Transition>
    }
}
