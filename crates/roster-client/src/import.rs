//! Inviting members from a CSV file. Each row is one invitation, decided and written on its
//! own (one op, one transaction), so a refused row is reported and the others go on; the
//! caller hears of each row as soon as it is committed.
//!
//! Columns (header required, any order): `email` (required), `name`, `kind`
//! (`it_user`/`end_user`), `company_admin` (`yes`/`no`), `permissions` (`INFRA:LEVEL;...`),
//! `dev` (`INFRA;...`), `roles` (`APP/ROLE;...`).

use std::io::Read;

use roster_core::{Level, MemberKind};
use roster_store::Outcome;

use crate::changes::InviteRequest;
use crate::error::{ClientError, bad_input};
use crate::session::Session;

const COLUMNS: &[&str] = &[
    "email",
    "name",
    "kind",
    "company_admin",
    "permissions",
    "dev",
    "roles",
];

/// What happened to one row.
#[derive(Debug)]
pub struct ImportedRow {
    /// The line in the file (the header is line 1).
    pub line: u64,
    pub email: String,
    pub result: Result<Outcome, ClientError>,
}

/// Totals of an import.
#[derive(Debug, Clone, Copy, Default, serde::Serialize)]
pub struct ImportSummary {
    pub invited: u64,
    pub unchanged: u64,
    pub refused: u64,
}

impl Session {
    /// Invites every row of `csv`, calling `each` after each row.
    pub fn import_members(
        &mut self,
        csv: impl Read,
        mut each: impl FnMut(&ImportedRow),
    ) -> Result<ImportSummary, ClientError> {
        let mut reader = csv::ReaderBuilder::new()
            .trim(csv::Trim::All)
            .flexible(false)
            .from_reader(csv);
        let headers = reader
            .headers()
            .map_err(|e| bad_input(format!("The CSV header cannot be read: {e}")))?
            .clone();
        for header in &headers {
            if !COLUMNS.contains(&header) {
                return Err(bad_input(format!(
                    "Unknown column “{}”; the columns are {}.",
                    header.chars().take(40).collect::<String>(),
                    COLUMNS.join(", ")
                )));
            }
        }
        if !headers.iter().any(|h| h == "email") {
            return Err(bad_input("The CSV needs an email column."));
        }
        let mut summary = ImportSummary::default();
        for (index, record) in reader.records().enumerate() {
            let line = index as u64 + 2;
            let record = record
                .map_err(|e| bad_input(format!("Line {line} of the CSV cannot be read: {e}")))?;
            let field = |name: &str| {
                headers
                    .iter()
                    .position(|h| h == name)
                    .and_then(|i| record.get(i))
                    .unwrap_or("")
            };
            let email = field("email").to_owned();
            let result = parse_row(&field).and_then(|request| self.invite(&request));
            match &result {
                Ok(Outcome::Applied { .. }) => summary.invited += 1,
                Ok(Outcome::Unchanged { .. }) => summary.unchanged += 1,
                Err(_) => summary.refused += 1,
            }
            each(&ImportedRow {
                line,
                email,
                result,
            });
        }
        Ok(summary)
    }
}

fn parse_row<'a>(field: &impl Fn(&str) -> &'a str) -> Result<InviteRequest, ClientError> {
    let list = |name: &str| -> Vec<String> {
        field(name)
            .split(';')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect()
    };
    let kind = match field("kind") {
        "" | "it_user" => MemberKind::ItUser,
        "end_user" => MemberKind::EndUser,
        other => {
            return Err(bad_input(format!(
                "kind must be it_user or end_user, not “{other}”"
            )));
        }
    };
    let company_admin = match field("company_admin") {
        "" | "no" | "false" => false,
        "yes" | "true" => true,
        other => {
            return Err(bad_input(format!(
                "company_admin must be yes or no, not “{other}”"
            )));
        }
    };
    let grants = list("permissions")
        .iter()
        .map(|grant| parse_grant(grant))
        .collect::<Result<_, _>>()?;
    let name = Some(field("name").to_owned()).filter(|n| !n.is_empty());
    Ok(InviteRequest {
        email: field("email").to_owned(),
        name,
        kind,
        company_admin,
        grants,
        dev: list("dev"),
        roles: list("roles"),
    })
}

/// `INFRA:LEVEL`; the level is after the last colon, so infrastructure names may hold colons.
pub fn parse_grant(text: &str) -> Result<(String, Level), ClientError> {
    let Some((infra, level)) = text.rsplit_once(':') else {
        return Err(bad_input(format!(
            "Write a permission as INFRA:infra_admin or INFRA:member; got “{}”.",
            text.chars().take(60).collect::<String>()
        )));
    };
    let level = level.trim().parse::<Level>().map_err(|_| {
        bad_input(format!(
            "The level must be infra_admin or member, not “{}”.",
            level.chars().take(30).collect::<String>()
        ))
    })?;
    Ok((infra.trim().to_owned(), level))
}
