-- The invite-hash secret, made once per database, so every process that opens the database (the
-- bot, the command line with or without the bot token) hashes invite codes alike.
CREATE TABLE secrets (
    name   TEXT PRIMARY KEY,
    value  TEXT NOT NULL
);
INSERT INTO secrets(name, value) VALUES ('invite_pepper', lower(hex(randomblob(32))));

-- Codes made before this migration were hashed with a secret derived from the bot token: they
-- stay valid until they expire, and only they are checked against that old secret.
ALTER TABLE invites ADD COLUMN legacy_pepper INTEGER NOT NULL DEFAULT 0;
UPDATE invites SET legacy_pepper = 1;

-- An admin made by SILTA_ADMIN_IDS starts as "Admin" and is asked their name on first contact.
ALTER TABLE workers ADD COLUMN needs_name INTEGER NOT NULL DEFAULT 0;
UPDATE workers SET needs_name = 1 WHERE name = 'Admin' AND role = 'admin';
