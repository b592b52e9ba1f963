-- Import (issue 12): an uploaded file is kept in pieces of at most 1 MiB, so the run, the
-- dry run and the error file read it a piece at a time and memory does not grow with the
-- file. Each file records its encoding, found once at upload over the whole file.

CREATE TABLE import_file_parts (
    job_id   INTEGER NOT NULL,
    position INTEGER NOT NULL,
    part     INTEGER NOT NULL,
    bytes    BLOB NOT NULL,
    PRIMARY KEY (job_id, position, part),
    FOREIGN KEY (job_id, position) REFERENCES import_files (job_id, position) ON DELETE CASCADE
);

-- 'utf-8' or 'windows-1252'; NULL for a file kept whole before this migration, whose one
-- part is read as it was then (UTF-8 when it all is, else Windows-1252).
ALTER TABLE import_files ADD COLUMN encoding TEXT
    CHECK (encoding IN ('utf-8', 'windows-1252'));

INSERT INTO import_file_parts (job_id, position, part, bytes)
    SELECT job_id, position, 0, bytes FROM import_files;
ALTER TABLE import_files DROP COLUMN bytes;

-- A row skipped as a duplicate keeps its source id and the record it duplicates, so other
-- files' references to that id (a Salesforce contact's AccountId, say) follow it there.
ALTER TABLE import_rows ADD COLUMN source_id TEXT;
CREATE INDEX import_rows_stand_in ON import_rows (job_id, source_id)
    WHERE source_id IS NOT NULL;
