-- Arts. 73-74: a civil plaintiff and a civil defendant get acquainted with the materials that
-- concern the civil claim. The officer marks those; a grant to a civil party (or to whoever
-- acts only for one) opens only them.
ALTER TABLE materials ADD COLUMN civil_claim INTEGER NOT NULL DEFAULT 0 CHECK (civil_claim IN (0, 1));
