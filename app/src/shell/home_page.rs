//! The home page: what Mostrador is and what already works on this installation.

use leptos::prelude::*;
use leptos_meta::Title;

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
                <p>
                    "El "<a href="/sistema">"estado del sistema"</a>
                    " muestra en vivo la base de datos, el broker MQTT y los mensajes que envían los equipos."
                </p>
            </div>
        </div>
    }
}
