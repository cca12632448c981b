-- "Contact Sales" requests from a signed-in user of the team's own product. Identity and
-- request context come from the server, never from the body.
CREATE TABLE sales_contact_requests (
    id               TEXT PRIMARY KEY,
    workspace_id     TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    user_id          TEXT NOT NULL,
    account_email    TEXT,
    plan             TEXT NOT NULL CHECK (plan IN ('payg', 'monthly', 'annual')),
    quantity         INTEGER NOT NULL CHECK (quantity >= 1),
    contact_required INTEGER NOT NULL DEFAULT 1 CHECK (contact_required IN (0, 1)),
    source           TEXT NOT NULL,
    page             TEXT,
    request_ip       TEXT,
    user_agent       TEXT,
    status           TEXT NOT NULL DEFAULT 'NEW'
                     CHECK (status IN ('NEW', 'ASSIGNED', 'REPLIED', 'CONVERTED', 'LOST')),
    assignee_id      TEXT REFERENCES users(id) ON DELETE SET NULL,
    created_at       TEXT NOT NULL,
    updated_at       TEXT NOT NULL,
    replied_at       TEXT,
    converted_at     TEXT,
    lost_reason      TEXT,
    deleted_at       TEXT
);
CREATE INDEX idx_contact_requests_inbox ON sales_contact_requests(workspace_id, deleted_at, created_at DESC);
CREATE INDEX idx_contact_requests_user ON sales_contact_requests(workspace_id, user_id, created_at);

-- Answers kept for replay: the same key (or, without one, the same body within 10 s) from the
-- same user gets the original answer and creates nothing.
CREATE TABLE idempotency_keys (
    workspace_id TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    user_id      TEXT NOT NULL,
    key          TEXT NOT NULL,
    request_hash TEXT NOT NULL,
    response     TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    PRIMARY KEY (workspace_id, user_id, key)
);
CREATE INDEX idx_idempotency_age ON idempotency_keys(created_at);
