INSERT INTO reading_minutes (tenant_id, device_id, kind, channel, bucket, n, total, min_value, max_value)
SELECT tenant_id, device_id, kind, channel, date_trunc('minute', at), count(*), sum(value), min(value), max(value)
FROM readings
WHERE at >= $1 AND at < $2
GROUP BY 1, 2, 3, 4, 5
