//! A card with a label, a big value and an optional detail line.

use leptos::prelude::*;

/// One figure on a dashboard.
#[component]
pub fn StatCard(
    /// What the figure is.
    label: &'static str,
    /// The figure, already formatted.
    #[prop(into)]
    value: Signal<String>,
    /// A smaller line under the value.
    #[prop(optional, into)]
    detail: Option<Signal<String>>,
    /// `data-testid` for tests.
    #[prop(optional)]
    testid: &'static str,
) -> impl IntoView {
    view! {
        <div class="card" data-testid=testid>
            <div class="label">{label}</div>
            <div class="value">{value}</div>
            {detail.map(|d| view! { <div class="detail">{d}</div> })}
        </div>
    }
}
