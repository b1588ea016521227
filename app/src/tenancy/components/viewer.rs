//! Who is looking, for every page: a resource refetched on each navigation (and when a form
//! bumps its version), so the top bar and the pages agree with the session.

use leptos::prelude::*;
use leptos_router::hooks::use_location;
use shared::tenancy::dto::Viewer;

use crate::error::AppError;
use crate::tenancy::api::account::get_viewer;

/// The viewer resource and its refresh counter.
#[derive(Clone, Copy)]
pub struct ViewerContext {
    /// The signed-in account and business, or `None` for visitors.
    pub viewer: Resource<Result<Option<Viewer>, AppError>>,
    /// Bump to refetch the viewer and the pages' data.
    pub version: RwSignal<u32>,
}

/// Provides the [`ViewerContext`]; call once inside the router.
pub fn provide_viewer() -> ViewerContext {
    let location = use_location();
    let version = RwSignal::new(0_u32);
    let viewer = Resource::new(move || (location.pathname.get(), version.get()), |_| get_viewer());
    let ctx = ViewerContext { viewer, version };
    provide_context(ctx);
    ctx
}

/// The [`ViewerContext`] (a default, never-loading one outside the layout).
pub fn use_viewer() -> ViewerContext {
    use_context::<ViewerContext>().unwrap_or_else(provide_viewer)
}
