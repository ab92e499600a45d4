-- examready collect: one schema for SQLite and PostgreSQL (portable SQL: TEXT and BIGINT, text
-- ids made by the server, times in Unix seconds). Applied by `examready collect` at start.

-- Submit tokens: one per cohort ("CS101 final"); only the SHA-256 of the token is kept.
CREATE TABLE submit_tokens (
    id TEXT PRIMARY KEY,
    label TEXT NOT NULL,
    hash TEXT NOT NULL UNIQUE,
    created_at BIGINT NOT NULL,
    expires_at BIGINT,
    revoked_at BIGINT
);

-- Admin tokens for the dashboard (hash only), and the dashboard's login sessions (hash only).
CREATE TABLE admin_tokens (
    id TEXT PRIMARY KEY,
    hash TEXT NOT NULL UNIQUE,
    created_at BIGINT NOT NULL
);
CREATE TABLE admin_sessions (
    hash TEXT PRIMARY KEY,
    expires_at BIGINT NOT NULL
);

-- Every stored report: the submitted JSON as text and the columns the dashboard reads.
-- (token_id, report_id) is unique: a retry of the same report stores nothing new.
CREATE TABLE reports (
    id TEXT PRIMARY KEY,
    token_id TEXT NOT NULL,
    report_id TEXT NOT NULL,
    candidate TEXT NOT NULL,
    received_at BIGINT NOT NULL,
    checked_at BIGINT NOT NULL,
    profile TEXT NOT NULL,
    verdict TEXT NOT NULL,
    exam_at BIGINT,
    body TEXT NOT NULL,
    CONSTRAINT reports_token_report UNIQUE (token_id, report_id)
);
CREATE INDEX reports_by_candidate ON reports (candidate, token_id, checked_at);
CREATE INDEX reports_by_received ON reports (received_at);

-- The checks that blocked readiness in a report, with their failing finding codes ('' when a
-- check failed without one).
CREATE TABLE report_failures (
    report TEXT NOT NULL,
    check_id TEXT NOT NULL,
    code TEXT NOT NULL
);
CREATE INDEX report_failures_by_report ON report_failures (report);
CREATE INDEX report_failures_by_code ON report_failures (code, report);

-- Each candidate's latest report per token (what the dashboard lists), kept by the server.
CREATE TABLE candidates (
    token_id TEXT NOT NULL,
    candidate TEXT NOT NULL,
    report TEXT NOT NULL,
    checked_at BIGINT NOT NULL,
    verdict TEXT NOT NULL,
    profile TEXT NOT NULL,
    exam_at BIGINT,
    failing TEXT NOT NULL,
    codes TEXT NOT NULL,
    PRIMARY KEY (token_id, candidate)
);
CREATE INDEX candidates_by_checked ON candidates (checked_at);
CREATE INDEX candidates_by_verdict ON candidates (verdict, checked_at);
CREATE INDEX candidates_by_report ON candidates (report);
