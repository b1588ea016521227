WITH h AS (
    SELECT DISTINCT device_id, kind, channel, date_trunc('hour', bucket) AS hour
    FROM unnest($1::int8[], $2::int2[], $3::int2[], $4::timestamptz[]) AS l(device_id, kind, channel, bucket)
    WHERE date_trunc('hour', bucket) < $5
)
INSERT INTO reading_hours (tenant_id, device_id, kind, channel, bucket, n, total, min_value, max_value)
SELECT m.tenant_id, h.device_id, h.kind, h.channel, h.hour, sum(m.n), sum(m.total), min(m.min_value), max(m.max_value)
FROM h
JOIN reading_minutes m ON m.device_id = h.device_id AND m.kind = h.kind AND m.channel = h.channel
    AND m.bucket >= h.hour AND m.bucket < h.hour + interval '1 hour'
GROUP BY 1, 2, 3, 4, 5
