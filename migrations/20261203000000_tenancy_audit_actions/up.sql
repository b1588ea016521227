-- The audit logs hold only the actions the code knows (shared::tenancy::audit::AuditAction, whose
-- ALL lists the same codes in the same order): a row always reads back as its enum.
ALTER TABLE audit_events DROP CONSTRAINT audit_events_action_check;
ALTER TABLE audit_events ADD CONSTRAINT audit_events_action_check CHECK (action IN (
    'login',
    'login_failed',
    'logout',
    'password_changed',
    'password_reset',
    'sessions_revoked',
    'email_verified',
    'business_created',
    'business_updated',
    'member_invited',
    'invitation_revoked',
    'invitation_accepted',
    'member_updated',
    'role_changed',
    'member_removed',
    'business_suspended',
    'business_reinstated'
));
ALTER TABLE account_events DROP CONSTRAINT account_events_action_check;
ALTER TABLE account_events ADD CONSTRAINT account_events_action_check CHECK (action IN (
    'login',
    'login_failed',
    'logout',
    'password_changed',
    'password_reset',
    'sessions_revoked',
    'email_verified',
    'business_created',
    'business_updated',
    'member_invited',
    'invitation_revoked',
    'invitation_accepted',
    'member_updated',
    'role_changed',
    'member_removed',
    'business_suspended',
    'business_reinstated'
));
