//! How an error crosses to the window: `{code, message}`. The code is the stable one of
//! `ClientError::code`, the one the UI branches on; the message is for the admin to read.

use roster_client::ClientError;
use serde::Serialize;

#[derive(Debug, Serialize)]
pub struct AppError {
    pub code: String,
    pub message: String,
}

impl From<ClientError> for AppError {
    fn from(err: ClientError) -> Self {
        if err.class() == roster_client::ErrorClass::Other {
            // Internals go to the log of this device; the window gets the same message,
            // which names no secret (errors never carry keys, tokens or passphrases).
            tracing::warn!(code = err.code(), "a command failed: {err}");
        }
        let message = match &err {
            // The window shows the refusal's own sentence; the code travels beside it.
            ClientError::Refused(refusal) => refusal.message.clone(),
            other => capitalized(&other.to_string()),
        };
        Self {
            code: err.code().to_owned(),
            message,
        }
    }
}

/// Messages from lower layers start in lower case for the CLI's `error: …`; the window
/// shows them as sentences.
fn capitalized(message: &str) -> String {
    let mut chars = message.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

pub type Answer<T> = Result<T, AppError>;
