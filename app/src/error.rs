//! `AppError`: the one error type server functions return. It crosses the wire as JSON, so the
//! browser can show a Spanish message next to the right field; causes are logged on the server
//! and never sent.

use serde::{Deserialize, Serialize};
use server_fn::codec::JsonEncoding;
use server_fn::error::{FromServerFnError, ServerFnErrorErr};

/// What went wrong, in terms the UI can act on. On the wire: `"not_found"`, or
/// `{"invalid":{"field":"cuit","reason":"…"}}`, pinned by a test below.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[serde(rename_all = "snake_case")]
pub enum AppError {
    /// The thing does not exist, or belongs to someone else (never say which).
    #[error("No encontramos lo que buscás.")]
    NotFound,
    /// No session, or it expired.
    #[error("Tenés que iniciar sesión.")]
    Unauthenticated,
    /// The session's role may not do this.
    #[error("No tenés permiso para hacer esto.")]
    Forbidden,
    /// The business was suspended by the platform operator.
    #[error("Este negocio está suspendido. Escribinos para reactivarlo.")]
    Suspended,
    /// A field a person typed is wrong; `reason` is Spanish and shown next to `field`.
    #[error("{reason}")]
    Invalid {
        /// The form field's name.
        field: String,
        /// Why, in Spanish.
        reason: String,
    },
    /// The change clashes with the current state (a duplicate, a stale edit).
    #[error("{0}")]
    Conflict(String),
    /// A part the server depends on (database, broker, an outside service) is not answering.
    #[error("El servicio no está disponible en este momento. Probá de nuevo en unos segundos.")]
    Unavailable,
    /// A bug or an unexpected failure; details are in the server log.
    #[error("Ocurrió un error inesperado. Ya quedó registrado.")]
    Internal,
    /// The request did not reach the server or its answer could not be read.
    #[error("No pudimos comunicarnos con el servidor: {0}")]
    Transport(String),
}

impl FromServerFnError for AppError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        match value {
            ServerFnErrorErr::Request(msg) | ServerFnErrorErr::Response(msg) => Self::Transport(msg),
            ServerFnErrorErr::Args(_) | ServerFnErrorErr::Deserialization(_) => {
                Self::Invalid { field: String::new(), reason: "Los datos enviados no son válidos.".into() }
            }
            _ => Self::Internal,
        }
    }
}

impl AppError {
    /// The reason if this error is about `field` (for the message next to that field).
    pub fn field_reason(&self, field: &str) -> Option<String> {
        match self {
            Self::Invalid { field: f, reason } if f == field => Some(reason.clone()),
            _ => None,
        }
    }

    /// A message for the whole form, unless the error belongs to one of its fields.
    pub fn form_message(&self) -> Option<String> {
        match self {
            Self::Invalid { field, .. } if !field.is_empty() => None,
            e => Some(e.to_string()),
        }
    }
}

/// Plain axum routes (the export, the event stream) answer with the status and the Spanish
/// message, as server functions do; nothing else about the cause leaves the server.
#[cfg(feature = "ssr")]
impl axum::response::IntoResponse for AppError {
    fn into_response(self) -> axum::response::Response {
        (self.status(), self.to_string()).into_response()
    }
}

#[cfg(feature = "ssr")]
impl AppError {
    /// The HTTP status this error answers with.
    pub fn status(&self) -> http::StatusCode {
        use http::StatusCode;
        match self {
            Self::NotFound => StatusCode::NOT_FOUND,
            Self::Unauthenticated => StatusCode::UNAUTHORIZED,
            Self::Forbidden | Self::Suspended => StatusCode::FORBIDDEN,
            Self::Invalid { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            Self::Conflict(_) => StatusCode::CONFLICT,
            Self::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
            Self::Internal | Self::Transport(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// Sets this error's HTTP status on the current response (server functions and pages) and
    /// returns the error, for `map_err(|e| ... .reply())`.
    ///
    /// Not for a plain HTML form post (no JavaScript): server functions answer those with a
    /// redirect back to the form carrying the error in the URL, which a 4xx status would break.
    pub fn reply(self) -> Self {
        use leptos::prelude::use_context;
        let plain_form_post = use_context::<http::request::Parts>().is_some_and(|parts| {
            parts.method == http::Method::POST
                && parts
                    .headers
                    .get(http::header::ACCEPT)
                    .and_then(|v| v.to_str().ok())
                    .is_some_and(|accept| accept.contains("text/html"))
        });
        if let Some(response) = use_context::<leptos_axum::ResponseOptions>()
            && !plain_form_post
        {
            response.set_status(self.status());
        }
        self
    }

    /// An [`AppError::Invalid`] for `field`, with its HTTP status set.
    pub fn invalid(field: &str, reason: impl std::fmt::Display) -> Self {
        Self::Invalid { field: field.to_owned(), reason: reason.to_string() }.reply()
    }

    /// Logs `cause`, with the caller's file and line, and returns [`AppError::Internal`]; for
    /// `map_err(|e| AppError::internal(e))` on unexpected failures (a closure, not
    /// `map_err(AppError::internal)`: through a function pointer the caller is lost).
    #[track_caller]
    pub fn internal(cause: impl std::fmt::Display) -> Self {
        let location = std::panic::Location::caller();
        tracing::error!(%cause, %location, "internal error");
        Self::Internal.reply()
    }

    /// [`AppError::Conflict`] with its HTTP status set.
    pub fn conflict(message: impl Into<String>) -> Self {
        Self::Conflict(message.into()).reply()
    }

    /// Logs `cause`, with the caller's file and line, and returns [`AppError::Unavailable`]; for
    /// pool timeouts and outages.
    #[track_caller]
    pub fn unavailable(cause: impl std::fmt::Display) -> Self {
        let location = std::panic::Location::caller();
        tracing::warn!(%cause, %location, "dependency unavailable");
        Self::Unavailable.reply()
    }
}

#[cfg(feature = "ssr")]
impl From<diesel::result::Error> for AppError {
    /// A row that is not there (or not visible to this tenant) is `NotFound`; a lock not granted
    /// in time, a deadlock or a serialization failure is `Unavailable` (nothing was written; the
    /// same request again will do); anything else is logged, with the location of the `?` that
    /// converted it, and reported as internal.
    #[track_caller]
    fn from(e: diesel::result::Error) -> Self {
        use diesel::result::{DatabaseErrorKind, Error};
        match e {
            Error::NotFound => Self::NotFound.reply(),
            Error::DatabaseError(DatabaseErrorKind::SerializationFailure, _) => Self::unavailable(e),
            Error::DatabaseError(DatabaseErrorKind::Unknown, ref info)
                if info.message().contains("lock timeout") || info.message().contains("deadlock detected") =>
            {
                Self::unavailable(e)
            }
            e => Self::internal(e),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The JSON the browser, the no-JavaScript form posts and outside callers read: changing it
    /// breaks pages already open in browsers, so it changes only on purpose.
    #[test]
    fn the_wire_format_is_stable() {
        let cases = [
            (AppError::NotFound, r#""not_found""#),
            (AppError::Unauthenticated, r#""unauthenticated""#),
            (AppError::Forbidden, r#""forbidden""#),
            (AppError::Suspended, r#""suspended""#),
            (
                AppError::Invalid { field: "cuit".into(), reason: "Revisá el CUIT.".into() },
                r#"{"invalid":{"field":"cuit","reason":"Revisá el CUIT."}}"#,
            ),
            (AppError::Conflict("Ya existe.".into()), r#"{"conflict":"Ya existe."}"#),
            (AppError::Unavailable, r#""unavailable""#),
            (AppError::Internal, r#""internal""#),
            (AppError::Transport("sin red".into()), r#"{"transport":"sin red"}"#),
        ];
        for (error, json) in cases {
            assert_eq!(serde_json::to_string(&error).unwrap(), json);
            assert_eq!(serde_json::from_str::<AppError>(json).unwrap(), error);
        }
    }
}
