-- Model-affinity routing per endpoint, changeable through the admin API like the rest of the row. NULL: as
-- comfyfleet.yaml says (a row seeded before this column existed keeps the file's routing until a PATCH sets one).
ALTER TABLE endpoint_settings ADD COLUMN routing TEXT;
ALTER TABLE endpoint_settings ADD COLUMN affinity_wait_ms INTEGER;
