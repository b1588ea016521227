//! A device's charts on its page: the range buttons (links with `?rango=`, so they work without
//! JavaScript; hydrated, the router switches without a reload), the export links and one
//! [`Chart`] per sensor.

use leptos::prelude::*;
use shared::iot::dto::{ChartRange, ChartSeries};

use super::chart::Chart;
use super::ticker::Ticker;
use crate::components::{ErrorNotice, encode_query_value};
use crate::error::AppError;

/// The readings export (a plain route served by `server`, not a server function: it streams).
const EXPORT_URL: &str = "/api/iot/export";

/// The charts block: hidden when the device is not found (the page says so above it).
#[component]
pub fn ChartsPanel(
    /// The device's public id (from the address).
    uid: Memo<String>,
    /// The range the address asks for.
    range: Memo<ChartRange>,
    /// The page's charts resource (keyed on the range and the refresh ticker).
    charts: Resource<Result<Vec<ChartSeries>, AppError>>,
    /// The charts' refresh ticker (stopped when the device is gone).
    tick: Ticker,
) -> impl IntoView {
    // A transition: each refresh keeps the charts on screen until the new ones arrive.
    view! {
        <Transition fallback=|| {
            view! { <p>"Cargando gráficos…"</p> }
        }>
            {move || Suspend::new(async move {
                let result = charts.await;
                tick.stop_after(&result);
                match result {
                    Ok(list) => {
                        view! {
                            <section class="section" data-testid="charts">
                                <ChartsHead uid=uid.get_untracked() range />
                                {if list.is_empty() {
                                    view! {
                                        <p class="empty" data-testid="no-charts">
                                            "Este equipo todavía no mandó lecturas."
                                        </p>
                                    }
                                        .into_any()
                                } else {
                                    view! {
                                        <div class="chart-grid">
                                            {list.into_iter().map(|series| view! { <Chart series /> }).collect_view()}
                                        </div>
                                    }
                                        .into_any()
                                }}
                            </section>
                        }
                            .into_any()
                    }
                    Err(AppError::NotFound | AppError::Forbidden | AppError::Unauthenticated | AppError::Suspended) => {
                        ().into_any()
                    }
                    Err(e) => {
                        // The live part above already says why.
                        view! { <ErrorNotice error=e /> }
                            .into_any()
                    }
                }
            })}
        </Transition>
    }
}

/// The title, the range buttons and the export links.
#[component]
fn ChartsHead(uid: String, range: Memo<ChartRange>) -> impl IntoView {
    let export = |format: &'static str| {
        let uid = uid.clone();
        move || export_href(&uid, range.get(), format)
    };
    view! {
        <div class="charts-head">
            <h2>"Gráficos"</h2>
            <nav class="range-nav" aria-label="Rango de los gráficos">
                {ChartRange::ALL
                    .into_iter()
                    .map(|r| {
                        let active = move || range.get() == r;
                        view! {
                            <a
                                href=format!("/equipos/{}?rango={}", uid, r.code())
                                data-noscroll=""
                                class=move || if active() { "button small" } else { "button small secondary" }
                                aria-current=move || active().then_some("true")
                                data-testid=format!("range-{}", r.code())
                            >
                                {r.label()}
                            </a>
                        }
                    })
                    .collect_view()}
            </nav>
            <div class="export">
                <a class="button small secondary" href=export("csv") download="" data-testid="export-csv">
                    "Descargar CSV"
                </a>
                <a class="button small secondary" href=export("json") download="" data-testid="export-json">
                    "Descargar JSON"
                </a>
            </div>
        </div>
    }
}

/// `/api/iot/export?device=<uid>&range=<code>&format=<csv|json>`.
fn export_href(uid: &str, range: ChartRange, format: &str) -> String {
    format!("{EXPORT_URL}?device={}&range={}&format={format}", encode_query_value(uid), range.code())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_export_link_names_device_range_and_format() {
        assert_eq!(export_href("abc234", ChartRange::Week, "csv"), "/api/iot/export?device=abc234&range=7d&format=csv");
    }
}
