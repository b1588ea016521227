//! Builds the axum router: `/health`, the status event stream, every Leptos route and server
//! function, and static files from the site root (served precompressed when `.br`/`.gz` files
//! exist, 404 page otherwise), behind the CSRF check and security headers.

use app::state::AppState;
use app::{App, shell};
use axum::Router;
use axum::routing::{MethodRouter, get};
use http::{HeaderValue, header};
use leptos_axum::{LeptosRoutes, generate_route_list};
use tower_http::compression::CompressionLayer;
use tower_http::set_header::SetResponseHeaderLayer;

use super::{Draining, events, export, health};

/// Every route served by a plain axum handler (everything else is a Leptos page, a server
/// function or a site file). The router is built from this list and the tenancy sweep test
/// probes each entry, so a new route added here is swept; add new ones here, nowhere else.
pub fn rest_routes() -> Vec<(&'static str, MethodRouter<AppState>)> {
    vec![
        ("/health", get(health::health)),
        (app::system::components::EVENTS_URL, get(events::system_events)),
        (export::EXPORT_URL, get(export::export)),
    ]
}

/// The paths of [`rest_routes`].
pub fn rest_paths() -> Vec<&'static str> {
    rest_routes().into_iter().map(|(path, _)| path).collect()
}

/// The whole HTTP surface of one server. `draining` ends long-lived responses at shutdown.
pub fn router(state: AppState, draining: Draining, security: super::SecurityPolicy) -> Router {
    let routes = generate_route_list(App);
    let options = state.leptos_options.clone();
    let rest = rest_routes().into_iter().fold(Router::new(), |router, (path, route)| router.route(path, route));
    rest.leptos_routes_with_context(&state, routes, || (), move || shell(options.clone()))
        .fallback(leptos_axum::file_and_error_handler::<AppState, _>(shell))
        // Pages and JSON are compressed on the fly; site files come precompressed; the event
        // stream is left alone (tower-http never compresses text/event-stream).
        .layer(CompressionLayer::new())
        // Site files keep their names across releases: browsers must revalidate them (a 304
        // when unchanged) so a new page never runs with an old wasm.
        .layer(SetResponseHeaderLayer::if_not_present(header::CACHE_CONTROL, HeaderValue::from_static("no-cache")))
        .layer(axum::Extension(draining))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::REFERRER_POLICY,
            HeaderValue::from_static("strict-origin-when-cross-origin"),
        ))
        .layer(axum::middleware::from_fn_with_state(std::sync::Arc::new(security), super::security::protect))
        .layer(axum::middleware::from_fn(super::request_log::log_request))
        .with_state(state)
}
