-- Priorities in the outbox (issue 16): 0 urgent (a person asking for help, a relayed message,
-- the answer to a press), 1 timely (reminders due within hours, alerts climbing, nudges),
-- 2 routine (check-ins, reminders days ahead, digests). The dispatcher claims a higher class
-- first; the class is written by the row constructors (bot/scheduling/kinds/rows.py).
ALTER TABLE outbox ADD COLUMN priority INTEGER NOT NULL DEFAULT 2;

-- Rows planned before this version keep going out; give the open ones their class.
UPDATE outbox SET priority = 0
    WHERE state IN ('pending', 'sending') AND kind IN ('relay_to_worker', 'relay_to_client');
UPDATE outbox SET priority = 0
    WHERE state IN ('pending', 'sending') AND kind IN ('alert', 'alert_edit')
    AND alert_id IN (SELECT id FROM alerts WHERE urgent = 1 OR reason = 'message');
UPDATE outbox SET priority = 1
    WHERE state IN ('pending', 'sending') AND priority = 2 AND kind IN (
        'alert', 'alert_edit', 'nudge', 'client_notice', 'worker_notice', 'contact_due',
        'alert_step', 'alert_resurface', 'appt_confirm_check');
UPDATE outbox SET priority = 1
    WHERE state IN ('pending', 'sending') AND kind = 'appt_reminder'
    AND json_extract(payload, '$.day_before') IS NOT 1;

-- The claim reads only open rows, by class and due time: a partial index on pending rows
-- keeps sent and dropped rows (the history the audit and statistics read) out of its way,
-- and claiming a row removes one entry near the index's front instead of rewriting an entry
-- keyed by state.
DROP INDEX outbox_due;
CREATE INDEX outbox_open_due ON outbox(priority, due_at, id) WHERE state = 'pending';

-- A client's rows: keyed by (client_id, state), every claim rewrote an entry on a random leaf
-- page (the measured cause of claim cost growing with the table). Now the full index is keyed
-- by client alone (history lookups, ON DELETE CASCADE) and never changes with state, and a
-- partial one holds the open rows the planner reads; a claim (pending -> sending) changes
-- neither, and only recording a sent row removes its open entry.
DROP INDEX outbox_client;
CREATE INDEX outbox_client ON outbox(client_id);
CREATE INDEX outbox_client_open ON outbox(client_id) WHERE state = 'pending' OR state = 'sending';
