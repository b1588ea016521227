-- IoT hardening.
-- 1. Frames kept aside: a frame whose MAC is good but whose content cannot be stored (a time
--    outside the kept window, a NUL in a text, a value no sensor gives, or one PostgreSQL itself
--    refused) is kept here with its reason and acknowledged, so the node moves on and the owner
--    sees what its device sent.
-- 2. A change marker the device registry follows without ever missing a change: the id of the
--    transaction that last changed a device's key (`changed_xid`). A refresh reads every row
--    changed at or after the oldest transaction still running at its previous refresh, so a
--    revocation that committed late (it waited on a row lock) is still seen.
-- 3. A key version the ingest compares with the key it checked a frame's MAC with: after a
--    rotation, frames checked against the old key (a cache a second behind) are not stored.

ALTER TABLE devices
    ADD COLUMN key_version BIGINT NOT NULL DEFAULT 1,
    ADD COLUMN changed_xid BIGINT NOT NULL DEFAULT (pg_current_xact_id()::text::bigint),
    ADD COLUMN frames_quarantined BIGINT NOT NULL DEFAULT 0;
CREATE INDEX devices_changed ON devices (changed_xid);

CREATE FUNCTION devices_key_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.changed_xid := pg_current_xact_id()::text::bigint;
    IF NEW.secret IS DISTINCT FROM OLD.secret THEN
        NEW.key_version := OLD.key_version + 1;
    END IF;
    RETURN NEW;
END
$$;
CREATE TRIGGER devices_key_changed BEFORE UPDATE ON devices FOR EACH ROW
    WHEN (OLD.secret IS DISTINCT FROM NEW.secret OR OLD.revoked_at IS DISTINCT FROM NEW.revoked_at)
    EXECUTE FUNCTION devices_key_changed();

CREATE TABLE device_quarantine (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant_id   BIGINT NOT NULL,
    device_id   BIGINT NOT NULL,
    seq         BIGINT NOT NULL,
    -- The frame as it arrived (JSON and MAC); frames are at most 1 KiB.
    payload     BYTEA NOT NULL CHECK (octet_length(payload) <= 1024),
    reason      TEXT NOT NULL CHECK (length(reason) BETWEEN 1 AND 500),
    at          TIMESTAMPTZ NOT NULL DEFAULT now(),
    FOREIGN KEY (tenant_id, device_id) REFERENCES devices (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX device_quarantine_device ON device_quarantine (device_id, id DESC);
CREATE INDEX device_quarantine_at ON device_quarantine (at);
ALTER TABLE device_quarantine ENABLE ROW LEVEL SECURITY;
ALTER TABLE device_quarantine FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_rows ON device_quarantine USING (tenant_id = app_tenant_id()) WITH CHECK (tenant_id = app_tenant_id());
CREATE POLICY system_rows ON device_quarantine USING (app_is_system()) WITH CHECK (app_is_system());
GRANT SELECT, INSERT, UPDATE, DELETE ON device_quarantine TO mostrador_app;
