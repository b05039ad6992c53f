-- One open alert per client and matter, with what a worker needs to act on it.

-- What the alert is about ("checkin", "contact", "appointment:12", "message", ...): a new cause of
-- the same matter updates the open alert instead of opening another.
ALTER TABLE alerts ADD COLUMN matter TEXT;
-- How many causes it gathered, and when the latest came.
ALTER TABLE alerts ADD COLUMN count INTEGER NOT NULL DEFAULT 1;
ALTER TABLE alerts ADD COLUMN last_at TEXT;
-- The client's own latest words, kept only until the alert is resolved (then wiped).
ALTER TABLE alerts ADD COLUMN words TEXT;
-- A worker answered the client while the alert was open (shown on every copy).
ALTER TABLE alerts ADD COLUMN replied_by INTEGER REFERENCES workers(id);
ALTER TABLE alerts ADD COLUMN replied_at TEXT;
-- When the current step's recipients could first act on it (their working time): the next
-- step's delay counts from here.
ALTER TABLE alerts ADD COLUMN step_at TEXT;
CREATE INDEX alerts_matter ON alerts(client_id, matter, state);

-- A worker whose chat Telegram refused (never opened the bot, blocked it, deactivated): alerts
-- skip them until they write to the bot again.
ALTER TABLE workers ADD COLUMN unreachable INTEGER NOT NULL DEFAULT 0;

-- Alerts already open when upgrading get their matter, so the next cause folds into them.
UPDATE alerts SET
    matter = CASE
        WHEN reason = 'no_answer' THEN 'checkin'
        WHEN reason IN ('not_good', 'contact_me') THEN 'contact'
        WHEN reason = 'blocked' THEN 'reach'
        WHEN reason = 'plan_item' THEN 'plan'
        WHEN reason IN ('unconfirmed', 'reschedule', 'appointment_help')
            THEN 'appointment:' || ref_id
        WHEN reason = 'deadline_help' THEN 'deadline:' || ref_id
        ELSE reason
    END,
    last_at = raised_at,
    step_at = raised_at;
