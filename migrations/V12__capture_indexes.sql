-- The inbox, its filters and its totals read the lead index; the inquiries table's own list
-- (`GET /api/v1/inquiries`) walks idx_inquiries_inbox and filters status and assignee on it.
-- These two were written by every capture and read by no query.
DROP INDEX IF EXISTS idx_inquiries_status;
DROP INDEX IF EXISTS idx_inquiries_assignee;
