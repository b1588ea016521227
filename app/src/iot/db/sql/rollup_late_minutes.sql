WITH l AS (
    SELECT * FROM unnest($1::int8[], $2::int2[], $3::int2[], $4::timestamptz[]) AS l(device_id, kind, channel, bucket)
)
INSERT INTO reading_minutes (tenant_id, device_id, kind, channel, bucket, n, total, min_value, max_value)
SELECT r.tenant_id, l.device_id, l.kind, l.channel, l.bucket, count(*), sum(r.value), min(r.value), max(r.value)
FROM l
JOIN readings r ON r.device_id = l.device_id AND r.kind = l.kind AND r.channel = l.channel
    AND r.at >= l.bucket AND r.at < l.bucket + interval '1 minute'
GROUP BY 1, 2, 3, 4, 5
