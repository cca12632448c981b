-- Pricing-page selections stored right after signup. Money in integer minor units exactly as
-- the client sent it; `pricing_check` holds leadbox's own recomputation from the catalogue.
CREATE TABLE pricing_selections (
    id                        TEXT PRIMARY KEY,
    workspace_id              TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    user_id                   TEXT NOT NULL,
    user_type                 TEXT NOT NULL CHECK (user_type IN
                              ('industry', 'service_vendor', 'product_vendor', 'logistics', 'professional')),
    selected_plan_code        TEXT NOT NULL,
    selected_addon_codes      TEXT NOT NULL DEFAULT '[]',
    plan_monthly_min          INTEGER NOT NULL,
    plan_monthly_max          INTEGER NOT NULL,
    addons_monthly_amount     INTEGER NOT NULL DEFAULT 0,
    addons_onetime_amount     INTEGER NOT NULL DEFAULT 0,
    gst_rate_bp               INTEGER NOT NULL DEFAULT 1800,
    estimated_first_month_min INTEGER NOT NULL,
    estimated_first_month_max INTEGER NOT NULL,
    estimated_recurring_min   INTEGER NOT NULL,
    estimated_recurring_max   INTEGER NOT NULL,
    pricing_check             TEXT NOT NULL DEFAULT '{}',
    source                    TEXT NOT NULL DEFAULT 'pricing_page' CHECK (source = 'pricing_page'),
    captured_at               TEXT NOT NULL,
    created_at                TEXT NOT NULL,
    updated_at                TEXT NOT NULL,
    status                    TEXT NOT NULL DEFAULT 'pending'
                              CHECK (status IN ('pending', 'contacted', 'converted', 'expired')),
    notes                     TEXT,
    contacted_by              TEXT REFERENCES users(id) ON DELETE SET NULL,
    contacted_at              TEXT,
    converted_at              TEXT,
    expired_at                TEXT,
    FOREIGN KEY (workspace_id, user_id) REFERENCES end_users(workspace_id, id) ON DELETE CASCADE
);
CREATE INDEX idx_pricing_selections_user ON pricing_selections(workspace_id, user_id, created_at);
CREATE INDEX idx_pricing_selections_status ON pricing_selections(workspace_id, status);
CREATE INDEX idx_pricing_selections_created ON pricing_selections(workspace_id, created_at DESC);
-- One pending selection per user: concurrent posts cannot both win.
CREATE UNIQUE INDEX idx_pricing_selections_one_pending
    ON pricing_selections(workspace_id, user_id) WHERE status = 'pending';
