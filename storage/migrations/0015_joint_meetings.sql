-- Joint meetings with the prison (issue 20 item 4): the partner's answer to a joint meeting,
-- beside the client's own confirmation.
ALTER TABLE appointments ADD COLUMN partner_answer TEXT
    CHECK (partner_answer IS NULL OR partner_answer IN ('confirmed', 'reschedule'));
