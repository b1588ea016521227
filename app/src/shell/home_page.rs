//! The home page: what Mostrador is, and the next step for a visitor or a signed-in member.

use leptos::prelude::*;
use leptos_meta::Title;

/// What the visitor can do next: create an account, or go to their business.
#[component]
fn HomeNext() -> impl IntoView {
    let ctx = crate::tenancy::components::use_viewer();
    view! {
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                match ctx.viewer.await.ok().flatten() {
                    Some(v) => {
                        match v.current {
                            Some(b) => {
                                view! {
                                    <p>
                                        "Estás trabajando en " <strong>{b.name}</strong> " como " {b.role.label()} "."
                                    </p>
                                    <a class="button" href="/negocio" data-testid="go-business">
                                        "Ir a mi negocio"
                                    </a>
                                }
                                    .into_any()
                            }
                            None => {
                                view! {
                                    <p>
                                        "Todavía no sos parte de ningún negocio: creá uno desde "
                                        <a href="/cuenta">"Mi cuenta"</a> "."
                                    </p>
                                }
                                    .into_any()
                            }
                        }
                    }
                    None => {
                        view! {
                            <p>
                                "Cuentas por negocio con roles (dueño, administración, encargado, caja, profesionales, "
                                "marketing), invitaciones al equipo y registro de auditoría."
                            </p>
                            <a class="button" href="/registro">
                                "Creá la cuenta de tu negocio"
                            </a>
                            " "
                            <a class="button secondary" href="/ingresar">
                                "Ingresar"
                            </a>
                        }
                            .into_any()
                    }
                }
            })}
        </Suspense>
    }
}

/// `/`: the welcome page, fully rendered on the server.
#[component]
pub fn HomePage() -> impl IntoView {
    view! {
        <Title text="" />
        <section class="hero">
            <h1>"Tu negocio, en un solo lugar"</h1>
            <p>
                "Mostrador junta en una sola aplicación lo que hoy son cinco productos: sensores y alarmas, "
                "punto de venta y stock, clientes y campañas, turnos online, y la gestión de tu equipo."
            </p>
        </section>
        <div class="grid">
            <div class="card">
                <h2>"Pensado para"</h2>
                <ul class="modules">
                    <li>"Carnicerías y panaderías: cámaras de frío y hornos vigilados."</li>
                    <li>"Riego: humedad del suelo y válvulas desde el teléfono."</li>
                    <li>"Tiendas de ropa: ventas, stock y clientes."</li>
                    <li>"Bares y boliches: tarjetas prepagas RFID."</li>
                    <li>"Centros médicos: agenda por profesional y turnos online."</li>
                </ul>
            </div>
            <div class="card">
                <h2>"Disponible ahora"</h2>
                <HomeNext />
            </div>
        </div>
    }
}
