-- Several gateways on one database: which gateway sends each pending webhook call, and until when. A gateway claims
-- a call before each attempt; a call whose claim ran out (its gateway stopped or died) is taken over by another.
-- A call stored with a job's end is claimed by nobody for its hand-over time: the gateway that ended the job sends it.
ALTER TABLE webhook_outbox ADD COLUMN sender TEXT;
ALTER TABLE webhook_outbox ADD COLUMN sender_until BIGINT;
