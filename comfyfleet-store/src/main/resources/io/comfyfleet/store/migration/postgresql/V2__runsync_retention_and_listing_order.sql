-- runsync results are kept for a shorter time than /run results: find finished sync- jobs by time alone
CREATE INDEX jobs_finished_sync ON jobs (finished_at) WHERE id LIKE 'sync-%' AND finished_at IS NOT NULL;

-- Listings and claims order by (created_at, id): with id in the index nothing is left to sort. The
-- (endpoint, state, created_at, id) index serves claims, counts and listings by state, so the claim's own
-- partial index only cost every insert and claim an update.
DROP INDEX jobs_claim;
DROP INDEX jobs_endpoint_recent;
CREATE INDEX jobs_endpoint_recent ON jobs (endpoint, created_at, id);
DROP INDEX jobs_endpoint_state;
CREATE INDEX jobs_endpoint_state ON jobs (endpoint, state, created_at, id);
