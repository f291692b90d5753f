//! Rule 1: the company always has at least one active Company Admin. No op, in any order,
//! by anyone, may demote, deactivate or delete the last one; trying is refused with
//! `last_company_admin`, and only then.

use proptest::prelude::*;
use roster_core::{
    InvitationId, Member, MemberId, MemberKind, MemoryState, Op, RefusalCode, Timestamp,
};

use crate::fixture::{T0, apply_by, assert_refused, by, code, decide_at, decide_by, person, setup};

/// Members the company starts with (the first 2 or 3 exist).
const FOUNDERS: [MemberId; 3] = [mid(0x701), mid(0x702), mid(0x703)];
/// Members an invitation may add.
const INVITEES: [MemberId; 3] = [mid(0x711), mid(0x712), mid(0x713)];

const fn mid(n: u128) -> MemberId {
    MemberId::from_uuid(uuid::Uuid::from_u128(n))
}

/// Any member an op may name, existing or not.
fn anyone(index: usize) -> MemberId {
    let all = [FOUNDERS, INVITEES].concat();
    all[index % all.len()]
}

/// A company whose founders are active IT users, Company Admin where `company_admin` says.
fn company(company_admin: &[bool]) -> MemoryState {
    let mut snapshot = setup();
    snapshot.members = company_admin
        .iter()
        .zip(FOUNDERS)
        .enumerate()
        .map(|(i, (&company_admin, id))| Member {
            company_admin,
            ..person(id, &format!("founder{i}@example.com"))
        })
        .collect();
    snapshot
        .check()
        .expect("the starting company has an active Company Admin");
    MemoryState::from_snapshot(&snapshot)
}

fn active_company_admins(state: &MemoryState) -> Vec<MemberId> {
    state
        .members()
        .filter(|m| m.is_active_company_admin())
        .map(|m| m.id)
        .collect()
}

#[derive(Clone, Debug)]
enum Action {
    SetCompanyAdmin {
        target: usize,
        on: bool,
    },
    Deactivate {
        target: usize,
    },
    Reactivate {
        target: usize,
    },
    Delete {
        target: usize,
    },
    Invite {
        slot: usize,
        company_admin: bool,
    },
    /// Made by the invitee themself.
    Accept {
        slot: usize,
    },
    Revoke {
        slot: usize,
    },
}

/// One op; `actor` picks one of the members that exist when it is made, or one of the
/// active Company Admins when `by_admin` (so that more ops get past authorization).
#[derive(Clone, Debug)]
struct Step {
    actor: usize,
    by_admin: bool,
    action: Action,
}

impl Step {
    /// The actor and op, given the state now; `n` makes invitation ids unique.
    fn op(&self, state: &MemoryState, n: usize) -> (MemberId, Op) {
        let admins = active_company_admins(state);
        let members: Vec<MemberId> = state.members().map(|m| m.id).collect();
        let pool = if self.by_admin { &admins } else { &members };
        let actor = pool[self.actor % pool.len()];
        let invitee = |slot: usize| INVITEES[slot % INVITEES.len()];
        let op = match self.action {
            Action::SetCompanyAdmin { target, on } => Op::SetCompanyAdmin {
                member: anyone(target),
                on,
            },
            Action::Deactivate { target } => Op::DeactivateMember {
                member: anyone(target),
            },
            Action::Reactivate { target } => Op::ReactivateMember {
                member: anyone(target),
            },
            Action::Delete { target } => Op::DeleteMember {
                member: anyone(target),
            },
            Action::Invite {
                slot,
                company_admin,
            } => Op::InviteMember {
                id: invitee(slot),
                invitation: InvitationId::from_uuid(uuid::Uuid::from_u128(0x8000 + n as u128)),
                email: format!("invitee{}@example.com", slot % INVITEES.len()),
                name: None,
                kind: MemberKind::ItUser,
                company_admin,
                grants: vec![],
                dev: vec![],
                roles: vec![],
            },
            Action::Accept { slot } => {
                return (
                    invitee(slot),
                    Op::AcceptInvitation {
                        member: invitee(slot),
                    },
                );
            }
            Action::Revoke { slot } => Op::RevokeInvitation {
                member: invitee(slot),
            },
        };
        (actor, op)
    }
}

/// Whether `op` by `actor` would take away the last active Company Admin if it were
/// accepted: only that admin may try (only Company Admins change Company Admins), on
/// themself.
fn removes_last_company_admin(state: &MemoryState, actor: MemberId, op: &Op) -> bool {
    let target = match op {
        Op::SetCompanyAdmin { member, on: false }
        | Op::DeactivateMember { member }
        | Op::DeleteMember { member } => *member,
        _ => return false,
    };
    active_company_admins(state) == [actor] && target == actor
}

fn step() -> impl Strategy<Value = Step> {
    let target = 0..FOUNDERS.len() + INVITEES.len();
    let slot = 0..INVITEES.len();
    let action = prop_oneof![
        3 => (target.clone(), any::<bool>())
            .prop_map(|(target, on)| Action::SetCompanyAdmin { target, on }),
        2 => target.clone().prop_map(|target| Action::Deactivate { target }),
        2 => target.clone().prop_map(|target| Action::Reactivate { target }),
        2 => target.prop_map(|target| Action::Delete { target }),
        2 => (slot.clone(), any::<bool>())
            .prop_map(|(slot, company_admin)| Action::Invite { slot, company_admin }),
        2 => slot.clone().prop_map(|slot| Action::Accept { slot }),
        1 => slot.prop_map(|slot| Action::Revoke { slot }),
    ];
    (0..8usize, any::<bool>(), action).prop_map(|(actor, by_admin, action)| Step {
        actor,
        by_admin,
        action,
    })
}

/// 2 or 3 founders, at least one of them Company Admin.
fn founders() -> impl Strategy<Value = Vec<bool>> {
    proptest::collection::vec(any::<bool>(), 2..=3).prop_map(|mut flags| {
        if !flags.contains(&true) {
            flags[0] = true;
        }
        flags
    })
}

proptest! {
    #[test]
    fn no_sequence_of_ops_leaves_the_company_without_an_active_company_admin(
        founders in founders(),
        steps in proptest::collection::vec(step(), 1..=40),
    ) {
        let mut state = company(&founders);
        for (n, step) in steps.iter().enumerate() {
            let (actor, op) = step.op(&state, n);
            let removes_last = removes_last_company_admin(&state, actor, &op);
            // One op a minute: no invitation expires during a run.
            let at = Timestamp::from_unix_millis(T0.unix_millis() + 60_000 * n as i64);
            let result = decide_at(&state, &by(actor), at, op.clone());
            if let Ok(decision) = &result {
                state.apply(&decision.changes);
            }
            prop_assert_eq!(
                code(&result) == Some(RefusalCode::LastCompanyAdmin),
                removes_last,
                "step {}: {:?} by {:?} -> {:?}; last_company_admin is the refusal exactly when the op would remove the last active Company Admin",
                n, op, actor, result
            );
            prop_assert!(
                !active_company_admins(&state).is_empty(),
                "step {}: {:?} by {:?} left no active Company Admin (rule 1)",
                n, op, actor
            );
        }
    }
}

#[test]
fn company_admins_demote_each_other_until_one_remains() {
    let [a, b, _] = FOUNDERS;
    let mut state = company(&[true, true]);
    apply_by(
        &mut state,
        a,
        Op::SetCompanyAdmin {
            member: b,
            on: false,
        },
        "a Company Admin may demote another while one remains",
    );
    assert_refused(
        &decide_by(
            &state,
            b,
            Op::SetCompanyAdmin {
                member: a,
                on: false,
            },
        ),
        RefusalCode::Forbidden,
        "B is no longer Company Admin, so may not demote anyone",
    );
    let last = [
        Op::SetCompanyAdmin {
            member: a,
            on: false,
        },
        Op::DeactivateMember { member: a },
        Op::DeleteMember { member: a },
    ];
    for op in last {
        assert_refused(
            &decide_by(&state, a, op.clone()),
            RefusalCode::LastCompanyAdmin,
            &format!("A is the last active Company Admin and may not remove themself: {op:?}"),
        );
    }
    assert_eq!(
        active_company_admins(&state),
        [a],
        "A remains the one Company Admin"
    );
}

#[test]
fn a_pending_company_admin_counts_only_once_they_accept() {
    let [a, _, _] = FOUNDERS;
    let c = INVITEES[0];
    let mut state = company(&[true, false]);
    let invite = Step {
        actor: 0,
        by_admin: true,
        action: Action::Invite {
            slot: 0,
            company_admin: true,
        },
    };
    let (_, op) = invite.op(&state, 0);
    apply_by(
        &mut state,
        a,
        op,
        "a Company Admin may invite a Company Admin",
    );
    let demote_self = Op::SetCompanyAdmin {
        member: a,
        on: false,
    };
    assert_refused(
        &decide_by(&state, a, demote_self.clone()),
        RefusalCode::LastCompanyAdmin,
        "a pending invitee is not an active Company Admin yet",
    );
    apply_by(
        &mut state,
        c,
        Op::AcceptInvitation { member: c },
        "the invitee accepts their own invitation",
    );
    decide_by(&state, a, demote_self)
        .expect("once the invitee is an active Company Admin, A may step down");
}
