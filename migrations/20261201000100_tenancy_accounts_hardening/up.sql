-- Accounts hardening.
-- An account event (a login, a sign-out) belongs to the business the session was working in,
-- if any: a business' audit log shows its members' events in it, never what the same accounts
-- did in other businesses (or their addresses there). Events of the account alone (a failed
-- login, a password change) have none and are shown only to the account itself.
ALTER TABLE account_events ADD COLUMN tenant_id BIGINT REFERENCES tenants (id) ON DELETE SET NULL;
CREATE INDEX account_events_tenant_at_idx ON account_events (tenant_id, at DESC) WHERE tenant_id IS NOT NULL;

-- Every action that is rate-limited (db/login_attempts.rs: Kind).
ALTER TABLE login_attempts DROP CONSTRAINT login_attempts_kind_check;
ALTER TABLE login_attempts ADD CONSTRAINT login_attempts_kind_check
    CHECK (kind IN ('login', 'reset', 'sign_up', 'password_change', 'verification', 'invitation'));
