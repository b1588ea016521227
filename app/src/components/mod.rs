//! UI pieces used by more than one domain (cards, badges, form fields and messages, links).

mod form;
mod health_badge;
mod stat_card;
mod url;

pub use form::{ErrorNotice, Field, FormError, SelectField, action_error, action_ok, successes};
pub use health_badge::HealthBadge;
pub use stat_card::StatCard;
pub use url::{encode_query_value, login_href};
