#!/usr/bin/env python3
"""The call benchmark's client (scripts/bench-call.sh runs it): signs in as a demo owner, then
calls each server function CALLS times in a row over one keep-alive connection and prints, per
function, the latency (p50, p99, mean), the calls per second, and what PostgreSQL ran for them
(statements and transactions per call, from pg_stat_statements, reset before each function).

Usage: bench-call.py HTTP_PORT PG_PORT DB CALLS
"""
import http.client
import statistics
import subprocess
import sys
import time
import urllib.parse

port, pg_port, db, calls = int(sys.argv[1]), sys.argv[2], sys.argv[3], int(sys.argv[4])
origin = f"http://127.0.0.1:{port}"
conn = http.client.HTTPConnection("127.0.0.1", port)


def post(path, form, cookie=None):
    headers = {"origin": origin, "content-type": "application/x-www-form-urlencoded"}
    if cookie:
        headers["cookie"] = cookie
    conn.request("POST", path, urllib.parse.urlencode(form), headers)
    res = conn.getresponse()
    body = res.read()
    return res, body


def psql(sql):
    out = subprocess.run(
        ["psql", "-h", "127.0.0.1", "-p", pg_port, "-U", "postgres", "-qAtX", "-d", db, "-c", sql],
        check=True, capture_output=True, text=True)
    return out.stdout.strip()


res, body = post("/api/tenancy/log_in", {"email": "pepe@donpepe.com.ar", "password": "mostrador-demo", "next": "/"})
cookie = next(v.split(";")[0] for k, v in res.getheaders() if k.lower() == "set-cookie")
assert cookie.startswith("mostrador_sesion=") and len(cookie) > 20, (res.status, body)

CALLS = [
    ("list_devices (read)", "/api/iot/list_devices", {}),
    ("list_members (read)", "/api/tenancy/list_members", {}),
    ("update_business (write + audit)", "/api/tenancy/update_business",
     {"name": "Carnicería Don Pepe", "cuit": "", "iva_condition": "monotributo",
      "time_zone": "America/Argentina/Buenos_Aires"}),
]
print(f"{calls} calls each, one after another, one keep-alive connection, signed in as an owner")
print(f"{'call':34} {'p50 ms':>7} {'p99 ms':>7} {'mean ms':>8} {'calls/s':>8} {'stmts':>6} {'tx':>5}")
for name, path, form in CALLS:
    for _ in range(50):  # warm-up: prepared statements, pool connections
        post(path, form, cookie)
    psql("SELECT pg_stat_statements_reset()")
    times = []
    started = time.perf_counter()
    for _ in range(calls):
        t0 = time.perf_counter()
        res, body = post(path, form, cookie)
        times.append((time.perf_counter() - t0) * 1000)
        assert res.status == 200, (path, res.status, body[:200])
    elapsed = time.perf_counter() - started
    # Statements the application role ran (the jobs run as the same role: a few rows of noise
    # over a run of seconds); BEGIN counts the transactions.
    stmts, tx = psql(
        "SELECT coalesce(sum(calls), 0), coalesce(sum(calls) FILTER (WHERE query ILIKE 'begin%'), 0) "
        "FROM pg_stat_statements s JOIN pg_roles r ON r.oid = s.userid "
        "WHERE r.rolname = 'mostrador_app' AND query NOT ILIKE '%pg_stat_statements%'").split("|")
    times.sort()
    p50, p99 = times[len(times) // 2], times[int(len(times) * 0.99)]
    print(f"{name:34} {p50:7.2f} {p99:7.2f} {statistics.mean(times):8.2f} {calls / elapsed:8.0f} "
          f"{int(stmts) / calls:6.1f} {int(tx) / calls:5.2f}")
