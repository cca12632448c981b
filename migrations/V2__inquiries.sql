-- Public and staff-entered inquiries. Soft-deleted rows keep deleted_at; spam is kept, flagged,
-- and purged after 30 days.
CREATE TABLE inquiries (
    id               TEXT PRIMARY KEY,
    workspace_id     TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    type             TEXT NOT NULL CHECK (type IN ('sales', 'partnership', 'support', 'other')),
    name             TEXT NOT NULL,
    email            TEXT NOT NULL,
    phone            TEXT,
    business_name    TEXT,
    business_website TEXT,
    business_size    TEXT,
    industry         TEXT,
    subject          TEXT,
    message          TEXT NOT NULL,
    locale           TEXT CHECK (locale IN ('en', 'vi')),
    status           TEXT NOT NULL DEFAULT 'NEW'
                     CHECK (status IN ('NEW', 'ASSIGNED', 'REPLIED', 'CONVERTED', 'LOST')),
    assignee_id      TEXT REFERENCES users(id) ON DELETE SET NULL,
    spam             INTEGER NOT NULL DEFAULT 0 CHECK (spam IN (0, 1)),
    spam_reasons     TEXT NOT NULL DEFAULT '[]',
    source           TEXT NOT NULL DEFAULT 'public_form' CHECK (source IN ('public_form', 'staff')),
    created_at       TEXT NOT NULL,
    updated_at       TEXT NOT NULL,
    replied_at       TEXT,
    converted_at     TEXT,
    lost_reason      TEXT,
    deleted_at       TEXT
);
CREATE INDEX idx_inquiries_inbox ON inquiries(workspace_id, spam, deleted_at, created_at DESC);
CREATE INDEX idx_inquiries_status ON inquiries(workspace_id, status);
CREATE INDEX idx_inquiries_assignee ON inquiries(workspace_id, assignee_id);
CREATE INDEX idx_inquiries_spam_age ON inquiries(spam, created_at) WHERE spam = 1;
