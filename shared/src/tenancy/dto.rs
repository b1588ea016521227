//! What the tenancy pages receive from the server. Times arrive already formatted in the
//! business' time zone (the server knows it; the browser and the ESP32 need no time zone data).

use alloc::string::String;
use alloc::vec::Vec;
use serde::{Deserialize, Serialize};

use super::business::{IvaCondition, Rubro};
use super::roles::{Permission, Role};
use crate::ids::{InvitationId, MailId, MemberId, SessionId, TenantId, UserId};

/// Who is looking: the signed-in account and the business it works in now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Viewer {
    /// The account.
    pub user_id: UserId,
    /// Its email address.
    pub email: String,
    /// How it is called.
    pub display_name: String,
    /// Whether the email address was confirmed.
    pub email_verified: bool,
    /// The platform operator (above all businesses).
    pub is_operator: bool,
    /// The business this session works in, if any.
    pub current: Option<CurrentBusiness>,
    /// Every business the account belongs to (for the switcher).
    pub businesses: Vec<BusinessChoice>,
}

impl Viewer {
    /// Whether the current business' role allows `permission` (false with no business).
    pub fn can(&self, permission: Permission) -> bool {
        self.current.as_ref().is_some_and(|c| c.role.allows(permission))
    }
}

/// The business a session works in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CurrentBusiness {
    /// Its id.
    pub tenant_id: TenantId,
    /// Its name.
    pub name: String,
    /// Its rubro.
    pub rubro: Rubro,
    /// The viewer's role in it.
    pub role: Role,
    /// Suspended by the operator: nothing works until lifted.
    pub suspended: bool,
}

/// One entry of the business switcher.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BusinessChoice {
    /// Its id.
    pub tenant_id: TenantId,
    /// Its name.
    pub name: String,
    /// The viewer's role in it.
    pub role: Role,
}

/// A business' settings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BusinessSettings {
    /// Name.
    pub name: String,
    /// URL slug (fixed at creation; pages and links use it).
    pub slug: String,
    /// Rubro.
    pub rubro: Rubro,
    /// CUIT as `20-12345678-6`, or empty.
    pub cuit: String,
    /// IVA condition.
    pub iva_condition: IvaCondition,
    /// IANA time zone.
    pub time_zone: String,
    /// ISO currency (ARS).
    pub currency: String,
    /// When it was created, in its time zone.
    pub created_at: String,
}

/// A member of the business (also the staff record: name, phone, bookable).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Member {
    /// Membership id.
    pub id: MemberId,
    /// The account's email.
    pub email: String,
    /// Name shown in this business (tickets, agenda).
    pub display_name: String,
    /// Phone, or empty.
    pub phone: String,
    /// Role.
    pub role: Role,
    /// Whether clients can book appointments with them.
    pub is_professional: bool,
    /// Whether this is the viewer.
    pub is_me: bool,
    /// When they joined, in the business' time zone.
    pub joined_at: String,
}

/// An invitation not yet accepted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Invitation {
    /// Its id.
    pub id: InvitationId,
    /// Who is invited.
    pub email: String,
    /// The role they get.
    pub role: Role,
    /// Who invited them.
    pub invited_by: String,
    /// Until when the link works.
    pub expires_at: String,
}

/// What someone who opens an invitation link sees before accepting.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InvitationPreview {
    /// The business.
    pub business_name: String,
    /// The invited address.
    pub email: String,
    /// The role offered.
    pub role: Role,
    /// Whether an account with that address exists (log in) or not (sign up).
    pub account_exists: bool,
}

/// One of the viewer's open sessions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionEntry {
    /// Its public id (never the cookie's token).
    pub id: SessionId,
    /// Browser, as it said.
    pub user_agent: String,
    /// Address it came from.
    pub ip: String,
    /// When it started.
    pub created_at: String,
    /// Last request.
    pub last_seen_at: String,
    /// The session of this browser.
    pub current: bool,
}

/// One line of the audit log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEntry {
    /// When, in the business' time zone.
    pub at: String,
    /// Who did it (email), or empty.
    pub actor: String,
    /// What happened, in Spanish.
    pub action: String,
    /// Details, in Spanish.
    pub detail: String,
    /// From which address.
    pub ip: String,
}

/// A business as the platform operator sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OperatorBusiness {
    /// Its id.
    pub id: TenantId,
    /// Name.
    pub name: String,
    /// Slug.
    pub slug: String,
    /// Rubro.
    pub rubro: Rubro,
    /// How many members it has.
    pub members: i64,
    /// Created (operator's zone).
    pub created_at: String,
    /// Last request by any member.
    pub last_activity_at: String,
    /// Suspended by the operator.
    pub suspended: bool,
}

/// A mail the server would have sent (the development mailbox, when no SMTP is set up).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DevMail {
    /// Its id.
    pub id: MailId,
    /// Recipient.
    pub to: String,
    /// Subject.
    pub subject: String,
    /// Plain-text body.
    pub body: String,
    /// When it was queued.
    pub created_at: String,
}
