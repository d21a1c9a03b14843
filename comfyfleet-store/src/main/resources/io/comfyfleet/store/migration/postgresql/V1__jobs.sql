-- Times are epoch milliseconds (BIGINT): the same SQL and the same ordering on SQLite and PostgreSQL.
-- COLLATE "C": ids and endpoint names compare bytewise, the same order as SQLite and faster than a locale.
CREATE TABLE jobs (
    id                   TEXT     COLLATE "C" NOT NULL PRIMARY KEY,
    endpoint             TEXT     COLLATE "C" NOT NULL,
    state                TEXT     NOT NULL,
    input_json           TEXT     NOT NULL,
    webhook              TEXT,
    s3_config_json       TEXT,
    execution_timeout_ms BIGINT   NOT NULL,
    ttl_ms               BIGINT   NOT NULL,
    low_priority         SMALLINT NOT NULL,
    max_retries          INTEGER  NOT NULL,
    output_json          TEXT,
    error                TEXT,
    worker_id            TEXT,
    retries              INTEGER  NOT NULL DEFAULT 0,
    -- the seq of the last stream chunk: kept here so appending one is a single-row update
    stream_seq           BIGINT   NOT NULL DEFAULT 0,
    created_at           BIGINT   NOT NULL,
    started_at           BIGINT,
    finished_at          BIGINT,
    lease_until          BIGINT,
    -- started_at + execution_timeout_ms while IN_PROGRESS, so the timeout sweep is an index range
    run_deadline         BIGINT,
    expires_at           BIGINT   NOT NULL
);

-- claim: the oldest queued jobs of one endpoint
CREATE INDEX jobs_claim ON jobs (endpoint, created_at, id) WHERE state = 'IN_QUEUE';
-- counts and recent listings per endpoint and state
CREATE INDEX jobs_endpoint_state ON jobs (endpoint, state, created_at);
CREATE INDEX jobs_endpoint_recent ON jobs (endpoint, created_at);
-- the lease and execution-timeout sweeps look only at running jobs
CREATE INDEX jobs_lease ON jobs (lease_until) WHERE state = 'IN_PROGRESS';
CREATE INDEX jobs_deadline ON jobs (run_deadline) WHERE state = 'IN_PROGRESS';
-- TTL and result retention
CREATE INDEX jobs_expiry ON jobs (expires_at);
CREATE INDEX jobs_finished ON jobs (finished_at) WHERE finished_at IS NOT NULL;

CREATE TABLE stream_chunks (
    job_id      TEXT   NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
    seq         BIGINT NOT NULL,
    output_json TEXT   NOT NULL,
    PRIMARY KEY (job_id, seq)
);

-- /health totals: counted when jobs end, so they survive the deletion of the jobs themselves
CREATE TABLE job_totals (
    endpoint  TEXT   NOT NULL PRIMARY KEY,
    completed BIGINT NOT NULL DEFAULT 0,
    failed    BIGINT NOT NULL DEFAULT 0,
    retried   BIGINT NOT NULL DEFAULT 0
);
