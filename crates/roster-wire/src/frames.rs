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
        Email, InfraId, Level, Member, MemberId, MemberKind, MemberStatus, Name, Permission, Phone,
        SnapshotPart, Timestamp,
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

    /// One line of each kind, with every field kind the snapshot's records use.
    fn lines() -> Vec<SnapshotLine> {
        let account = Uuid::from_u128(7);
        vec![
            SnapshotLine::Head { seq: 42, account },
            SnapshotLine::Part(SnapshotPart::Members(vec![member()])),
            SnapshotLine::Part(SnapshotPart::Permissions(vec![Permission {
                member: member().id,
                infra: InfraId::from_uuid(Uuid::from_u128(9)),
                level: Level::InfraAdmin,
            }])),
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
            }]),
            SnapshotLine::End { records: 2 },
        ]
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
        let entry = &lines()[3];
        let json = serde_json::to_value(entry).expect("json");
        assert_eq!(json["audit"][0]["changes"][0]["after"]["tags"][1], 2.5);
        let back: SnapshotLine = serde_json::from_value(json).expect("a line");
        assert_eq!(&back, entry);
    }

    #[test]
    fn a_frame_is_read_only_once_all_of_it_has_come() {
        let bytes = framed(&lines()[..2]);
        let first = encode_frame(&lines()[0]).expect("a frame").len();
        for cut in 0..bytes.len() {
            let read = decode_frame(&bytes[..cut]).expect("a readable start");
            match read {
                None => assert!(cut < first, "the first frame came whole at {first}"),
                Some((line, used)) => {
                    assert!(cut >= first);
                    assert_eq!((line, used), (lines()[0].clone(), first));
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

        let mut trailing = encode_frame(&lines()[4]).expect("a frame");
        trailing.push(0);
        trailing[0] += 1;
        assert!(
            matches!(decode_frame(&trailing), Err(FrameError::Unreadable(why)) if why.contains("after its line"))
        );

        // The records are checked as they are from JSON: an e-mail without its @.
        let mut frame = encode_frame(&lines()[1]).expect("a frame");
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
        assert_eq!(crate::PROTOCOL, 3, "a new protocol: update the bytes below");
        let bytes: String = framed(&lines()[..3])
            .iter()
            .map(|byte| format!("{byte:02x}"))
            .collect();
        assert_eq!(
            bytes,
            concat!(
                "1300000000541000000000000000000000000000000007520000000104011001",
                "930000000070008000000000000001177a6f652e6d756c6c65724061636d652e",
                "6578616d706c650c5a6fc3ab204dc3bc6c6c657200010001010c2b3431343436",
                "3638313830300180a0bfe9d66626000000010501100193000000007000800000",
                "0000000001100000000000000000000000000000000900",
            )
        );
    }
}
