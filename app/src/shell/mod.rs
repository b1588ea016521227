//! The page shell every screen shares: the HTML document, the router, the top bar with the
//! navigation, the home page and the "not found" page. Domains plug their pages in here.

mod home_page;
mod layout;
mod not_found_page;

use leptos::prelude::*;
use leptos_meta::{Meta, MetaTags, Stylesheet, Title, provide_meta_context};
use leptos_router::components::{Route, Router, Routes};
use leptos_router::{ParamSegment, SsrMode, StaticSegment};

pub use home_page::HomePage;
pub use layout::{Layout, NAV_ITEMS, NavItem};
pub use not_found_page::NotFoundPage;

use crate::iot::components::{DevicePage, DevicesPage};
use crate::system::components::SystemStatusPage;
use crate::tenancy::components::{
    AccountPage, AuditPage, BusinessPage, ConfirmSignUpPage, DevMailPage, ForgotPasswordPage, InvitationPage,
    LoginPage, MembersPage, OperatorPage, ResetPasswordPage, SignUpPage, SignUpSentPage, VerifyEmailPage,
};

/// The Content-Security-Policy nonce of one response. The server's security middleware puts it
/// in the request's extensions and names it in the CSP header; [`shell`] gives it to Leptos so
/// the hydration and data scripts carry it.
#[derive(Debug, Clone)]
pub struct CspNonce(pub String);

/// A fresh nonce: 16 random bytes, base64.
#[cfg(feature = "ssr")]
pub fn new_nonce() -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(rand::random::<[u8; 16]>())
}

#[cfg(feature = "ssr")]
fn provide_csp_nonce() {
    let nonce = use_context::<http::request::Parts>().and_then(|parts| parts.extensions.get::<CspNonce>().cloned());
    if let Some(CspNonce(value)) = nonce {
        provide_context(leptos::nonce::Nonce::from_value(value));
    }
}

/// The full HTML document, rendered on the server around [`App`].
pub fn shell(options: LeptosOptions) -> impl IntoView {
    #[cfg(feature = "ssr")]
    provide_csp_nonce();
    view! {
        <!DOCTYPE html>
        <html lang="es-AR">
            <head>
                <meta charset="utf-8" />
                <meta name="viewport" content="width=device-width, initial-scale=1, viewport-fit=cover" />
                <meta name="theme-color" content="#0f766e" />
                <link rel="manifest" href="/manifest.webmanifest" />
                <link rel="icon" type="image/png" sizes="192x192" href="/icons/icon-192.png" />
                <link rel="apple-touch-icon" href="/icons/apple-touch-icon.png" />
                <script src="/register-sw.js" defer></script>
                <AutoReload options=options.clone() />
                <HydrationScripts options />
                <MetaTags />
            </head>
            <body>
                <App />
            </body>
        </html>
    }
}

/// The application: routes and layout. Hydrated in the browser by `frontend`.
#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    mark_hydrated();

    view! {
        <Stylesheet id="leptos" href="/pkg/mostrador.css" />
        <Title formatter=|page: String| {
            if page.is_empty() { "Mostrador".to_string() } else { format!("{page} · Mostrador") }
        } />
        <Meta
            name="description"
            content="Mostrador: sensores, ventas, clientes y turnos de tu negocio en un solo lugar."
        />
        <Router>
            <Layout>
                <Routes fallback=NotFoundPage>
                    <Route path=StaticSegment("") view=HomePage ssr=SsrMode::Async />
                    // Async everywhere: each page arrives whole (session, data, forms), so it works
                    // without JavaScript; hydration then takes over.
                    <Route path=StaticSegment("sistema") view=SystemStatusPage ssr=SsrMode::Async />
                    <Route path=StaticSegment("ingresar") view=LoginPage ssr=SsrMode::Async />
                    <Route path=StaticSegment("registro") view=SignUpPage ssr=SsrMode::Async />
                    <Route
                        path=(StaticSegment("registro"), StaticSegment("enviado"))
                        view=SignUpSentPage
                        ssr=SsrMode::Async
                    />
                    <Route path=StaticSegment("confirmar-alta") view=ConfirmSignUpPage ssr=SsrMode::Async />
                    <Route path=StaticSegment("recuperar-contrasena") view=ForgotPasswordPage ssr=SsrMode::Async />
                    <Route path=StaticSegment("restablecer-contrasena") view=ResetPasswordPage ssr=SsrMode::Async />
                    <Route path=StaticSegment("verificar-correo") view=VerifyEmailPage ssr=SsrMode::Async />
                    <Route path=StaticSegment("invitacion") view=InvitationPage ssr=SsrMode::Async />
                    <Route path=StaticSegment("cuenta") view=AccountPage ssr=SsrMode::Async />
                    <Route path=StaticSegment("negocio") view=BusinessPage ssr=SsrMode::Async />
                    <Route
                        path=(StaticSegment("negocio"), StaticSegment("miembros"))
                        view=MembersPage
                        ssr=SsrMode::Async
                    />
                    <Route
                        path=(StaticSegment("negocio"), StaticSegment("auditoria"))
                        view=AuditPage
                        ssr=SsrMode::Async
                    />
                    <Route path=StaticSegment("equipos") view=DevicesPage ssr=SsrMode::Async />
                    <Route path=(StaticSegment("equipos"), ParamSegment("uid")) view=DevicePage ssr=SsrMode::Async />
                    <Route path=StaticSegment("operador") view=OperatorPage ssr=SsrMode::Async />
                    <Route path=(StaticSegment("dev"), StaticSegment("correos")) view=DevMailPage ssr=SsrMode::Async />
                </Routes>
            </Layout>
        </Router>
    }
}

/// Sets `data-hydrated="true"` on `<body>` once the wasm runs, so browser tests (and CSS) can
/// tell a live page from server-rendered HTML.
fn mark_hydrated() {
    Effect::new(|_| {
        if let Some(body) = document().body() {
            let _ = body.set_attribute("data-hydrated", "true");
        }
    });
}
