-- Bulk actions over a list view's selection run in the background (each record through its
-- own write path takes time): their progress and report, which the page that started one
-- polls. A server restart leaves a running one 'interrupted' with what it had done.
CREATE TABLE bulk_jobs (
    id            INTEGER PRIMARY KEY,
    user_id       INTEGER NOT NULL REFERENCES users (id),
    member_type   TEXT NOT NULL CHECK (member_type IN ('lead', 'contact', 'account')),
    state         TEXT NOT NULL DEFAULT 'running' CHECK (state IN ('running', 'finished', 'interrupted')),
    total         INTEGER NOT NULL,
    done          INTEGER NOT NULL DEFAULT 0,
    changed       INTEGER NOT NULL DEFAULT 0,
    unchanged     INTEGER NOT NULL DEFAULT 0,
    skipped_count INTEGER NOT NULL DEFAULT 0,
    -- The skipped records and why, as JSON, written when the job stops.
    skipped       TEXT NOT NULL DEFAULT '[]',
    started_at    TEXT NOT NULL,
    finished_at   TEXT
);
