-- Backtests run in the background with a progress bar: each run's progress and, once it is
-- done, its result (JSON) or why it stopped. Runs older than a day are removed when the
-- next one starts.
CREATE TABLE scoring_backtests (
    id         INTEGER PRIMARY KEY,
    started_by INTEGER NOT NULL REFERENCES users (id),
    started_at TEXT NOT NULL,
    done       INTEGER NOT NULL DEFAULT 0,
    total      INTEGER NOT NULL,
    result     TEXT,
    error      TEXT
);
