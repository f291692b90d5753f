//! The demo company: a realistic team to explore and measure Roster with, generated
//! deterministically from a fixed seed, so `--members N` always gives the same company.
//!
//! Three subscriptions (one `sentry`), six infrastructures covering every hosting, members
//! in every status and kind (names with accents, to show accent-insensitive search), Infra
//! Admins on every infrastructure, Development permissions only where rule 3 allows them,
//! apps with end-user roles, security contacts, pending invitations (some expired) and
//! support cases with contacts in cc.

use std::collections::HashSet;

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use roster_core::{
    App, AppId, CaseContact, CaseId, Company, DevPermission, Edition, Email, Environment,
    EnvironmentId, Hosting, InfraId, Infrastructure, Invitation, InvitationId, InvitationState,
    Level, Member, MemberId, MemberKind, MemberStatus, Name, Permission, Phone, Role,
    RoleAssignment, RoleId, Snapshot, Subscription, SubscriptionId, SupportCase, SupportContact,
    Timestamp,
};
use uuid::Uuid;

/// Members in the demo company unless `--members` says otherwise.
pub const DEFAULT_MEMBERS: usize = 300;

const SEED: u64 = 0x0000_524f_5354_4552;
const DOMAIN: &str = "northwind.example";

/// (display, ascii) first names; the ascii form goes into e-mail addresses.
const FIRST: &[(&str, &str)] = &[
    ("Ada", "ada"),
    ("Zoë", "zoe"),
    ("José", "jose"),
    ("Łukasz", "lukasz"),
    ("Renée", "renee"),
    ("Søren", "soren"),
    ("Amélie", "amelie"),
    ("Björn", "bjorn"),
    ("Chiara", "chiara"),
    ("Dmitri", "dmitri"),
    ("Élodie", "elodie"),
    ("Fatima", "fatima"),
    ("Grace", "grace"),
    ("Hiroshi", "hiroshi"),
    ("Ingrid", "ingrid"),
    ("Jamal", "jamal"),
    ("Katarzyna", "katarzyna"),
    ("Liam", "liam"),
    ("Mónica", "monica"),
    ("Nadia", "nadia"),
    ("Olivier", "olivier"),
    ("Priya", "priya"),
    ("Quentin", "quentin"),
    ("Rosa", "rosa"),
    ("Sven", "sven"),
    ("Tomás", "tomas"),
    ("Ulla", "ulla"),
    ("Viktor", "viktor"),
    ("Wen", "wen"),
    ("Xavier", "xavier"),
    ("Yasmin", "yasmin"),
    ("Zeynep", "zeynep"),
    ("Aarav", "aarav"),
    ("Beatriz", "beatriz"),
    ("Chen", "chen"),
    ("Dolores", "dolores"),
];
const LAST: &[(&str, &str)] = &[
    ("Lovelace", "lovelace"),
    ("Müller", "muller"),
    ("García", "garcia"),
    ("Kowalski", "kowalski"),
    ("Dubois", "dubois"),
    ("Jørgensen", "jorgensen"),
    ("Rossi", "rossi"),
    ("Nakamura", "nakamura"),
    ("O'Brien", "obrien"),
    ("Smith", "smith"),
    ("Novák", "novak"),
    ("Fernández", "fernandez"),
    ("Schmidt", "schmidt"),
    ("Hopper", "hopper"),
    ("Okafor", "okafor"),
    ("Petrović", "petrovic"),
    ("Lindqvist", "lindqvist"),
    ("Moreau", "moreau"),
    ("Singh", "singh"),
    ("Tanaka", "tanaka"),
    ("Wójcik", "wojcik"),
    ("Yılmaz", "yilmaz"),
    ("Zhang", "zhang"),
    ("Álvarez", "alvarez"),
    ("Brennan", "brennan"),
    ("Costa", "costa"),
    ("Eriksen", "eriksen"),
    ("Haddad", "haddad"),
    ("Ivanova", "ivanova"),
    ("Kim", "kim"),
];

const SUBSCRIPTIONS: &[(&str, Edition)] = &[
    ("Northwind Standard", Edition::Standard),
    ("Northwind Enterprise", Edition::Enterprise),
    ("Northwind Sentry", Edition::Sentry),
];

/// (name, subscription index, hosting): every hosting, and a cloud infrastructure under
/// sentry where Development permission is still refused.
const INFRASTRUCTURES: &[(&str, usize, Hosting)] = &[
    ("Web Platform", 1, Hosting::Cloud),
    ("Data Lake", 1, Hosting::Hybrid),
    ("Factory Floor", 0, Hosting::SelfManaged),
    ("Internal Tools", 0, Hosting::Cloud),
    ("Payments", 2, Hosting::Cloud),
    ("Vault", 2, Hosting::SelfManaged),
];

const APPS: &[(&str, &[&str])] = &[
    ("Customer Portal", &["viewer", "editor", "billing"]),
    ("Warehouse", &["picker", "supervisor"]),
    ("HR Hub", &["employee", "manager", "recruiter"]),
];

struct Ids(ChaCha8Rng);

impl Ids {
    fn next(&mut self) -> Uuid {
        uuid::Builder::from_random_bytes(self.0.random()).into_uuid()
    }
}

fn name(text: &str) -> Name {
    Name::parse(text).unwrap_or_else(|_| unreachable!("demo names are valid: {text}"))
}

/// Builds the demo company around its first Company Admin, with `members` members in all.
pub fn company(company: Company, admin: Member, members: usize, now: Timestamp) -> Snapshot {
    let mut rng = ChaCha8Rng::seed_from_u64(SEED);
    let mut ids = Ids(ChaCha8Rng::seed_from_u64(SEED ^ 0xFFFF));
    let mut snapshot = Snapshot::new(company);
    let day = 86_400_000i64;

    for (sub_name, edition) in SUBSCRIPTIONS {
        snapshot.subscriptions.push(Subscription {
            id: SubscriptionId::from_uuid(ids.next()),
            name: name(sub_name),
            edition: *edition,
        });
    }
    for (infra_name, sub, hosting) in INFRASTRUCTURES {
        let infra = Infrastructure {
            id: InfraId::from_uuid(ids.next()),
            name: name(infra_name),
            subscription: snapshot.subscriptions[*sub].id,
            hosting: *hosting,
        };
        for (i, stage) in ["Development", "Test", "Production"].iter().enumerate() {
            let expires = now
                .plus_days(30 + 120 * i as i64 + rng.random_range(0..60))
                .date();
            snapshot.environments.push(Environment {
                id: EnvironmentId::from_uuid(ids.next()),
                infra: infra.id,
                name: name(stage),
                slot_registered: i == 2 || rng.random_bool(0.5),
                licence_expires: Some(expires),
            });
        }
        snapshot.infrastructures.push(infra);
    }
    let dev_allowed: Vec<bool> = INFRASTRUCTURES
        .iter()
        .map(|(_, sub, hosting)| {
            hosting.allows_development() && SUBSCRIPTIONS[*sub].1.allows_development()
        })
        .collect();

    let mut roles = Vec::new();
    for (app_name, role_names) in APPS {
        let app = App {
            id: AppId::from_uuid(ids.next()),
            name: name(app_name),
        };
        for role_name in *role_names {
            roles.push(Role {
                id: RoleId::from_uuid(ids.next()),
                app: app.id,
                name: name(role_name),
            });
        }
        snapshot.apps.push(app);
    }
    snapshot.roles = roles;

    let mut emails: HashSet<String> = HashSet::new();
    emails.insert(admin.email.key());
    snapshot.members.push(admin);
    for n in 1..members.max(1) {
        let (first, first_ascii) = FIRST[rng.random_range(0..FIRST.len())];
        let (last, last_ascii) = LAST[rng.random_range(0..LAST.len())];
        let mut local = format!("{first_ascii}.{last_ascii}");
        if !emails.insert(format!("{local}@{DOMAIN}")) {
            local = format!("{first_ascii}.{last_ascii}{n}");
            emails.insert(format!("{local}@{DOMAIN}"));
        }
        let roll: f64 = rng.random();
        let status = if roll < 0.82 {
            MemberStatus::Active
        } else if roll < 0.92 {
            MemberStatus::Pending
        } else {
            MemberStatus::Deactivated
        };
        let kind = if rng.random_bool(0.6) {
            MemberKind::ItUser
        } else {
            MemberKind::EndUser
        };
        let id = MemberId::from_uuid(ids.next());
        let security_contact = n % 97 == 5 && status == MemberStatus::Active;
        let member = Member {
            id,
            email: Email::parse(&format!("{local}@{DOMAIN}"))
                .unwrap_or_else(|_| unreachable!("demo e-mails are valid")),
            name: name(&format!("{first} {last}")),
            kind,
            status,
            company_admin: n <= 2,
            administrator: kind == MemberKind::ItUser && n % 41 == 3,
            phone: security_contact
                .then(|| {
                    Phone::parse(&format!(
                        "+41 44 {:03} {:02} {:02}",
                        n % 1000,
                        n % 97,
                        n % 89
                    ))
                    .ok()
                })
                .flatten(),
            security_contact,
            created_at: Timestamp::from_unix_millis(
                now.unix_millis() - day * rng.random_range(1..900),
            ),
        };
        let member = Member {
            security_contact: member.phone.is_some(),
            ..member
        };

        // Every infrastructure gets Infra Admins among the first members; others get 0–3 grants.
        let mut granted = Vec::new();
        if (3..3 + 3 * INFRASTRUCTURES.len()).contains(&n) {
            granted.push(((n - 3) % INFRASTRUCTURES.len(), Level::InfraAdmin));
        }
        for _ in 0..rng.random_range(0..=3) {
            let infra = rng.random_range(0..INFRASTRUCTURES.len());
            if !granted.iter().any(|(i, _)| *i == infra) {
                let level = if rng.random_bool(0.02) {
                    Level::InfraAdmin
                } else {
                    Level::Member
                };
                granted.push((infra, level));
            }
        }
        for (infra, level) in &granted {
            snapshot.permissions.push(Permission {
                member: id,
                infra: snapshot.infrastructures[*infra].id,
                level: *level,
            });
        }
        if kind == MemberKind::ItUser && rng.random_bool(0.15) {
            let infra = rng.random_range(0..INFRASTRUCTURES.len());
            if dev_allowed[infra] {
                snapshot.dev_permissions.push(DevPermission {
                    member: id,
                    infra: snapshot.infrastructures[infra].id,
                });
            }
        }
        if kind == MemberKind::EndUser {
            for _ in 0..rng.random_range(1..=2) {
                let role = snapshot.roles[rng.random_range(0..snapshot.roles.len())].id;
                if !snapshot
                    .role_assignments
                    .iter()
                    .rev()
                    .take(2)
                    .any(|a| a.member == id && a.role == role)
                {
                    snapshot
                        .role_assignments
                        .push(RoleAssignment { member: id, role });
                }
            }
        }
        if status != MemberStatus::Deactivated {
            let sent = now.unix_millis() - day * rng.random_range(0..12);
            let sent_at = Timestamp::from_unix_millis(if status == MemberStatus::Active {
                member.created_at.unix_millis()
            } else {
                sent
            });
            snapshot.invitations.push(Invitation {
                id: InvitationId::from_uuid(ids.next()),
                member: id,
                state: if status == MemberStatus::Active {
                    InvitationState::Accepted
                } else {
                    InvitationState::Pending
                },
                sent_at,
                expires_at: sent_at.plus_days(roster_core::INVITATION_VALIDITY_DAYS),
            });
        }
        snapshot.members.push(member);
    }

    add_support_cases(&mut snapshot, &mut ids, now);
    snapshot
}

fn add_support_cases(snapshot: &mut Snapshot, ids: &mut Ids, now: Timestamp) {
    let contacts = [
        "auditor@kpmg-partner.example",
        "oncall@acme-msp.example",
        "legal@northwind-counsel.example",
    ];
    for email in contacts {
        let email = Email::parse(email).unwrap_or_else(|_| unreachable!("demo e-mails are valid"));
        snapshot
            .support_contacts
            .push(SupportContact { email, name: None });
    }
    let titles = [
        "Login page times out",
        "Licence file rejected on Production",
        "Disk pressure on ingest nodes",
    ];
    let reporters: Vec<(MemberId, roster_core::InfraId, bool)> = snapshot
        .permissions
        .iter()
        .take(40)
        .map(|p| (p.member, p.infra, p.level == Level::InfraAdmin))
        .collect();
    for (i, title) in titles.iter().enumerate() {
        let Some((reporter, infra, is_admin)) = reporters.get(i * 7).copied() else {
            break;
        };
        let id = CaseId::from_uuid(ids.next());
        snapshot.support_cases.push(SupportCase {
            id,
            infra,
            reporter,
            title: name(title),
            needs_approval: !is_admin,
            opened_at: now.plus_days(-(i as i64) - 1),
        });
        let contact = snapshot.support_contacts[i % snapshot.support_contacts.len()]
            .email
            .clone();
        snapshot
            .case_contacts
            .push(CaseContact { case: id, contact });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn admin() -> Member {
        Member {
            id: MemberId::from_uuid(Uuid::from_u128(1)),
            email: Email::parse("admin@northwind.example").expect("valid"),
            name: name("Admin"),
            kind: MemberKind::ItUser,
            status: MemberStatus::Active,
            company_admin: true,
            administrator: false,
            phone: None,
            security_contact: false,
            created_at: Timestamp::from_unix_millis(0),
        }
    }

    fn demo(members: usize) -> Snapshot {
        company(
            Company {
                name: name("Northwind"),
            },
            admin(),
            members,
            Timestamp::from_unix_millis(1_800_000_000_000),
        )
    }

    #[test]
    fn the_demo_company_holds_every_rule_and_every_kind_of_record() {
        let snapshot = demo(300);
        snapshot
            .check()
            .expect("the demo company must satisfy rules 1–3");
        assert_eq!(snapshot.members.len(), 300);
        assert!(
            snapshot
                .subscriptions
                .iter()
                .any(|s| s.edition == Edition::Sentry)
        );
        for hosting in [Hosting::Cloud, Hosting::Hybrid, Hosting::SelfManaged] {
            assert!(
                snapshot
                    .infrastructures
                    .iter()
                    .any(|i| i.hosting == hosting),
                "{hosting} missing"
            );
        }
        for status in [
            MemberStatus::Active,
            MemberStatus::Pending,
            MemberStatus::Deactivated,
        ] {
            assert!(
                snapshot.members.iter().any(|m| m.status == status),
                "{status} missing"
            );
        }
        assert!(snapshot.members.iter().any(|m| m.security_contact));
        assert!(!snapshot.dev_permissions.is_empty());
        for infra in &snapshot.infrastructures {
            assert!(
                snapshot
                    .permissions
                    .iter()
                    .any(|p| p.infra == infra.id && p.level == Level::InfraAdmin),
                "{} has an Infra Admin",
                infra.name
            );
        }
    }

    #[test]
    fn the_same_size_gives_the_same_company() {
        let a = demo(500);
        let b = demo(500);
        let emails = |s: &Snapshot| s.members.iter().map(|m| m.email.key()).collect::<Vec<_>>();
        assert_eq!(emails(&a), emails(&b));
        assert_eq!(a.permissions, b.permissions);
    }
}
