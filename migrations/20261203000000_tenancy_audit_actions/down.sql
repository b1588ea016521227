ALTER TABLE account_events DROP CONSTRAINT account_events_action_check;
ALTER TABLE account_events ADD CONSTRAINT account_events_action_check CHECK (action ~ '^[a-z_]+$');
ALTER TABLE audit_events DROP CONSTRAINT audit_events_action_check;
ALTER TABLE audit_events ADD CONSTRAINT audit_events_action_check CHECK (action ~ '^[a-z_]+$');
