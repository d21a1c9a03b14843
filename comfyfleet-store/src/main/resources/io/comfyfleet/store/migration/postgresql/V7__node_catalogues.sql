-- Node catalogues (ComfyUI's /object_info) reported by workers, for admission of workflows before they are
-- queued. One body per SHA-256 digest (many versions may share one); one row per (endpoint, worker version)
-- pointing at the catalogue its workers reported last.
CREATE TABLE node_catalogues (
    digest     TEXT   NOT NULL PRIMARY KEY,
    body       BYTEA  NOT NULL,
    created_at BIGINT NOT NULL
);

CREATE TABLE endpoint_catalogues (
    endpoint    TEXT   NOT NULL,
    version     TEXT   NOT NULL,
    digest      TEXT   NOT NULL REFERENCES node_catalogues (digest),
    reported_at BIGINT NOT NULL,
    PRIMARY KEY (endpoint, version)
);

CREATE INDEX endpoint_catalogues_latest ON endpoint_catalogues (endpoint, reported_at);
