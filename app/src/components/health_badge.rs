//! A green "Funciona" / red "Caído" badge for a [`shared::system::Health`].

use leptos::prelude::*;
use shared::system::Health;

/// Shows whether a dependency works, with its latency or the reason it does not.
#[component]
pub fn HealthBadge(#[prop(into)] health: Signal<Health>) -> impl IntoView {
    move || match health.get() {
        Health::Ok { latency_ms } => view! {
            <span class="badge ok" data-health="ok">
                "Funciona"
            </span>
            <span class="detail">{format!(" {latency_ms} ms")}</span>
        }
        .into_any(),
        Health::Down { reason } => view! {
            <span class="badge bad" data-health="down">
                "Caído"
            </span>
            <div class="detail">{reason}</div>
        }
        .into_any(),
    }
}
