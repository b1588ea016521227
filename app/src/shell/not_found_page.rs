//! The page for unknown addresses: says so in Spanish and answers HTTP 404.

use leptos::prelude::*;
use leptos_meta::Title;

/// Shown for any path no route matches; sets the response status to 404 on the server.
#[component]
pub fn NotFoundPage() -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        response.set_status(http::StatusCode::NOT_FOUND);
    }
    view! {
        <Title text="Página no encontrada" />
        <div class="error-page">
            <div class="code">"404"</div>
            <h1>"No encontramos esta página"</h1>
            <p>"Puede que la dirección esté mal escrita o que la página ya no exista."</p>
            <a href="/">"Volver al inicio"</a>
        </div>
    }
}
