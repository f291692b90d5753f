//! Who may read what: the read rows of SPEC.md's "who may do what" table.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use crate::ids::InfraId;
use crate::model::{CaseContact, SupportCase};
use crate::refusal::Refusal;
use crate::rights::Rights;

/// A read that the rules restrict.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Serialize, Deserialize, strum::EnumDiscriminants)]
#[strum_discriminants(name(ReadKind), derive(strum::EnumIter, strum::Display))]
pub enum Read {
    /// Company info, members and their permissions.
    Members,
    /// An environment's licence file.
    DownloadLicence { infra: InfraId },
    /// The support cases of an infrastructure (filtered by [`can_view_case`]).
    SupportCases { infra: InfraId },
    /// The audit trail (filtered by [`AuditScope`]).
    AuditTrail,
}

/// The audit entries an actor may read.
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum AuditScope {
    All,
    /// Entries about these infrastructures.
    Infras(BTreeSet<InfraId>),
}

impl AuditScope {
    pub fn of(rights: &Rights) -> Option<Self> {
        if rights.is_company_admin() {
            Some(Self::All)
        } else if rights.is_infra_admin_anywhere() {
            Some(Self::Infras(rights.infra_admin.clone()))
        } else {
            None
        }
    }
}

/// Whether `rights` allow the read at all.
pub fn authorize_read(rights: &Rights, read: Read) -> Result<(), Refusal> {
    let allowed = match read {
        Read::Members => rights.is_active_member(),
        Read::DownloadLicence { infra } => rights.manages(infra),
        Read::SupportCases { .. } => rights.is_active_member() || rights.support_contact.is_some(),
        Read::AuditTrail => AuditScope::of(rights).is_some(),
    };
    if allowed {
        return Ok(());
    }
    Err(Refusal::forbidden(match read {
        Read::Members => "Only active members may browse the company's members.",
        Read::DownloadLicence { .. } => {
            "Only a Company Admin or an Infra Admin of this infrastructure may download its licence."
        }
        Read::SupportCases { .. } => "Only members and support contacts may view support cases.",
        Read::AuditTrail => "Only Company Admins and Infra Admins may read the audit trail.",
    }))
}

/// SPEC.md: Company Admins and Infra Admins of the case's infrastructure see all its cases;
/// other members see their own; a support contact sees only cases they are on.
pub fn can_view_case(rights: &Rights, case: &SupportCase, contacts: &[CaseContact]) -> bool {
    if rights.is_active_member() {
        return rights.company_admin
            || rights.is_infra_admin_of(case.infra)
            || rights.is(case.reporter);
    }
    rights.support_contact.as_ref().is_some_and(|email| {
        contacts
            .iter()
            .any(|c| c.case == case.id && c.contact.same_as(email))
    })
}

/// Whether a device signed in as `rights` receives `record` when it syncs. Active members
/// browse the whole company (SPEC.md), so they receive every record but support cases they
/// may not view, and the cc entries of those cases; `case` is the case a [`CaseContact`]
/// belongs to. Support contacts and inactive accounts receive nothing by sync.
pub fn can_replicate(
    rights: &Rights,
    record: &crate::record::Record,
    case: Option<&SupportCase>,
) -> bool {
    use crate::record::Record;
    if !rights.is_active_member() {
        return false;
    }
    match record {
        Record::SupportCase(case) => can_view_case(rights, case, &[]),
        Record::CaseContact(_) => case.is_some_and(|case| can_view_case(rights, case, &[])),
        _ => true,
    }
}
