-- Several gateways on one database: what their dashboards share beyond jobs and workers (written behind, only when
-- several gateways may share the database; a gateway alone keeps them in memory).
-- The latest preview frame (a data:image/... URI) of each running job, kept only while the job is IN_PROGRESS:
-- the gateway that sees the job end deletes its row, and any gateway's dashboard deletes rows of jobs no longer
-- running now and then. Its own table, not a column of jobs, so the jobs' rows and their sweeps stay small.
CREATE TABLE job_previews (
    job_id TEXT NOT NULL PRIMARY KEY,
    frame  TEXT NOT NULL
);

-- Each worker's cold start as the fleet of one gateway saw it end (the first report stays); kept while the worker
-- is on the worker board or its dot is on the dashboard's chart. Times are epoch millis.
CREATE TABLE cold_starts (
    endpoint      TEXT   NOT NULL,
    worker_id     TEXT   NOT NULL,
    ready_at      INTEGER NOT NULL,
    cold_start_ms INTEGER NOT NULL,
    PRIMARY KEY (endpoint, worker_id)
);
