-- Routing and response time (SPEC §13): who gets each new lead, and by when it is answered.

-- A staff user away from work gets no new leads (`away_since` set) until they are back.
ALTER TABLE users ADD COLUMN away_since TEXT;

-- Per workspace: the assignment rule and the first-response target, each a typed setting
-- kept as JSON text (read through `leads::routing::Assignment` and `…::Sla`).
CREATE TABLE routing_settings (
    workspace_id TEXT PRIMARY KEY REFERENCES workspaces(id) ON DELETE CASCADE,
    assignment   TEXT NOT NULL DEFAULT '{"mode":"manual","memberIds":[]}',
    sla          TEXT,
    -- The member round robin gave the last lead to: the rotation survives a restart.
    last_member  TEXT,
    updated_at   TEXT NOT NULL
);

-- A lead's first-response clock: due by `due_at` (working time from capture), answered at
-- `responded_at` (by `responder_id`), reminded and escalated once each.
CREATE TABLE lead_sla (
    lead_id       TEXT PRIMARY KEY,
    workspace_id  TEXT NOT NULL,
    kind          TEXT NOT NULL,
    created_at    TEXT NOT NULL,
    due_at        TEXT NOT NULL,
    responded_at  TEXT,
    responder_id  TEXT,
    reminded_at   TEXT,
    escalated_at  TEXT
);
-- The waiting leads by due time: the inbox's overdue filter and sort, and the sweeper.
CREATE INDEX lead_sla_waiting ON lead_sla (workspace_id, due_at) WHERE responded_at IS NULL;
CREATE INDEX lead_sla_due ON lead_sla (due_at) WHERE responded_at IS NULL;
-- Attainment and response times by week of capture.
CREATE INDEX lead_sla_created ON lead_sla (workspace_id, created_at);

-- Each member's open leads, counted for capacity and "least open" at every capture.
CREATE INDEX lead_index_open_by ON lead_index (workspace_id, assignee_id)
    WHERE hidden = 0 AND stage IN ('fresh', 'open');
