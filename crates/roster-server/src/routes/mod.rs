//! The HTTP API under `/api/v1`, one module per area, and the pages people open from
//! their e-mail. Every handler parses, calls the storage (through `roster_core::decide` for
//! changes), and maps the result; no rule is decided here.

pub mod apps;
pub mod audit;
pub mod auth;
pub mod company;
pub mod members;
pub mod pages;
pub mod sync;
pub mod updates;

use roster_wire::ChangeResult;
use uuid::Uuid;

use crate::storage::Applied;

/// What a change did, as the API says it; `id` names the record it created, if any.
pub fn change_result(applied: Applied, id: Option<Uuid>) -> ChangeResult {
    match applied {
        Applied::Changed { summary, .. } => ChangeResult {
            result: "applied".into(),
            summary,
            id,
        },
        Applied::Unchanged { summary } => ChangeResult {
            result: "unchanged".into(),
            summary,
            id: None,
        },
    }
}
