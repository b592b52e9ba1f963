-- Stage analytics (issue 16). When each opportunity entered the stage it is at, kept by a
-- trigger on the stage history (every stage change, by any path, writes a row there): what
-- "stalled" lists and board cards compare with their stage's threshold.
ALTER TABLE opportunities ADD COLUMN stage_entered_at TEXT;
UPDATE opportunities SET stage_entered_at = COALESCE(
    (SELECT MAX(h.changed_at) FROM stage_history h
     WHERE h.record_type = 'opportunity' AND h.record_id = opportunities.id),
    created_at);
CREATE TRIGGER opportunity_stage_entered AFTER INSERT ON stage_history
WHEN NEW.record_type = 'opportunity'
BEGIN
    UPDATE opportunities SET stage_entered_at = NEW.changed_at WHERE id = NEW.record_id;
END;
-- Stalled counts per stage (and owner) read the index alone.
CREATE INDEX opportunities_stalled ON opportunities (status, stage_id, stage_entered_at, owner_id);

-- Time in stage and stage conversion per stage, for everyone (owner 0) and per owner:
-- recomputed in the background from the stage history, `stage_flows_state` says when and up
-- to which history row.
CREATE TABLE stage_flows (
    owner_id         INTEGER NOT NULL,
    stage_id         INTEGER NOT NULL,
    entered          INTEGER NOT NULL,
    moved_on         INTEGER NOT NULL,
    won              INTEGER NOT NULL,
    visits           INTEGER NOT NULL,
    average_days_x10 INTEGER,
    median_days_x10  INTEGER,
    PRIMARY KEY (owner_id, stage_id)
) WITHOUT ROWID;
CREATE TABLE stage_flows_state (computed_at TEXT, history_mark INTEGER NOT NULL);
INSERT INTO stage_flows_state VALUES (NULL, 0);
-- A new opportunity has been in its first stage since it was made (its stage history row,
-- when it has one, says the same or later).
CREATE TRIGGER opportunity_created_stage_entered AFTER INSERT ON opportunities
WHEN NEW.stage_entered_at IS NULL
BEGIN
    UPDATE opportunities SET stage_entered_at = NEW.created_at WHERE id = NEW.id;
END;
