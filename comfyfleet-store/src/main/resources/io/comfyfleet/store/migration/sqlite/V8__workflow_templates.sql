-- Workflow templates: a workflow registered under a name with the parameters it exposes, per endpoint.
-- definition is the JSON the gateway checked (workflow, params, description); revision grows by one at every change.
CREATE TABLE endpoint_templates (
    endpoint   TEXT    NOT NULL,
    name       TEXT    NOT NULL,
    definition TEXT    NOT NULL,
    revision   INTEGER  NOT NULL,
    updated_at INTEGER  NOT NULL,
    PRIMARY KEY (endpoint, name)
);
