//! What the IoT tables store as codes: a relay command's state (`device_commands.status`) and
//! the kind of a device's event (`device_events.kind`). Each is `TEXT` with a `CHECK` naming the
//! same codes; rows carry the enum.

/// Where a relay command stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "diesel", derive(diesel::expression::AsExpression, diesel::deserialize::FromSqlRow))]
#[cfg_attr(feature = "diesel", diesel(sql_type = diesel::sql_types::Text))]
pub enum CommandStatus {
    /// Stored and being sent; the node has not answered.
    Pending,
    /// The node switched the relay.
    Applied,
    /// The node answered that it could not.
    Refused,
    /// The node did not answer in time.
    Expired,
}

impl CommandStatus {
    /// Every state, in the order of the database's `CHECK`.
    pub const ALL: [Self; 4] = [Self::Pending, Self::Applied, Self::Refused, Self::Expired];

    /// The stored code.
    pub const fn code(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Applied => "applied",
            Self::Refused => "refused",
            Self::Expired => "expired",
        }
    }

    /// The state of a stored code.
    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.code() == code)
    }

    /// How the device page says it.
    pub const fn label(self) -> &'static str {
        match self {
            Self::Pending => "Esperando al equipo",
            Self::Applied => "Aplicado por el equipo",
            Self::Refused => "Rechazado por el equipo",
            Self::Expired => "Vencido: el equipo no respondió",
        }
    }
}

/// What a device's event was.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "diesel", derive(diesel::expression::AsExpression, diesel::deserialize::FromSqlRow))]
#[cfg_attr(feature = "diesel", diesel(sql_type = diesel::sql_types::Text))]
pub enum EventKind {
    /// The node started (firmware, signal, relays).
    Boot,
    /// A periodic status (signal, queued messages).
    Status,
    /// A door opened or closed.
    Door,
    /// A card was read.
    Rfid,
    /// The node answered a relay command.
    CommandAck,
    /// Reserved: listed by the table's `CHECK` since it was made, written by nothing yet (refused
    /// frames go to `device_quarantine`).
    Rejected,
}

impl EventKind {
    /// Every kind, in the order of the database's `CHECK`.
    pub const ALL: [Self; 6] = [Self::Boot, Self::Status, Self::Door, Self::Rfid, Self::CommandAck, Self::Rejected];

    /// The stored code.
    pub const fn code(self) -> &'static str {
        match self {
            Self::Boot => "boot",
            Self::Status => "status",
            Self::Door => "door",
            Self::Rfid => "rfid",
            Self::CommandAck => "command_ack",
            Self::Rejected => "rejected",
        }
    }

    /// The kind of a stored code.
    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.code() == code)
    }
}

#[cfg(test)]
mod tests {
    use super::{CommandStatus, EventKind};

    #[test]
    fn every_code_reads_back() {
        for s in CommandStatus::ALL {
            assert_eq!(CommandStatus::from_code(s.code()), Some(s));
        }
        for k in EventKind::ALL {
            assert_eq!(EventKind::from_code(k.code()), Some(k));
        }
        assert_eq!((CommandStatus::from_code("sent"), EventKind::from_code("reboot")), (None, None));
    }
}
