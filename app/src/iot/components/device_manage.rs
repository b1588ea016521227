//! Managing a device from its page (owners and admins): "Rotar clave" gives it a new secret and
//! shows the credentials card once; "Dar de baja" revokes it, confirmed with a checkbox so it
//! works without JavaScript (no `confirm()` dialog).

use leptos::prelude::*;

use super::credentials_card::CredentialsCard;
use crate::components::{FormError, action_error};
use crate::iot::api::{RevokeDevice, RotateDeviceSecret};

/// The manage block.
#[component]
pub fn ManagePanel(
    /// The device's public id.
    uid: String,
    /// Whether it is revoked (then a new secret brings it back).
    revoked: bool,
    /// The page's rotate action (its answer outlives this block).
    rotate: ServerAction<RotateDeviceSecret>,
    /// The page's revoke action.
    revoke: ServerAction<RevokeDevice>,
) -> impl IntoView {
    let rotate_error = action_error(rotate);
    let revoke_error = action_error(revoke);
    let hide = Callback::new(move |()| rotate.value().set(None));
    let rotate_uid = uid.clone();
    let (rotate_text, rotate_label) = if revoked {
        (
            "Está dado de baja. Con una clave nueva vuelve a funcionar, después de configurarlo otra vez.",
            "Reactivar con clave nueva",
        )
    } else {
        (
            "Una clave nueva deja sin acceso a la anterior: después vas a tener que configurar el equipo otra vez.",
            "Rotar clave",
        )
    };
    view! {
        <section class="card section manage" data-testid="manage">
            <h2>"Administrar"</h2>
            <div class="manage-actions">
                <ActionForm action=rotate attr:class="manage-action">
                    <input type="hidden" name="uid" value=rotate_uid />
                    <p>{rotate_text}</p>
                    <p class="nojs-only">
                        "Activá JavaScript para rotar la clave: sin él no podemos mostrarte la nueva."
                    </p>
                    <FormError error=rotate_error />
                    <button
                        type="submit"
                        class="button secondary"
                        data-testid="rotate-secret"
                        disabled=move || rotate.pending().get()
                    >
                        {rotate_label}
                    </button>
                </ActionForm>
                {(!revoked)
                    .then(|| {
                        view! {
                            <ActionForm action=revoke attr:class="manage-action">
                                <input type="hidden" name="uid" value=uid />
                                <p>
                                    "Dado de baja, el equipo ya no puede mandar datos ni recibir comandos. Sus lecturas quedan guardadas."
                                </p>
                                <label class="check">
                                    // No name: only the browser checks it, before sending.
                                    <input type="checkbox" required=true data-testid="revoke-confirm" />
                                    " Sí, quiero dar de baja este equipo"
                                </label>
                                <FormError error=revoke_error />
                                <button
                                    type="submit"
                                    class="button danger"
                                    data-testid="revoke-device"
                                    disabled=move || revoke.pending().get()
                                >
                                    "Dar de baja"
                                </button>
                            </ActionForm>
                        }
                    })}
            </div>
        </section>
        {move || {
            rotate
                .value()
                .get()
                .and_then(Result::ok)
                .map(|credentials| view! { <CredentialsCard credentials on_close=hide /> })
        }}
    }
}
