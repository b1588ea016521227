//! The top bar with the brand and the navigation, and the main column under it. The navigation
//! lists only modules that exist: each domain adds its entry to [`NAV_ITEMS`] when it lands.

use leptos::prelude::*;
use leptos_router::components::A;

/// One entry of the main navigation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NavItem {
    /// Where it goes.
    pub href: &'static str,
    /// What it says (Spanish).
    pub label: &'static str,
}

/// The main navigation, in order.
pub const NAV_ITEMS: &[NavItem] =
    &[NavItem { href: "/", label: "Inicio" }, NavItem { href: "/sistema", label: "Estado del sistema" }];

/// Top bar + page content + footer.
#[component]
pub fn Layout(children: Children) -> impl IntoView {
    view! {
        <header class="topbar">
            <a class="brand" href="/">
                <img src="/icons/icon-192.png" alt="" width="28" height="28" />
                <span>"Mostrador"</span>
            </a>
            <nav class="nav" aria-label="Principal">
                {NAV_ITEMS
                    .iter()
                    .map(|item| view! { <A href=item.href exact=true>{item.label}</A> })
                    .collect_view()}
            </nav>
        </header>
        <main>{children()}</main>
        <footer class="site-footer">"Mostrador · hecho en Argentina"</footer>
    }
}
