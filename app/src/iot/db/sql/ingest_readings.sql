INSERT INTO readings (tenant_id, device_id, kind, channel, at, value)
SELECT * FROM unnest($1::int8[], $2::int8[], $3::int2[], $4::int2[], $5::timestamptz[], $6::int4[])
