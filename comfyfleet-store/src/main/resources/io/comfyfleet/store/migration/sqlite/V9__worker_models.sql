-- Model-affinity routing: the model files each worker reported holding on its last job-take (the loader inputs
-- of the prompts ComfyUI still has cached), newline-separated (a file name has no newline); '' when none.
-- Shared like the rest of the row, so the gateway deciding a claim sees the workers of every gateway.
ALTER TABLE workers ADD COLUMN models TEXT NOT NULL DEFAULT '';
