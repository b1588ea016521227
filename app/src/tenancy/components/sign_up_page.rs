//! `/registro`: create an account and its business (rubro, CUIT, IVA condition);
//! `/registro/enviado`: check your mail; `/confirmar-alta?token=`: finish it from the mailed link.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;
use shared::tenancy::business::{IvaCondition, Rubro};

use super::password_pages::TokenError;
use crate::components::{Field, FormError, SelectField, action_error};
use crate::tenancy::api::account::{ConfirmSignUp, SignUp};

/// The sign-up page.
#[component]
pub fn SignUpPage() -> impl IntoView {
    let action = ServerAction::<SignUp>::new();
    let error = action_error(action);
    let rubros: Vec<_> = Rubro::ALL.iter().map(|r| (r.code(), r.label())).collect();
    let ivas: Vec<_> = IvaCondition::ALL.iter().map(|c| (c.code(), c.label())).collect();
    view! {
        <Title text="Crear cuenta" />
        <section class="auth-card wide">
            <h1>"Creá la cuenta de tu negocio"</h1>
            <p class="lead">
                "Sensores, ventas, clientes y turnos en un solo lugar. Tu cuenta queda como dueña del negocio."
            </p>
            <ActionForm action>
                <fieldset>
                    <legend>"Vos"</legend>
                    <Field name="display_name" label="Tu nombre" autocomplete="name" required=true error />
                    <Field
                        name="email"
                        label="Correo electrónico"
                        kind="email"
                        autocomplete="email"
                        required=true
                        error
                    />
                    <Field
                        name="password"
                        label="Contraseña"
                        kind="password"
                        autocomplete="new-password"
                        required=true
                        help="Al menos 10 caracteres. Una frase es más fácil de recordar."
                        error
                    />
                </fieldset>
                <fieldset>
                    <legend>"Tu negocio"</legend>
                    <Field
                        name="business_name"
                        label="Nombre del negocio"
                        autocomplete="organization"
                        required=true
                        error
                    />
                    <SelectField name="rubro" label="Rubro" options=rubros error />
                    <Field name="cuit" label="CUIT (opcional)" help="Por ejemplo 20-12345678-6." error />
                    <SelectField
                        name="iva_condition"
                        label="Condición frente al IVA"
                        options=ivas
                        selected="monotributo"
                        error
                    />
                </fieldset>
                <FormError error />
                <button type="submit" class="button" disabled=move || action.pending().get()>
                    "Crear cuenta"
                </button>
            </ActionForm>
            <p>"¿Ya tenés cuenta? " <a href="/ingresar">"Ingresá"</a></p>
        </section>
    }
}

/// After the form: the link is in the mail. Says the same whether or not the address already had
/// an account (that address got a mail saying so instead).
#[component]
pub fn SignUpSentPage() -> impl IntoView {
    view! {
        <Title text="Revisá tu correo" />
        <section class="auth-card">
            <h1>"Revisá tu correo"</h1>
            <p role="status" data-testid="sign-up-sent">
                "Te mandamos un correo con un enlace para terminar de crear la cuenta. Abrilo desde este u otro dispositivo: vale 3 días."
            </p>
            <p>
                "¿No llegó? Mirá en el spam o en «Promociones». Si ese correo ya tenía una cuenta, te contamos en el mensaje cómo entrar."
            </p>
            <p>
                <a href="/ingresar">"Ir a ingresar"</a>
            </p>
        </section>
    }
}

/// Finishes the sign-up (a button, so link scanners in mail clients do not use the link up).
#[component]
pub fn ConfirmSignUpPage() -> impl IntoView {
    let action = ServerAction::<ConfirmSignUp>::new();
    let error = action_error(action);
    let query = use_query_map();
    let token = move || query.read().get("token").unwrap_or_default();
    view! {
        <Title text="Activar la cuenta" />
        <section class="auth-card">
            <h1>"Activá tu cuenta"</h1>
            <p class="lead">
                "Un paso más: escribí la contraseña que elegiste; al activarla creamos tu negocio y entrás."
            </p>
            <ActionForm action>
                <input type="hidden" name="token" value=token />
                <Field
                    name="password"
                    label="Contraseña"
                    kind="password"
                    autocomplete="current-password"
                    required=true
                    help="La que escribiste al crear la cuenta."
                    error
                />
                <TokenError error />
                <FormError error />
                <button type="submit" class="button" disabled=move || action.pending().get()>
                    "Activar mi cuenta"
                </button>
            </ActionForm>
        </section>
    }
}
