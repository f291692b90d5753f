//! An unlocked workspace and who is acting in it. Creating, opening, locking, and the
//! passphrase and keychain settings live here; changes and queries in their own modules.

use std::path::Path;
use std::time::{SystemTime, UNIX_EPOCH};

use roster_core::{
    Actor, Company, DeviceId, Email, Envelope, Member, MemberId, Name, Op, OpId, Snapshot, State,
    Timestamp, password,
};
use roster_store::{Outcome, Passphrase, SystemActor, Unlock, Workspace};
use uuid::Uuid;

use crate::demo;
use crate::error::ClientError;

/// Settings kept in the workspace.
pub(crate) const META_ACTOR: &str = "actor_member";
pub(crate) const META_DEVICE: &str = "device";

/// How to fill a new workspace.
#[derive(Debug, Clone)]
pub struct CreateOptions {
    pub company: String,
    /// The first Company Admin, who acts in this workspace.
    pub admin_email: String,
    pub admin_name: Option<String>,
    /// Fill with the demo company scaled to this many members.
    pub demo_members: Option<usize>,
    /// Keep the key in the OS keychain.
    pub remember: bool,
}

/// An unlocked workspace. Dropping it locks the workspace: the key leaves memory.
#[derive(Debug)]
pub struct Session {
    workspace: Workspace,
    actor: MemberId,
    actor_label: String,
    device: DeviceId,
}

pub(crate) fn now() -> Timestamp {
    let millis = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis());
    Timestamp::from_unix_millis(i64::try_from(millis).unwrap_or(i64::MAX))
}

impl Session {
    /// Creates a workspace in `dir` with its first Company Admin, or the demo company.
    /// The passphrase must pass the password policy of SPEC.md.
    pub fn create(
        dir: &Path,
        passphrase: &Passphrase,
        options: &CreateOptions,
    ) -> Result<Self, ClientError> {
        password::check(
            passphrase.expose(),
            &[&options.admin_email, &options.company],
        )?;
        let at = now();
        let admin = Member::first_company_admin(
            MemberId::from_uuid(Uuid::now_v7()),
            Email::parse(&options.admin_email)?,
            Name::parse_as(
                options.admin_name.as_deref().unwrap_or("Company Admin"),
                "admin name",
            )?,
            at,
        );
        let company = Company {
            name: Name::parse_as(&options.company, "company name")?,
        };
        let snapshot = match options.demo_members {
            Some(members) => demo::company(company, admin.clone(), members, at),
            None => {
                let mut snapshot = Snapshot::new(company);
                snapshot.members.push(admin.clone());
                snapshot
            }
        };
        let device = DeviceId::from_uuid(Uuid::now_v7());
        let workspace = Workspace::create(
            dir,
            &Uuid::now_v7().to_string(),
            passphrase,
            &snapshot,
            &[
                (META_ACTOR, &admin.id.to_string()),
                (META_DEVICE, &device.to_string()),
            ],
            &SystemActor {
                label: admin.email.to_string(),
                device: device.to_string(),
            },
            at,
        )?;
        // A workspace that was asked to be remembered but could not be is not created:
        // `init` can then simply be run again without --remember.
        if options.remember
            && let Err(err) = workspace.remember()
        {
            workspace.discard()?;
            return Err(err.into());
        }
        Ok(Self {
            workspace,
            actor: admin.id,
            actor_label: admin.email.to_string(),
            device,
        })
    }

    /// Unlocks the workspace at `dir`.
    pub fn open(dir: &Path, unlock: Unlock<'_>) -> Result<Self, ClientError> {
        Self::from_workspace(Workspace::open(dir, unlock)?)
    }

    /// A session over a workspace already unlocked, acting as the member it was made for.
    pub(crate) fn from_workspace(workspace: Workspace) -> Result<Self, ClientError> {
        let setting = |key: &str| -> Result<Uuid, ClientError> {
            let value = workspace.meta(key)?.unwrap_or_default();
            Uuid::parse_str(&value).map_err(|_| {
                roster_store::StoreError::Corrupt(format!("the workspace setting {key} is missing"))
                    .into()
            })
        };
        let actor = MemberId::from_uuid(setting(META_ACTOR)?);
        let device = DeviceId::from_uuid(setting(META_DEVICE)?);
        let actor_label = match workspace.state().member(actor)? {
            Some(member) => member.email.to_string(),
            None => format!("deleted member {actor}"),
        };
        Ok(Self {
            workspace,
            actor,
            actor_label,
            device,
        })
    }

    /// Whether `dir` holds a workspace.
    pub fn exists(dir: &Path) -> bool {
        Workspace::exists(dir)
    }

    /// Whether the workspace at `dir` keeps its key in this device's keychain.
    pub fn is_remembered(dir: &Path) -> Result<bool, ClientError> {
        Ok(Workspace::is_remembered_at(dir)?)
    }

    /// Locks the workspace: the connection closes and the key is zeroized.
    pub fn lock(self) {
        drop(self);
    }

    /// Re-wraps the key under a new passphrase, which must pass the password policy.
    pub fn change_passphrase(&self, new: &Passphrase) -> Result<(), ClientError> {
        password::check(new.expose(), &[&self.actor_label])?;
        Ok(self.workspace.change_passphrase(new)?)
    }

    pub fn remember(&self) -> Result<(), ClientError> {
        Ok(self.workspace.remember()?)
    }

    pub fn forget(&self) -> Result<(), ClientError> {
        Ok(self.workspace.forget()?)
    }

    pub fn workspace(&self) -> &Workspace {
        &self.workspace
    }

    pub(crate) fn workspace_mut(&mut self) -> &mut Workspace {
        &mut self.workspace
    }

    pub(crate) fn into_workspace(self) -> Workspace {
        self.workspace
    }

    pub fn actor(&self) -> MemberId {
        self.actor
    }

    /// The acting member's e-mail.
    pub fn actor_label(&self) -> &str {
        &self.actor_label
    }

    pub fn device(&self) -> DeviceId {
        self.device
    }

    /// Runs one op as the acting member: decided by roster-core, written with its audit and
    /// outbox entries in one transaction.
    pub fn run(&mut self, op: Op) -> Result<Outcome, ClientError> {
        let envelope = Envelope {
            id: OpId::from_uuid(Uuid::now_v7()),
            actor: Actor::Member { id: self.actor },
            device: self.device,
            at: now(),
            op,
            expects: Vec::new(),
        };
        Ok(self.workspace.commit(&envelope, &self.actor_label)?)
    }
}
