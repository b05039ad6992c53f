-- Summaries for the county's client record system: a worker marks a period as copied into it
-- ("recorded"), and the next summary starts from the end of that period. One row per mark, so
-- the history of what was recorded when, and by whom, stays visible.
CREATE TABLE record_marks (
    id          INTEGER PRIMARY KEY,
    client_id   INTEGER NOT NULL REFERENCES clients(id) ON DELETE CASCADE,
    worker_id   INTEGER REFERENCES workers(id),   -- NULL when marked from the command line
    period_end  TEXT NOT NULL,
    marked_at   TEXT NOT NULL
);
CREATE INDEX record_marks_client ON record_marks(client_id, period_end);

-- Summaries read a client's events by time: the existing indexes lead with (client_id, state),
-- which would read every contact and alert of the client for each period.
CREATE INDEX contacts_client_opened ON contacts(client_id, opened_at);
CREATE INDEX alerts_client_raised ON alerts(client_id, raised_at);
