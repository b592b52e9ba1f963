-- Import (issue 12): jobs, their files, each row's outcome, saved column mappings, and the
-- id every imported record had in its source system.

-- Where a record came from: a second import of the same ids updates instead of duplicating.
ALTER TABLE leads ADD COLUMN source_system TEXT;
ALTER TABLE leads ADD COLUMN source_id TEXT;
CREATE UNIQUE INDEX leads_source_record ON leads (source_system, source_id)
    WHERE source_id IS NOT NULL;

CREATE TABLE import_jobs (
    id              INTEGER PRIMARY KEY,
    user_id         INTEGER NOT NULL REFERENCES users (id),
    entity          TEXT NOT NULL CHECK (entity IN ('leads', 'accounts', 'contacts', 'opportunities', 'activities')),
    source_system   TEXT NOT NULL,
    -- uploaded → (dry run) → running → done; undone after an undo.
    status          TEXT NOT NULL CHECK (status IN ('uploaded', 'running', 'done', 'undone')),
    -- The settings the dry run and the run read: mapping, duplicate handling, owners (JSON).
    settings        TEXT NOT NULL,
    rows_total      INTEGER NOT NULL DEFAULT 0,
    -- Rows whose outcome is committed: a restarted run resumes after them.
    rows_done       INTEGER NOT NULL DEFAULT 0,
    created         INTEGER NOT NULL DEFAULT 0,
    updated         INTEGER NOT NULL DEFAULT 0,
    skipped         INTEGER NOT NULL DEFAULT 0,
    rejected        INTEGER NOT NULL DEFAULT 0,
    uploaded_at     TEXT NOT NULL,
    started_at      TEXT,
    finished_at     TEXT,
    undone_at       TEXT
);
CREATE INDEX import_jobs_user ON import_jobs (user_id, id DESC);
-- One running import per user.
CREATE UNIQUE INDEX import_jobs_running ON import_jobs (user_id) WHERE status = 'running';

CREATE TABLE import_files (
    job_id   INTEGER NOT NULL REFERENCES import_jobs (id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    name     TEXT NOT NULL,
    bytes    BLOB NOT NULL,
    PRIMARY KEY (job_id, position)
);

-- Each row's outcome, written in the same transaction as its record.
CREATE TABLE import_rows (
    job_id      INTEGER NOT NULL REFERENCES import_jobs (id) ON DELETE CASCADE,
    line        INTEGER NOT NULL,
    outcome     TEXT NOT NULL CHECK (outcome IN ('created', 'updated', 'unchanged', 'skipped', 'rejected')),
    record_id   INTEGER,
    -- The record's version right after the import wrote it: undo leaves records edited since.
    version     INTEGER,
    -- An updated record's fields and owner before the import (JSON), for undo.
    before      TEXT,
    message     TEXT,
    PRIMARY KEY (job_id, line)
) WITHOUT ROWID;
-- A run meets the records its committed chunks created; undo finds them.
CREATE INDEX import_rows_record ON import_rows (job_id, record_id);

-- The column → field mapping a user last confirmed for files of a source with these headers.
CREATE TABLE import_mappings (
    entity        TEXT NOT NULL,
    source_system TEXT NOT NULL,
    mapping       TEXT NOT NULL,
    saved_at      TEXT NOT NULL,
    PRIMARY KEY (entity, source_system)
);
