//! The read rows of the table: [`authorize_read`] per [`Read`], [`AuditScope::of`] and
//! [`can_view_case`] per actor.
//!
//! `ReadKind` is not exported by roster-core, so [`READS`] lists one sample per variant by
//! hand; [`may_read`] matches `Read` exhaustively, so a new variant still needs a row.

use std::collections::BTreeSet;

use roster_core::{
    AuditScope, CaseId, Op, Read, RefusalCode, Rights, authorize_read, can_view_case,
};
use strum::IntoEnumIterator;

use super::Who;
use crate::fixture::{
    CA, CASE_BY_IA_X, CASE_BY_IA_Y, CASE_BY_MEMBER, CONTACT, X, Y, apply_by, email, team,
    team_state,
};

const READS: [Read; 4] = [
    Read::Members,
    Read::DownloadLicence { infra: X },
    Read::SupportCases { infra: X },
    Read::AuditTrail,
];

fn may_read(read: Read) -> (&'static [Who], &'static str) {
    use Who::*;
    match read {
        Read::Members => (
            &[
                CompanyAdmin,
                InfraAdminOfX,
                InfraAdminElsewhere,
                PlainMember,
                Administrator,
            ],
            "see company info, browse members: every active member, no support contact",
        ),
        Read::DownloadLicence { .. } => (
            &[CompanyAdmin, InfraAdminOfX],
            "download X's licence: Company Admin and IA of X",
        ),
        Read::SupportCases { .. } => (
            &[
                CompanyAdmin,
                InfraAdminOfX,
                InfraAdminElsewhere,
                PlainMember,
                Administrator,
                SupportContact,
            ],
            "view support cases of X: every active member and support contact, filtered per case",
        ),
        Read::AuditTrail => (
            &[CompanyAdmin, InfraAdminOfX, InfraAdminElsewhere],
            "read the audit trail: Company Admin (all), Infra Admins (their infras)",
        ),
    }
}

fn audit_scope(who: Who) -> Option<AuditScope> {
    match who {
        Who::CompanyAdmin => Some(AuditScope::All),
        Who::InfraAdminOfX => Some(AuditScope::Infras(BTreeSet::from([X]))),
        Who::InfraAdminElsewhere => Some(AuditScope::Infras(BTreeSet::from([Y]))),
        Who::PlainMember
        | Who::SupportContact
        | Who::Deactivated
        | Who::Administrator
        | Who::PendingInvitee => None,
    }
}

/// SPEC: view support cases of X — CA all, IA of X all, IA elsewhere own, member own,
/// support contact only the cases they are on.
fn visible_cases(who: Who) -> &'static [CaseId] {
    match who {
        Who::CompanyAdmin | Who::InfraAdminOfX => &[CASE_BY_MEMBER, CASE_BY_IA_X, CASE_BY_IA_Y],
        Who::InfraAdminElsewhere => &[CASE_BY_IA_Y],
        Who::PlainMember | Who::SupportContact => &[CASE_BY_MEMBER],
        Who::Deactivated | Who::Administrator | Who::PendingInvitee => &[],
    }
}

fn rights(state: &roster_core::MemoryState, who: Who) -> Rights {
    let Ok(rights) = Rights::load(state, &who.actor());
    rights
}

#[test]
fn every_read_is_allowed_exactly_to_its_row_of_the_table() {
    let state = team_state();
    for read in READS {
        let (allowed, spec) = may_read(read);
        for who in Who::iter() {
            let result = authorize_read(&rights(&state, who), read);
            if allowed.contains(&who) {
                assert!(
                    result.is_ok(),
                    "{read:?} by {who:?} must be allowed ({spec}): {result:?}"
                );
            } else {
                assert_eq!(
                    result.err().map(|r| r.code),
                    Some(RefusalCode::Forbidden),
                    "{read:?} by {who:?} must be forbidden ({spec})"
                );
            }
        }
    }
}

#[test]
fn the_audit_trail_is_scoped_to_what_each_actor_administers() {
    let state = team_state();
    for who in Who::iter() {
        assert_eq!(
            AuditScope::of(&rights(&state, who)),
            audit_scope(who),
            "audit scope of {who:?}: Company Admins read all, Infra Admins entries about their infras, others none"
        );
    }
}

#[test]
fn each_actor_sees_exactly_the_support_cases_the_table_gives_them() {
    let snapshot = team();
    let state = team_state();
    for who in Who::iter() {
        let rights = rights(&state, who);
        let seen: Vec<CaseId> = snapshot
            .support_cases
            .iter()
            .filter(|case| can_view_case(&rights, case, &snapshot.case_contacts))
            .map(|case| case.id)
            .collect();
        assert_eq!(
            seen,
            visible_cases(who),
            "cases of X visible to {who:?}: CA and IA of X all, others their own, a contact those they are on"
        );
    }
}

#[test]
fn a_removed_support_contact_sees_nothing_any_more() {
    let mut state = team_state();
    apply_by(
        &mut state,
        CA,
        Op::RemoveSupportContact {
            email: CONTACT.to_owned(),
        },
        "a Company Admin may remove a support contact",
    );
    let rights = rights(&state, Who::SupportContact);
    assert!(
        authorize_read(&rights, Read::SupportCases { infra: X }).is_err(),
        "a removed contact is no longer a support contact and may not view cases"
    );
    let unknown = roster_core::Actor::SupportContact {
        email: email("stranger@example.net"),
    };
    let Ok(stranger) = Rights::load(&state, &unknown);
    assert!(
        authorize_read(&stranger, Read::SupportCases { infra: X }).is_err(),
        "an address that is no support contact may not view cases"
    );
}
