-- Webhook calls not yet delivered: a restarted gateway sends them again. A row is added before the first
-- attempt and deleted once the call is delivered or given up. The body is unsigned (signed when sent).
CREATE TABLE webhook_outbox (
    id         INTEGER NOT NULL PRIMARY KEY,
    job_id     TEXT    NOT NULL,
    endpoint   TEXT    NOT NULL,
    url        TEXT    NOT NULL,
    body       BLOB    NOT NULL,
    created_at INTEGER NOT NULL
);
