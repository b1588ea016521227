//! `/recuperar-contrasena` (ask for a reset link), `/restablecer-contrasena?token=` (set a new
//! password from it) and `/verificar-correo?token=` (confirm the address).

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::components::{Field, FormError, action_error, action_ok};
use crate::tenancy::api::account::{RequestPasswordReset, ResetPassword, VerifyEmail};

/// Asks for a reset link.
#[component]
pub fn ForgotPasswordPage() -> impl IntoView {
    let action = ServerAction::<RequestPasswordReset>::new();
    let error = action_error(action);
    let done = action_ok(action);
    view! {
        <Title text="Recuperar contraseña" />
        <section class="auth-card">
            <h1>"Recuperar contraseña"</h1>
            <p>"Te mandamos un enlace para elegir una contraseña nueva."</p>
            <ActionForm action>
                <Field
                    name="email"
                    label="Correo electrónico"
                    kind="email"
                    autocomplete="username"
                    required=true
                    error
                />
                <FormError error />
                <button type="submit" class="button" disabled=move || action.pending().get()>
                    "Enviar enlace"
                </button>
            </ActionForm>
            <Show when=move || done.get()>
                <p class="form-ok" role="status" data-testid="reset-sent">
                    "Si hay una cuenta con ese correo, te llegará un enlace en unos minutos. Vale por 1 hora."
                </p>
            </Show>
            <p>
                <a href="/ingresar">"Volver a ingresar"</a>
            </p>
        </section>
    }
}

/// Sets a new password from the mailed link.
#[component]
pub fn ResetPasswordPage() -> impl IntoView {
    let action = ServerAction::<ResetPassword>::new();
    let error = action_error(action);
    let query = use_query_map();
    let token = move || query.read().get("token").unwrap_or_default();
    view! {
        <Title text="Nueva contraseña" />
        <section class="auth-card">
            <h1>"Elegí una contraseña nueva"</h1>
            <ActionForm action>
                <input type="hidden" name="token" value=token />
                <Field
                    name="password"
                    label="Contraseña nueva"
                    kind="password"
                    autocomplete="new-password"
                    required=true
                    help="Al menos 10 caracteres. Se cierran tus otras sesiones."
                    error
                />
                <TokenError error />
                <FormError error />
                <button type="submit" class="button" disabled=move || action.pending().get()>
                    "Guardar contraseña"
                </button>
            </ActionForm>
        </section>
    }
}

/// Confirms the email address (a button, so link scanners in mail clients do not use it up).
#[component]
pub fn VerifyEmailPage() -> impl IntoView {
    let action = ServerAction::<VerifyEmail>::new();
    let error = action_error(action);
    let done = action_ok(action);
    let query = use_query_map();
    let token = move || query.read().get("token").unwrap_or_default();
    view! {
        <Title text="Confirmar correo" />
        <section class="auth-card">
            <h1>"Confirmá tu correo"</h1>
            <Show
                when=move || done.get()
                fallback=move || {
                    view! {
                        <ActionForm action>
                            <input type="hidden" name="token" value=token />
                            <TokenError error />
                            <FormError error />
                            <button type="submit" class="button">
                                "Confirmar mi correo"
                            </button>
                        </ActionForm>
                    }
                }
            >
                <p class="form-ok" role="status" data-testid="email-verified">
                    "¡Listo! Tu correo quedó confirmado."
                </p>
                <a class="button" href="/">
                    "Ir al inicio"
                </a>
            </Show>
        </section>
    }
}

/// The error about the link itself.
#[component]
pub fn TokenError(#[prop(into)] error: Signal<Option<crate::error::AppError>>) -> impl IntoView {
    move || {
        error.get().and_then(|e| e.field_reason("token")).map(|r| {
            view! {
                <p class="field-error" role="alert" data-testid="error-token">
                    {r}
                </p>
            }
        })
    }
}
