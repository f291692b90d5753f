//! The company the tests start from, real encrypted workspaces in temporary folders, and
//! helpers to commit ops and look at the files on disk.
//!
//! Every record id is `Uuid::from_u128(n)`, so failures name the same records on every run;
//! workspace and op ids are fresh UUIDv7s, so keychain entries of parallel tests never meet.
//!
//! | who | what they hold |
//! |---|---|
//! | [`CA`] | Grace Hopper, the only active Company Admin; `infra_admin` on [`PROD`] |
//! | [`ALAN`] | Alan Turing, active, `member` on [`PROD`] |
//!
//! [`team`] adds eight more, for searching and listing.

use std::path::{Path, PathBuf};

use roster_core::{
    Actor, Company, DeviceId, Edition, Email, Envelope, Hosting, InfraId, Infrastructure, Level,
    Member, MemberId, MemberKind, MemberStatus, Name, Op, OpId, Permission, Snapshot, SnapshotPart,
    Subscription, SubscriptionId, Timestamp,
};
use roster_store::{AuditQuery, Outcome, Passphrase, StoreError, SystemActor, Unlock, Workspace};
use tempfile::TempDir;
use uuid::Uuid;

/// When the workspace is created and every op is made: 2025-01-01T00:00:00Z.
pub const T0: Timestamp = Timestamp::from_unix_millis(1_735_689_600_000);

pub const PASSPHRASE: &str = "correct horse battery staple 42";

const fn id(n: u128) -> Uuid {
    Uuid::from_u128(n)
}

pub const SUB: SubscriptionId = SubscriptionId::from_uuid(id(0x100));
/// Cloud, standard edition: Development permission allowed.
pub const PROD: InfraId = InfraId::from_uuid(id(0x200));
pub const STAGING: InfraId = InfraId::from_uuid(id(0x201));

pub const CA: MemberId = MemberId::from_uuid(id(0x301));
pub const CA_EMAIL: &str = "grace.hopper@example.com";
pub const CA_NAME: &str = "Grace Hopper";
pub const ALAN: MemberId = MemberId::from_uuid(id(0x302));
pub const ALAN_EMAIL: &str = "alan.turing@example.com";
pub const ALAN_NAME: &str = "Alan Turing";

pub fn passphrase() -> Passphrase {
    Passphrase::new(PASSPHRASE.to_owned())
}

pub fn name(raw: &str) -> Name {
    Name::parse(raw).expect("fixture names are valid")
}

/// An active IT user with no rights, created a month before [`T0`].
pub fn person(id: MemberId, full_name: &str, email: &str) -> Member {
    Member {
        id,
        email: Email::parse(email).expect("fixture e-mails are valid"),
        name: name(full_name),
        kind: MemberKind::ItUser,
        status: MemberStatus::Active,
        company_admin: false,
        administrator: false,
        phone: None,
        security_contact: false,
        created_at: T0.plus_days(-30),
    }
}

pub fn permission(member: MemberId, infra: InfraId, level: Level) -> Permission {
    Permission {
        member,
        infra,
        level,
    }
}

/// Example AG: one subscription, two cloud infrastructures, [`CA`] and [`ALAN`].
pub fn snapshot() -> Snapshot {
    let mut snapshot = Snapshot::new(Company {
        name: name("Example AG"),
    });
    snapshot.subscriptions = vec![Subscription {
        id: SUB,
        name: name("Standard plan"),
        edition: Edition::Standard,
    }];
    let infra = |id, label: &str| Infrastructure {
        id,
        name: name(label),
        subscription: SUB,
        hosting: Hosting::Cloud,
    };
    snapshot.infrastructures = vec![infra(PROD, "Prod"), infra(STAGING, "Staging")];
    snapshot.members = vec![
        Member {
            company_admin: true,
            ..person(CA, CA_NAME, CA_EMAIL)
        },
        person(ALAN, ALAN_NAME, ALAN_EMAIL),
    ];
    snapshot.permissions = vec![
        permission(CA, PROD, Level::InfraAdmin),
        permission(ALAN, PROD, Level::Member),
    ];
    snapshot
}

pub const ZOE: MemberId = MemberId::from_uuid(id(0x401));
pub const JOSE: MemberId = MemberId::from_uuid(id(0x402));
pub const ADA: MemberId = MemberId::from_uuid(id(0x403));
pub const ADA_Y: MemberId = MemberId::from_uuid(id(0x404));
pub const ADAM: MemberId = MemberId::from_uuid(id(0x405));

/// Example AG with ten members, e-mails chosen so that a name match cannot be an e-mail
/// match in disguise (Zoë Müller is `z.mueller@…`):
///
/// | who | status | holds |
/// |---|---|---|
/// | Grace Hopper ([`CA`]), Alan Turing ([`ALAN`]) | active | see [`snapshot`] |
/// | Zoë Müller ([`ZOE`]) | active | `member` on Staging |
/// | José García ([`JOSE`]) | active | `member` on Prod |
/// | Ada Lovelace ([`ADA`]) | active | `member` on Staging |
/// | Ada Yonath ([`ADA_Y`]) | deactivated | `member` on Staging |
/// | Adam Smith ([`ADAM`]) | active | `infra_admin` on Staging |
/// | Marie Curie, Linus Pauling | active | nothing |
/// | Emmy Noether | pending | nothing |
pub fn team() -> Snapshot {
    let mut snapshot = snapshot();
    let with_status = |member: Member, status| Member { status, ..member };
    snapshot.members.extend([
        person(ZOE, "Zoë Müller", "z.mueller@example.com"),
        person(JOSE, "José García", "jgarcia@example.com"),
        person(ADA, "Ada Lovelace", "ada.lovelace@example.com"),
        with_status(
            person(ADA_Y, "Ada Yonath", "ada.yonath@example.com"),
            MemberStatus::Deactivated,
        ),
        person(ADAM, "Adam Smith", "adam.smith@example.com"),
        person(
            MemberId::from_uuid(id(0x406)),
            "Marie Curie",
            "marie.curie@example.com",
        ),
        with_status(
            person(
                MemberId::from_uuid(id(0x407)),
                "Emmy Noether",
                "emmy.noether@example.com",
            ),
            MemberStatus::Pending,
        ),
        person(
            MemberId::from_uuid(id(0x408)),
            "Linus Pauling",
            "l.pauling@example.com",
        ),
    ]);
    snapshot.permissions.extend([
        permission(ZOE, STAGING, Level::Member),
        permission(JOSE, PROD, Level::Member),
        permission(ADA, STAGING, Level::Member),
        permission(ADA_Y, STAGING, Level::Member),
        permission(ADAM, STAGING, Level::InfraAdmin),
    ]);
    snapshot
}

/// A temporary folder holding one workspace, removed when this is dropped.
#[derive(Debug)]
pub struct Folder {
    /// Kept for its `Drop`; the workspace lives in `dir`, a folder inside it.
    _tmp: TempDir,
    pub dir: PathBuf,
}

impl Folder {
    pub fn open(&self, unlock: Unlock<'_>) -> Result<Workspace, StoreError> {
        Workspace::open(&self.dir, unlock)
    }

    pub fn open_with_passphrase(&self) -> Workspace {
        self.open(Unlock::Passphrase(&passphrase()))
            .expect("the workspace opens with its passphrase")
    }
}

/// Creates a workspace at `dir` seeded with `snapshot`, under [`PASSPHRASE`], acting as [`CA`].
pub fn create(dir: &Path, snapshot: &Snapshot) -> Result<Workspace, StoreError> {
    Workspace::create(
        dir,
        &Uuid::now_v7().to_string(),
        &passphrase(),
        snapshot,
        &[("actor", &CA.to_string())],
        &SystemActor {
            label: CA_EMAIL.to_owned(),
            device: "test-device".to_owned(),
        },
        T0,
    )
}

/// Creates a workspace at `dir` from `parts` as a first sync streams them, under
/// [`PASSPHRASE`], acting as [`CA`].
pub fn create_streamed(
    dir: &Path,
    parts: Vec<Result<SnapshotPart, StoreError>>,
) -> Result<Workspace, StoreError> {
    Workspace::create_streamed(
        dir,
        &Uuid::now_v7().to_string(),
        &passphrase(),
        &[("actor", &CA.to_string())],
        &SystemActor {
            label: CA_EMAIL.to_owned(),
            device: "test-device".to_owned(),
        },
        T0,
        parts,
    )
}

/// An open workspace in its own temporary folder.
#[derive(Debug)]
pub struct Fixture {
    pub workspace: Workspace,
    pub folder: Folder,
}

impl Fixture {
    /// Example AG ([`snapshot`]) under [`PASSPHRASE`].
    pub fn new() -> Self {
        Self::with(&snapshot())
    }

    /// A workspace seeded with `snapshot`, in a folder that `create` makes itself.
    pub fn with(snapshot: &Snapshot) -> Self {
        let tmp = tempfile::tempdir().expect("a temporary folder");
        let dir = tmp.path().join("workspace");
        let workspace =
            create(&dir, snapshot).expect("creating a workspace from a valid snapshot succeeds");
        Self {
            workspace,
            folder: Folder { _tmp: tmp, dir },
        }
    }

    /// `snapshot` as a first sync makes it: streamed in parts of two records, then used in
    /// the workspace `create_streamed` returns, as a device does.
    pub fn streamed(snapshot: &Snapshot) -> Self {
        let tmp = tempfile::tempdir().expect("a temporary folder");
        let dir = tmp.path().join("workspace");
        let parts = snapshot.clone().into_parts(2).into_iter().map(Ok).collect();
        let workspace = create_streamed(&dir, parts)
            .expect("creating a workspace from a valid stream succeeds");
        Self {
            workspace,
            folder: Folder { _tmp: tmp, dir },
        }
    }

    pub fn dir(&self) -> &Path {
        &self.folder.dir
    }

    /// Runs `op` as [`CA`].
    pub fn commit(&mut self, op: Op) -> Result<Outcome, StoreError> {
        self.workspace.commit(&envelope(op), CA_EMAIL)
    }

    /// Runs `op` as [`CA`] and expects it to be written; returns its audit sequence number.
    pub fn apply(&mut self, op: Op) -> i64 {
        let described = format!("{op:?}");
        match self.commit(op) {
            Ok(Outcome::Applied { audit_seq, .. }) => audit_seq,
            other => panic!("{described} should be applied, got {other:?}"),
        }
    }

    /// Locks the workspace: the connection closes, SQLite checkpoints and removes the WAL.
    pub fn close(self) -> Folder {
        drop(self.workspace);
        self.folder
    }

    /// Closes the workspace and unlocks it again with the passphrase.
    pub fn reopen(self) -> Self {
        let folder = self.close();
        Self {
            workspace: folder.open_with_passphrase(),
            folder,
        }
    }

    /// How many audit entries there are.
    pub fn audit_len(&self) -> usize {
        self.workspace
            .audit(&AuditQuery {
                limit: 10_000,
                ..AuditQuery::default()
            })
            .expect("the audit trail reads")
            .len()
    }

    /// The number of rows of `table` matching `condition` (SQL), through the open connection.
    pub fn count(&self, table: &str, condition: &str) -> i64 {
        self.workspace
            .conn()
            .query_row(
                &format!("SELECT count(*) FROM {table} WHERE {condition}"),
                [],
                |row| row.get(0),
            )
            .expect("the count query runs")
    }
}

/// `op` as made by [`CA`] at [`T0`], with a fresh id.
pub fn envelope(op: Op) -> Envelope {
    Envelope {
        id: OpId::from_uuid(Uuid::now_v7()),
        actor: Actor::Member { id: CA },
        device: DeviceId::from_uuid(id(0x900)),
        at: T0,
        op,
        expects: Vec::new(),
    }
}
