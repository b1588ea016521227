-- A sign-up waits here until its address is proven: the form never says whether the address
-- already has an account (that address gets a mail instead), and nothing is created for an
-- address its holder has not confirmed, so nobody can take someone else's address first.
-- Following the mailed link creates the account (already verified), its business and a session.
-- Not tenant-owned (there is no business yet), like users and email_tokens.
CREATE TABLE sign_up_requests (
    token_hash     TEXT PRIMARY KEY CHECK (token_hash ~ '^[0-9a-f]{64}$'),
    email          TEXT NOT NULL CHECK (email = lower(email) AND email LIKE '_%@_%._%' AND length(email) <= 254),
    password_hash  TEXT NOT NULL CHECK (password_hash LIKE '$argon2id$%'),
    display_name   TEXT NOT NULL CHECK (length(btrim(display_name)) BETWEEN 1 AND 80),
    business_name  TEXT NOT NULL CHECK (length(btrim(business_name)) BETWEEN 2 AND 120),
    rubro          TEXT NOT NULL CHECK (length(rubro) <= 40),
    cuit           TEXT NOT NULL DEFAULT '' CHECK (cuit ~ '^([0-9]{11})?$'),
    iva_condition  TEXT NOT NULL CHECK (length(iva_condition) <= 40),
    created_at     TIMESTAMPTZ NOT NULL DEFAULT now(),
    expires_at     TIMESTAMPTZ NOT NULL,
    used_at        TIMESTAMPTZ,
    CHECK (expires_at > created_at)
);
CREATE INDEX sign_up_requests_email_idx ON sign_up_requests (email) WHERE used_at IS NULL;
CREATE INDEX sign_up_requests_expires_idx ON sign_up_requests (expires_at);

GRANT SELECT, INSERT, UPDATE, DELETE ON sign_up_requests TO mostrador_app;
