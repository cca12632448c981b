-- Leads captured but not yet in the lead index. A kind's insert trigger only notes the new
-- row here; the writer indexes what is noted in one statement per kind every fraction of a
-- second (one search-table segment for hundreds of leads instead of one per commit), before
-- any other write, and whenever a read asks for it. Rows are a kind and its table's rowid:
-- no personal data waits here.
CREATE TABLE lead_pending (
    seq  INTEGER PRIMARY KEY,
    kind TEXT NOT NULL,
    key  INTEGER NOT NULL
);
