//! `/registro`: create an account and its business (rubro, CUIT, IVA condition).

use leptos::prelude::*;
use leptos_meta::Title;
use shared::tenancy::business::{IvaCondition, Rubro};

use crate::components::{Field, FormError, SelectField, action_error};
use crate::tenancy::api::account::SignUp;

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
            <p class="lead">"Sensores, ventas, clientes y turnos en un solo lugar. Tu cuenta queda como dueña del negocio."</p>
            <ActionForm action>
                <fieldset>
                    <legend>"Vos"</legend>
                    <Field name="display_name" label="Tu nombre" autocomplete="name" required=true error />
                    <Field name="email" label="Correo electrónico" kind="email" autocomplete="email" required=true error />
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
                    <Field name="business_name" label="Nombre del negocio" autocomplete="organization" required=true error />
                    <SelectField name="rubro" label="Rubro" options=rubros error />
                    <Field name="cuit" label="CUIT (opcional)" help="Por ejemplo 20-12345678-6." error />
                    <SelectField name="iva_condition" label="Condición frente al IVA" options=ivas selected="monotributo" error />
                </fieldset>
                <FormError error />
                <button type="submit" class="button" disabled=move || action.pending().get()>"Crear cuenta"</button>
            </ActionForm>
            <p>"¿Ya tenés cuenta? " <a href="/ingresar">"Ingresá"</a></p>
        </section>
    }
}
