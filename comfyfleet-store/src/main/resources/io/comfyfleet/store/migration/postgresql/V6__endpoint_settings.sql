-- Endpoint settings shared by every gateway: comfyfleet.yaml seeds a row once, the admin API changes it.
-- revision grows by one at every change; an update names the revision it read (no lost updates).
CREATE TABLE endpoint_settings (
    endpoint       TEXT    NOT NULL PRIMARY KEY,
    image          TEXT,
    previous_image TEXT,
    min_workers    BIGINT NOT NULL,
    max_workers    BIGINT NOT NULL,
    idle_timeout_ms BIGINT NOT NULL,
    scaler_type    TEXT    NOT NULL,
    scaler_value   DOUBLE PRECISION NOT NULL,
    max_surge      BIGINT NOT NULL,
    revision       BIGINT NOT NULL,
    updated_at     BIGINT NOT NULL
);

-- Each endpoint's last roll-out, as the (one) autoscaler last wrote it.
CREATE TABLE endpoint_rollouts (
    endpoint     TEXT    NOT NULL PRIMARY KEY,
    state        TEXT    NOT NULL,
    from_version TEXT,
    to_version   TEXT    NOT NULL,
    started_at   BIGINT NOT NULL,
    old_workers  BIGINT NOT NULL,
    new_workers  BIGINT NOT NULL,
    ready_new    BIGINT NOT NULL,
    failures     BIGINT NOT NULL,
    reason       TEXT,
    updated_at   BIGINT NOT NULL
);
