//! UI pieces used by more than one domain (cards, badges, tables, form fields as they come).

mod health_badge;
mod stat_card;

pub use health_badge::HealthBadge;
pub use stat_card::StatCard;
