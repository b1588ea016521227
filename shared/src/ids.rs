//! Typed ids: one newtype per table whose id crosses a boundary (a DTO, a server function's
//! argument, a query), so a member id cannot be passed where a device id is wanted. Each is the
//! table's `BIGINT` key; on the wire it is the bare number (`#[serde(transparent)]`), so forms and
//! JSON are unchanged. With the `diesel` feature (the server) each maps to `BigInt` itself: a
//! column compared with, inserted from or read into an id needs no `.0`.

use core::fmt;
use core::str::FromStr;

use serde::{Deserialize, Serialize};

/// Declares the id newtypes, with their diesel mapping behind the `diesel` feature.
macro_rules! ids {
    ($($(#[$doc:meta])* $name:ident),+ $(,)?) => {$(
        $(#[$doc])*
        #[derive(Debug, Default, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[cfg_attr(feature = "diesel", derive(diesel::expression::AsExpression, diesel::deserialize::FromSqlRow))]
        #[cfg_attr(feature = "diesel", diesel(sql_type = diesel::sql_types::BigInt))]
        #[serde(transparent)]
        pub struct $name(pub i64);

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt::Display::fmt(&self.0, f)
            }
        }

        impl FromStr for $name {
            type Err = core::num::ParseIntError;

            fn from_str(s: &str) -> Result<Self, Self::Err> {
                s.parse().map(Self)
            }
        }

        #[cfg(feature = "diesel")]
        impl diesel::deserialize::FromSql<diesel::sql_types::BigInt, diesel::pg::Pg> for $name {
            fn from_sql(value: diesel::pg::PgValue<'_>) -> diesel::deserialize::Result<Self> {
                <i64 as diesel::deserialize::FromSql<diesel::sql_types::BigInt, diesel::pg::Pg>>::from_sql(value)
                    .map(Self)
            }
        }

        #[cfg(feature = "diesel")]
        impl diesel::serialize::ToSql<diesel::sql_types::BigInt, diesel::pg::Pg> for $name {
            fn to_sql<'b>(
                &'b self,
                out: &mut diesel::serialize::Output<'b, '_, diesel::pg::Pg>,
            ) -> diesel::serialize::Result {
                <i64 as diesel::serialize::ToSql<diesel::sql_types::BigInt, diesel::pg::Pg>>::to_sql(&self.0, out)
            }
        }
    )+};
}

ids!(
    /// A business (`tenants.id`).
    TenantId,
    /// An account (`users.id`).
    UserId,
    /// An account's membership in a business (`memberships.id`).
    MemberId,
    /// A signed-in session (`sessions.id`).
    SessionId,
    /// A pending invitation to join a business (`invitations.id`).
    InvitationId,
    /// A sensor node (`devices.id`).
    DeviceId,
    /// A command sent to a node (`device_commands.id`).
    CommandId,
    /// A mail waiting in or sent from the outbox (`mail_outbox.id`).
    MailId,
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_id_crosses_the_wire_as_its_bare_number() {
        let id = DeviceId(42);
        assert_eq!(serde_json::to_string(&id).unwrap(), "42");
        assert_eq!(serde_json::from_str::<DeviceId>("42").unwrap(), id);
        assert!(serde_json::from_str::<DeviceId>("\"42\"").is_err());
    }

    #[test]
    fn an_id_prints_and_parses_as_its_number() {
        assert_eq!(TenantId(7).to_string(), "7");
        assert_eq!("7".parse::<TenantId>(), Ok(TenantId(7)));
        assert!("siete".parse::<TenantId>().is_err());
    }
}
