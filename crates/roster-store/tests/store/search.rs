//! Finding members by what a person types: every word a case- and accent-insensitive prefix
//! of a word of the name or e-mail; FTS5 syntax typed in is text, never an error.
//!
//! The tests that search a freshly made workspace run on both ways one is made: from a
//! whole snapshot (a new workspace) and from a first sync's stream of parts.

use roster_core::{MemberStatus, Op};
use roster_store::MemberQuery;

use crate::fixture::{ADA, ALAN_NAME, Fixture, STAGING, ZOE, team};

/// The names `text` finds, in the order listed, checking the total on the way.
pub fn search(fixture: &Fixture, text: &str) -> Vec<String> {
    crate::listing::names(
        fixture,
        MemberQuery {
            search: Some(text.to_owned()),
            ..MemberQuery::default()
        },
    )
}

const ADAS: [&str; 3] = ["Ada Lovelace", "Ada Yonath", "Adam Smith"];

/// The team, made each way a workspace is made.
fn both_ways() -> [(&'static str, Fixture); 2] {
    [
        ("from a snapshot", Fixture::with(&team())),
        ("streamed", Fixture::streamed(&team())),
    ]
}

#[test]
fn search_ignores_case_and_accents_and_matches_word_prefixes() {
    let cases: [(&str, &[&str], &str); 8] = [
        (
            "zoe mul",
            &["Zoë Müller"],
            "ë and ü fold to e and u; words match as prefixes",
        ),
        (
            "ZOË MÜL",
            &["Zoë Müller"],
            "typed accents and capitals fold the same way",
        ),
        (
            "jose garcia",
            &["José García"],
            "every accented letter folds",
        ),
        (
            "lovel",
            &["Ada Lovelace"],
            "a prefix of the last name is enough",
        ),
        (
            "ada.love",
            &["Ada Lovelace"],
            "an e-mail prefix matches word by word, so Ada Yonath and Adam Smith are left out",
        ),
        (
            "ada",
            &ADAS,
            "one word matches every name or e-mail word it begins, by name",
        ),
        ("mueller", &["Zoë Müller"], "e-mail words are searched too"),
        ("zoe lovel", &[], "every typed word is required"),
    ];
    for (made, fixture) in both_ways() {
        assert_index_whole(&fixture, made);
        for (text, expected, why) in cases {
            assert_eq!(search(&fixture, text), expected, "{made}, {text:?}: {why}");
        }
    }
}

#[test]
fn typed_fts_syntax_is_searched_as_text_and_never_errors() {
    let fixture = Fixture::with(&team());
    for text in ["\"", "*", "(", ")", "-", "^", ":", "'", "\"\"", "   "] {
        assert_eq!(
            search(&fixture, text).len(),
            10,
            "{text:?} holds nothing to search for, so it lists everyone"
        );
    }
    for text in [
        "NEAR(",
        "NEAR(ada",
        "ada AND NOT",
        "name:ada",
        "{name email}: ada",
        "ada OR zoe",
        "* OR *",
    ] {
        let page = fixture.workspace.members(&MemberQuery {
            search: Some(text.to_owned()),
            limit: 100,
            ..MemberQuery::default()
        });
        assert!(
            page.is_ok(),
            "{text:?} is text to find, not FTS5 syntax, got {page:?}"
        );
    }
    for text in ["ada\"", "\"ada", "ada*", "-ada", "(ada)", "ada:"] {
        assert_eq!(
            search(&fixture, text),
            ADAS,
            "punctuation around {text:?} is dropped, the word still matches"
        );
    }
}

#[test]
fn search_follows_renames_and_deletions() {
    for (made, mut fixture) in both_ways() {
        fixture.apply(Op::EditProfile {
            member: ADA,
            name: "Ada King".to_owned(),
        });
        assert_index_whole(&fixture, made);
        assert_eq!(
            search(&fixture, "king"),
            ["Ada King"],
            "{made}: the index holds the new name"
        );
        assert_eq!(
            search(&fixture, "lovel"),
            ["Ada King"],
            "{made}: her e-mail still says lovelace"
        );
        assert_eq!(
            search(&fixture, "ada"),
            ["Ada King", "Ada Yonath", "Adam Smith"],
            "{made}: a rename leaves one index entry, not two"
        );
        fixture.apply(Op::DeleteMember { member: ZOE });
        assert_eq!(
            search(&fixture, "zoe"),
            Vec::<String>::new(),
            "{made}: a deleted member is no longer found"
        );
        assert_eq!(
            search(&fixture, "alan"),
            [ALAN_NAME],
            "{made}: the others still are"
        );
        assert_index_whole(&fixture, made);
    }
}

/// FTS5 compares its index with the members table, entry by entry, and fails on a mismatch.
fn assert_index_whole(fixture: &Fixture, after: &str) {
    fixture
        .workspace
        .conn()
        .execute_batch("INSERT INTO members_fts (members_fts, rank) VALUES ('integrity-check', 1)")
        .unwrap_or_else(|err| panic!("after {after}, the search index matches the members: {err}"));
}

#[test]
fn a_status_change_leaves_the_search_index_whole_and_the_listing_current() {
    let mut fixture = Fixture::with(&team());
    let deactivated_on_staging = |fixture: &Fixture| {
        crate::listing::names(
            fixture,
            MemberQuery {
                infra: Some(STAGING),
                status: Some(MemberStatus::Deactivated),
                ..MemberQuery::default()
            },
        )
    };
    assert_eq!(deactivated_on_staging(&fixture), ["Ada Yonath"]);

    // The member row is written whole; only the status changed, so the search entry stays
    // as it is and the listing copy in her permission rows follows.
    fixture.apply(Op::DeactivateMember { member: ADA });
    assert_index_whole(&fixture, "a deactivation");
    assert_eq!(search(&fixture, "lovelace"), ["Ada Lovelace"]);
    assert_eq!(
        deactivated_on_staging(&fixture),
        ["Ada Lovelace", "Ada Yonath"]
    );

    fixture.apply(Op::EditProfile {
        member: ADA,
        name: "Ada King".to_owned(),
    });
    assert_index_whole(&fixture, "a rename");
    assert_eq!(search(&fixture, "king"), ["Ada King"]);
    assert_eq!(search(&fixture, "lovelace"), ["Ada King"], "by her e-mail");
    assert_eq!(deactivated_on_staging(&fixture), ["Ada King", "Ada Yonath"]);
}
