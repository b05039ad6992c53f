-- Ending a partner's access (issue 20): when it ended, so the list tells an ended partner from
-- one whose invite is still open. `active` stays the switch every check reads.
ALTER TABLE partners ADD COLUMN ended_at TEXT;
