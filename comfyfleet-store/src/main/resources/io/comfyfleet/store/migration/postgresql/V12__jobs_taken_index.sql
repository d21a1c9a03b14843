-- The autoscaler learns each endpoint's demand from the jobs taken since it last looked, on every gateway: a range
-- of this index each pass, not a scan of the table.
CREATE INDEX jobs_started ON jobs (started_at) WHERE started_at IS NOT NULL;
