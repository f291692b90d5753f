//! End-to-end tests of the built `roster` binary, driven as a person or a script would:
//! real encrypted workspaces on disk, real processes, real exit codes.

mod bad_input;
mod crash;
mod encryption;
mod fixture;
mod keychain;
mod rules;
mod sync;
