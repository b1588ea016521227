//! Server functions of the `tenancy` domain, under `/api/tenancy/`. Each runs through
//! [`crate::call`] (`in_business`, `as_account`, `as_operator`, or `as_visitor` for the few public
//! ones: sign up, log in, password reset, invitation links): guard and queries in one
//! transaction; each returns `shared` DTOs.

pub mod account;
pub mod audit;
pub mod business;
pub mod dev_mail;
pub mod members;
pub mod operator;
pub mod sessions;
