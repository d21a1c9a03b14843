-- Several gateways on one database: one of them runs the control loop (autoscaler, queue sweeper) while it
-- holds the lease named 'control-loop'. token grows by one at every take-over (fencing: a holder acts only
-- while its token is still the row's); expires_at is epoch millis of the holder's clock.
CREATE TABLE leases (
    name        TEXT   NOT NULL PRIMARY KEY,
    holder      TEXT   NOT NULL,
    token       BIGINT NOT NULL,
    acquired_at BIGINT NOT NULL,
    expires_at  BIGINT NOT NULL
);

-- What the gateways heard from each worker, written behind (about once a second) by the gateway the worker
-- last talked to, so /health, the dashboard and the autoscaler of every gateway see every worker.
-- jobs: the ids of the jobs it runs, comma-separated; times are epoch millis.
CREATE TABLE workers (
    endpoint       TEXT    NOT NULL,
    worker_id      TEXT    NOT NULL,
    gateway        TEXT    NOT NULL,
    first_seen     BIGINT  NOT NULL,
    last_seen      BIGINT  NOT NULL,
    idle_since     BIGINT,
    jobs           TEXT    NOT NULL,
    busy           INTEGER NOT NULL,
    unhealthy      INTEGER NOT NULL,
    stop_requested INTEGER NOT NULL,
    version        TEXT,
    last_job       TEXT,
    PRIMARY KEY (endpoint, worker_id)
);
CREATE INDEX workers_last_seen ON workers (last_seen);

-- Jobs a worker must stop, for the gateway where it waits in job-stop (it may not be the one that ordered).
CREATE TABLE stop_orders (
    worker_id  TEXT   NOT NULL,
    job_id     TEXT   NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (worker_id, job_id)
);
