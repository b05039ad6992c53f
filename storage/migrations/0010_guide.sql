-- The service guide a county keeps (`silta guide apply`): every applied version is kept, the
-- newest is in force; with none, the guide shipped with Silta is shown.
CREATE TABLE guide_versions (
    id          INTEGER PRIMARY KEY,
    body        TEXT NOT NULL,                -- JSON of the whole guide
    created_by  INTEGER REFERENCES workers(id),
    created_at  TEXT NOT NULL
);
