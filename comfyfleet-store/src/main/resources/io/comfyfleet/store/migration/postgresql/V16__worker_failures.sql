-- Several gateways on one database: each endpoint's last worker that gave up (its unhealthy ping's check and
-- reason), written behind by the gateway the ping reached, so /health at every gateway can say why no worker is up.
-- One row per endpoint, replaced only by a later failure; failed_at is epoch millis.
CREATE TABLE worker_failures (
    endpoint   TEXT   NOT NULL PRIMARY KEY,
    worker_id  TEXT   NOT NULL,
    check_name TEXT,
    reason     TEXT   NOT NULL,
    failed_at  BIGINT NOT NULL
);
