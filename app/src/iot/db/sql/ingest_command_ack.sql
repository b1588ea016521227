UPDATE device_commands
SET status = CASE WHEN $3 THEN 'applied' ELSE 'refused' END, relay_on = $4, done_at = now()
WHERE device_id = $1 AND seq = $2 AND status IN ('pending', 'expired')
