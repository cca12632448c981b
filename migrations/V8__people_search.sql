-- People and search: one person behind the leads of every kind, a unified index of every lead
-- that the inbox pages through, counters so totals never rescan it, and full-text search.
-- The index, its counters and the search table are kept in step by triggers that leadbox
-- generates at start from its registry of lead kinds (`leads::index`), so they change in the
-- same transaction as the row they mirror.

-- Everyone leadbox knows under one normalised email or one end-user id.
CREATE TABLE people (
    id            TEXT PRIMARY KEY,
    workspace_id  TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL,
    -- Set when this person was merged into another; their leads and keys moved there.
    merged_into   TEXT,
    -- The tombstone of an erasure.
    erased_at     TEXT,
    erased_by     TEXT,
    erased_reason TEXT
);
CREATE INDEX idx_people_workspace ON people(workspace_id, created_at);

-- What a person is found by: `email:<normalised email>` or `user:<end-user id>`.
CREATE TABLE person_keys (
    workspace_id TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    key          TEXT NOT NULL,
    person_id    TEXT NOT NULL REFERENCES people(id) ON DELETE CASCADE,
    PRIMARY KEY (workspace_id, key)
) WITHOUT ROWID;
CREATE INDEX idx_person_keys_person ON person_keys(person_id);

ALTER TABLE inquiries ADD COLUMN person_id TEXT;
ALTER TABLE sales_contact_requests ADD COLUMN person_id TEXT;
ALTER TABLE pricing_selections ADD COLUMN person_id TEXT;

-- One row per lead of every kind: what the inbox shows, filters, sorts and pages by.
CREATE TABLE lead_index (
    rid          INTEGER PRIMARY KEY,
    id           TEXT NOT NULL UNIQUE,
    kind         TEXT NOT NULL,
    workspace_id TEXT NOT NULL,
    -- 1 for spam and deleted leads: kept for people and erasure, left out of the inbox.
    hidden       INTEGER NOT NULL,
    status       TEXT NOT NULL,
    -- fresh, open, won or closed (from the kind's status definitions).
    stage        TEXT NOT NULL,
    -- When a kind's status changes by time alone (a pricing selection expires): when, and to
    -- what; the inbox shows `turns_to` from then on, before the sweeper stores it.
    turns_at     TEXT,
    turns_to     TEXT,
    name         TEXT,
    email        TEXT,
    company      TEXT,
    created_at   TEXT NOT NULL,
    updated_at   TEXT NOT NULL,
    assignee_id  TEXT,
    -- The end user behind it (kinds captured from the team's own product).
    end_user_id  TEXT,
    person_id    TEXT
);
CREATE INDEX idx_lead_index_inbox ON lead_index(workspace_id, hidden, created_at, rid);
CREATE INDEX idx_lead_index_kind ON lead_index(workspace_id, hidden, kind, created_at, rid);
CREATE INDEX idx_lead_index_status ON lead_index(workspace_id, hidden, status, created_at, rid);
CREATE INDEX idx_lead_index_assignee
    ON lead_index(workspace_id, hidden, assignee_id, created_at, rid);
CREATE INDEX idx_lead_index_person ON lead_index(person_id, created_at);
CREATE INDEX idx_lead_index_turns ON lead_index(workspace_id, turns_at)
    WHERE turns_at IS NOT NULL;

-- How many index rows each (workspace, kind, hidden, status, assignee) has: totals of the
-- inbox's filters are sums over this small table. Triggers use no conflict clauses: in a
-- trigger, the conflict policy of the statement that fired it would replace theirs.
CREATE TABLE lead_counts (
    workspace_id TEXT NOT NULL,
    kind         TEXT NOT NULL,
    hidden       INTEGER NOT NULL,
    status       TEXT NOT NULL,
    assignee_id  TEXT NOT NULL,
    n            INTEGER NOT NULL,
    PRIMARY KEY (workspace_id, kind, hidden, status, assignee_id)
) WITHOUT ROWID;

CREATE TRIGGER lead_counts_insert AFTER INSERT ON lead_index BEGIN
    UPDATE lead_counts SET n = n + 1
    WHERE workspace_id = NEW.workspace_id AND kind = NEW.kind AND hidden = NEW.hidden
      AND status = NEW.status AND assignee_id = COALESCE(NEW.assignee_id, '');
    INSERT INTO lead_counts (workspace_id, kind, hidden, status, assignee_id, n)
    SELECT NEW.workspace_id, NEW.kind, NEW.hidden, NEW.status, COALESCE(NEW.assignee_id, ''), 1
    WHERE NOT EXISTS (SELECT 1 FROM lead_counts WHERE workspace_id = NEW.workspace_id
        AND kind = NEW.kind AND hidden = NEW.hidden AND status = NEW.status
        AND assignee_id = COALESCE(NEW.assignee_id, ''));
END;
CREATE TRIGGER lead_counts_delete AFTER DELETE ON lead_index BEGIN
    UPDATE lead_counts SET n = n - 1
    WHERE workspace_id = OLD.workspace_id AND kind = OLD.kind AND hidden = OLD.hidden
      AND status = OLD.status AND assignee_id = COALESCE(OLD.assignee_id, '');
END;
CREATE TRIGGER lead_counts_update AFTER UPDATE OF hidden, status, assignee_id ON lead_index
WHEN OLD.hidden IS NOT NEW.hidden OR OLD.status IS NOT NEW.status
    OR OLD.assignee_id IS NOT NEW.assignee_id
BEGIN
    UPDATE lead_counts SET n = n - 1
    WHERE workspace_id = OLD.workspace_id AND kind = OLD.kind AND hidden = OLD.hidden
      AND status = OLD.status AND assignee_id = COALESCE(OLD.assignee_id, '');
    UPDATE lead_counts SET n = n + 1
    WHERE workspace_id = NEW.workspace_id AND kind = NEW.kind AND hidden = NEW.hidden
      AND status = NEW.status AND assignee_id = COALESCE(NEW.assignee_id, '');
    INSERT INTO lead_counts (workspace_id, kind, hidden, status, assignee_id, n)
    SELECT NEW.workspace_id, NEW.kind, NEW.hidden, NEW.status, COALESCE(NEW.assignee_id, ''), 1
    WHERE NOT EXISTS (SELECT 1 FROM lead_counts WHERE workspace_id = NEW.workspace_id
        AND kind = NEW.kind AND hidden = NEW.hidden AND status = NEW.status
        AND assignee_id = COALESCE(NEW.assignee_id, ''));
END;

-- Full-text search over every lead: rowid = lead_index.rid. `notes` holds the lead's notes
-- and replies. Diacritics are folded, so `nguyen` finds `Nguyễn`.
CREATE VIRTUAL TABLE lead_fts USING fts5(
    name, email, company, body, notes,
    tokenize = 'unicode61 remove_diacritics 2'
);
-- A deleted row's terms leave the index at once (erasure must not leave them in old segments).
INSERT INTO lead_fts (lead_fts, rank) VALUES ('secure-delete', 1);

-- Which lead kinds' index definitions were last built, so a changed definition is rebuilt.
CREATE TABLE lead_index_state (
    kind      TEXT PRIMARY KEY,
    signature TEXT NOT NULL
);

-- Workspace setting: erase leads closed longer ago than this many days (0 = keep).
ALTER TABLE workspaces ADD COLUMN retention_days INTEGER NOT NULL DEFAULT 0;

-- When a person was erased: snapshots taken before then still hold their data.
CREATE TABLE erasures (
    person_id    TEXT PRIMARY KEY,
    workspace_id TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    erased_at    TEXT NOT NULL
);
