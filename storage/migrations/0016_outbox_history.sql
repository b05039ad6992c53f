-- Finished rows leave the outbox (issue 16): a row that was sent, dropped or failed moves to
-- outbox_history in the same statement that records its outcome (the trigger below), so the
-- outbox holds only open rows (pending or sending), a few per client, and claiming costs the
-- same at a million rows as at a thousand. The audit, statistics and retention read the
-- history; a sent or failed row's key there still keeps the planner from writing it again.

CREATE TABLE outbox_history (
    id              INTEGER PRIMARY KEY,      -- the id it had in the outbox
    key             TEXT NOT NULL,            -- not unique: a dropped key may be planned again
    kind            TEXT NOT NULL,
    client_id       INTEGER REFERENCES clients(id) ON DELETE CASCADE,
    worker_id       INTEGER REFERENCES workers(id) ON DELETE CASCADE,
    alert_id        INTEGER REFERENCES alerts(id) ON DELETE CASCADE,
    ref_id          INTEGER,
    due_at          TEXT NOT NULL,
    state           TEXT NOT NULL CHECK (state IN ('sent', 'dropped', 'failed')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    claimed_at      TEXT,
    payload         TEXT,
    chat_id         INTEGER,
    message_id      INTEGER,
    sent_at         TEXT,
    reason          TEXT,
    created_at      TEXT NOT NULL,
    priority        INTEGER NOT NULL DEFAULT 2
);
CREATE INDEX outbox_history_key ON outbox_history(key);
CREATE INDEX outbox_history_client ON outbox_history(client_id);
CREATE INDEX outbox_history_alert ON outbox_history(alert_id);
CREATE INDEX outbox_history_sent ON outbox_history(kind, sent_at) WHERE state = 'sent';

INSERT INTO outbox_history
    SELECT id, key, kind, client_id, worker_id, alert_id, ref_id, due_at, state, attempts,
           claimed_at, payload, chat_id, message_id, sent_at, reason, created_at, priority
    FROM outbox WHERE state IN ('sent', 'dropped', 'failed');

-- The outbox again, with AUTOINCREMENT: a retired row's id must never be given to a new row
-- (the history keeps it). Contacts name the row that asked them: kept for the open rows.
CREATE TEMP TABLE open_contacts AS
    SELECT id, outbox_id FROM contacts
    WHERE outbox_id IN (SELECT id FROM outbox WHERE state IN ('pending', 'sending'));

CREATE TABLE outbox_open (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    key             TEXT NOT NULL UNIQUE,     -- idempotency key, e.g. checkin:12:2026-12-03
    kind            TEXT NOT NULL,
    client_id       INTEGER REFERENCES clients(id) ON DELETE CASCADE,
    worker_id       INTEGER REFERENCES workers(id) ON DELETE CASCADE,
    alert_id        INTEGER REFERENCES alerts(id) ON DELETE CASCADE,
    ref_id          INTEGER,                  -- appointment, deadline, contact or plan item id
    due_at          TEXT NOT NULL,
    state           TEXT NOT NULL DEFAULT 'pending'
                    CHECK (state IN ('pending', 'sending', 'sent', 'dropped', 'failed')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    claimed_at      TEXT,
    payload         TEXT,                     -- JSON; relayed text is wiped after delivery
    chat_id         INTEGER,
    message_id      INTEGER,
    sent_at         TEXT,
    reason          TEXT,                     -- why it waits
    created_at      TEXT NOT NULL,
    priority        INTEGER NOT NULL DEFAULT 2
);
INSERT INTO outbox_open
    SELECT id, key, kind, client_id, worker_id, alert_id, ref_id, due_at, state, attempts,
           claimed_at, payload, chat_id, message_id, sent_at, reason, created_at, priority
    FROM outbox WHERE state IN ('pending', 'sending');
DELETE FROM sqlite_sequence WHERE name IN ('outbox', 'outbox_open');
INSERT INTO sqlite_sequence(name, seq)
    SELECT 'outbox_open', max(coalesce((SELECT max(id) FROM outbox), 0),
                              coalesce((SELECT max(id) FROM outbox_history), 0));

DROP TABLE outbox;
ALTER TABLE outbox_open RENAME TO outbox;
UPDATE contacts SET outbox_id = (SELECT outbox_id FROM open_contacts o WHERE o.id = contacts.id)
    WHERE id IN (SELECT id FROM open_contacts);
DROP TABLE open_contacts;

-- Every row here is open, so no index needs `state` but the claim's: a claim (pending ->
-- sending) removes one entry near the front of outbox_open_due and changes no other index.
CREATE INDEX outbox_open_due ON outbox(priority, due_at, id) WHERE state = 'pending';
CREATE INDEX outbox_client ON outbox(client_id);
CREATE INDEX outbox_alert ON outbox(alert_id);

CREATE TRIGGER outbox_retire AFTER UPDATE OF state ON outbox
WHEN NEW.state IN ('sent', 'dropped', 'failed')
BEGIN
    INSERT INTO outbox_history(id, key, kind, client_id, worker_id, alert_id, ref_id, due_at,
        state, attempts, claimed_at, payload, chat_id, message_id, sent_at, reason, created_at,
        priority)
    VALUES (NEW.id, NEW.key, NEW.kind, NEW.client_id, NEW.worker_id, NEW.alert_id, NEW.ref_id,
        NEW.due_at, NEW.state, NEW.attempts, NEW.claimed_at, NEW.payload, NEW.chat_id,
        NEW.message_id, NEW.sent_at, NEW.reason, NEW.created_at, NEW.priority);
    DELETE FROM outbox WHERE id = NEW.id;
END;

-- Open and finished rows together, for the few readers that want a row wherever it is.
CREATE VIEW outbox_all AS
    SELECT id, key, kind, client_id, worker_id, alert_id, ref_id, due_at, state, attempts,
           claimed_at, payload, chat_id, message_id, sent_at, reason, created_at, priority
    FROM outbox
    UNION ALL
    SELECT id, key, kind, client_id, worker_id, alert_id, ref_id, due_at, state, attempts,
           claimed_at, payload, chat_id, message_id, sent_at, reason, created_at, priority
    FROM outbox_history;
