-- Staff: people who sign in to leadbox.
CREATE TABLE users (
    id            TEXT PRIMARY KEY,
    email         TEXT NOT NULL UNIQUE,
    name          TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    locale        TEXT NOT NULL DEFAULT 'en' CHECK (locale IN ('en', 'vi')),
    created_at    TEXT NOT NULL
);

-- Tenants. Settings that are lists are kept as JSON text; money in integer minor units.
CREATE TABLE workspaces (
    id                TEXT PRIMARY KEY,
    slug              TEXT NOT NULL UNIQUE,
    name              TEXT NOT NULL,
    public_key        TEXT NOT NULL UNIQUE,
    allowed_origins   TEXT NOT NULL DEFAULT '[]',
    sales_email       TEXT,
    scheduler_url     TEXT,
    crisp_website_id  TEXT,
    thank_you_url     TEXT,
    default_locale    TEXT NOT NULL DEFAULT 'en' CHECK (default_locale IN ('en', 'vi')),
    user_token_secret TEXT,
    gst_rate_bp       INTEGER NOT NULL DEFAULT 1800,
    plans             TEXT NOT NULL DEFAULT '[]',
    add_ons           TEXT NOT NULL DEFAULT '[]',
    rate_limits       TEXT NOT NULL DEFAULT '{}',
    created_at        TEXT NOT NULL,
    updated_at        TEXT NOT NULL
);

CREATE TABLE memberships (
    workspace_id TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    user_id      TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    role         TEXT NOT NULL CHECK (role IN ('owner', 'admin', 'sales', 'support', 'viewer')),
    created_at   TEXT NOT NULL,
    PRIMARY KEY (workspace_id, user_id)
);
CREATE INDEX idx_memberships_user ON memberships(user_id);

-- Server-side sessions; the cookie holds a random token, the table only its hash.
CREATE TABLE sessions (
    token_hash   TEXT PRIMARY KEY,
    user_id      TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    csrf_token   TEXT NOT NULL,
    workspace_id TEXT REFERENCES workspaces(id) ON DELETE SET NULL,
    created_at   TEXT NOT NULL,
    expires_at   TEXT NOT NULL
);
CREATE INDEX idx_sessions_user ON sessions(user_id);

-- API tokens (lbx_…): looked up by a short public prefix, verified against a hash.
CREATE TABLE api_tokens (
    id           TEXT PRIMARY KEY,
    user_id      TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    name         TEXT NOT NULL,
    lookup       TEXT NOT NULL UNIQUE,
    token_hash   TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    expires_at   TEXT,
    last_used_at TEXT,
    revoked_at   TEXT
);
CREATE INDEX idx_api_tokens_user ON api_tokens(user_id);

-- One-time first-run setup links.
CREATE TABLE setup_tokens (
    token_hash TEXT PRIMARY KEY,
    created_at TEXT NOT NULL,
    used_at    TEXT
);

-- Users of the team's own SaaS product, known by the id their backend gives them.
CREATE TABLE end_users (
    workspace_id    TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    id              TEXT NOT NULL,
    email           TEXT,
    name            TEXT,
    company         TEXT,
    signup_type     TEXT CHECK (signup_type IN ('industry', 'vendor', 'professional')),
    vendor_category TEXT CHECK (vendor_category IN ('service', 'product', 'logistics')),
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL,
    PRIMARY KEY (workspace_id, id)
);

-- The durable event log (transactional outbox): every state change appends here in the
-- same transaction. Real-time pushes, timelines, metrics and analytics all read it.
CREATE TABLE events (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    workspace_id TEXT REFERENCES workspaces(id) ON DELETE CASCADE,
    topic        TEXT NOT NULL,
    subject_id   TEXT,
    actor_id     TEXT,
    data         TEXT NOT NULL DEFAULT '{}',
    created_at   TEXT NOT NULL
);
CREATE INDEX idx_events_workspace ON events(workspace_id, id);
CREATE INDEX idx_events_subject ON events(subject_id, id);
