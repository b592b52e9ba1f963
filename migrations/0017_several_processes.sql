-- Several opportunity processes (issue 16): where an opportunity stood in each process it
-- has left, so switching back resumes there (its ticked steps belong to those stages and
-- stay ticked).
CREATE TABLE opportunity_process_positions (
    opportunity_id INTEGER NOT NULL REFERENCES opportunities (id) ON DELETE CASCADE,
    process_id     INTEGER NOT NULL REFERENCES processes (id),
    stage_id       INTEGER NOT NULL REFERENCES stages (id),
    PRIMARY KEY (opportunity_id, process_id)
) WITHOUT ROWID;
