//! Identifiers. Every entity is named by a UUID made where it is created (UUIDv7 on the
//! client), so that records created offline on two devices never collide.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(Uuid);

        impl $name {
            pub const fn from_uuid(uuid: Uuid) -> Self {
                Self(uuid)
            }

            pub const fn as_uuid(&self) -> &Uuid {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}({})", stringify!($name), self.0)
            }
        }

        impl FromStr for $name {
            type Err = uuid::Error;

            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Uuid::parse_str(s).map(Self)
            }
        }
    };
}

id_type!(
    /// A subscription the company holds.
    SubscriptionId
);
id_type!(
    /// An infrastructure.
    InfraId
);
id_type!(
    /// An environment of an infrastructure.
    EnvironmentId
);
id_type!(
    /// A member of the company.
    MemberId
);
id_type!(
    /// An app the company builds.
    AppId
);
id_type!(
    /// An end-user role of an app.
    RoleId
);
id_type!(
    /// One invitation link sent to a pending member; a resend makes a new one.
    InvitationId
);
id_type!(
    /// A support case.
    CaseId
);
id_type!(
    /// One change, as made on one device; the server applies each at most once.
    OpId
);
id_type!(
    /// The device (workspace) that made a change.
    DeviceId
);
