-- The organisation a session's certificate speaks for: an NCA organisation key names it in its
-- subject (OU=BIN…, O=…) and the holder's role there in its purposes (first head, employee
-- with the right to sign, employee). JSON {"bin", "name", "role"}; NULL for a person's own key
-- and for a password session. Read with the session, at no extra statement.
ALTER TABLE sessions ADD COLUMN organisation TEXT;
