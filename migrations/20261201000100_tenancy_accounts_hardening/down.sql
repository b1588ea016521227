DELETE FROM login_attempts WHERE kind NOT IN ('login', 'reset');
ALTER TABLE login_attempts DROP CONSTRAINT login_attempts_kind_check;
ALTER TABLE login_attempts ADD CONSTRAINT login_attempts_kind_check CHECK (kind IN ('login', 'reset'));
DROP INDEX account_events_tenant_at_idx;
ALTER TABLE account_events DROP COLUMN tenant_id;
