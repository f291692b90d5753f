//! Why a change was not made: a stable code a program can branch on, and a message a
//! person can act on.

use std::fmt;

use serde::{Deserialize, Serialize};

/// The stable codes of refusals. They cross the wire and the IPC boundary as snake_case
/// strings and are never renamed; add a code only when someone needs to tell it apart.
#[derive(
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    Debug,
    Serialize,
    Deserialize,
    strum::Display,
    strum::EnumString,
    strum::IntoStaticStr,
    strum::EnumIter,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum RefusalCode {
    /// The actor's rights do not allow this change.
    Forbidden,
    /// The change would leave the company without an active Company Admin (rule 1).
    LastCompanyAdmin,
    /// Another member already has this e-mail address (rule 2).
    DuplicateEmail,
    /// The e-mail address is malformed (rule 2).
    InvalidEmail,
    /// The phone number is not in international form (rule 6).
    InvalidPhone,
    /// A name is empty, too long, or holds hidden characters.
    InvalidName,
    /// Another record of the same kind already has this name.
    DuplicateName,
    /// Development permission asked for where rule 3 forbids it.
    DevPermissionNotAllowed,
    /// The password fails the policy of rule 4.
    WeakPassword,
    /// A member, infrastructure or other record named by the change does not exist.
    NotFound,
    /// The record is not in a state this change applies to (e.g. reactivating an active member).
    InvalidState,
    /// The change applies to IT users only (e.g. the Administrator toggle).
    NotItUser,
    /// The invitation has expired; resend it.
    InvitationExpired,
    /// The change is malformed in a way no other code describes (e.g. a date in the past).
    InvalidInput,
    /// A change made on a device meets a field someone else changed since (see
    /// `roster_core::expect`); nothing was overwritten.
    EditConflict,
}

/// A change refused by the rules. Nothing was written.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize, thiserror::Error)]
pub struct Refusal {
    pub code: RefusalCode,
    pub message: String,
}

impl Refusal {
    pub fn new(code: RefusalCode, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
        }
    }

    pub fn forbidden(message: impl Into<String>) -> Self {
        Self::new(RefusalCode::Forbidden, message)
    }

    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(RefusalCode::NotFound, message)
    }

    pub fn invalid_state(message: impl Into<String>) -> Self {
        Self::new(RefusalCode::InvalidState, message)
    }
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "refused ({}): {}", self.code, self.message)
    }
}
