-- Partners (issue 20): the prison's re-entry workers. A partner is not a worker: they never see
-- alerts, answers or messages, so they live in a table of their own and reach only the clients
-- linked to them (partner_links).
CREATE TABLE partners (
    id            INTEGER PRIMARY KEY,
    telegram_id   INTEGER UNIQUE,             -- NULL until the partner opens their invite
    name          TEXT NOT NULL,              -- the person, as workers see them
    organisation  TEXT NOT NULL,              -- e.g. "Jyväskylä prison, re-entry team"
    language      TEXT NOT NULL DEFAULT 'fi' CHECK (language IN ('fi', 'sv', 'en')),
    team_id       INTEGER REFERENCES teams(id),
    invited_by    INTEGER REFERENCES workers(id) ON DELETE SET NULL,
    active        INTEGER NOT NULL DEFAULT 0,  -- 1 once joined; 0 again when removed
    unreachable   INTEGER NOT NULL DEFAULT 0,
    created_at    TEXT NOT NULL
);

CREATE TABLE partner_links (
    partner_id  INTEGER NOT NULL REFERENCES partners(id) ON DELETE CASCADE,
    client_id   INTEGER NOT NULL REFERENCES clients(id) ON DELETE CASCADE,
    created_at  TEXT NOT NULL,
    PRIMARY KEY (partner_id, client_id)
);
CREATE INDEX partner_links_client ON partner_links(client_id);

-- A referral from the prison at the start of a sentence: no identity number, no free text.
CREATE TABLE referrals (
    id              INTEGER PRIMARY KEY,
    partner_id      INTEGER NOT NULL REFERENCES partners(id) ON DELETE CASCADE,
    nickname        TEXT,                     -- NULL once purged
    release_date    TEXT,
    language        TEXT,
    consent         TEXT NOT NULL CHECK (consent IN ('yes', 'not_asked')),
    reason          TEXT NOT NULL
                    CHECK (reason IN ('housing', 'income', 'substance', 'id_bank', 'other')),
    state           TEXT NOT NULL DEFAULT 'open' CHECK (state IN ('open', 'taken', 'declined')),
    alert_id        INTEGER REFERENCES alerts(id) ON DELETE SET NULL,
    client_id       INTEGER REFERENCES clients(id) ON DELETE SET NULL,
    decided_by      INTEGER REFERENCES workers(id) ON DELETE SET NULL,
    decided_at      TEXT,
    decline_reason  TEXT CHECK (decline_reason IN ('area', 'known', 'consent', 'other')),
    created_at      TEXT NOT NULL
);
CREATE INDEX referrals_partner ON referrals(partner_id, state);

-- Notes on plan items, by a worker or a partner, that the other side sees.
CREATE TABLE plan_notes (
    id           INTEGER PRIMARY KEY,
    item_id      INTEGER NOT NULL REFERENCES plan_items(id) ON DELETE CASCADE,
    client_id    INTEGER NOT NULL REFERENCES clients(id) ON DELETE CASCADE,
    author_kind  TEXT NOT NULL CHECK (author_kind IN ('worker', 'partner')),
    author_id    INTEGER NOT NULL,
    text         TEXT,                        -- NULL once purged
    created_at   TEXT NOT NULL
);
CREATE INDEX plan_notes_item ON plan_notes(item_id, created_at);

-- A prison item a partner ticked: who (state_by_kind stays NULL; its CHECK predates partners).
ALTER TABLE plan_items ADD COLUMN state_by_partner INTEGER REFERENCES partners(id) ON DELETE SET NULL;

-- Invites learn the partner kind: SQLite cannot widen a CHECK, so the table is rebuilt. Nothing
-- refers to invites, so the copy keeps every row and id as it was.
CREATE TABLE invites_new (
    id          INTEGER PRIMARY KEY,
    code_hash   TEXT NOT NULL UNIQUE,
    kind        TEXT NOT NULL CHECK (kind IN ('client', 'worker', 'partner')),
    client_id   INTEGER REFERENCES clients(id) ON DELETE CASCADE,
    worker_id   INTEGER REFERENCES workers(id) ON DELETE CASCADE,
    created_by  INTEGER REFERENCES workers(id),
    pending_telegram_id INTEGER,
    expires_at  TEXT NOT NULL,
    used_at     TEXT,
    revoked_at  TEXT,
    created_at  TEXT NOT NULL,
    legacy_pepper INTEGER NOT NULL DEFAULT 0,
    partner_id  INTEGER REFERENCES partners(id) ON DELETE CASCADE
);
INSERT INTO invites_new(id, code_hash, kind, client_id, worker_id, created_by,
                        pending_telegram_id, expires_at, used_at, revoked_at, created_at,
                        legacy_pepper)
    SELECT id, code_hash, kind, client_id, worker_id, created_by, pending_telegram_id,
           expires_at, used_at, revoked_at, created_at, legacy_pepper FROM invites;
DROP TABLE invites;
ALTER TABLE invites_new RENAME TO invites;
CREATE INDEX invites_client ON invites(client_id);
