//! The `tenancy` domain: accounts, businesses (tenants), memberships with roles, invitations,
//! sessions, the audit log and the platform operator's view of every business. Every other
//! domain gets its [`auth::TenantScope`] from here.

pub mod api;
pub mod components;

#[cfg(feature = "ssr")]
pub mod auth;
#[cfg(feature = "ssr")]
pub mod db;
#[cfg(feature = "ssr")]
pub mod mails;
#[cfg(feature = "ssr")]
pub mod members;
#[cfg(feature = "ssr")]
pub mod service;
#[cfg(feature = "ssr")]
pub mod setup;
