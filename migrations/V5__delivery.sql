-- Everything that leaves the process: webhook endpoints, notification choices, browser push
-- subscriptions, and one outbox of deliveries fed from the event log by a durable cursor.

-- Where each delivery worker has read the event log up to. Starts at the log's end: what
-- happened before delivery existed is not sent.
CREATE TABLE delivery_cursors (
    name       TEXT PRIMARY KEY,
    event_id   INTEGER NOT NULL,
    updated_at TEXT NOT NULL
);
INSERT INTO delivery_cursors (name, event_id, updated_at)
    SELECT 'fanout', COALESCE(MAX(id), 0), strftime('%Y-%m-%dT%H:%M:%fZ', 'now') FROM events;

-- Webhook endpoints. The signing secret is needed to sign, so it is kept; it is shown to
-- people once. During rotation the previous secret signs too until `previous_until`.
CREATE TABLE webhooks (
    id              TEXT PRIMARY KEY,
    workspace_id    TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    url             TEXT NOT NULL,
    description     TEXT,
    topics          TEXT NOT NULL DEFAULT '["*"]',
    format          TEXT NOT NULL DEFAULT 'standard'
                    CHECK (format IN ('standard', 'slack', 'discord', 'telegram')),
    enabled         INTEGER NOT NULL DEFAULT 1,
    secret          TEXT NOT NULL,
    previous_secret TEXT,
    previous_until  TEXT,
    -- Events up to this id were logged before the endpoint existed and are not sent to it.
    from_event_id   INTEGER NOT NULL DEFAULT 0,
    failing_since   TEXT,
    disabled_reason TEXT,
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL
);
CREATE INDEX idx_webhooks_workspace ON webhooks(workspace_id);

-- A staff user's choices per workspace.
CREATE TABLE notification_prefs (
    workspace_id       TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    user_id            TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    email_new_leads    INTEGER NOT NULL DEFAULT 0,
    email_assigned     INTEGER NOT NULL DEFAULT 0,
    email_daily_digest INTEGER NOT NULL DEFAULT 0,
    push_new_leads     INTEGER NOT NULL DEFAULT 0,
    push_assigned      INTEGER NOT NULL DEFAULT 0,
    updated_at         TEXT NOT NULL,
    PRIMARY KEY (workspace_id, user_id)
);

-- Browser push subscriptions (one per browser a user allowed).
CREATE TABLE push_subscriptions (
    id         TEXT PRIMARY KEY,
    user_id    TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    endpoint   TEXT NOT NULL UNIQUE,
    p256dh     TEXT NOT NULL,
    auth       TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX idx_push_subscriptions_user ON push_subscriptions(user_id);

-- The outbox: one row per message per target; its API id is `dlv_<seq>`. `message_id` stays
-- the same across retries and redeliveries; `tries` counts attempts since the row was last
-- queued, `attempt` all of them. Times the worker compares are unix milliseconds. Two indexes
-- only: a delivery is written for every lead and every target, and capture shares the writer.
CREATE TABLE deliveries (
    seq             INTEGER PRIMARY KEY,
    workspace_id    TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    channel         TEXT NOT NULL CHECK (channel IN ('webhook', 'email', 'push')),
    target_id       TEXT NOT NULL,
    message_id      TEXT NOT NULL,
    event_id        INTEGER,
    topic           TEXT NOT NULL,
    payload         TEXT,
    status          TEXT NOT NULL DEFAULT 'pending'
                    CHECK (status IN ('pending', 'succeeded', 'failed', 'dead')),
    attempt         INTEGER NOT NULL DEFAULT 0,
    tries           INTEGER NOT NULL DEFAULT 0,
    next_attempt_ms INTEGER,
    response_status INTEGER,
    duration_ms     INTEGER,
    error           TEXT,
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL
);
-- A target's log, newest first.
CREATE INDEX idx_deliveries_target ON deliveries(target_id, seq);
-- The sender asks each target for its few earliest due deliveries: a slow target with a long
-- backlog costs one short index range, never a scan of everything waiting.
CREATE INDEX idx_deliveries_target_due ON deliveries(target_id, next_attempt_ms)
    WHERE status IN ('pending', 'failed');
