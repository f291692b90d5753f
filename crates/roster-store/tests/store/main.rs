//! roster-store's integration tests: real encrypted workspaces in temporary folders.

mod audit_chain;
mod changes;
mod encryption;
mod fixture;
mod keychain;
mod listing;
mod migrations;
mod search;
mod snapshot_load;
