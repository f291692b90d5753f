//! Listing members: filters (status, infrastructure, level, Company Admin) that narrow a
//! search or a plain list, the same answers whichever index serves the query, one page at a
//! time with a total that counts every match.

use std::collections::BTreeSet;

use roster_core::{Level, MemberId, MemberStatus, Op};
use roster_store::{MemberPage, MemberQuery};

use crate::fixture::{ADA, ADA_Y, ADAM, CA_NAME, Fixture, PROD, STAGING, ZOE, person, team};

fn page(fixture: &Fixture, query: MemberQuery) -> MemberPage {
    let described = format!("{query:?}");
    fixture
        .workspace
        .members(&query)
        .unwrap_or_else(|err| panic!("listing members with {described} fails: {err}"))
}

/// The names `query` lists on one page of 100, checking the total on the way.
pub fn names(fixture: &Fixture, query: MemberQuery) -> Vec<String> {
    let page = page(
        fixture,
        MemberQuery {
            limit: 100,
            with_total: true,
            ..query
        },
    );
    let names: Vec<String> = page
        .members
        .iter()
        .map(|m| m.member.name.as_str().to_owned())
        .collect();
    assert_eq!(
        page.total,
        Some(names.len() as u64),
        "with every match on one page the total counts exactly those shown"
    );
    names
}

fn query(search: Option<&str>, status: Option<MemberStatus>, level: Option<Level>) -> MemberQuery {
    MemberQuery {
        search: search.map(str::to_owned),
        status,
        level,
        ..MemberQuery::default()
    }
}

fn on(infra: roster_core::InfraId, query: MemberQuery) -> MemberQuery {
    MemberQuery {
        infra: Some(infra),
        ..query
    }
}

#[test]
fn filters_narrow_a_search() {
    let fixture = Fixture::with(&team());
    let active = Some(MemberStatus::Active);
    let member = Some(Level::Member);
    let cases: [(MemberQuery, &[&str], &str); 7] = [
        (
            query(Some("ada"), active, None),
            &["Ada Lovelace", "Adam Smith"],
            "the deactivated Ada Yonath is left out",
        ),
        (
            on(STAGING, query(Some("ada"), None, member)),
            &["Ada Lovelace", "Ada Yonath"],
            "Adam Smith is Infra Admin of Staging, not member",
        ),
        (
            on(STAGING, query(Some("ada"), active, member)),
            &["Ada Lovelace"],
            "status, infrastructure and level all apply at once",
        ),
        (
            on(PROD, query(Some("ada"), None, None)),
            &[],
            "no Ada holds anything on Prod",
        ),
        (
            query(Some("example"), None, Some(Level::InfraAdmin)),
            &["Adam Smith", CA_NAME],
            "a level alone means that level anywhere",
        ),
        (
            MemberQuery {
                company_admin: Some(true),
                ..query(Some("example"), None, None)
            },
            &[CA_NAME],
            "only Grace is Company Admin",
        ),
        (
            MemberQuery {
                company_admin: Some(true),
                ..query(Some("ada"), None, None)
            },
            &[],
            "no Ada is Company Admin",
        ),
    ];
    for (query, expected, why) in cases {
        let described = format!("{query:?}");
        assert_eq!(names(&fixture, query), expected, "{why}: {described}");
    }
}

#[test]
fn a_list_of_one_infrastructure_follows_status_changes_and_renames() {
    let mut fixture = Fixture::with(&team());
    let staging = |status, level| on(STAGING, query(None, status, level));
    let active = Some(MemberStatus::Active);
    assert_eq!(
        names(&fixture, staging(None, None)),
        ["Ada Lovelace", "Ada Yonath", "Adam Smith", "Zoë Müller"],
        "everyone holding anything on Staging, by name"
    );
    assert_eq!(
        names(&fixture, staging(active, None)),
        ["Ada Lovelace", "Adam Smith", "Zoë Müller"],
        "only the active ones"
    );
    assert_eq!(
        names(&fixture, staging(None, Some(Level::InfraAdmin))),
        ["Adam Smith"],
        "only Staging's Infra Admins"
    );

    fixture.apply(Op::DeactivateMember { member: ADA });
    fixture.apply(Op::ReactivateMember { member: ADA_Y });
    fixture.apply(Op::EditProfile {
        member: ZOE,
        name: "Abigail Müller".to_owned(),
    });
    fixture.apply(Op::GrantPermission {
        member: ADAM,
        infra: STAGING,
        level: Level::Member,
    });
    assert_eq!(
        names(&fixture, staging(active, None)),
        ["Abigail Müller", "Ada Yonath", "Adam Smith"],
        "the list sees each member's current status and name, not those at grant time"
    );
    assert_eq!(
        names(&fixture, staging(active, Some(Level::Member))),
        ["Abigail Müller", "Ada Yonath", "Adam Smith"],
        "and each permission's current level"
    );
    assert_eq!(
        names(&fixture, staging(Some(MemberStatus::Deactivated), None)),
        ["Ada Lovelace"],
        "a deactivated member is listed as such"
    );
}

#[test]
fn pages_are_disjoint_and_the_total_counts_every_match() {
    let fixture = Fixture::with(&team());
    let everyone = query(None, None, None);
    let searched = query(Some("example"), None, None);
    let staging = on(STAGING, query(None, None, None));
    for (query, expected) in [(everyone, 10), (searched, 10), (staging, 4)] {
        let all: Vec<MemberId> = page(
            &fixture,
            MemberQuery {
                limit: 100,
                ..query.clone()
            },
        )
        .members
        .iter()
        .map(|m| m.member.id)
        .collect();
        assert_eq!(all.len(), expected, "the whole list of {query:?}");
        let mut seen = Vec::new();
        for offset in (0..=expected + 3).step_by(3) {
            let offset = u32::try_from(offset).expect("small offsets");
            let one = page(
                &fixture,
                MemberQuery {
                    limit: 3,
                    offset,
                    with_total: true,
                    ..query.clone()
                },
            );
            assert_eq!(
                one.total,
                Some(expected as u64),
                "the total counts every match, not the page: {query:?} at {offset}"
            );
            assert_eq!(one.offset, offset, "the page says where it starts");
            assert!(one.members.len() <= 3, "a page holds at most its limit");
            seen.extend(one.members.into_iter().map(|m| m.member.id));
        }
        let unique: BTreeSet<MemberId> = seen.iter().copied().collect();
        assert_eq!(
            unique.len(),
            seen.len(),
            "no member is on two pages: {query:?}"
        );
        assert_eq!(
            seen, all,
            "the pages in order are the whole list in its order: {query:?}"
        );
    }
    let uncounted = page(&fixture, query(Some("ada"), None, None));
    assert_eq!(
        uncounted.total, None,
        "the total is counted only when asked for"
    );
}

/// The ids of every member `query` lists, walked in pages of `size`.
fn paged(fixture: &Fixture, query: &MemberQuery, size: u32) -> Vec<MemberId> {
    let mut seen = Vec::new();
    loop {
        let one = page(
            fixture,
            MemberQuery {
                limit: size,
                offset: u32::try_from(seen.len()).expect("a small list"),
                ..query.clone()
            },
        );
        if one.members.is_empty() {
            return seen;
        }
        seen.extend(one.members.iter().map(|m| m.member.id));
    }
}

/// Members who share a name have no order of their own; the list must still give them
/// one, the same on every page, or a page boundary inside the group would show one twice
/// and skip another. They come in the order this device stored them: here the order a
/// first sync streamed them in, which runs against their ids.
#[test]
fn members_of_one_name_keep_one_order_across_pages_filters_and_the_export() {
    let mut snapshot = team();
    let namesakes: Vec<MemberId> = (0..5_u128)
        .map(|n| MemberId::from_uuid(uuid::Uuid::from_u128(0x5ff - n)))
        .collect();
    for (n, id) in namesakes.iter().enumerate() {
        snapshot
            .members
            .push(person(*id, "Alex Kim", &format!("alex.kim{n}@example.com")));
    }
    let fixture = Fixture::streamed(&snapshot);
    let everyone = query(None, None, None);
    let whole = paged(&fixture, &everyone, 100);
    assert_eq!(whole.len(), 15, "the team's ten and the five namesakes");
    for size in [1, 2, 3] {
        assert_eq!(
            paged(&fixture, &everyone, size),
            whole,
            "pages of {size} are the whole list in its order"
        );
    }
    let in_list: Vec<MemberId> = whole
        .iter()
        .copied()
        .filter(|id| namesakes.contains(id))
        .collect();
    assert_eq!(in_list.len(), 5, "every namesake is listed once");
    assert_eq!(
        in_list, namesakes,
        "namesakes come in the order they were stored"
    );
    let active = query(None, Some(MemberStatus::Active), None);
    let active_namesakes: Vec<MemberId> = paged(&fixture, &active, 2)
        .into_iter()
        .filter(|id| namesakes.contains(id))
        .collect();
    assert_eq!(
        active_namesakes, in_list,
        "a status filter keeps the list's order"
    );
    let searched: Vec<MemberId> = paged(&fixture, &query(Some("alex"), None, None), 2);
    assert_eq!(searched, in_list, "a search keeps the list's order");

    let mut exported = Vec::new();
    fixture
        .workspace
        .for_each_member(|listing| {
            exported.push(listing.member.id);
            Ok(())
        })
        .expect("the export");
    assert_eq!(exported, whole, "the export lists members as the list does");
}
