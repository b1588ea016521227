//! The devices pages: the list with live values and "add device" ([`devices_page`]), a
//! device's page with live values, charts, relays and export ([`device_page`]), the SVG chart
//! ([`chart`]) and the one-time credentials card with the QR code ([`credentials_card`]).

pub mod chart;
pub mod credentials_card;
mod device_charts;
mod device_manage;
pub mod device_page;
pub mod devices_page;
mod parts;
mod relays;
mod ticker;

pub use chart::Chart;
pub use credentials_card::CredentialsCard;
pub use device_page::DevicePage;
pub use devices_page::DevicesPage;
