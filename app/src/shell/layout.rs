//! The top bar with the brand and the navigation, and the main column under it. The navigation
//! lists only modules that exist and that the viewer's role may open.

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

/// The navigation everyone sees; the entries that depend on the session and its role come from
/// [`crate::tenancy::components::UserMenu`].
pub const NAV_ITEMS: &[NavItem] = &[NavItem { href: "/", label: "Inicio" }];

/// Top bar + page content + footer.
#[component]
pub fn Layout(children: Children) -> impl IntoView {
    crate::tenancy::components::provide_viewer();
    view! {
        <header class="topbar">
            <a class="brand" href="/">
                <img src="/icons/icon-192.png" alt="" width="28" height="28" />
                <span>"Mostrador"</span>
            </a>
            <nav class="nav" aria-label="Principal">
                {NAV_ITEMS
                    .iter()
                    .map(|item| {
                        view! {
                            <A href=item.href exact=true>
                                {item.label}
                            </A>
                        }
                    })
                    .collect_view()}
                <crate::tenancy::components::UserMenu />
            </nav>
        </header>
        <main>{children()}</main>
        <footer class="site-footer">"Mostrador · hecho en Argentina"</footer>
    }
}
