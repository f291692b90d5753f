//! Sync end to end: the real `roster-server` process and several real workspaces, with the
//! network cut, answers lost, and both sides killed mid-sync.

mod harness;
mod https;
mod killed_client;
mod model;
mod scenarios;
