//! `/operador`: the platform operator's list of businesses (rubro, members, created, last
//! activity) with suspend and reinstate.

use leptos::prelude::*;
use leptos_meta::Title;

use shared::tenancy::dto::OperatorBusiness;

use crate::components::{ErrorNotice, FormError, action_error, successes};
use crate::tenancy::api::operator::{SetBusinessSuspended, list_businesses};

/// The operator's businesses page.
#[component]
pub fn OperatorPage() -> impl IntoView {
    let toggle = ServerAction::<SetBusinessSuspended>::new();
    let done = successes(toggle);
    let error = action_error(toggle);
    let list = Resource::new(move || done.get(), |_| list_businesses());
    view! {
        <Title text="Negocios" />
        <div class="page-header">
            <h1>"Negocios de la plataforma"</h1>
            <p>
                <a href="/sistema">"Estado del sistema"</a>
            </p>
        </div>
        <FormError error />
        <Suspense fallback=|| {
            view! { <p>"Cargando…"</p> }
        }>
            {move || Suspend::new(async move {
                match list.await {
                    Ok(rows) => {
                        view! {
                            <div class="table-wrap">
                                <table class="table" data-testid="businesses">
                                    <thead>
                                        <tr>
                                            <th>"Negocio"</th>
                                            <th>"Rubro"</th>
                                            <th>"Miembros"</th>
                                            <th>"Alta"</th>
                                            <th>"Última actividad"</th>
                                            <th>"Estado"</th>
                                            <th></th>
                                        </tr>
                                    </thead>
                                    <tbody>
                                        {rows
                                            .into_iter()
                                            .map(|b| {
                                                view! { <BusinessRow business=b toggle /> }
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

/// One business of the list, with its suspend or reinstate button.
#[component]
fn BusinessRow(
    /// The business.
    business: OperatorBusiness,
    /// The suspend/reinstate action.
    toggle: ServerAction<SetBusinessSuspended>,
) -> impl IntoView {
    let b = business;
    let slug = b.slug.clone();
    view! {
        <tr data-testid="business-row" data-slug=slug>
            <td>
                <strong>{b.name}</strong>
                <br />
                <small>"/"{b.slug}</small>
            </td>
            <td>{b.rubro.label()}</td>
            <td>{b.members}</td>
            <td>{b.created_at}</td>
            <td>{b.last_activity_at}</td>
            <td>
                {if b.suspended {
                    view! { <span class="badge bad">"Suspendido"</span> }.into_any()
                } else {
                    view! { <span class="badge ok">"Activo"</span> }.into_any()
                }}
            </td>
            <td>
                <ActionForm action=toggle attr:class="inline">
                    <input type="hidden" name="tenant_id" value=b.id.to_string() />
                    <input type="hidden" name="suspended" value=(!b.suspended).to_string() />
                    <button type="submit" class="button secondary small">
                        {if b.suspended { "Reactivar" } else { "Suspender" }}
                    </button>
                </ActionForm>
            </td>
        </tr>
    }
}
