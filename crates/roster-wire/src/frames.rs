//! The snapshot stream in binary frames: the same [`SnapshotLine`]s as the JSON lines, each
//! encoded with postcard (serde's data model in varints, ids as 16 bytes) and preceded by
//! its length.
//!
//! A device asks for it with `Accept: application/x-roster-snapshot`; anything else gets
//! JSON lines. At 100,000 members the frames are about a third of the JSON's size, and
//! encoding, compressing, decompressing and decoding them takes a fraction of the JSON's
//! CPU time: on a first sync both the server and the device's writer share the machine's
//! cores with that work.
//!
//! A frame is a 4-byte little-endian length, then that many bytes of postcard. A frame
//! longer than [`MAX_FRAME`] is refused before it is read, so a corrupt length cannot make
//! the reader wait for or allocate gigabytes.

use crate::SnapshotLine;

/// The media type of the framed snapshot.
pub const SNAPSHOT_FRAMES_MEDIA_TYPE: &str = "application/x-roster-snapshot";

/// The largest frame a reader accepts. A part holds at most `SNAPSHOT_PART_SIZE` records
/// (a few hundred kilobytes); the audit line at most the snapshot's audit entries.
pub const MAX_FRAME: usize = 64 * 1024 * 1024;

const LENGTH: usize = 4;

/// Why a frame cannot be read or written.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FrameError {
    /// The length prefix names more than [`MAX_FRAME`] bytes.
    #[error("a snapshot frame says it holds {0} bytes, more than the {MAX_FRAME} a frame may")]
    TooLong(usize),
    /// The frame's bytes are not a [`SnapshotLine`] this version reads.
    #[error("a snapshot frame cannot be read: {0}")]
    Unreadable(String),
    /// The line cannot be encoded (a value serde refuses).
    #[error("a snapshot line cannot be written as a frame: {0}")]
    Unwritable(String),
}

/// `line` as one frame.
pub fn encode_frame(line: &SnapshotLine) -> Result<Vec<u8>, FrameError> {
    // The length goes first, once it is known.
    let mut frame = postcard::to_extend(line, vec![0; LENGTH])
        .map_err(|err| FrameError::Unwritable(err.to_string()))?;
    let length = frame.len() - LENGTH;
    if length > MAX_FRAME {
        return Err(FrameError::TooLong(length));
    }
    let prefix = u32::try_from(length).map_err(|_| FrameError::TooLong(length))?;
    frame[..LENGTH].copy_from_slice(&prefix.to_le_bytes());
    Ok(frame)
}

/// The first frame in `bytes` and how many bytes it took, or `None` if `bytes` does not
/// hold all of it yet.
pub fn decode_frame(bytes: &[u8]) -> Result<Option<(SnapshotLine, usize)>, FrameError> {
    let Some(prefix) = bytes.first_chunk::<LENGTH>() else {
        return Ok(None);
    };
    let length = u32::from_le_bytes(*prefix) as usize;
    if length > MAX_FRAME {
        return Err(FrameError::TooLong(length));
    }
    let Some(body) = bytes.get(LENGTH..LENGTH + length) else {
        return Ok(None);
    };
    let (line, rest) =
        postcard::take_from_bytes(body).map_err(|err| FrameError::Unreadable(err.to_string()))?;
    if !rest.is_empty() {
        return Err(FrameError::Unreadable(format!(
            "{} bytes after its line",
            rest.len()
        )));
    }
    Ok(Some((line, LENGTH + length)))
}

/// A JSON value inside a binary frame: postcard cannot read a self-describing value, so in
/// a binary format the value travels as its JSON text. Human-readable formats (JSON) keep
/// it as it is.
pub(crate) mod json_value {
    use serde::{Deserialize, Deserializer, Serializer};

    pub(crate) fn serialize<S: Serializer>(
        value: &serde_json::Value,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        if serializer.is_human_readable() {
            serde::Serialize::serialize(value, serializer)
        } else {
            serializer.serialize_str(&value.to_string())
        }
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<serde_json::Value, D::Error> {
        if deserializer.is_human_readable() {
            serde_json::Value::deserialize(deserializer)
        } else {
            let text = String::deserialize(deserializer)?;
            serde_json::from_str(&text).map_err(serde::de::Error::custom)
        }
    }
}

#[cfg(test)]
mod tests {
    use roster_core::{
        App, AppId, CaseContact, CaseId, Company, DevPermission, Edition, Email, Environment,
        EnvironmentId, Hosting, InfraId, Infrastructure, Invitation, InvitationId, InvitationState,
        Level, Member, MemberId, MemberKind, MemberStatus, Name, Permission, Phone, Role,
        RoleAssignment, RoleId, SnapshotPart, Subscription, SubscriptionId, SupportCase,
        SupportContact, Timestamp,
    };
    use uuid::Uuid;

    use super::*;
    use crate::AuditEntryView;

    fn member() -> Member {
        Member {
            id: MemberId::from_uuid(Uuid::from_u128(0x0193_0000_0000_7000_8000_0000_0000_0001)),
            email: Email::parse("zoe.muller@acme.example").expect("an e-mail"),
            name: Name::parse("Zoë Müller").expect("a name"),
            kind: MemberKind::ItUser,
            status: MemberStatus::Active,
            company_admin: false,
            administrator: true,
            phone: Some(Phone::parse("+41 44 668 18 00").expect("a phone")),
            security_contact: true,
            created_at: Timestamp::from_unix_millis(1_764_000_000_000),
        }
    }

    /// One record of each kind a snapshot carries, in the order the parts come.
    fn every_part() -> Vec<SnapshotPart> {
        let id = |n: u128| Uuid::from_u128(0x0193_0000_0000_7000_8000_0000_0000_0000 + n);
        let name = |text: &str| Name::parse(text).expect("a name");
        let email = |text: &str| Email::parse(text).expect("an e-mail");
        let (subscription, infra) = (SubscriptionId::from_uuid(id(2)), InfraId::from_uuid(id(3)));
        let (app, role, case) = (
            AppId::from_uuid(id(5)),
            RoleId::from_uuid(id(6)),
            CaseId::from_uuid(id(8)),
        );
        let at = Timestamp::from_unix_millis(1_764_000_000_000);
        vec![
            SnapshotPart::Company(Company {
                name: name("Acme AG"),
            }),
            SnapshotPart::Subscriptions(vec![Subscription {
                id: subscription,
                name: name("Main"),
                edition: Edition::Sentry,
            }]),
            SnapshotPart::Infrastructures(vec![Infrastructure {
                id: infra,
                name: name("Production"),
                subscription,
                hosting: Hosting::SelfManaged,
            }]),
            SnapshotPart::Environments(vec![Environment {
                id: EnvironmentId::from_uuid(id(4)),
                infra,
                name: name("Staging"),
                slot_registered: true,
                licence_expires: Some(at.plus_days(30).date()),
            }]),
            SnapshotPart::Members(vec![member()]),
            SnapshotPart::Permissions(vec![Permission {
                member: member().id,
                infra,
                level: Level::InfraAdmin,
            }]),
            SnapshotPart::DevPermissions(vec![DevPermission {
                member: member().id,
                infra,
            }]),
            SnapshotPart::Apps(vec![App {
                id: app,
                name: name("Ledger"),
            }]),
            SnapshotPart::Roles(vec![Role {
                id: role,
                app,
                name: name("Auditor"),
            }]),
            SnapshotPart::RoleAssignments(vec![RoleAssignment {
                member: member().id,
                role,
            }]),
            SnapshotPart::Invitations(vec![Invitation {
                id: InvitationId::from_uuid(id(7)),
                member: member().id,
                state: InvitationState::Accepted,
                sent_at: at,
                expires_at: at.plus_days(14),
            }]),
            SnapshotPart::SupportContacts(vec![SupportContact {
                email: email("help@vendor.example"),
                name: None,
            }]),
            SnapshotPart::SupportCases(vec![SupportCase {
                id: case,
                infra,
                reporter: member().id,
                title: name("Login fails"),
                needs_approval: true,
                opened_at: at,
            }]),
            SnapshotPart::CaseContacts(vec![CaseContact {
                case,
                contact: email("help@vendor.example"),
            }]),
        ]
    }

    fn head() -> SnapshotLine {
        SnapshotLine::Head {
            seq: 42,
            account: Uuid::from_u128(7),
        }
    }

    fn members() -> SnapshotLine {
        SnapshotLine::Part(SnapshotPart::Members(vec![member()]))
    }

    fn audit() -> SnapshotLine {
        SnapshotLine::Audit(vec![AuditEntryView {
            seq: 3,
            at: 1_764_000_000_000,
            actor: "ada@acme.example".into(),
            from: "192.0.2.1".into(),
            outcome: "applied".into(),
            action: "member_renamed".into(),
            summary: "renamed zoe.muller@acme.example".into(),
            changes: serde_json::json!([{ "key": "m1", "before": { "name": "Zoe" },
                "after": { "name": "Zoë", "tags": [1, 2.5, null, true] } }]),
        }])
    }

    fn end() -> SnapshotLine {
        SnapshotLine::End { records: 14 }
    }

    /// A whole stream: the head, one part of each kind, audit entries, the end.
    fn lines() -> Vec<SnapshotLine> {
        let parts = every_part().into_iter().map(SnapshotLine::Part);
        [head()]
            .into_iter()
            .chain(parts)
            .chain([audit(), end()])
            .collect()
    }

    fn framed(lines: &[SnapshotLine]) -> Vec<u8> {
        lines
            .iter()
            .flat_map(|line| encode_frame(line).expect("a frame"))
            .collect()
    }

    fn read_all(mut bytes: &[u8]) -> Vec<SnapshotLine> {
        let mut read = Vec::new();
        while let Some((line, used)) = decode_frame(bytes).expect("readable frames") {
            read.push(line);
            bytes = &bytes[used..];
        }
        assert!(bytes.is_empty(), "whole frames only");
        read
    }

    #[test]
    fn every_kind_of_line_reads_back_as_it_was_written() {
        assert_eq!(read_all(&framed(&lines())), lines());
    }

    #[test]
    fn an_audit_entry_keeps_its_changes_as_json_in_json_lines() {
        let entry = audit();
        let json = serde_json::to_value(&entry).expect("json");
        assert_eq!(json["audit"][0]["changes"][0]["after"]["tags"][1], 2.5);
        let back: SnapshotLine = serde_json::from_value(json).expect("a line");
        assert_eq!(back, entry);
    }

    #[test]
    fn a_frame_is_read_only_once_all_of_it_has_come() {
        let bytes = framed(&[head(), members()]);
        let first = encode_frame(&head()).expect("a frame").len();
        for cut in 0..bytes.len() {
            let read = decode_frame(&bytes[..cut]).expect("a readable start");
            match read {
                None => assert!(cut < first, "the first frame came whole at {first}"),
                Some((line, used)) => {
                    assert!(cut >= first);
                    assert_eq!((line, used), (head(), first));
                }
            }
        }
        assert_eq!(
            decode_frame(&bytes[first..bytes.len() - 1]).expect("a readable start"),
            None,
            "the second frame lacks its last byte"
        );
    }

    #[test]
    fn a_length_beyond_the_limit_is_refused_before_its_bytes_are_awaited() {
        let too_long = u32::try_from(MAX_FRAME + 1).expect("a u32").to_le_bytes();
        assert_eq!(
            decode_frame(&too_long),
            Err(FrameError::TooLong(MAX_FRAME + 1))
        );
        let at_limit = u32::try_from(MAX_FRAME).expect("a u32").to_le_bytes();
        assert_eq!(decode_frame(&at_limit), Ok(None), "waits for the rest");
    }

    #[test]
    fn a_frame_that_is_not_a_line_or_holds_an_invalid_record_is_refused() {
        let garbage = [3, 0, 0, 0, 0xff, 0xff, 0xff];
        assert!(matches!(
            decode_frame(&garbage),
            Err(FrameError::Unreadable(_))
        ));

        let mut trailing = encode_frame(&end()).expect("a frame");
        trailing.push(0);
        trailing[0] += 1;
        assert!(
            matches!(decode_frame(&trailing), Err(FrameError::Unreadable(why)) if why.contains("after its line"))
        );

        // The records are checked as they are from JSON: an e-mail without its @.
        let mut frame = encode_frame(&members()).expect("a frame");
        let at = frame
            .windows(b"muller@acme".len())
            .position(|w| w == b"muller@acme")
            .expect("the e-mail's bytes")
            + b"muller".len();
        frame[at] = b'.';
        assert!(matches!(
            decode_frame(&frame),
            Err(FrameError::Unreadable(_))
        ));
    }

    /// Frames carry the records field by field in their declaration order, with no names:
    /// a device reads them only as the same types wrote them. Any change to a type that a
    /// snapshot carries (a field added, removed or moved, an enum's variants) changes these
    /// bytes, and must raise `PROTOCOL` so that a device of the old version is told to
    /// update instead of misreading them. Then write the new bytes here.
    #[test]
    fn the_frames_of_this_protocol_keep_their_bytes() {
        assert_eq!(crate::PROTOCOL, 3, "a new protocol: write its bytes below");
        let pinned = [
            "1300000000541000000000000000000000000000000007",
            "0a00000001000741636d65204147",
            "1a0000000101011001930000000070008000000000000002044d61696e02",
            concat!(
                "3100000001020110019300000000700080000000000000030a50726f64756374696f6e10",
                "0193000000007000800000000000000202",
            ),
            concat!(
                "330000000103011001930000000070008000000000000004100193000000007000800000",
                "00000000030753746167696e670101d21fe602",
            ),
            concat!(
                "520000000104011001930000000070008000000000000001177a6f652e6d756c6c657240",
                "61636d652e6578616d706c650c5a6fc3ab204dc3bc6c6c657200010001010c2b34313434",
                "363638313830300180a0bfe9d666",
            ),
            concat!(
                "260000000105011001930000000070008000000000000001100193000000007000800000",
                "000000000300",
            ),
            concat!(
                "250000000106011001930000000070008000000000000001100193000000007000800000",
                "0000000003",
            ),
            "1b0000000107011001930000000070008000000000000005064c6564676572",
            concat!(
                "2d0000000108011001930000000070008000000000000006100193000000007000800000",
                "00000000050741756469746f72",
            ),
            concat!(
                "250000000109011001930000000070008000000000000001100193000000007000800000",
                "0000000006",
            ),
            concat!(
                "32000000010a011001930000000070008000000000000007100193000000007000800000",
                "00000000010180a0bfe9d66680c087ebdf66",
            ),
            "18000000010b011368656c704076656e646f722e6578616d706c6500",
            concat!(
                "49000000010c011001930000000070008000000000000008100193000000007000800000",
                "000000000310019300000000700080000000000000010b4c6f67696e206661696c730180",
                "a0bfe9d666",
            ),
            concat!(
                "28000000010d0110019300000000700080000000000000081368656c704076656e646f72",
                "2e6578616d706c65",
            ),
            concat!(
                "b300000002010680a0bfe9d666106164614061636d652e6578616d706c65093139322e30",
                "2e322e31076170706c6965640e6d656d6265725f72656e616d65641f72656e616d656420",
                "7a6f652e6d756c6c65724061636d652e6578616d706c65575b7b226166746572223a7b22",
                "6e616d65223a225a6fc3ab222c2274616773223a5b312c322e352c6e756c6c2c74727565",
                "5d7d2c226265666f7265223a7b226e616d65223a225a6f65227d2c226b6579223a226d31",
                "227d5d",
            ),
            "02000000030e",
        ];
        let lines = lines();
        assert_eq!(lines.len(), pinned.len(), "one pinned frame per line");
        for (line, pinned) in lines.iter().zip(pinned) {
            let bytes: String = encode_frame(line)
                .expect("a frame")
                .iter()
                .map(|byte| format!("{byte:02x}"))
                .collect();
            assert_eq!(
                bytes, pinned,
                "the frame of {line:?} changed: raise PROTOCOL (see the doc comment)"
            );
        }
    }
}
