//! `/cuenta`, "Mi cuenta": who I am, email confirmation, change password, my businesses (switch),
//! my open sessions (close one, close all others).

use leptos::prelude::*;
use leptos_meta::Title;

use super::viewer::use_viewer;
use crate::components::SelectField;
use crate::components::{ErrorNotice, Field, FormError, action_error, action_ok, successes};
use crate::tenancy::api::account::{ChangePassword, CreateBusiness, LogOut, ResendVerification, SwitchBusiness};
use crate::tenancy::api::sessions::{RevokeOtherSessions, RevokeSession, list_my_sessions};

/// The account page.
#[component]
pub fn AccountPage() -> impl IntoView {
    let ctx = use_viewer();
    let log_out = ServerAction::<LogOut>::new();
    view! {
        <Title text="Mi cuenta" />
        <div class="page-header">
            <h1>"Mi cuenta"</h1>
        </div>
        <Suspense fallback=|| {
            view! { <p>"Cargando…"</p> }
        }>
            {move || Suspend::new(async move {
                match ctx.viewer.await {
                    Ok(Some(v)) => {
                        view! {
                            <section class="card">
                                <h2>{v.display_name.clone()}</h2>
                                <p data-testid="account-email">{v.email.clone()}</p>
                                {if v.email_verified {
                                    view! { <p class="badge ok">"Correo confirmado"</p> }.into_any()
                                } else {
                                    view! { <ResendVerificationForm /> }.into_any()
                                }}
                                <ActionForm action=log_out>
                                    <button type="submit" class="button secondary">
                                        "Cerrar sesión"
                                    </button>
                                </ActionForm>
                            </section>
                            <BusinessSwitcher
                                businesses=v.businesses.clone()
                                current=v.current.as_ref().map(|c| c.tenant_id)
                            />
                            <AddBusinessForm />
                            <ChangePasswordForm />
                            <SessionsList />
                        }
                            .into_any()
                    }
                    Ok(None) => view! { <ErrorNotice error=crate::error::AppError::Unauthenticated /> }.into_any(),
                    Err(e) => view! { <ErrorNotice error=e /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn ResendVerificationForm() -> impl IntoView {
    let action = ServerAction::<ResendVerification>::new();
    let sent = action_ok(action);
    view! {
        <p class="badge warn">"Correo sin confirmar"</p>
        <ActionForm action>
            <button type="submit" class="button secondary">
                "Reenviar el enlace de confirmación"
            </button>
        </ActionForm>
        <Show when=move || sent.get()>
            <p class="form-ok" role="status">
                "Te mandamos un enlace nuevo."
            </p>
        </Show>
    }
}

#[component]
fn BusinessSwitcher(
    businesses: Vec<shared::tenancy::dto::BusinessChoice>,
    current: Option<shared::ids::TenantId>,
) -> impl IntoView {
    let action = ServerAction::<SwitchBusiness>::new();
    let switched = action_ok(action);
    Effect::new(move |_| {
        if switched.get() {
            // A full load: every part of the page belongs to the new business.
            let _ = window().location().set_href("/negocio");
        }
    });
    view! {
        <section class="card">
            <h2>"Mis negocios"</h2>
            <ul class="plain-list" data-testid="my-businesses">
                {businesses
                    .into_iter()
                    .map(|b| {
                        let here = Some(b.tenant_id) == current;
                        view! {
                            <li>
                                <strong>{b.name}</strong>
                                " · "
                                {b.role.label()}
                                {if here {
                                    view! { <span class="badge ok">"Actual"</span> }.into_any()
                                } else {
                                    view! {
                                        <ActionForm action attr:class="inline">
                                            <input type="hidden" name="tenant_id" value=b.tenant_id.to_string() />
                                            <button type="submit" class="button secondary small">
                                                "Cambiar a este"
                                            </button>
                                        </ActionForm>
                                    }
                                        .into_any()
                                }}
                            </li>
                        }
                    })
                    .collect_view()}
            </ul>
        </section>
    }
}

#[component]
fn AddBusinessForm() -> impl IntoView {
    use shared::tenancy::business::{IvaCondition, Rubro};
    let action = ServerAction::<CreateBusiness>::new();
    let error = action_error(action);
    let created = action_ok(action);
    Effect::new(move |_| {
        if created.get() {
            let _ = window().location().set_href("/negocio");
        }
    });
    let rubros: Vec<_> = Rubro::ALL.iter().map(|r| (r.code(), r.label())).collect();
    let ivas: Vec<_> = IvaCondition::ALL.iter().map(|c| (c.code(), c.label())).collect();
    view! {
        <section class="card">
            <details>
                <summary>"Agregar otro negocio"</summary>
                <ActionForm action>
                    <Field name="business_name" id="new-business-name" label="Nombre del negocio" required=true error />
                    <SelectField name="rubro" id="new-business-rubro" label="Rubro" options=rubros error />
                    <Field name="cuit" id="new-business-cuit" label="CUIT (opcional)" error />
                    <SelectField
                        name="iva_condition"
                        id="new-business-iva"
                        label="Condición frente al IVA"
                        options=ivas
                        selected="monotributo"
                        error
                    />
                    <FormError error />
                    <button type="submit" class="button" disabled=move || action.pending().get()>
                        "Crear negocio"
                    </button>
                </ActionForm>
            </details>
        </section>
    }
}

#[component]
fn ChangePasswordForm() -> impl IntoView {
    let action = ServerAction::<ChangePassword>::new();
    let error = action_error(action);
    let done = action_ok(action);
    view! {
        <section class="card">
            <h2>"Cambiar contraseña"</h2>
            <ActionForm action>
                <Field
                    name="current_password"
                    label="Contraseña actual"
                    kind="password"
                    autocomplete="current-password"
                    required=true
                    error
                />
                <Field
                    name="new_password"
                    label="Contraseña nueva"
                    kind="password"
                    autocomplete="new-password"
                    required=true
                    help="Al menos 10 caracteres. Se cierran tus otras sesiones."
                    error
                />
                <FormError error />
                <button type="submit" class="button" disabled=move || action.pending().get()>
                    "Cambiar contraseña"
                </button>
            </ActionForm>
            <Show when=move || done.get()>
                <p class="form-ok" role="status" data-testid="password-changed">
                    "Contraseña cambiada."
                </p>
            </Show>
        </section>
    }
}

#[component]
fn SessionsList() -> impl IntoView {
    let revoke = ServerAction::<RevokeSession>::new();
    let revoke_others = ServerAction::<RevokeOtherSessions>::new();
    let (closed, closed_others) = (successes(revoke), successes(revoke_others));
    let sessions = Resource::new(move || (closed.get(), closed_others.get()), |_| list_my_sessions());
    view! {
        <section class="card">
            <h2>"Mis sesiones"</h2>
            <Suspense fallback=|| {
                view! { <p>"Cargando…"</p> }
            }>
                {move || Suspend::new(async move {
                    match sessions.await {
                        Ok(list) => {
                            view! {
                                <div class="table-wrap">
                                    <table class="table" data-testid="sessions">
                                        <thead>
                                            <tr>
                                                <th>"Navegador"</th>
                                                <th>"Dirección"</th>
                                                <th>"Inicio"</th>
                                                <th>"Última actividad"</th>
                                                <th></th>
                                            </tr>
                                        </thead>
                                        <tbody>
                                            {list
                                                .into_iter()
                                                .map(|s| {
                                                    view! {
                                                        <tr>
                                                            <td>{s.user_agent}</td>
                                                            <td>{s.ip}</td>
                                                            <td>{s.created_at}</td>
                                                            <td>{s.last_seen_at}</td>
                                                            <td>
                                                                {if s.current {
                                                                    view! { <span class="badge ok">"Esta sesión"</span> }
                                                                        .into_any()
                                                                } else {
                                                                    view! {
                                                                        <ActionForm action=revoke attr:class="inline">
                                                                            <input
                                                                                type="hidden"
                                                                                name="session_id"
                                                                                value=s.id.to_string()
                                                                            />
                                                                            <button type="submit" class="button secondary small">
                                                                                "Cerrar"
                                                                            </button>
                                                                        </ActionForm>
                                                                    }
                                                                        .into_any()
                                                                }}
                                                            </td>
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
            <ActionForm action=revoke_others>
                <button type="submit" class="button secondary">
                    "Cerrar mis otras sesiones"
                </button>
            </ActionForm>
        </section>
    }
}
