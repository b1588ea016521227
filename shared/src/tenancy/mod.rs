//! Accounts, businesses (tenants), roles and permissions: the rules both sides share. The
//! permission matrix lives here, once, so the UI hides what a role cannot do and the server
//! refuses it with the same answer; so do the checks on what people type at sign-up.

pub mod account;
pub mod audit;
pub mod business;
pub mod dto;
pub mod roles;
pub mod user_agent;

pub use roles::{Permission, Role};
