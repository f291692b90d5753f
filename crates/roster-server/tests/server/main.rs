//! End-to-end tests of the real `roster-server` binary on loopback, with a real SMTP
//! receiver catching invitation mail.

mod accounts;
mod authorization;
mod bad_input;
mod encoding;
mod fixture;
mod invitations;
mod listing;
mod sync;
mod tls;
mod updates;
