//! Pages and pieces of the `system` domain.

mod message_table;
mod status_page;

pub use message_table::MessageTable;
pub use status_page::{EVENTS_URL, SystemStatusPage};
