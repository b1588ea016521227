//! Roles inside a business and the permission matrix. The platform operator is not a role of a
//! business: it is a flag on the account, checked separately by the operator's pages.

use serde::{Deserialize, Serialize};

/// What a member is inside one business. Stored as its [`Role::code`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "diesel", derive(diesel::expression::AsExpression, diesel::deserialize::FromSqlRow))]
#[cfg_attr(feature = "diesel", diesel(sql_type = diesel::sql_types::Text))]
pub enum Role {
    /// Owns the business: everything, including other owners. Every business keeps at least one.
    Owner,
    /// Runs the business with the owner: settings, members (not owners), audit log.
    Admin,
    /// Runs a shift or a branch: sees the team.
    Manager,
    /// Sells at the counter (POS).
    Cashier,
    /// Sees patients or clients by appointment (a doctor, a hairdresser).
    Professional,
    /// Runs campaigns and the CRM.
    Marketing,
    /// Looks, never changes.
    Viewer,
}

impl Role {
    /// Every role, most powerful first (the order forms list them in).
    pub const ALL: [Self; 7] =
        [Self::Owner, Self::Admin, Self::Manager, Self::Cashier, Self::Professional, Self::Marketing, Self::Viewer];

    /// The code stored in the database and sent in forms.
    pub const fn code(self) -> &'static str {
        match self {
            Self::Owner => "owner",
            Self::Admin => "admin",
            Self::Manager => "manager",
            Self::Cashier => "cashier",
            Self::Professional => "professional",
            Self::Marketing => "marketing",
            Self::Viewer => "viewer",
        }
    }

    /// The role from its [`Role::code`].
    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.code() == code)
    }

    /// Its name in the UI (es-AR).
    pub const fn label(self) -> &'static str {
        match self {
            Self::Owner => "Dueño/a",
            Self::Admin => "Administrador/a",
            Self::Manager => "Encargado/a",
            Self::Cashier => "Cajero/a",
            Self::Professional => "Profesional",
            Self::Marketing => "Marketing",
            Self::Viewer => "Solo lectura",
        }
    }

    /// Whether this role may do `permission`: the matrix.
    pub const fn allows(self, permission: Permission) -> bool {
        use Permission as P;
        match self {
            Self::Owner => true,
            Self::Admin => !matches!(permission, P::OwnersManage),
            // A manager runs the shop floor: sees the team, watches and switches equipment.
            Self::Manager => {
                matches!(permission, P::BusinessView | P::MembersView | P::DevicesView | P::DevicesOperate)
            }
            // The counter and the viewer watch the cold rooms; nobody else needs them.
            Self::Cashier | Self::Viewer => matches!(permission, P::BusinessView | P::DevicesView),
            Self::Professional | Self::Marketing => matches!(permission, P::BusinessView),
        }
    }

    /// Whether someone with role `self` may give role `to` to a member whose role is now `from`
    /// (`from` is `None` for an invitation). Touching an owner, or making one, needs
    /// [`Permission::OwnersManage`]; anything else needs [`Permission::MembersManage`].
    pub const fn may_assign(self, from: Option<Self>, to: Self) -> bool {
        let touches_owner = matches!(to, Self::Owner) || matches!(from, Some(Self::Owner));
        if touches_owner { self.allows(Permission::OwnersManage) } else { self.allows(Permission::MembersManage) }
    }
}

/// Something a member may or may not do inside a business. Later modules add theirs here.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Permission {
    /// See the business' name, rubro and settings.
    BusinessView,
    /// Change the business' settings (name, CUIT, IVA condition, time zone).
    BusinessEdit,
    /// See the team: members, their roles and contact data.
    MembersView,
    /// Invite members, change their roles and data, remove them (never owners).
    MembersManage,
    /// Make, change or remove owners.
    OwnersManage,
    /// Read the audit log of security events.
    AuditView,
    /// See devices, their live values and charts; export readings.
    DevicesView,
    /// Switch relays.
    DevicesOperate,
    /// Add devices, rotate or revoke their secrets, rename them.
    DevicesManage,
}

impl Permission {
    /// Every permission, for tables and tests.
    pub const ALL: [Self; 9] = [
        Self::BusinessView,
        Self::BusinessEdit,
        Self::MembersView,
        Self::MembersManage,
        Self::OwnersManage,
        Self::AuditView,
        Self::DevicesView,
        Self::DevicesOperate,
        Self::DevicesManage,
    ];
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip_and_are_unique() {
        for role in Role::ALL {
            assert_eq!(Role::from_code(role.code()), Some(role));
        }
        assert_eq!(Role::from_code("operator"), None);
        assert_eq!(Role::from_code("Owner"), None);
    }

    #[test]
    fn owner_may_do_everything_and_viewer_only_look() {
        for p in Permission::ALL {
            assert!(Role::Owner.allows(p), "{p:?}");
        }
        let viewer: alloc::vec::Vec<_> = Permission::ALL.into_iter().filter(|p| Role::Viewer.allows(*p)).collect();
        assert_eq!(viewer, [Permission::BusinessView, Permission::DevicesView]);
    }

    #[test]
    fn only_owners_and_admins_manage_devices_and_managers_switch_relays() {
        let managing: alloc::vec::Vec<_> =
            Role::ALL.into_iter().filter(|r| r.allows(Permission::DevicesManage)).collect();
        assert_eq!(managing, [Role::Owner, Role::Admin]);
        assert!(Role::Manager.allows(Permission::DevicesOperate));
        assert!(!Role::Cashier.allows(Permission::DevicesOperate));
        assert!(Role::Cashier.allows(Permission::DevicesView));
        assert!(!Role::Marketing.allows(Permission::DevicesView));
    }

    #[test]
    fn cashier_cannot_see_the_members_page() {
        assert!(!Role::Cashier.allows(Permission::MembersView));
        assert!(Role::Manager.allows(Permission::MembersView));
        assert!(!Role::Manager.allows(Permission::MembersManage));
    }

    #[test]
    fn admin_manages_members_but_not_owners() {
        assert!(Role::Admin.may_assign(None, Role::Cashier));
        assert!(Role::Admin.may_assign(Some(Role::Cashier), Role::Manager));
        assert!(!Role::Admin.may_assign(None, Role::Owner));
        assert!(!Role::Admin.may_assign(Some(Role::Owner), Role::Viewer));
        assert!(Role::Owner.may_assign(Some(Role::Owner), Role::Admin));
        assert!(!Role::Manager.may_assign(None, Role::Viewer));
    }
}
