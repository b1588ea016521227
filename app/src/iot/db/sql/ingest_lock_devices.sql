SELECT id, seq_upto, seq_above, key_version
FROM devices
WHERE id = ANY($1) AND revoked_at IS NULL
ORDER BY id
FOR UPDATE
