INSERT INTO reading_rollup_dirty (device_id, kind, channel, bucket)
SELECT * FROM unnest($1::int8[], $2::int2[], $3::int2[], $4::timestamptz[])
ON CONFLICT DO NOTHING
