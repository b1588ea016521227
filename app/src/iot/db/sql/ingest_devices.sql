UPDATE devices d
SET seq_upto = u.upto,
    seq_above = u.above,
    last_seen_at = greatest(d.last_seen_at, u.seen),
    frames_ok = d.frames_ok + u.ok,
    frames_duplicate = d.frames_duplicate + u.dup,
    rejected_mac = d.rejected_mac + u.mac,
    rejected_malformed = d.rejected_malformed + u.malformed,
    rejected_values = d.rejected_values + u.vals,
    frames_quarantined = d.frames_quarantined + u.quarantined,
    last_problem = coalesce(u.problem, d.last_problem),
    last_problem_at = CASE WHEN u.problem IS NULL THEN d.last_problem_at ELSE now() END
FROM unnest($1::int8[], $2::int8[], $3::int8[], $4::timestamptz[], $5::int8[], $6::int8[], $7::int8[],
            $8::int8[], $9::int8[], $10::text[], $11::int8[])
     AS u(id, upto, above, seen, ok, dup, mac, malformed, vals, problem, quarantined)
WHERE d.id = u.id
