//! `Rights::rest_on` says which changes can change an actor's rights, so a server may keep
//! the rights it read across a batch's ops. Whatever a change touches, an actor's rights
//! after it differ from before only if `rest_on` named it.

use roster_core::{Actor, Email, Level, MemoryState, Op, RecordKey, Rights};

use crate::fixture::{
    ADMINISTRATOR, CA, CASE_BY_MEMBER, CONTACT, DORMANT, FORMER_CA, IA_X, IA_Y, MEMBER, PENDING,
    ROLE_2, TARGET, X, Y, by, decide_by, team_state,
};

fn everyone() -> Vec<Actor> {
    let mut actors: Vec<Actor> = [
        CA,
        IA_X,
        IA_Y,
        MEMBER,
        FORMER_CA,
        ADMINISTRATOR,
        PENDING,
        TARGET,
        DORMANT,
    ]
    .into_iter()
    .map(by)
    .collect();
    actors.push(Actor::SupportContact {
        email: Email::parse(CONTACT).expect("contact"),
    });
    actors
}

fn rights(state: &MemoryState, actor: &Actor) -> Rights {
    match Rights::load(state, actor) {
        Ok(rights) => rights,
        Err(never) => match never {},
    }
}

#[test]
fn rights_change_only_with_a_change_they_rest_on() {
    let mut state = team_state();
    // Ops of every kind that writes members, permissions or support contacts, and some that
    // write other records, in an order where each is accepted.
    let ops = [
        (IA_X, Op::ApproveSupportCase { id: CASE_BY_MEMBER }),
        (
            CA,
            Op::GrantPermission {
                member: MEMBER,
                infra: Y,
                level: Level::InfraAdmin,
            },
        ),
        (
            CA,
            Op::RevokePermission {
                member: IA_X,
                infra: X,
            },
        ),
        (
            CA,
            Op::SetAdministrator {
                member: MEMBER,
                on: true,
            },
        ),
        (
            CA,
            Op::SetCompanyAdmin {
                member: IA_Y,
                on: true,
            },
        ),
        (
            CA,
            Op::EditProfile {
                member: TARGET,
                name: "Tess Renamed".into(),
            },
        ),
        (
            CA,
            Op::AssignRole {
                member: TARGET,
                role: ROLE_2,
            },
        ),
        (
            CA,
            Op::DeactivateMember {
                member: ADMINISTRATOR,
            },
        ),
        (CA, Op::ReactivateMember { member: DORMANT }),
        (CA, Op::RevokeInvitation { member: PENDING }),
        (
            CA,
            Op::RemoveSupportContact {
                email: CONTACT.into(),
            },
        ),
        (IA_Y, Op::DeleteMember { member: FORMER_CA }),
        (
            IA_Y,
            Op::SetCompanyAdmin {
                member: CA,
                on: false,
            },
        ),
    ];
    let actors = everyone();
    let mut changed_rights = 0;
    for (who, op) in ops {
        let label = format!("{op:?}");
        let decision = match decide_by(&state, who, op) {
            Ok(decision) => decision,
            Err(refusal) => panic!("{label} is accepted in this order: {refusal}"),
        };
        assert!(!decision.changes.is_empty(), "{label} changes something");
        let keys: Vec<RecordKey> = decision.changes.iter().filter_map(|c| c.key()).collect();
        let before: Vec<Rights> = actors.iter().map(|a| rights(&state, a)).collect();
        state.apply(&decision.changes);
        for (actor, before) in actors.iter().zip(before) {
            let after = rights(&state, actor);
            let named = keys.iter().any(|key| Rights::rest_on(actor, key));
            if after != before {
                changed_rights += 1;
                assert!(
                    named,
                    "{label} changed the rights of {actor:?} but rest_on named none of {keys:?}"
                );
            }
        }
    }
    assert!(
        changed_rights >= 8,
        "the ops change rights often enough to test anything ({changed_rights})"
    );
}

#[test]
fn rest_on_names_the_actor_s_own_records_only() {
    let me = by(MEMBER);
    let member = |id| RecordKey::Member { id };
    let cases = [
        (member(MEMBER), true),
        (member(TARGET), false),
        (
            RecordKey::Permission {
                member: MEMBER,
                infra: Y,
            },
            true,
        ),
        (
            RecordKey::Permission {
                member: TARGET,
                infra: X,
            },
            false,
        ),
        (
            RecordKey::DevPermission {
                member: MEMBER,
                infra: X,
            },
            true,
        ),
        (
            RecordKey::RoleAssignment {
                member: MEMBER,
                role: ROLE_2,
            },
            false,
        ),
    ];
    for (key, rests) in cases {
        assert_eq!(Rights::rest_on(&me, &key), rests, "{key:?}");
    }
    let contact = Actor::SupportContact {
        email: Email::parse("Contact@Partner.example.org").expect("email"),
    };
    let key = |email: &str| RecordKey::SupportContact {
        email: email.into(),
    };
    assert!(
        Rights::rest_on(&contact, &key(CONTACT)),
        "keys are lower-case"
    );
    assert!(!Rights::rest_on(
        &contact,
        &key("other@partner.example.org")
    ));
    assert!(!Rights::rest_on(&contact, &member(MEMBER)));
}
