DELETE FROM reading_rollup_dirty
WHERE ctid IN (SELECT ctid FROM reading_rollup_dirty WHERE bucket < $1 LIMIT 5000)
RETURNING device_id, kind, channel, bucket
