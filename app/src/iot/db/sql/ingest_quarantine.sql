INSERT INTO device_quarantine (tenant_id, device_id, seq, payload, reason)
SELECT * FROM unnest($1::int8[], $2::int8[], $3::int8[], $4::bytea[], $5::text[])
