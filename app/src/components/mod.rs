//! UI pieces used by more than one domain (cards, badges, form fields and messages).

mod form;
mod health_badge;
mod stat_card;

pub use form::{ErrorNotice, Field, FormError, SelectField, action_error, action_ok, percent_encode, successes};
pub use health_badge::HealthBadge;
pub use stat_card::StatCard;
