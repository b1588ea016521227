-- App servers announce themselves here every few seconds, so any server (and the status page)
-- knows how many are alive without talking to the others. Not tenant-owned: it belongs to the
-- platform operator.
CREATE TABLE server_instances (
    id           TEXT PRIMARY KEY CHECK (length(id) BETWEEN 1 AND 200),
    hostname     TEXT NOT NULL CHECK (length(hostname) <= 255),
    version      TEXT NOT NULL CHECK (length(version) <= 64),
    broker_mode  TEXT NOT NULL CHECK (broker_mode IN ('embedded', 'external')),
    started_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
    last_seen_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    CHECK (last_seen_at >= started_at)
);

CREATE INDEX server_instances_last_seen_idx ON server_instances (last_seen_at);
