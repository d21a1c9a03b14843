-- Endpoint settings shared by every gateway: comfyfleet.yaml seeds a row once, the admin API changes it.
-- revision grows by one at every change; an update names the revision it read (no lost updates).
CREATE TABLE endpoint_settings (
    endpoint       TEXT    NOT NULL PRIMARY KEY,
    image          TEXT,
    previous_image TEXT,
    min_workers    INTEGER NOT NULL,
    max_workers    INTEGER NOT NULL,
    idle_timeout_ms INTEGER NOT NULL,
    scaler_type    TEXT    NOT NULL,
    scaler_value   REAL NOT NULL,
    max_surge      INTEGER NOT NULL,
    revision       INTEGER NOT NULL,
    updated_at     INTEGER NOT NULL
);

-- Each endpoint's last roll-out, as the (one) autoscaler last wrote it.
CREATE TABLE endpoint_rollouts (
    endpoint     TEXT    NOT NULL PRIMARY KEY,
    state        TEXT    NOT NULL,
    from_version TEXT,
    to_version   TEXT    NOT NULL,
    started_at   INTEGER NOT NULL,
    old_workers  INTEGER NOT NULL,
    new_workers  INTEGER NOT NULL,
    ready_new    INTEGER NOT NULL,
    failures     INTEGER NOT NULL,
    reason       TEXT,
    updated_at   INTEGER NOT NULL
);
