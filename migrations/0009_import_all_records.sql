-- Import (issue 12) of accounts, contacts, opportunities and activities, several files to a
-- job: every record keeps the id it had in its source system, each file its own kind, and
-- each row's outcome its file.

ALTER TABLE accounts ADD COLUMN source_system TEXT;
ALTER TABLE accounts ADD COLUMN source_id TEXT;
CREATE UNIQUE INDEX accounts_source_record ON accounts (source_system, source_id)
    WHERE source_id IS NOT NULL;
ALTER TABLE contacts ADD COLUMN source_system TEXT;
ALTER TABLE contacts ADD COLUMN source_id TEXT;
CREATE UNIQUE INDEX contacts_source_record ON contacts (source_system, source_id)
    WHERE source_id IS NOT NULL;
ALTER TABLE opportunities ADD COLUMN source_system TEXT;
ALTER TABLE opportunities ADD COLUMN source_id TEXT;
CREATE UNIQUE INDEX opportunities_source_record ON opportunities (source_system, source_id)
    WHERE source_id IS NOT NULL;
ALTER TABLE activities ADD COLUMN source_system TEXT;
ALTER TABLE activities ADD COLUMN source_id TEXT;
CREATE UNIQUE INDEX activities_source_record ON activities (source_system, source_id)
    WHERE source_id IS NOT NULL;

-- What each file holds and how many rows; files run in `position` order (the order their
-- references need: accounts first, activities last).
ALTER TABLE import_files ADD COLUMN entity TEXT NOT NULL DEFAULT 'leads'
    CHECK (entity IN ('leads', 'accounts', 'contacts', 'opportunities', 'activities'));
ALTER TABLE import_files ADD COLUMN rows_total INTEGER NOT NULL DEFAULT 0;
UPDATE import_files SET
    entity = (SELECT entity FROM import_jobs j WHERE j.id = job_id),
    rows_total = (SELECT rows_total FROM import_jobs j WHERE j.id = job_id);

-- A job's settings hold one column mapping per file.
UPDATE import_jobs SET settings = json_set(json_remove(settings, '$.mapping'), '$.mappings',
    json_array(json_extract(settings, '$.mapping')));

-- Each row's outcome names its file.
CREATE TABLE import_rows_by_file (
    job_id      INTEGER NOT NULL REFERENCES import_jobs (id) ON DELETE CASCADE,
    file        INTEGER NOT NULL,
    line        INTEGER NOT NULL,
    outcome     TEXT NOT NULL CHECK (outcome IN ('created', 'updated', 'unchanged', 'skipped', 'rejected')),
    record_id   INTEGER,
    version     INTEGER,
    before      TEXT,
    message     TEXT,
    PRIMARY KEY (job_id, file, line)
) WITHOUT ROWID;
INSERT INTO import_rows_by_file (job_id, file, line, outcome, record_id, version, before, message)
    SELECT job_id, 0, line, outcome, record_id, version, before, message FROM import_rows;
DROP TABLE import_rows;
ALTER TABLE import_rows_by_file RENAME TO import_rows;
-- With the outcome, the lookup of "the row of this job that created record R" is a covering
-- index search; without it SQLite searches the primary key by job and file instead.
CREATE INDEX import_rows_record ON import_rows (job_id, file, record_id, outcome);

-- Customer accounts an import created for rows that named one Leadflow did not have (a
-- spreadsheet's company column, say): undo deletes them with the rows' records.
CREATE TABLE import_created_accounts (
    job_id     INTEGER NOT NULL REFERENCES import_jobs (id) ON DELETE CASCADE,
    account_id INTEGER NOT NULL,
    PRIMARY KEY (job_id, account_id)
) WITHOUT ROWID;
