-- A material may be restricted (a state secret, covert investigative work, another person's
-- protected data): no familiarisation grant ever opens it, neither a grant of all nor a list.
ALTER TABLE materials ADD COLUMN restricted INTEGER NOT NULL DEFAULT 0 CHECK (restricted IN (0, 1));
