-- Operations: a row readiness writes to prove the open file takes writes, invitations to join a
-- workspace, and workspace slugs that can never be mistaken for ids.

-- `/readyz` writes here: one row, updated on every check.
CREATE TABLE health_probe (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    at TEXT NOT NULL
);

-- An invitation to join a workspace: the link holds a random token, the table only its hash.
-- Whether the address already has an account is decided when the invitation is accepted, by
-- the person who holds the link, never shown to the one who invites.
CREATE TABLE invitations (
    token_hash   TEXT PRIMARY KEY,
    workspace_id TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    email        TEXT NOT NULL,
    name         TEXT,
    role         TEXT NOT NULL,
    created_by   TEXT REFERENCES users(id) ON DELETE SET NULL,
    created_at   TEXT NOT NULL,
    expires_at   TEXT NOT NULL,
    used_at      TEXT
);
CREATE INDEX idx_invitations_workspace ON invitations(workspace_id, created_at);

-- A slug shaped like an id (8-4-4-4-12 hex) could shadow another workspace's id: rename it.
UPDATE workspaces SET slug = 'workspace-' || substr(id, 1, 8)
WHERE length(slug) = 36
  AND substr(slug, 9, 1) = '-' AND substr(slug, 14, 1) = '-'
  AND substr(slug, 19, 1) = '-' AND substr(slug, 24, 1) = '-'
  AND replace(slug, '-', '') NOT GLOB '*[^0-9a-f]*';
