//! What a front end reads: status, members, infrastructures, the audit trail, exports.

use std::io::Write;

use roster_core::{App, Role, State};
use roster_store::{
    AuditEntry, AuditQuery, ChainReport, InfraListing, MemberCounts, MemberDetail, MemberPage,
    MemberQuery, SCHEMA_VERSION,
};
use serde::Serialize;

use crate::error::{ClientError, bad_input};
use crate::session::Session;

/// The workspace at a glance.
#[derive(Debug, Clone, Serialize)]
pub struct Status {
    pub workspace: String,
    pub workspace_id: String,
    pub company: String,
    pub acting_as: String,
    pub device: String,
    pub schema_version: u32,
    pub members: MemberCounts,
    pub subscriptions: u64,
    pub infrastructures: u64,
    pub apps: u64,
    /// Changes waiting for the company server.
    pub pending_changes: u64,
    pub audit_entries: i64,
    /// Not bound to a company server yet: a local workspace.
    pub server: Option<String>,
    /// The account signed in to the company server.
    pub account: Option<String>,
    /// When the last sync finished (Unix milliseconds).
    pub last_sync: Option<i64>,
    /// The change-log sequence number the workspace holds.
    pub cursor: i64,
    /// Ops that did not land, waiting for the admin to retry or discard them.
    pub conflicts: u64,
    /// The key is kept in this device's OS keychain.
    pub remembered: bool,
}

/// The result of [`Session::check`].
#[derive(Debug, Clone, Serialize)]
pub struct Health {
    /// What SQLite's integrity check found; empty when the file is sound.
    pub integrity_problems: Vec<String>,
    pub audit: ChainReport,
}

impl Health {
    pub fn is_healthy(&self) -> bool {
        self.integrity_problems.is_empty() && self.audit.is_intact()
    }
}

/// The formats `export members` writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportFormat {
    Csv,
    Json,
}

impl Session {
    pub fn status(&self) -> Result<Status, ClientError> {
        let ws = self.workspace();
        let sync = ws.sync_state()?;
        let company = ws
            .state()
            .company()?
            .map(|c| c.name.to_string())
            .unwrap_or_default();
        let audit_entries = ws
            .audit(&AuditQuery {
                limit: 1,
                ..AuditQuery::default()
            })?
            .first()
            .map_or(0, |e| e.seq);
        let (subscriptions, infrastructures, apps) = ws.catalog_counts()?;
        Ok(Status {
            workspace: ws.dir().display().to_string(),
            workspace_id: ws.id().to_owned(),
            company,
            acting_as: self.actor_label().to_owned(),
            device: self.device().to_string(),
            schema_version: SCHEMA_VERSION,
            members: ws.member_counts()?,
            subscriptions,
            infrastructures,
            apps,
            pending_changes: ws.outbox_len()?,
            audit_entries,
            server: sync.server,
            account: sync.account,
            last_sync: sync.last_sync.map(|t| t.unix_millis()),
            cursor: sync.cursor,
            conflicts: ws.conflict_count()?,
            remembered: Session::is_remembered(ws.dir())?,
        })
    }

    pub fn members(&self, query: &MemberQuery) -> Result<MemberPage, ClientError> {
        Ok(self.workspace().members(query)?)
    }

    pub fn member(&self, email: &str) -> Result<MemberDetail, ClientError> {
        let member = self.member_by_email(email)?;
        Ok(self.workspace().member_detail(&member)?)
    }

    pub fn subscriptions(&self) -> Result<Vec<roster_core::Subscription>, ClientError> {
        Ok(self.workspace().subscriptions()?)
    }

    pub fn infrastructures(&self) -> Result<Vec<InfraListing>, ClientError> {
        Ok(self.workspace().infrastructures()?)
    }

    pub fn apps(&self) -> Result<Vec<(App, Vec<Role>)>, ClientError> {
        Ok(self.workspace().apps()?)
    }

    /// Audit entries newest first, optionally about one member.
    pub fn audit(
        &self,
        member_email: Option<&str>,
        limit: u32,
    ) -> Result<Vec<AuditEntry>, ClientError> {
        let member = member_email
            .map(|email| self.member_by_email(email))
            .transpose()?;
        Ok(self.workspace().audit(&AuditQuery {
            member: member.map(|m| m.id),
            limit,
            ..AuditQuery::default()
        })?)
    }

    pub fn verify_audit(&self) -> Result<ChainReport, ClientError> {
        Ok(self.workspace().verify_audit()?)
    }

    /// Checks the database file (SQLite's integrity check) and the audit chain.
    pub fn check(&self) -> Result<Health, ClientError> {
        Ok(Health {
            integrity_problems: self.workspace().integrity_check()?,
            audit: self.verify_audit()?,
        })
    }

    /// Writes every member with their permissions, by name. Returns how many were written.
    pub fn export_members(
        &self,
        format: ExportFormat,
        out: &mut dyn Write,
    ) -> Result<u64, ClientError> {
        let mut written = 0u64;
        let io = |err: std::io::Error| ClientError::Export {
            path: "output".to_owned(),
            source: err,
        };
        match format {
            ExportFormat::Csv => {
                let mut csv = csv::Writer::from_writer(out);
                csv.write_record([
                    "email",
                    "name",
                    "kind",
                    "status",
                    "company_admin",
                    "administrator",
                    "security_contact",
                    "phone",
                    "permissions",
                ])
                .map_err(|e| io(e.into()))?;
                self.workspace().for_each_member(|listing| {
                    let m = &listing.member;
                    let permissions = listing
                        .permissions
                        .iter()
                        .map(|p| format!("{}:{}", p.infra_name, p.level))
                        .collect::<Vec<_>>()
                        .join(";");
                    csv.write_record([
                        m.email.as_str(),
                        m.name.as_str(),
                        m.kind.as_str(),
                        m.status.as_str(),
                        if m.company_admin { "yes" } else { "no" },
                        if m.administrator { "yes" } else { "no" },
                        if m.security_contact { "yes" } else { "no" },
                        m.phone.as_ref().map_or("", |p| p.as_str()),
                        &permissions,
                    ])
                    .map_err(|e| roster_store::StoreError::corrupt(format!("export: {e}")))?;
                    written += 1;
                    Ok(())
                })?;
                csv.flush().map_err(io)?;
            }
            ExportFormat::Json => {
                out.write_all(b"[").map_err(io)?;
                let mut failure = None;
                self.workspace()
                    .for_each_member(|listing| {
                        let sep: &[u8] = if written == 0 { b"\n" } else { b",\n" };
                        let result = out.write_all(sep).and_then(|()| {
                            serde_json::to_writer(&mut *out, &listing)
                                .map_err(std::io::Error::other)
                        });
                        if let Err(err) = result {
                            failure = Some(err);
                            return Err(roster_store::StoreError::corrupt("export interrupted"));
                        }
                        written += 1;
                        Ok(())
                    })
                    .map_err(|err| failure.take().map_or_else(|| ClientError::from(err), io))?;
                out.write_all(b"\n]\n").map_err(io)?;
            }
        }
        Ok(written)
    }
}

impl std::str::FromStr for ExportFormat {
    type Err = ClientError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text {
            "csv" => Ok(Self::Csv),
            "json" => Ok(Self::Json),
            other => Err(bad_input(format!(
                "Unknown export format “{other}”; use csv or json."
            ))),
        }
    }
}
