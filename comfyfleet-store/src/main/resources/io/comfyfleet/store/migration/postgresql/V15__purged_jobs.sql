-- The ids of the jobs purge-queue deleted, kept 10 minutes, so that a call about one, at any gateway on the
-- database, says it was purged rather than that it is unknown. Written only by a purge, read only for a job not
-- found; each purge first deletes the rows whose time is up (the table holds at most the last 10 minutes' purges
-- before the latest one). Times are epoch millis.
CREATE TABLE purged_jobs (
    job_id     TEXT COLLATE "C" NOT NULL PRIMARY KEY,
    endpoint   TEXT COLLATE "C" NOT NULL,
    kept_until BIGINT NOT NULL
);
