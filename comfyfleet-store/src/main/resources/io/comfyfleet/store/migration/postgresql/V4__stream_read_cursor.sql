-- Where /stream readers are in each job's stream (the seq of the last chunk handed out): stored, so a gateway
-- restart does not send chunks again, and shared by every gateway on the database. Goes with the job.
ALTER TABLE jobs ADD COLUMN stream_read BIGINT NOT NULL DEFAULT 0;
