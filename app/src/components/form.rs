//! Form pieces: a labelled field with its error message next to it, and the form-wide error.
//! Inputs are uncontrolled, so what a person typed stays in place when the server refuses it.

use leptos::prelude::*;
use server_fn::ServerFn;

use crate::error::AppError;

/// The error of an action's last run, if it failed. Without JavaScript a refused form comes back
/// as a redirect to the page with the error in the URL (`__path`, `__err`): that error is shown
/// too, so the message is next to its field either way.
pub fn action_error<S>(action: ServerAction<S>) -> Signal<Option<AppError>>
where
    S: ServerFn<Error = AppError> + Clone + Send + Sync + 'static,
    S::Output: Clone + Send + Sync + 'static,
{
    let query = leptos_router::hooks::use_query_map();
    Signal::derive(move || {
        action.value().get().and_then(Result::err).or_else(|| {
            let query = query.read();
            let from_this_form = query.get("__path").as_deref() == Some(S::PATH);
            from_this_form
                .then(|| query.get("__err"))
                .flatten()
                .map(|e| server_fn::error::ServerFnUrlError::<AppError>::decode_err(&e))
        })
    })
}

/// Whether an action's last run succeeded.
pub fn action_ok<S>(action: ServerAction<S>) -> Signal<bool>
where
    S: ServerFn<Error = AppError> + Clone + Send + Sync + 'static,
    S::Output: Clone + Send + Sync + 'static,
{
    Signal::derive(move || action.value().with(|v| matches!(v, Some(Ok(_)))))
}

/// Counts an action's successful runs. Key a resource on it (not on `action.version()`, which
/// also moves on errors) so a refused form is not re-rendered with the server's old values and
/// keeps what the person typed.
pub fn successes<S>(action: ServerAction<S>) -> ReadSignal<usize>
where
    S: ServerFn<Error = AppError> + Clone + Send + Sync + 'static,
    S::Output: Clone + Send + Sync + 'static,
{
    let (count, set_count) = signal(0_usize);
    Effect::new(move |_| {
        if action.value().with(|v| matches!(v, Some(Ok(_)))) {
            set_count.update(|c| *c += 1);
        }
    });
    count
}

/// A labelled input with its error underneath (`id` defaults to `name`; the error's id is
/// `<id>-error`).
#[component]
pub fn Field(
    /// The form field's name (and the server function argument).
    name: &'static str,
    /// The element id, when a page has several forms with the same fields.
    #[prop(optional, into)]
    id: Option<String>,
    /// The label (Spanish).
    label: &'static str,
    /// The input type.
    #[prop(default = "text")]
    kind: &'static str,
    /// `autocomplete` hint.
    #[prop(default = "off")]
    autocomplete: &'static str,
    /// Whether it must be filled in.
    #[prop(optional)]
    required: bool,
    /// A starting value.
    #[prop(optional, into)]
    value: String,
    /// A help line under the field.
    #[prop(optional)]
    help: &'static str,
    /// The form's error.
    #[prop(into)]
    error: Signal<Option<AppError>>,
) -> impl IntoView {
    let reason = Memo::new(move |_| error.with(|e| e.as_ref().and_then(|e| e.field_reason(name))));
    let id = id.unwrap_or_else(|| name.to_owned());
    view! {
        <div class="field">
            <label for=id.clone()>{label}</label>
            <input
                id=id.clone()
                name=name
                type=kind
                autocomplete=autocomplete
                required=required
                value=value
                aria-invalid=move || reason.with(Option::is_some).to_string()
                aria-describedby=format!("{id}-error")
            />
            <FieldMessage id name reason help />
        </div>
    }
}

/// A select with its error underneath. `options` are (value, label) pairs.
#[component]
pub fn SelectField(
    /// The form field's name.
    name: &'static str,
    /// The element id, when a page has several forms with the same fields.
    #[prop(optional, into)]
    id: Option<String>,
    /// The label.
    label: &'static str,
    /// The choices.
    options: Vec<(&'static str, &'static str)>,
    /// The selected value.
    #[prop(optional, into)]
    selected: String,
    /// The form's error.
    #[prop(into)]
    error: Signal<Option<AppError>>,
) -> impl IntoView {
    let reason = Memo::new(move |_| error.with(|e| e.as_ref().and_then(|e| e.field_reason(name))));
    let id = id.unwrap_or_else(|| name.to_owned());
    view! {
        <div class="field">
            <label for=id.clone()>{label}</label>
            <select id=id.clone() name=name aria-describedby=format!("{id}-error")>
                {options
                    .into_iter()
                    .map(|(value, text)| {
                        let is = value == selected;
                        view! {
                            <option value=value selected=is>
                                {text}
                            </option>
                        }
                    })
                    .collect_view()}
            </select>
            <FieldMessage id name reason help="" />
        </div>
    }
}

#[component]
fn FieldMessage(id: String, name: &'static str, reason: Memo<Option<String>>, help: &'static str) -> impl IntoView {
    let error_id = format!("{id}-error");
    move || match reason.get() {
        Some(r) => view! {
            <p id=error_id.clone() class="field-error" role="alert" data-testid=format!("error-{name}")>
                {r}
            </p>
        }
        .into_any(),
        None if !help.is_empty() => view! {
            <p id=error_id.clone() class="field-help">
                {help}
            </p>
        }
        .into_any(),
        None => view! { <span id=error_id.clone()></span> }.into_any(),
    }
}

/// The error that belongs to no field (shown above the button).
#[component]
pub fn FormError(
    /// The form's error.
    #[prop(into)]
    error: Signal<Option<AppError>>,
) -> impl IntoView {
    move || {
        error.get().and_then(|e| e.form_message()).map(|m| {
            view! {
                <p class="form-error" role="alert" data-testid="form-error">
                    {m}
                </p>
            }
        })
    }
}

/// What a page shows when its data cannot be loaded: a sign-in link when the session is gone,
/// a plain refusal when the role may not see it.
#[component]
pub fn ErrorNotice(
    /// The error.
    error: AppError,
) -> impl IntoView {
    let body = match &error {
        AppError::Unauthenticated => {
            // Back to this page after signing in.
            let here = leptos_router::hooks::use_location();
            let next = format!("{}{}", here.pathname.get_untracked(), here.search.get_untracked());
            let href = super::login_href(&next);
            view! {
                <p>"Tenés que iniciar sesión para ver esta página."</p>
                <a class="button" href=href>
                    "Ingresar"
                </a>
            }
            .into_any()
        }
        AppError::Forbidden => view! {
            <p data-testid="forbidden">"No tenés permiso para ver esta página."</p>
            <a href="/">"Volver al inicio"</a>
        }
        .into_any(),
        e => view! { <p>{e.to_string()}</p> }.into_any(),
    };
    view! {
        <div class="card notice" role="alert">
            {body}
        </div>
    }
}
