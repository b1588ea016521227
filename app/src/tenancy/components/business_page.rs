//! `/negocio`: the business' settings; editable by owners and admins, read-only for the rest.

use leptos::prelude::*;
use leptos_meta::Title;
use shared::tenancy::Permission;
use shared::tenancy::business::{IvaCondition, TIME_ZONES};
use shared::tenancy::dto::BusinessSettings;

use super::viewer::use_viewer;
use crate::components::{ErrorNotice, Field, FormError, SelectField, action_error, action_ok, successes};
use crate::tenancy::api::business::{UpdateBusiness, get_business};

/// The business settings page.
#[component]
pub fn BusinessPage() -> impl IntoView {
    let ctx = use_viewer();
    let update = ServerAction::<UpdateBusiness>::new();
    let saved = successes(update);
    let business = Resource::new(move || (ctx.version.get(), saved.get()), |_| get_business());
    view! {
        <Title text="Mi negocio" />
        <Suspense fallback=|| {
            view! { <p>"Cargando…"</p> }
        }>
            {move || Suspend::new(async move {
                let viewer = ctx.viewer.await.ok().flatten();
                let can_edit = viewer.as_ref().is_some_and(|v| v.can(Permission::BusinessEdit));
                match business.await {
                    Ok(b) => {
                        view! {
                            <div class="page-header">
                                <h1 data-testid="business-name">{b.name.clone()}</h1>
                                <p>{b.rubro.label()}" · /"{b.slug.clone()}" · creado el "{b.created_at.clone()}</p>
                            </div>
                            {if can_edit {
                                view! { <BusinessForm business=b update /> }.into_any()
                            } else {
                                view! { <BusinessSummary business=b /> }.into_any()
                            }}
                        }
                            .into_any()
                    }
                    Err(e) => view! { <ErrorNotice error=e /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn BusinessSummary(business: BusinessSettings) -> impl IntoView {
    view! {
        <section class="card">
            <dl class="facts">
                <dt>"CUIT"</dt>
                <dd>{if business.cuit.is_empty() { "—".to_owned() } else { business.cuit }}</dd>
                <dt>"Condición frente al IVA"</dt>
                <dd>{business.iva_condition.label()}</dd>
                <dt>"Zona horaria"</dt>
                <dd>{business.time_zone}</dd>
                <dt>"Moneda"</dt>
                <dd>{business.currency}</dd>
            </dl>
        </section>
    }
}

#[component]
fn BusinessForm(business: BusinessSettings, update: ServerAction<UpdateBusiness>) -> impl IntoView {
    let error = action_error(update);
    let saved = action_ok(update);
    let ivas: Vec<_> = IvaCondition::ALL.iter().map(|c| (c.code(), c.label())).collect();
    let zones: Vec<_> = TIME_ZONES.iter().map(|z| (*z, z.trim_start_matches("America/Argentina/"))).collect();
    view! {
        <section class="card">
            <h2>"Datos del negocio"</h2>
            <ActionForm action=update>
                <Field name="name" label="Nombre" value=business.name required=true error />
                <Field name="cuit" label="CUIT" value=business.cuit help="Opcional. Por ejemplo 20-12345678-6." error />
                <SelectField
                    name="iva_condition"
                    label="Condición frente al IVA"
                    options=ivas
                    selected=business.iva_condition.code()
                    error
                />
                <SelectField name="time_zone" label="Zona horaria" options=zones selected=business.time_zone error />
                <p class="field-help">"Moneda: "{business.currency}</p>
                <FormError error />
                <button type="submit" class="button" disabled=move || update.pending().get()>
                    "Guardar"
                </button>
                <Show when=move || saved.get()>
                    <p class="form-ok" role="status" data-testid="business-saved">
                        "Cambios guardados."
                    </p>
                </Show>
            </ActionForm>
        </section>
    }
}
