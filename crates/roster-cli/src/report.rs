//! What a command prints: a text for people and a JSON document for programs.

use std::fmt::Write;

use roster_client::{
    AuditEntry, ChainReport, Conflict, Health, InfraListing, MemberDetail, MemberPage, Outcome,
    Status, SyncReport,
};
use serde::Serialize;
use serde_json::{Value, json};

pub struct Report {
    pub text: String,
    pub json: Value,
}

impl Report {
    pub fn new(text: impl Into<String>, json: Value) -> Self {
        Self {
            text: text.into(),
            json,
        }
    }

    fn of<T: Serialize>(text: String, value: &T) -> Self {
        Self {
            text,
            json: serde_json::to_value(value).unwrap_or(Value::Null),
        }
    }
}

pub fn outcome(outcome: &Outcome) -> Report {
    match outcome {
        Outcome::Applied {
            audit_seq, summary, ..
        } => Report::new(
            format!("done: {summary}"),
            json!({ "result": "applied", "summary": summary, "audit_seq": audit_seq }),
        ),
        Outcome::Unchanged { summary } => Report::new(
            format!("unchanged: {summary}"),
            json!({ "result": "unchanged", "summary": summary }),
        ),
    }
}

pub fn status(status: &Status) -> Report {
    let m = &status.members;
    let text = format!(
        "Company      {}\nWorkspace    {} (schema {}{})\nActing as    {}\nServer       {}\n\
         Members      {} active, {} pending, {} deactivated; {} Company Admins, {} security contacts\n\
         Setup        {} subscriptions, {} infrastructures, {} apps\n\
         Pending      {} waiting for the server\nConflicts    {}\nLast sync    {}\nAudit trail  {}",
        status.company,
        status.workspace,
        status.schema_version,
        if status.remembered {
            ", key in this device's keychain"
        } else {
            ""
        },
        status.acting_as,
        match (&status.server, &status.account) {
            (Some(server), Some(account)) => format!("{server} as {account}"),
            (Some(server), None) => server.clone(),
            _ => "none (local workspace)".to_owned(),
        },
        m.active,
        m.pending,
        m.deactivated,
        m.company_admins,
        m.security_contacts,
        status.subscriptions,
        status.infrastructures,
        status.apps,
        plural(status.pending_changes, "change", "changes"),
        if status.conflicts == 0 {
            "none".to_owned()
        } else {
            format!("{}: see `roster conflicts`", status.conflicts)
        },
        match status.last_sync {
            Some(at) if status.server.is_some() => format!(
                "{} (at change {})",
                roster_core::Timestamp::from_unix_millis(at),
                status.cursor
            ),
            _ => "never".to_owned(),
        },
        plural(
            u64::try_from(status.audit_entries).unwrap_or(0),
            "entry",
            "entries"
        ),
    );
    Report::of(text, status)
}

fn plural(n: u64, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// Pads to `width` characters (not bytes), cutting with an ellipsis.
fn cell(text: &str, width: usize) -> String {
    let count = text.chars().count();
    if count > width {
        let cut: String = text.chars().take(width.saturating_sub(1)).collect();
        format!("{cut}…")
    } else {
        format!("{text}{}", " ".repeat(width - count))
    }
}

pub fn member_page(page: &MemberPage) -> Report {
    let mut text = format!(
        "{} {} {} {} {}\n",
        cell("EMAIL", 36),
        cell("NAME", 26),
        cell("STATUS", 11),
        cell("KIND", 8),
        "PERMISSIONS"
    );
    for listing in &page.members {
        let m = &listing.member;
        let mut perms: Vec<String> = Vec::new();
        if m.company_admin {
            perms.push("Company Admin".to_owned());
        }
        perms.extend(
            listing
                .permissions
                .iter()
                .map(|p| format!("{}:{}", p.infra_name, p.level)),
        );
        let _ = writeln!(
            text,
            "{} {} {} {} {}",
            cell(m.email.as_str(), 36),
            cell(m.name.as_str(), 26),
            cell(m.status.as_str(), 11),
            cell(
                if m.kind == roster_core::MemberKind::ItUser {
                    "it"
                } else {
                    "end"
                },
                8
            ),
            perms.join(", ")
        );
    }
    let shown = page.members.len() as u64;
    let first = u64::from(page.offset) + u64::from(shown > 0);
    let last = u64::from(page.offset) + shown;
    let _ = write!(
        text,
        "showing {first}–{last} of {}",
        page.total.unwrap_or(last)
    );
    Report::of(text, page)
}

pub fn member_detail(detail: &MemberDetail) -> Report {
    let m = &detail.member;
    let yes = |b: bool| if b { "yes" } else { "no" };
    let mut text = format!(
        "{}\n  name            {}\n  status          {}\n  kind            {}\n  Company Admin   {}\n  Administrator   {}\n",
        m.email,
        m.name,
        m.status,
        m.kind,
        yes(m.company_admin),
        yes(m.administrator)
    );
    if m.security_contact {
        let _ = writeln!(
            text,
            "  security        contact, {}",
            m.phone.as_ref().map_or("", |p| p.as_str())
        );
    }
    let perms: Vec<String> = detail
        .permissions
        .iter()
        .map(|p| format!("{}:{}", p.infra_name, p.level))
        .collect();
    let _ = writeln!(
        text,
        "  permissions     {}",
        if perms.is_empty() {
            "none".to_owned()
        } else {
            perms.join(", ")
        }
    );
    if !detail.dev_permissions.is_empty() {
        let _ = writeln!(
            text,
            "  development     {}",
            detail.dev_permissions.join(", ")
        );
    }
    if !detail.roles.is_empty() {
        let _ = writeln!(text, "  roles           {}", detail.roles.join(", "));
    }
    if let Some(invitation) = &detail.invitation {
        let _ = writeln!(
            text,
            "  invitation      {} (sent {}, expires {})",
            invitation.state, invitation.sent_at, invitation.expires_at
        );
    }
    let _ = write!(text, "  member since    {}", m.created_at);
    Report::of(text, detail)
}

pub fn infrastructures(infras: &[InfraListing]) -> Report {
    let mut text = format!(
        "{} {} {} {} {} {}\n",
        cell("NAME", 20),
        cell("SUBSCRIPTION", 22),
        cell("EDITION", 10),
        cell("HOSTING", 12),
        cell("MEMBERS", 8),
        "INFRA ADMINS"
    );
    for listing in infras {
        let _ = writeln!(
            text,
            "{} {} {} {} {} {}",
            cell(listing.infra.name.as_str(), 20),
            cell(&listing.subscription_name, 22),
            cell(listing.edition.as_str(), 10),
            cell(listing.infra.hosting.as_str(), 12),
            cell(&listing.members.to_string(), 8),
            listing.admins.join(", ")
        );
    }
    Report::of(text, &infras)
}

pub fn audit(entries: &[AuditEntry]) -> Report {
    let mut text = String::new();
    for e in entries {
        let _ = writeln!(
            text,
            "#{:<6} {}  {}  {}{}",
            e.seq,
            e.at,
            e.actor_label,
            e.summary,
            if e.online { "" } else { "  (offline)" }
        );
    }
    if entries.is_empty() {
        text.push_str("no entries");
    }
    Report::of(text, &entries)
}

pub fn chain(report: &ChainReport) -> Report {
    let text = match &report.broken_at {
        None => format!(
            "audit trail intact: {} entries, every hash verifies",
            report.entries
        ),
        Some((seq, why)) => format!(
            "audit trail BROKEN at entry {seq}: {why} ({} entries before it verify)",
            report.entries
        ),
    };
    Report::new(
        text,
        json!({ "intact": report.is_intact(), "entries": report.entries, "broken_at": report.broken_at.as_ref().map(|(seq, why)| json!({"seq": seq, "reason": why})) }),
    )
}

pub fn health(health: &Health) -> Report {
    let file = if health.integrity_problems.is_empty() {
        "database file sound (integrity check ok)".to_owned()
    } else {
        format!(
            "database file DAMAGED: {}",
            health.integrity_problems.join("; ")
        )
    };
    Report::of(format!("{file}\n{}", chain(&health.audit).text), health)
}

pub fn sync(report: &SyncReport) -> Report {
    let mut text = format!(
        "synced: pushed {} ({} applied, {} already so, {} rejected), pulled {}; now at change {}",
        plural(u64::from(report.pushed), "change", "changes"),
        report.applied,
        report.unchanged,
        report.rejected,
        plural(u64::from(report.pulled), "change", "changes"),
        report.cursor
    );
    if report.resnapshot {
        text.push_str(
            "\nyour rights changed on the server: the whole company was downloaded again",
        );
    }
    if report.conflicts > 0 {
        let _ = write!(
            text,
            "\n{}: see `roster conflicts`, then retry or discard each",
            plural(u64::from(report.conflicts), "new conflict", "new conflicts")
        );
    }
    Report::of(text, report)
}

pub fn conflicts(conflicts: &[Conflict]) -> Report {
    let mut text = String::new();
    if conflicts.is_empty() {
        text.push_str("no conflicts: every change landed");
    }
    for c in conflicts {
        let _ = writeln!(
            text,
            "#{}  {}  {}\n     {} ({}): {}",
            c.id,
            c.found_at,
            c.summary,
            if c.origin == "server" {
                "rejected by the server"
            } else {
                "no longer applies after sync"
            },
            c.code,
            c.message
        );
    }
    let json: Vec<Value> = conflicts
        .iter()
        .map(|c| {
            json!({
                "id": c.id,
                "op_id": c.envelope.id.to_string(),
                "action": c.envelope.op.kind().as_str(),
                "summary": c.summary,
                "code": c.code,
                "message": c.message,
                "origin": c.origin,
                "found_at": c.found_at.unix_millis(),
            })
        })
        .collect();
    Report::new(text, Value::Array(json))
}
