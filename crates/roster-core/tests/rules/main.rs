//! The rules of SPEC.md, tested through `roster_core::decide` and the read checks: who may
//! do what, rule 1 under random sequences of ops, and the other invariants.

mod company_admin_invariant;
mod fixture;
mod invariants;
mod rights_rest_on;
mod snapshot;
mod who_may_do_what;
