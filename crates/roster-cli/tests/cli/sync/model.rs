//! A model-based property test of sync: three Company Admin devices make random changes to
//! a small company, the network to each drops or loses answers at random, devices "crash"
//! (lock and unlock from disk) at random, and they sync in random order. At the end, after
//! the network heals and everyone syncs: every device equals the server, and every op that
//! was queued is either in the server's change log once or a conflict on its device.
//!
//! `ROSTER_SYNC_CASES` sets the number of cases (default 6 for CI; the full run uses 64).

use std::collections::BTreeSet;

use proptest::prelude::*;
use roster_core::Level;

use super::harness::{
    ADMIN, Device, Fault, MEMBER_PASSWORD, PASSWORD, Proxy, ServerProcess, normalized,
};

const MEMBERS: [&str; 3] = ["mia@acme.example", "noah@acme.example", "omar@acme.example"];
const ADMINS: [&str; 2] = ["cleo@acme.example", "dan@acme.example"];

#[derive(Debug, Clone)]
enum Step {
    Rename {
        device: usize,
        member: usize,
        name: u8,
    },
    Grant {
        device: usize,
        member: usize,
        infra_admin: bool,
    },
    Revoke {
        device: usize,
        member: usize,
    },
    Deactivate {
        device: usize,
        member: usize,
    },
    Reactivate {
        device: usize,
        member: usize,
    },
    SetCompanyAdmin {
        device: usize,
        admin: usize,
        on: bool,
    },
    Network {
        device: usize,
        fault: u8,
    },
    Sync {
        device: usize,
    },
    Crash {
        device: usize,
    },
}

fn step() -> impl Strategy<Value = Step> {
    let d = 0..3usize;
    let m = 0..MEMBERS.len();
    prop_oneof![
        (d.clone(), m.clone(), 0..4u8).prop_map(|(device, member, name)| Step::Rename {
            device,
            member,
            name
        }),
        (d.clone(), m.clone(), any::<bool>()).prop_map(|(device, member, infra_admin)| {
            Step::Grant {
                device,
                member,
                infra_admin,
            }
        }),
        (d.clone(), m.clone()).prop_map(|(device, member)| Step::Revoke { device, member }),
        (d.clone(), m.clone()).prop_map(|(device, member)| Step::Deactivate { device, member }),
        (d.clone(), m.clone()).prop_map(|(device, member)| Step::Reactivate { device, member }),
        (d.clone(), 0..ADMINS.len(), any::<bool>())
            .prop_map(|(device, admin, on)| Step::SetCompanyAdmin { device, admin, on }),
        (d.clone(), 0..3u8).prop_map(|(device, fault)| Step::Network { device, fault }),
        d.clone().prop_map(|device| Step::Sync { device }),
        d.clone().prop_map(|device| Step::Sync { device }),
        d.prop_map(|device| Step::Crash { device }),
    ]
}

struct World {
    server: ServerProcess,
    proxies: Vec<Proxy>,
    devices: Vec<Device>,
    /// Every op id ever queued on each device.
    queued: Vec<BTreeSet<uuid::Uuid>>,
    /// Ops answered "already so" by the server, per device.
    unchanged: Vec<u32>,
}

fn world() -> World {
    let server = ServerProcess::start();
    let mut admin = Device::sign_in(&server.url(), ADMIN, PASSWORD);
    admin
        .session
        .add_subscription("Main", roster_core::Edition::Enterprise)
        .expect("subscription");
    admin
        .session
        .add_infrastructure("X", "Main", roster_core::Hosting::Cloud)
        .expect("infra");
    admin.settle();
    for email in ADMINS {
        server.member(&mut admin, email, &[], true);
    }
    for email in MEMBERS {
        server.member(&mut admin, email, &[("X", Level::Member)], false);
    }
    let proxies: Vec<Proxy> = (0..3).map(|_| Proxy::to(server.addr)).collect();
    let devices = vec![
        Device::sign_in(&proxies[0].url(), ADMIN, PASSWORD),
        Device::sign_in(&proxies[1].url(), ADMINS[0], MEMBER_PASSWORD),
        Device::sign_in(&proxies[2].url(), ADMINS[1], MEMBER_PASSWORD),
    ];
    World {
        server,
        proxies,
        devices,
        queued: vec![BTreeSet::new(); 3],
        unchanged: vec![0; 3],
    }
}

impl World {
    fn note_queued(&mut self, device: usize) {
        let outbox = self.devices[device]
            .session
            .workspace()
            .outbox(u32::MAX)
            .expect("outbox");
        self.queued[device].extend(outbox.iter().map(|e| *e.id.as_uuid()));
    }

    fn run(&mut self, step: &Step) {
        // A change the local rules refuse is never queued; that is the app's answer.
        let local = |d: &mut Device,
                     f: &dyn Fn(
            &mut roster_client::Session,
        )
            -> Result<roster_client::Outcome, roster_client::ClientError>| {
            let _ = f(&mut d.session);
        };
        match *step {
            Step::Rename {
                device,
                member,
                name,
            } => local(&mut self.devices[device], &|s| {
                s.rename_member(MEMBERS[member], &format!("Name {name}"))
            }),
            Step::Grant {
                device,
                member,
                infra_admin,
            } => local(&mut self.devices[device], &|s| {
                s.grant(
                    MEMBERS[member],
                    "X",
                    if infra_admin {
                        Level::InfraAdmin
                    } else {
                        Level::Member
                    },
                )
            }),
            Step::Revoke { device, member } => local(&mut self.devices[device], &|s| {
                s.revoke(MEMBERS[member], "X")
            }),
            Step::Deactivate { device, member } => local(&mut self.devices[device], &|s| {
                s.deactivate(MEMBERS[member])
            }),
            Step::Reactivate { device, member } => local(&mut self.devices[device], &|s| {
                s.reactivate(MEMBERS[member])
            }),
            Step::SetCompanyAdmin { device, admin, on } => local(&mut self.devices[device], &|s| {
                s.set_company_admin(ADMINS[admin], on)
            }),
            Step::Network { device, fault } => self.proxies[device].set(match fault {
                0 => Fault::None,
                1 => Fault::Down,
                _ => Fault::LoseAnswer,
            }),
            Step::Sync { device } => {
                self.note_queued(device);
                if let Ok(report) = self.devices[device].sync() {
                    self.unchanged[device] += report.unchanged;
                }
            }
            Step::Crash { device } => {
                self.note_queued(device);
                self.devices[device].reopen();
            }
        }
        if let Step::Rename { device, .. }
        | Step::Grant { device, .. }
        | Step::Revoke { device, .. }
        | Step::Deactivate { device, .. }
        | Step::Reactivate { device, .. }
        | Step::SetCompanyAdmin { device, .. } = *step
        {
            self.note_queued(device);
        }
    }

    /// Heals the network and syncs everyone until nothing moves.
    fn converge(&mut self) {
        for proxy in &self.proxies {
            proxy.set(Fault::None);
        }
        for _ in 0..3 {
            for device in 0..3 {
                self.note_queued(device);
                // A device whose account lost its rights on the way can still pull.
                if let Ok(report) = self.devices[device].sync() {
                    self.unchanged[device] += report.unchanged;
                }
            }
        }
    }
}

fn cases() -> u32 {
    std::env::var("ROSTER_SYNC_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(6)
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: cases(),
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn every_device_ends_equal_to_the_server_and_every_op_lands_once_or_is_a_conflict(
        steps in proptest::collection::vec(step(), 10..40)
    ) {
        let mut world = world();
        for step in &steps {
            world.run(step);
        }
        world.converge();

        let truth = normalized(&world.devices[0].server_snapshot());
        for (i, device) in world.devices.iter().enumerate() {
            prop_assert_eq!(&normalized(&device.snapshot()), &truth, "device {} differs from the server", i);
        }
        let log = world.devices[0]
            .block_on(world.devices[0].remote.changes(&roster_client::ChangesQuery {
            after: 0,
            audit_after: None,
            limit: Some(5000),
        }))
            .expect("change log");
        let logged: Vec<uuid::Uuid> = log.changes.iter().map(|c| c.op_id).collect();
        let unique: BTreeSet<uuid::Uuid> = logged.iter().copied().collect();
        prop_assert_eq!(unique.len(), logged.len(), "an op was applied twice");
        for (i, device) in world.devices.iter().enumerate() {
            prop_assert_eq!(device.session.workspace().outbox_len().expect("outbox"), 0, "device {} still has queued ops", i);
            let conflicts: BTreeSet<uuid::Uuid> = device
                .session
                .conflicts()
                .expect("conflicts")
                .iter()
                .map(|c| *c.envelope.id.as_uuid())
                .collect();
            let lost: Vec<_> = world.queued[i]
                .iter()
                .filter(|id| !unique.contains(id) && !conflicts.contains(id))
                .collect();
            prop_assert!(
                lost.len() as u32 <= world.unchanged[i],
                "device {}: {} ops neither applied nor a conflict (only {} were answered already-so)",
                i, lost.len(), world.unchanged[i]
            );
            prop_assert!(
                conflicts.iter().all(|id| !unique.contains(id)),
                "device {}: an op is both applied and a conflict", i
            );
        }
        drop(world.server);
    }
}
