-- Release-plan items with an owner, a due date and a state (issue 17). A due date is either
-- absolute (due_date) or counted in days from the client's release date (due_offset), so a
-- moved release date moves the item. The state says who changed it and when; done_at and
-- done_by stay in step with it for the summaries that read them.
ALTER TABLE plan_items ADD COLUMN owner TEXT NOT NULL DEFAULT 'worker'
    CHECK (owner IN ('client', 'worker', 'prison', 'other'));
ALTER TABLE plan_items ADD COLUMN due_offset INTEGER;
ALTER TABLE plan_items ADD COLUMN due_date TEXT;
ALTER TABLE plan_items ADD COLUMN state TEXT NOT NULL DEFAULT 'open'
    CHECK (state IN ('open', 'done', 'not_needed'));
ALTER TABLE plan_items ADD COLUMN state_by_kind TEXT CHECK (state_by_kind IN ('client', 'worker', 'cli'));
ALTER TABLE plan_items ADD COLUMN state_by INTEGER REFERENCES workers(id) ON DELETE SET NULL;
ALTER TABLE plan_items ADD COLUMN state_at TEXT;
UPDATE plan_items SET state = 'done', state_by_kind = done_by, state_at = done_at
    WHERE done_at IS NOT NULL;
