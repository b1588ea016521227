//! The card with what a new (or re-keyed) device needs: the provisioning QR code, its id, the
//! secret and the broker's address and password. The server keeps no copy it could show again,
//! so this card appears once, right after adding the device or rotating its secret.

use leptos::prelude::*;
use shared::iot::dto::DeviceCredentials;

/// The one-time credentials of a device.
#[component]
pub fn CredentialsCard(
    /// What the server answered.
    credentials: DeviceCredentials,
    /// Called by "Listo, ya lo guardé" (hides the card); no button without it.
    #[prop(optional, into)]
    on_close: Option<Callback<()>>,
) -> impl IntoView {
    let qr = svg_only(&credentials.qr_svg);
    view! {
        <section class="card credentials" data-testid="credentials" aria-labelledby="credentials-title">
            <h2 id="credentials-title">{format!("Datos para configurar «{}»", credentials.name)}</h2>
            <p>
                "Para un nodo Mostrador: conectalo por USB, abrí su consola serie (por ejemplo "
                <code>"espflash monitor"</code> ") y pegá la línea de abajo; después "
                <code>"wifi \"tu red\" \"tu clave\""</code> " y " <code>"reiniciar"</code>
                ". El código QR tiene los mismos datos, para llevarlos en el teléfono."
            </p>
            <div class="credentials-body">
                // The server draws the QR code (an SVG it builds from the provisioning JSON).
                <div
                    class="qr"
                    data-testid="device-qr"
                    role="img"
                    aria-label="Código QR de configuración"
                    inner_html=qr
                ></div>
                <dl class="facts">
                    <dt>"Identificador"</dt>
                    <dd class="mono" data-testid="device-uid">
                        {credentials.uid}
                    </dd>
                    <dt>"Clave secreta"</dt>
                    <dd>
                        <code class="mono secret" data-testid="device-secret">
                            {credentials.secret}
                        </code>
                        <p class="secret-note" role="note">
                            "Guardalo ahora: no se vuelve a mostrar."
                        </p>
                    </dd>
                    <dt>"Broker"</dt>
                    <dd class="mono" data-testid="device-broker">
                        {credentials.broker_url}
                    </dd>
                    <dt>"Contraseña del broker"</dt>
                    <dd class="mono" data-testid="device-broker-password">
                        {credentials.broker_password}
                    </dd>
                </dl>
            </div>
            <h3>"Línea para la consola del nodo"</h3>
            <pre class="provisioning mono" data-testid="device-console-line">
                {format!("provisionar {}", credentials.provisioning)}
            </pre>
            <h3>"Configuración (JSON)"</h3>
            <pre class="provisioning mono" data-testid="device-provisioning">
                {credentials.provisioning}
            </pre>
            {on_close
                .map(|close| {
                    view! {
                        <button type="button" class="button secondary" on:click=move |_| close.run(())>
                            "Listo, ya lo guardé"
                        </button>
                    }
                })}
        </section>
    }
}

/// The `<svg>` element of an SVG document (its XML declaration means nothing inside HTML).
fn svg_only(document: &str) -> String {
    document.find("<svg").map_or_else(|| document.to_owned(), |at| document[at..].to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_xml_declaration_is_dropped() {
        assert_eq!(svg_only(r#"<?xml version="1.0" standalone="yes"?><svg a="1"></svg>"#), r#"<svg a="1"></svg>"#);
        assert_eq!(svg_only("<svg></svg>"), "<svg></svg>");
        assert_eq!(svg_only(""), "");
    }
}
