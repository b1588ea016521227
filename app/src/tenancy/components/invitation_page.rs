//! `/invitacion?token=`: what an invitation offers, and accepting it: signed in with the invited
//! address, one click; with an account but signed out, sign in first; without one, create it here.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use super::password_pages::TokenError;
use super::viewer::use_viewer;
use crate::components::{Field, FormError, action_error};
use crate::tenancy::api::members::{AcceptInvitation, SignUpInvited, preview_invitation};

/// The invitation page.
#[component]
pub fn InvitationPage() -> impl IntoView {
    let ctx = use_viewer();
    let query = use_query_map();
    let token = Memo::new(move |_| query.read().get("token").unwrap_or_default());
    let preview = Resource::new(move || token.get(), preview_invitation);
    let accept = ServerAction::<AcceptInvitation>::new();
    let sign_up = ServerAction::<SignUpInvited>::new();
    view! {
        <Title text="Invitación" />
        <section class="auth-card">
            <Suspense fallback=|| {
                view! { <p>"Cargando…"</p> }
            }>
                {move || Suspend::new(async move {
                    let viewer = ctx.viewer.await.ok().flatten();
                    match preview.await {
                        Ok(p) => {
                            let head = view! {
                                <h1>
                                    "Te invitaron a "
                                    <span data-testid="invitation-business">{p.business_name.clone()}</span>
                                </h1>
                                <p>
                                    "Como " <strong>{p.role.label()}</strong> ", con el correo "
                                    <strong>{p.email.clone()}</strong> "."
                                </p>
                            };
                            let body = match viewer {
                                Some(v) if v.email == p.email => {
                                    view! { <AcceptForm action=accept token=token.get_untracked() /> }.into_any()
                                }
                                Some(v) => {
                                    view! {
                                        <p class="form-error" role="alert">
                                            "Ingresaste como "
                                            {v.email}
                                            ". Cerrá sesión e ingresá con "
                                            {p.email.clone()}
                                            " para aceptarla."
                                        </p>
                                    }
                                        .into_any()
                                }
                                None if p.account_exists => {
                                    let next = format!("/invitacion?token={}", token.get_untracked());
                                    let href = crate::components::login_href(&next);
                                    view! {
                                        <p>"Ya tenés cuenta en Mostrador: ingresá para aceptarla."</p>
                                        <a class="button" href=href>
                                            "Ingresar"
                                        </a>
                                    }
                                        .into_any()
                                }
                                None => {
                                    view! { <InvitedSignUp action=sign_up token=token.get_untracked() /> }.into_any()
                                }
                            };
                            view! {
                                {head}
                                {body}
                            }
                                .into_any()
                        }
                        Err(e) => {
                            view! {
                                <h1>"Invitación"</h1>
                                <p class="form-error" role="alert" data-testid="error-token">
                                    {e.field_reason("token").unwrap_or_else(|| e.to_string())}
                                </p>
                            }
                                .into_any()
                        }
                    }
                })}
            </Suspense>
        </section>
    }
}

/// Creating an account from the invitation (the link proves the address).
#[component]
fn InvitedSignUp(
    /// The form's action.
    action: ServerAction<SignUpInvited>,
    /// The invitation link's token.
    token: String,
) -> impl IntoView {
    let error = action_error(action);
    view! {
        <p>"Creá tu cuenta para sumarte:"</p>
        <ActionForm action=action>
            <input type="hidden" name="token" value=token />
            <Field name="display_name" label="Tu nombre" autocomplete="name" required=true error=error />
            <Field
                name="password"
                label="Contraseña"
                kind="password"
                autocomplete="new-password"
                required=true
                help="Al menos 10 caracteres."
                error=error
            />
            <TokenError error=error />
            <FormError error=error />
            <button type="submit" class="button">
                "Crear cuenta y unirme"
            </button>
        </ActionForm>
    }
}

/// Accepting as the signed-in account, which has the invited address.
#[component]
fn AcceptForm(
    /// The form's action.
    action: ServerAction<AcceptInvitation>,
    /// The invitation link's token.
    token: String,
) -> impl IntoView {
    let error = action_error(action);
    view! {
        <ActionForm action=action>
            <input type="hidden" name="token" value=token />
            <TokenError error=error />
            <FormError error=error />
            <button type="submit" class="button">
                "Aceptar la invitación"
            </button>
        </ActionForm>
    }
}
