//! The devices pages' work, behind the server functions, by concern: creating devices with
//! their secret and provisioning QR ([`devices`]), summaries and the live page ([`mod@live`]),
//! charts ([`mod@charts`]), relay commands ([`relays`]). Each function runs inside the caller's
//! transaction, which has entered the business.

mod charts;
mod devices;
mod live;
mod relays;

pub use charts::charts;
pub use devices::{add_device, check_names, credentials, new_uid, rotate_secret};
pub use live::{live, summaries};
pub use relays::switch_relay;
