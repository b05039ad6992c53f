-- Silta's whole domain. Times are UTC ISO-8601 strings ("2026-12-03T08:00:00.000000Z") so they sort
-- as text; local dates (release day, deadline due day) are plain "YYYY-MM-DD".

CREATE TABLE teams (
    id          INTEGER PRIMARY KEY,
    name        TEXT NOT NULL UNIQUE,
    created_at  TEXT NOT NULL
);

CREATE TABLE workers (
    id           INTEGER PRIMARY KEY,
    telegram_id  INTEGER UNIQUE,              -- NULL until the worker opens their invite
    name         TEXT NOT NULL,               -- display name; clients see the first word
    role         TEXT NOT NULL DEFAULT 'worker' CHECK (role IN ('worker', 'admin')),
    team_id      INTEGER REFERENCES teams(id),
    language     TEXT NOT NULL DEFAULT 'fi',
    active       INTEGER NOT NULL DEFAULT 1,
    created_at   TEXT NOT NULL
);

CREATE TABLE clients (
    id                INTEGER PRIMARY KEY,
    nickname          TEXT,                   -- NULL once purged after retention
    worker_id         INTEGER REFERENCES workers(id),
    backup_worker_id  INTEGER REFERENCES workers(id),
    language          TEXT,                   -- NULL: the client's Telegram language
    telegram_id       INTEGER UNIQUE,         -- NULL until joined, and after purge
    status            TEXT NOT NULL DEFAULT 'invited'
                      CHECK (status IN ('invited', 'active', 'paused', 'closed')),
    unreachable       INTEGER NOT NULL DEFAULT 0,
    release_date      TEXT,
    joined_at         TEXT,
    consent_at        TEXT,
    paused_until      TEXT,                   -- NULL with status paused: until they resume
    checkin_phases    TEXT,                   -- per-client override of the cadence, "14:1d,60:3d,7d"
    last_answer       TEXT,
    last_answer_at    TEXT,
    last_seen_at      TEXT,
    closed_at         TEXT,
    purged_at         TEXT,
    created_at        TEXT NOT NULL
);
CREATE INDEX clients_worker ON clients(worker_id);
CREATE INDEX clients_backup ON clients(backup_worker_id);
CREATE INDEX clients_status ON clients(status);

CREATE TABLE invites (
    id          INTEGER PRIMARY KEY,
    code_hash   TEXT NOT NULL UNIQUE,         -- HMAC of the code; the code itself is never stored
    kind        TEXT NOT NULL CHECK (kind IN ('client', 'worker')),
    client_id   INTEGER REFERENCES clients(id) ON DELETE CASCADE,
    worker_id   INTEGER REFERENCES workers(id) ON DELETE CASCADE,
    created_by  INTEGER REFERENCES workers(id),
    pending_telegram_id INTEGER,              -- who presented the code and is asked to consent
    expires_at  TEXT NOT NULL,
    used_at     TEXT,
    revoked_at  TEXT,
    created_at  TEXT NOT NULL
);
CREATE INDEX invites_client ON invites(client_id);

-- Wrong invite codes, for throttling guesses per Telegram user and in total.
CREATE TABLE invite_attempts (
    id           INTEGER PRIMARY KEY,
    telegram_id  INTEGER NOT NULL,
    at           TEXT NOT NULL
);
CREATE INDEX invite_attempts_user ON invite_attempts(telegram_id, at);
CREATE INDEX invite_attempts_at ON invite_attempts(at);

CREATE TABLE appointments (
    id            INTEGER PRIMARY KEY,
    client_id     INTEGER NOT NULL REFERENCES clients(id) ON DELETE CASCADE,
    at            TEXT NOT NULL,
    place         TEXT NOT NULL,
    status        TEXT NOT NULL DEFAULT 'scheduled'
                  CHECK (status IN ('scheduled', 'cancelled', 'attended', 'missed')),
    confirmation  TEXT CHECK (confirmation IN ('confirmed', 'reschedule', 'help')),
    confirmed_at  TEXT,
    created_by    INTEGER REFERENCES workers(id),
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL
);
CREATE INDEX appointments_client ON appointments(client_id, at);

CREATE TABLE deadlines (
    id             INTEGER PRIMARY KEY,
    client_id      INTEGER NOT NULL REFERENCES clients(id) ON DELETE CASCADE,
    kind           TEXT NOT NULL,             -- a slug of the policy's benefit catalogue
    label          TEXT,                      -- short text for kind 'other'
    due_date       TEXT NOT NULL,             -- local date
    monthly        INTEGER NOT NULL DEFAULT 0,
    status         TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'done', 'cancelled')),
    snoozed_until  TEXT,
    done_at        TEXT,
    created_by     INTEGER REFERENCES workers(id),
    created_at     TEXT NOT NULL
);
CREATE INDEX deadlines_client ON deadlines(client_id, due_date);

CREATE TABLE plan_items (
    id          INTEGER PRIMARY KEY,
    client_id   INTEGER NOT NULL REFERENCES clients(id) ON DELETE CASCADE,
    position    INTEGER NOT NULL,
    template    TEXT,                         -- template key, translated at display; NULL for own text
    title       TEXT,                         -- worker's own text
    done_at     TEXT,
    done_by     TEXT CHECK (done_by IN ('client', 'worker')),
    created_at  TEXT NOT NULL
);
CREATE INDEX plan_items_client ON plan_items(client_id, position);

-- The durable outbox: everything Silta will say later, and every timer, is a row first.
CREATE TABLE outbox (
    id              INTEGER PRIMARY KEY,
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
    reason          TEXT,                     -- why dropped or failed
    created_at      TEXT NOT NULL
);
CREATE INDEX outbox_due ON outbox(state, due_at);
CREATE INDEX outbox_client ON outbox(client_id, state);
CREATE INDEX outbox_alert ON outbox(alert_id);
CREATE INDEX outbox_message ON outbox(chat_id, message_id);

-- A question that expects an answer (check-in, reminder) and its answer deadline.
CREATE TABLE contacts (
    id             INTEGER PRIMARY KEY,
    client_id      INTEGER NOT NULL REFERENCES clients(id) ON DELETE CASCADE,
    kind           TEXT NOT NULL CHECK (kind IN ('checkin', 'appointment', 'deadline')),
    ref_id         INTEGER,
    outbox_id      INTEGER REFERENCES outbox(id) ON DELETE SET NULL,
    opened_at      TEXT NOT NULL,
    answer_due_at  TEXT NOT NULL,
    nudged_at      TEXT,
    answered_at    TEXT,
    answer         TEXT,
    state          TEXT NOT NULL DEFAULT 'open' CHECK (state IN ('open', 'answered', 'expired', 'void'))
);
CREATE INDEX contacts_client ON contacts(client_id, state);

CREATE TABLE alerts (
    id               INTEGER PRIMARY KEY,
    client_id        INTEGER REFERENCES clients(id) ON DELETE CASCADE,
    reason           TEXT NOT NULL,
    urgent           INTEGER NOT NULL DEFAULT 0,
    state            TEXT NOT NULL DEFAULT 'open'
                     CHECK (state IN ('open', 'acknowledged', 'snoozed', 'resolved')),
    contact_id       INTEGER REFERENCES contacts(id) ON DELETE SET NULL,
    ref_id           INTEGER,
    ladder           TEXT NOT NULL,           -- JSON steps fixed when raised
    step             INTEGER NOT NULL DEFAULT 0,
    raised_at        TEXT NOT NULL,
    acknowledged_by  INTEGER REFERENCES workers(id),
    acknowledged_at  TEXT,
    snoozed_until    TEXT,
    resolved_by      INTEGER REFERENCES workers(id),
    resolved_at      TEXT,
    resolution       TEXT
);
CREATE INDEX alerts_client ON alerts(client_id, state);
CREATE INDEX alerts_state ON alerts(state);

-- Which worker got which alert message, so acknowledgements can be shown to all of them.
CREATE TABLE alert_recipients (
    alert_id    INTEGER NOT NULL REFERENCES alerts(id) ON DELETE CASCADE,
    worker_id   INTEGER NOT NULL REFERENCES workers(id) ON DELETE CASCADE,
    chat_id     INTEGER,
    message_id  INTEGER,
    notified_at TEXT NOT NULL,
    PRIMARY KEY (alert_id, worker_id)
);

-- A client's message relayed to a worker: lets a Telegram reply find its way back.
CREATE TABLE relays (
    id          INTEGER PRIMARY KEY,
    client_id   INTEGER NOT NULL REFERENCES clients(id) ON DELETE CASCADE,
    worker_id   INTEGER NOT NULL REFERENCES workers(id) ON DELETE CASCADE,
    chat_id     INTEGER,
    message_id  INTEGER,
    created_at  TEXT NOT NULL
);
CREATE INDEX relays_message ON relays(chat_id, message_id);

CREATE TABLE policy_versions (
    id          INTEGER PRIMARY KEY,
    body        TEXT NOT NULL,                -- JSON of the whole policy
    created_by  INTEGER REFERENCES workers(id),
    created_at  TEXT NOT NULL
);

CREATE TABLE audit_log (
    id          INTEGER PRIMARY KEY,
    at          TEXT NOT NULL,
    actor_id    INTEGER,                      -- worker id; NULL for the system or the CLI
    actor_kind  TEXT NOT NULL,                -- worker, admin, client, system, cli
    action      TEXT NOT NULL,
    client_id   INTEGER,                      -- kept as a bare number after purge
    detail      TEXT                          -- never message text or names
);
CREATE INDEX audit_at ON audit_log(at);

-- Small key/value facts that belong to the installation (e.g. the last daily run).
CREATE TABLE meta (
    key    TEXT PRIMARY KEY,
    value  TEXT NOT NULL
);
