INSERT INTO reading_hours (tenant_id, device_id, kind, channel, bucket, n, total, min_value, max_value)
SELECT tenant_id, device_id, kind, channel, date_trunc('hour', bucket), sum(n), sum(total), min(min_value), max(max_value)
FROM reading_minutes
WHERE bucket >= $1 AND bucket < $2
GROUP BY 1, 2, 3, 4, 5
