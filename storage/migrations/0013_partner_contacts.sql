-- The people around a client (issue 17 item 4): the prison's contact, the client's named social
-- worker, housing, substance-use and health services, probation, others. Workers see them; the
-- client sees only those marked shareable. Deleted with the client's data at retention.
CREATE TABLE partner_contacts (
    id            INTEGER PRIMARY KEY,
    client_id     INTEGER NOT NULL REFERENCES clients(id) ON DELETE CASCADE,
    role          TEXT NOT NULL CHECK (role IN ('prison', 'social_worker', 'housing',
                      'substance_use', 'health', 'probation', 'other')),
    name          TEXT,
    organisation  TEXT,
    phone         TEXT,
    email         TEXT,
    shareable     INTEGER NOT NULL DEFAULT 0,
    created_by    INTEGER REFERENCES workers(id) ON DELETE SET NULL,
    created_at    TEXT NOT NULL,
    CHECK (name IS NOT NULL OR organisation IS NOT NULL)
);
CREATE INDEX partner_contacts_client ON partner_contacts(client_id, id);
