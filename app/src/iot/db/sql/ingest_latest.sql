INSERT INTO device_latest (tenant_id, device_id, kind, channel, value, at)
SELECT * FROM unnest($1::int8[], $2::int8[], $3::int2[], $4::int2[], $5::int4[], $6::timestamptz[])
ON CONFLICT (device_id, kind, channel) DO UPDATE SET value = excluded.value, at = excluded.at
WHERE device_latest.at <= excluded.at
