-- The process designer (issue 16). Stages are archived, never deleted (history points at
-- them), and may say after how many days an open opportunity in them has stalled; steps get
-- a line of guidance and are removed by marking (completions point at them); every saved
-- version of a process is kept with its definition and what it changed.
ALTER TABLE stages ADD COLUMN archived INTEGER NOT NULL DEFAULT 0 CHECK (archived IN (0, 1));
ALTER TABLE stages ADD COLUMN stalled_days INTEGER CHECK (stalled_days BETWEEN 1 AND 3650);
ALTER TABLE steps ADD COLUMN guidance TEXT;
ALTER TABLE steps ADD COLUMN removed INTEGER NOT NULL DEFAULT 0 CHECK (removed IN (0, 1));

CREATE TABLE process_versions (
    process_id INTEGER NOT NULL REFERENCES processes (id),
    version    INTEGER NOT NULL,
    -- The process as its editor showed it (JSON), for what a later version changed.
    definition TEXT NOT NULL,
    -- What this version changed, one line each (JSON array).
    changes    TEXT NOT NULL DEFAULT '[]',
    -- None for the version the migrations installed.
    saved_by   INTEGER REFERENCES users (id),
    saved_at   TEXT,
    PRIMARY KEY (process_id, version)
);

-- The default process's stalled thresholds.
UPDATE stages SET stalled_days = 30 WHERE id = 2;
UPDATE stages SET stalled_days = 21 WHERE id = 3;
UPDATE stages SET stalled_days = 14 WHERE id = 4;
