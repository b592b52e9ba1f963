-- Lead scoring: the published rule versions, the one draft, the last recompute of every
-- open lead (its progress and its UTC day, for the daily run), and each lead's grade, the
-- rules version that scored it and the lines that explain it (`score` dates from 0001).
CREATE TABLE scoring_versions (
    version      INTEGER PRIMARY KEY,
    rules        TEXT NOT NULL,
    published_at TEXT NOT NULL,
    published_by INTEGER REFERENCES users (id)
);

CREATE TABLE scoring_draft (
    id       INTEGER PRIMARY KEY CHECK (id = 1),
    rules    TEXT NOT NULL,
    revision INTEGER NOT NULL,
    saved_at TEXT NOT NULL,
    saved_by INTEGER REFERENCES users (id)
);

CREATE TABLE scoring_recompute (
    id         INTEGER PRIMARY KEY CHECK (id = 1),
    version    INTEGER NOT NULL,
    done       INTEGER NOT NULL,
    total      INTEGER NOT NULL,
    finished   INTEGER NOT NULL CHECK (finished IN (0, 1)),
    day        TEXT NOT NULL
);

ALTER TABLE leads ADD COLUMN grade TEXT CHECK (grade IN ('a', 'b', 'c', 'd'));
ALTER TABLE leads ADD COLUMN score_version INTEGER;
ALTER TABLE leads ADD COLUMN score_detail TEXT;

CREATE INDEX leads_status_score ON leads (status, score DESC);
CREATE INDEX leads_owner_status_score ON leads (owner_id, status, score DESC);
CREATE INDEX leads_status_grade_score ON leads (status, grade, score DESC);
