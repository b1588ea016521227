//! Enums stored as their text code (`Role::code`, `Rubro::code`, ...) map to PostgreSQL `TEXT`
//! through diesel: a row carries the enum itself, and a code the enum does not know fails the
//! query (an internal error) instead of turning into some default. Only with the `diesel`
//! feature (the server); the browser and the firmware never see diesel.

/// `FromSql` and `ToSql` for `TEXT` through the type's `code()` and `from_code()`.
macro_rules! stored_as_code {
    ($($t:ty),+ $(,)?) => {$(
        impl diesel::deserialize::FromSql<diesel::sql_types::Text, diesel::pg::Pg> for $t {
            fn from_sql(value: diesel::pg::PgValue<'_>) -> diesel::deserialize::Result<Self> {
                let code = <alloc::string::String as diesel::deserialize::FromSql<
                    diesel::sql_types::Text,
                    diesel::pg::Pg,
                >>::from_sql(value)?;
                Self::from_code(&code)
                    .ok_or_else(|| alloc::format!("unknown {} code {code:?}", stringify!($t)).into())
            }
        }

        impl diesel::serialize::ToSql<diesel::sql_types::Text, diesel::pg::Pg> for $t {
            fn to_sql<'b>(
                &'b self,
                out: &mut diesel::serialize::Output<'b, '_, diesel::pg::Pg>,
            ) -> diesel::serialize::Result {
                <str as diesel::serialize::ToSql<diesel::sql_types::Text, diesel::pg::Pg>>::to_sql(self.code(), out)
            }
        }
    )+};
}

stored_as_code!(
    crate::tenancy::Role,
    crate::tenancy::business::Rubro,
    crate::tenancy::business::IvaCondition,
    crate::tenancy::audit::AuditAction,
    crate::iot::codes::CommandStatus,
    crate::iot::codes::EventKind,
);
