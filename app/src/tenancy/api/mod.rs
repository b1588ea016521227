//! Server functions of the `tenancy` domain, under `/api/tenancy/`. Each starts with a guard
//! (`require`, `require_login`, `require_operator`) or is one of the few public ones (sign up,
//! log in, password reset, invitation links), runs its queries in one transaction, and returns
//! `shared` DTOs.

pub mod account;
pub mod audit;
pub mod business;
pub mod dev_mail;
pub mod members;
pub mod operator;
pub mod sessions;
