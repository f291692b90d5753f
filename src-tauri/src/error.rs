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
        match &err {
            // Disk, keychain and task failures: their text is about files and services,
            // never a secret or a member, and the device's log is where to debug them.
            ClientError::Store(_) | ClientError::Interrupted(_) => {
                tracing::warn!(code = err.code(), "a command failed: {err}");
            }
            // A server's message may name members: the log keeps the code only.
            ClientError::Server { .. } => tracing::warn!(code = err.code(), "the server refused"),
            _ => {}
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
