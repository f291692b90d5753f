//! What the header shows about the company server: whether the last try reached it, a
//! sync under way, the last report and the last error.

use serde::Serialize;

use crate::error::{ClientError, ErrorClass};
use crate::sync::SyncReport;

/// The app's view of its link to the company server.
#[derive(Debug, Clone, Default, Serialize)]
pub struct SyncStatus {
    /// `Some(true)` when the last try reached the server, `Some(false)` when it could not,
    /// `None` before any try.
    pub online: Option<bool>,
    /// What a sync under way is doing, e.g. the first download.
    pub running: Option<String>,
    pub last_report: Option<SyncReport>,
    /// The last sync's error, as `{code, message}`.
    pub last_error: Option<SyncError>,
}

#[derive(Debug, Clone, Serialize)]
pub struct SyncError {
    pub code: String,
    pub message: String,
}

impl SyncStatus {
    pub(crate) fn begin(&mut self, what: &str) {
        self.running = Some(what.to_owned());
    }

    pub(crate) fn succeeded(&mut self, report: Option<SyncReport>) {
        self.running = None;
        self.online = Some(true);
        self.last_error = None;
        if report.is_some() {
            self.last_report = report;
        }
    }

    pub(crate) fn failed(&mut self, err: &ClientError) {
        self.running = None;
        // Any answer from the server, even a refusal, means it was reached.
        self.online = Some(err.class() != ErrorClass::Offline);
        self.last_error = Some(SyncError {
            code: err.code().to_owned(),
            message: err.to_string(),
        });
    }
}
