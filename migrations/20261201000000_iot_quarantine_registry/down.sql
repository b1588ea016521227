DROP TABLE device_quarantine;
DROP TRIGGER devices_key_changed ON devices;
DROP FUNCTION devices_key_changed();
DROP INDEX devices_changed;
ALTER TABLE devices DROP COLUMN frames_quarantined, DROP COLUMN changed_xid, DROP COLUMN key_version;
