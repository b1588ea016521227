//! `/equipos`: the business' devices with their state and latest values, refreshed every 2 s
//! once hydrated. Owners and admins add devices here and see the new one's credentials once.

use leptos::html;
use leptos::prelude::*;
use leptos_meta::Title;
use shared::iot::dto::DeviceSummary;
use shared::tenancy::Permission;

use super::credentials_card::CredentialsCard;
use super::parts::{LiveValues, StatusBadge, meta_line};
use super::ticker::{LIVE_EVERY, use_ticker};
use crate::components::{ErrorNotice, Field, FormError, action_error, successes};
use crate::iot::api::{AddDevice, list_devices};
use crate::tenancy::components::use_viewer;

/// The devices list page.
#[component]
pub fn DevicesPage() -> impl IntoView {
    let ctx = use_viewer();
    let add = ServerAction::<AddDevice>::new();
    let added = successes(add);
    let tick = use_ticker(LIVE_EVERY);
    let devices = Resource::new(move || (ctx.version.get(), added.get(), tick.get()), |_| list_devices());
    view! {
        <Title text="Equipos" />
        <div class="page-header">
            <h1>"Equipos"</h1>
            <p>"Los sensores y actuadores del negocio con sus últimos valores, en vivo."</p>
        </div>
        // A transition: each refresh keeps the list on screen until the new one arrives.
        <Transition fallback=|| {
            view! { <p>"Cargando…"</p> }
        }>
            {move || Suspend::new(async move {
                let result = devices.await;
                tick.stop_after(&result);
                match result {
                    Ok(list) if list.is_empty() => {
                        view! {
                            <p class="empty" data-testid="no-devices">
                                "Todavía no hay equipos."
                            </p>
                        }
                            .into_any()
                    }
                    Ok(list) => {
                        view! {
                            <div class="device-list" data-testid="devices">
                                {list.into_iter().map(|device| view! { <DeviceCard device /> }).collect_view()}
                            </div>
                        }
                            .into_any()
                    }
                    Err(e) => view! { <ErrorNotice error=e /> }.into_any(),
                }
            })}
        </Transition>
        // Its own boundary: the list's refreshes never reset what is typed here.
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                let viewer = ctx.viewer.await.ok().flatten();
                let can_manage = viewer.as_ref().is_some_and(|v| v.can(Permission::DevicesManage));
                can_manage.then(|| view! { <AddDeviceForm add /> })
            })}
        </Suspense>
    }
}

/// One device in the list.
#[component]
fn DeviceCard(device: DeviceSummary) -> impl IntoView {
    let href = format!("/equipos/{}", device.uid);
    let testid = format!("device-{}", device.uid);
    let meta = meta_line(&device);
    view! {
        <article class="card device" data-testid=testid>
            <div class="device-head">
                <a class="device-name" href=href>
                    {device.name.clone()}
                </a>
                <StatusBadge device=device.clone() />
            </div>
            <p class="device-meta">{meta}</p>
            <LiveValues values=device.values />
        </article>
    }
}

/// "Agregar equipo": name and location; on success, the new device's credentials (once).
#[component]
fn AddDeviceForm(add: ServerAction<AddDevice>) -> impl IntoView {
    let error = action_error(add);
    let form = NodeRef::<html::Form>::new();
    // A new device: empty the form for the next one (a refused one keeps what was typed).
    Effect::new(move |_| {
        if add.value().with(|v| matches!(v, Some(Ok(_))))
            && let Some(form) = form.get()
        {
            form.reset();
        }
    });
    let hide = Callback::new(move |()| add.value().set(None));
    view! {
        <section class="card" data-testid="add-device">
            <h2>"Agregar equipo"</h2>
            <p class="field-help">"Agregá el equipo acá y después configuralo con el código QR que aparece."</p>
            <p class="nojs-only">
                "Activá JavaScript para agregar equipos: sin él no podemos mostrarte la clave del equipo nuevo."
            </p>
            <ActionForm action=add node_ref=form>
                <Field
                    name="name"
                    id="device-name"
                    label="Nombre"
                    required=true
                    help="Por ejemplo «Cámara 1»."
                    error
                />
                <Field
                    name="location"
                    id="device-location"
                    label="Ubicación"
                    help="Opcional. Por ejemplo «Depósito»."
                    error
                />
                <FormError error />
                <button type="submit" class="button" disabled=move || add.pending().get()>
                    "Agregar equipo"
                </button>
            </ActionForm>
        </section>
        {move || {
            add.value()
                .get()
                .and_then(Result::ok)
                .map(|credentials| {
                    view! {
                        <p class="form-ok" role="status" data-testid="device-added">
                            "Equipo agregado."
                        </p>
                        <CredentialsCard credentials on_close=hide />
                    }
                })
        }}
    }
}
