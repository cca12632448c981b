-- Forms, attribution, spam score and quarantine (SPEC §14).

-- A workspace's forms beyond its default one (the workspace's own public key and the built-in
-- fields of §4). Each has its own public key, its own questions (typed definitions kept as
-- JSON text, read through `inquiries::forms::Field`), thank-you page and allowed origins.
CREATE TABLE forms (
    id              TEXT PRIMARY KEY,
    workspace_id    TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    name            TEXT NOT NULL,
    public_key      TEXT NOT NULL UNIQUE,
    fields          TEXT NOT NULL DEFAULT '[]',
    thank_you_url   TEXT,
    allowed_origins TEXT NOT NULL DEFAULT '[]',
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL,
    deleted_at      TEXT
);
CREATE INDEX idx_forms_workspace ON forms(workspace_id, created_at);

-- What an inquiry now also knows: its form and the answers to that form's own questions, where
-- the visitor came from (first and last touch), the spam score, and whether it is held in
-- quarantine because the page that posted it was not an allowed origin.
ALTER TABLE inquiries ADD COLUMN form_id TEXT;
ALTER TABLE inquiries ADD COLUMN answers TEXT NOT NULL DEFAULT '{}';
ALTER TABLE inquiries ADD COLUMN attribution TEXT;
-- The first touch's source (utm_source, else the referrer's host, else 'direct'), what the
-- inbox filters by and the Overview groups by.
ALTER TABLE inquiries ADD COLUMN utm_source TEXT;
ALTER TABLE inquiries ADD COLUMN spam_score INTEGER NOT NULL DEFAULT 0;
ALTER TABLE inquiries ADD COLUMN quarantined INTEGER NOT NULL DEFAULT 0 CHECK (quarantined IN (0, 1));
ALTER TABLE inquiries ADD COLUMN origin TEXT;
-- The last staff verdict on it ("spam" or "ham"), so a changed mind moves the model back.
ALTER TABLE inquiries ADD COLUMN verdict TEXT CHECK (verdict IN ('spam', 'ham'));
CREATE INDEX idx_inquiries_quarantine ON inquiries(workspace_id, origin) WHERE quarantined = 1;

-- Reasons were codes; they are now {code, weight, detail}. The old defences were verdicts on
-- their own, so each weighs the whole score.
UPDATE inquiries SET spam_reasons = (
        SELECT json_group_array(json_object('code', value, 'weight', 100, 'detail', NULL))
        FROM json_each(inquiries.spam_reasons)),
    spam_score = 100
WHERE json_array_length(spam_reasons) > 0 AND json_type(spam_reasons, '$[0]') = 'text';

-- The score above which a workspace's inquiries are spam.
ALTER TABLE workspaces ADD COLUMN spam_threshold INTEGER NOT NULL DEFAULT 70;

-- Each workspace's spam model: how many staff verdicts of each side, and in how many of
-- each side's leads a word appeared (naive Bayes over words).
CREATE TABLE spam_verdicts (
    workspace_id TEXT PRIMARY KEY REFERENCES workspaces(id) ON DELETE CASCADE,
    spam         INTEGER NOT NULL DEFAULT 0,
    ham          INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE spam_words (
    workspace_id TEXT NOT NULL,
    word         TEXT NOT NULL,
    spam         INTEGER NOT NULL DEFAULT 0,
    ham          INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (workspace_id, word)
) WITHOUT ROWID;

-- The inbox filters by source.
ALTER TABLE lead_index ADD COLUMN source TEXT;
CREATE INDEX idx_lead_index_source ON lead_index(workspace_id, hidden, source, created_at, rid)
    WHERE source IS NOT NULL;

-- The search table without per-row column sizes: ranking reads which columns matched
-- (`highlight`), never bm25, so the sizes were a write on every capture that nothing read.
-- It is filled again at start: every lead kind's index is rebuilt when its state is gone.
DROP TABLE IF EXISTS lead_fts_terms;
DROP TABLE lead_fts;
CREATE VIRTUAL TABLE lead_fts USING fts5(
    name, email, company, body, notes,
    tokenize = 'unicode61 remove_diacritics 2',
    columnsize = 0
);
INSERT INTO lead_fts (lead_fts, rank) VALUES ('secure-delete', 1);
DELETE FROM lead_index_state;
-- Merge segments eight at a time instead of four: fewer, larger merges on the capture path,
-- a few more segments for a search to read.
INSERT INTO lead_fts (lead_fts, rank) VALUES ('automerge', 8);
