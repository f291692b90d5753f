//! What an op made on a device expected to find, so that a change made offline never
//! silently overwrites one made elsewhere in the meantime.
//!
//! When a device commits an op it records, for every record the op changed, the values the
//! changed fields had before ([`expectations`]). Wherever the op is decided again — on the
//! server, or on the device after pulling other changes — [`check`] compares them with the
//! record as it is now: a field the op changes that someone else changed in between is an
//! [`RefusalCode::EditConflict`] naming the field, and the admin decides (retry to apply
//! theirs anyway, or discard). Fields the op does not change merge freely, so two admins
//! editing different fields of one member both land.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::record::{Change, Record, RecordKey};
use crate::refusal::{Refusal, RefusalCode};

/// The fields of one record an op changed, as they were before it.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct Expect {
    pub key: RecordKey,
    /// The changed fields' values before the op; `None`: the op created the record.
    pub before: Option<BTreeMap<String, Value>>,
}

/// What the op that made `changes` expected. Removals expect nothing: removing a record
/// someone else changed meanwhile still removes what the admin meant to remove.
pub fn expectations(changes: &[Change]) -> Vec<Expect> {
    changes
        .iter()
        .filter_map(|change| {
            let key = change.key()?;
            match (&change.before, &change.after) {
                (None, Some(_)) => Some(Expect { key, before: None }),
                (Some(before), Some(after)) => {
                    let after = fields(after);
                    let changed: BTreeMap<String, Value> = fields(before)
                        .into_iter()
                        .filter(|(name, value)| after.get(name) != Some(value))
                        .collect();
                    (!changed.is_empty()).then_some(Expect {
                        key,
                        before: Some(changed),
                    })
                }
                _ => None,
            }
        })
        .collect()
}

/// Refuses `changes` (a decision against the state as it is now) when a field they change
/// is no longer what the op saw when it was made.
pub(crate) fn check(expects: &[Expect], changes: &[Change]) -> Result<(), Refusal> {
    for expect in expects {
        let Some(change) = changes
            .iter()
            .find(|change| change.key().as_ref() == Some(&expect.key))
        else {
            continue;
        };
        let (Some(now), Some(after)) = (&change.before, &change.after) else {
            continue;
        };
        let current = fields(now);
        let wanted = fields(after);
        let clash = match &expect.before {
            // The op created the record; someone else created it first, differently.
            None => wanted
                .iter()
                .find(|(name, value)| current.get(*name) != Some(value))
                .map(|(name, value)| (name.clone(), None, value.clone())),
            Some(seen) => seen.iter().find_map(|(name, was)| {
                let is = current.get(name);
                (is != Some(was) && is != wanted.get(name)).then(|| {
                    (
                        name.clone(),
                        Some(was.clone()),
                        wanted.get(name).cloned().unwrap_or(Value::Null),
                    )
                })
            }),
        };
        if let Some((field, was, yours)) = clash {
            let is = current.get(&field).cloned().unwrap_or(Value::Null);
            return Err(conflict(now, &field, was.as_ref(), &is, &yours));
        }
    }
    Ok(())
}

fn conflict(
    record: &Record,
    field: &str,
    was: Option<&Value>,
    is: &Value,
    yours: &Value,
) -> Refusal {
    let seen = match was {
        Some(was) => format!("you changed it from {} to {}", shown(was), shown(yours)),
        None => format!("you set it to {}", shown(yours)),
    };
    Refusal::new(
        RefusalCode::EditConflict,
        format!(
            "The {field} of {} was changed by someone else while your change waited: it is now {}; {seen}. \
             Nothing was overwritten. Retry to apply yours anyway, or discard it.",
            described(record),
            shown(is),
        ),
    )
}

/// A record's fields by name, without the type tag.
fn fields(record: &Record) -> BTreeMap<String, Value> {
    match serde_json::to_value(record) {
        Ok(Value::Object(map)) => map.into_iter().filter(|(name, _)| name != "type").collect(),
        _ => BTreeMap::new(),
    }
}

fn shown(value: &Value) -> String {
    match value {
        Value::Null => "none".to_owned(),
        Value::Bool(true) => "yes".to_owned(),
        Value::Bool(false) => "no".to_owned(),
        Value::String(s) => format!("“{s}”"),
        other => other.to_string(),
    }
}

fn described(record: &Record) -> String {
    match record {
        Record::Company(c) => format!("the company “{}”", c.name),
        Record::Subscription(s) => format!("subscription “{}”", s.name),
        Record::Infrastructure(i) => format!("infrastructure “{}”", i.name),
        Record::Environment(e) => format!("environment “{}”", e.name),
        Record::Member(m) => format!("member {}", m.email),
        Record::Permission(p) => format!(
            "the permission of member {} on infrastructure {}",
            p.member, p.infra
        ),
        Record::App(a) => format!("app “{}”", a.name),
        Record::Role(r) => format!("role “{}”", r.name),
        Record::Invitation(i) => format!("the invitation of member {}", i.member),
        Record::SupportContact(c) => format!("support contact {}", c.email),
        Record::SupportCase(c) => format!("support case “{}”", c.title),
        Record::DevPermission(_) | Record::RoleAssignment(_) | Record::CaseContact(_) => {
            "this record".to_owned()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::{InfraId, MemberId};
    use crate::model::{Level, Member, Permission};
    use crate::values::{Email, Name, Timestamp};

    fn member(name: &str) -> Member {
        Member::first_company_admin(
            MemberId::from_uuid(uuid::Uuid::from_u128(7)),
            Email::parse("ann@example.com").expect("email"),
            Name::parse(name).expect("name"),
            Timestamp::from_unix_millis(0),
        )
    }

    fn renamed(from: &str, to: &str) -> Change {
        Change::update(member(from), member(to))
    }

    #[test]
    fn an_edit_of_a_field_someone_else_changed_is_a_conflict_naming_the_field() {
        let mine = expectations(&[renamed("Ann", "Ann Mine")]);
        let now = [renamed("Ann Theirs", "Ann Mine")];
        let refusal = check(&mine, &now).expect_err("the name changed under the op");
        assert_eq!(refusal.code, RefusalCode::EditConflict);
        assert!(
            refusal
                .message
                .contains("The name of member ann@example.com")
                && refusal.message.contains("“Ann Theirs”")
                && refusal.message.contains("from “Ann” to “Ann Mine”"),
            "the admin must learn which field, what it is now and what they asked: {}",
            refusal.message
        );
    }

    #[test]
    fn an_edit_that_meets_an_unchanged_field_or_the_same_value_goes_through() {
        let mine = expectations(&[renamed("Ann", "Ann Mine")]);
        assert_eq!(check(&mine, &[renamed("Ann", "Ann Mine")]), Ok(()));
        // The other edit changed another field of the same member: both land.
        let mut other = member("Ann");
        other.administrator = true;
        let mut after = other.clone();
        after.name = Name::parse("Ann Mine").expect("name");
        assert_eq!(check(&mine, &[Change::update(other, after)]), Ok(()));
    }

    #[test]
    fn a_grant_that_meets_another_grant_made_meanwhile_is_a_conflict() {
        let permission = |level| Permission {
            member: MemberId::from_uuid(uuid::Uuid::from_u128(7)),
            infra: InfraId::from_uuid(uuid::Uuid::from_u128(9)),
            level,
        };
        let mine = expectations(&[Change::create(permission(Level::Member))]);
        let now = [Change::update(
            permission(Level::InfraAdmin),
            permission(Level::Member),
        )];
        let refusal = check(&mine, &now).expect_err("someone granted another level first");
        assert!(
            refusal.message.contains("The level of the permission"),
            "{}",
            refusal.message
        );
        assert!(
            refusal.message.contains("“infra_admin”"),
            "{}",
            refusal.message
        );
    }

    #[test]
    fn removals_expect_nothing() {
        assert!(expectations(&[Change::remove(member("Ann"))]).is_empty());
    }
}
