-- Whether an endpoint's image was ever changed, so that previous_image NULL can mean "the provider's default"
-- (an endpoint seeded without an image, then given one) and not only "nothing to roll back to".
-- A row that already has a previous image was changed; one without cannot tell, and keeps nothing to roll back to.
ALTER TABLE endpoint_settings ADD COLUMN image_changed INTEGER NOT NULL DEFAULT 0;
UPDATE endpoint_settings SET image_changed = 1 WHERE previous_image IS NOT NULL;
