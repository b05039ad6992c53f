-- Indexes for lookups that otherwise read a whole table that only grows. Found by running
-- EXPLAIN QUERY PLAN over every statement the end-to-end tests issue (see bench/README.md).

-- A client's pending rows are found through outbox_client (client_id, state); the queries sort
-- them in Python, since an ORDER BY due_at made SQLite walk every pending row through outbox_due.
-- A partial index on pending rows by client would serve the ORDER BY, but every claim would then
-- rewrite a random page of it per row: claims at 1M rows cost 2.2x those at 1k instead of 1.6x.

-- The contact an outbox row opened (every check-in and reminder, every blocked recipient), and
-- the ON DELETE SET NULL check when outbox rows are deleted. One contact per question asked.
CREATE INDEX contacts_outbox ON contacts(outbox_id);

-- Alerts about one contact (a late answer clears them), and ON DELETE SET NULL of contacts.
CREATE INDEX alerts_contact ON alerts(contact_id);

-- "Has this happened to this client" and "who did it last" (worker views).
CREATE INDEX audit_client ON audit_log(client_id, action);

-- Retention deletes a purged client's relays by client.
CREATE INDEX relays_client ON relays(client_id);
