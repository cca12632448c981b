-- Accounts and working leads: a staff user's time zone, a workspace's currency, what a session was opened from,
-- one-time password reset links, and internal notes on leads.

-- IANA name (`Asia/Ho_Chi_Minh`); NULL shows times in the browser's zone (UTC without script).
ALTER TABLE users ADD COLUMN time_zone TEXT;

-- The currency the plan catalogue's amounts are in (ISO 4217), for showing money.
ALTER TABLE workspaces ADD COLUMN currency TEXT NOT NULL DEFAULT 'AUD';

-- A short description of the browser a session was opened from, for the sessions list.
ALTER TABLE sessions ADD COLUMN user_agent TEXT;

-- One-time password reset links: the link holds a random token, the table only its hash.
-- `created_by` is the owner who issued it, NULL when the user asked by email or the CLI.
CREATE TABLE password_resets (
    token_hash TEXT PRIMARY KEY,
    user_id    TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    created_by TEXT REFERENCES users(id) ON DELETE SET NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    used_at    TEXT
);
CREATE INDEX idx_password_resets_user ON password_resets(user_id);

-- Internal notes on a lead of any kind. They are shown on its timeline and never leave the
-- box: they are not events, so no socket, webhook, email or push carries them.
CREATE TABLE lead_notes (
    id           TEXT PRIMARY KEY,
    workspace_id TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    kind         TEXT NOT NULL,
    lead_id      TEXT NOT NULL,
    author_id    TEXT REFERENCES users(id) ON DELETE SET NULL,
    body         TEXT NOT NULL,
    created_at   TEXT NOT NULL
);
CREATE INDEX idx_lead_notes_lead ON lead_notes(workspace_id, lead_id, created_at);

-- First-run checklist steps that leave no other trace (the snippet was looked at).
CREATE TABLE onboarding_steps (
    workspace_id TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    step         TEXT NOT NULL,
    done_at      TEXT NOT NULL,
    PRIMARY KEY (workspace_id, step)
);
