//! `/ingresar`: sign in with email and password. `?next=/path` comes back after.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::components::{Field, FormError, action_error};
use crate::tenancy::api::account::LogIn;

/// The sign-in page.
#[component]
pub fn LoginPage() -> impl IntoView {
    let action = ServerAction::<LogIn>::new();
    let error = action_error(action);
    let query = use_query_map();
    let next = move || query.read().get("next").unwrap_or_default();
    view! {
        <Title text="Ingresar" />
        <section class="auth-card">
            <h1>"Ingresar"</h1>
            <ActionForm action>
                <input type="hidden" name="next" value=next />
                <Field
                    name="email"
                    label="Correo electrónico"
                    kind="email"
                    autocomplete="username"
                    required=true
                    error
                />
                <Field
                    name="password"
                    label="Contraseña"
                    kind="password"
                    autocomplete="current-password"
                    required=true
                    error
                />
                <FormError error />
                <button type="submit" class="button" disabled=move || action.pending().get()>
                    "Ingresar"
                </button>
            </ActionForm>
            <p>
                <a href="/recuperar-contrasena">"¿Olvidaste tu contraseña?"</a>
            </p>
            <p>"¿Todavía no usás Mostrador? " <a href="/registro">"Creá la cuenta de tu negocio"</a></p>
        </section>
    }
}
