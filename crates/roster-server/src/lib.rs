//! Roster's company server: the authority every Roster app syncs with. It enforces
//! SPEC.md's rules on every request with `roster_core::decide`, using the actor's rights as
//! the server knows them at that moment.

pub mod app;
pub mod encoding;
pub mod error;
pub mod extract;
pub mod mailer;
pub mod releases;
pub mod routes;
pub mod secrets;
pub mod server;
pub mod storage;
pub mod throttle;
