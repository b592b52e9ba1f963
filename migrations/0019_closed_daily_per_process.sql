-- The board's Won and Lost columns show the closes of the process the board shows (the
-- default one when none is chosen): the per-day totals are kept per process too.
DROP TRIGGER closed_daily_insert;
DROP TRIGGER closed_daily_update;
DROP TRIGGER closed_daily_delete;
DROP TABLE closed_daily;

CREATE TABLE closed_daily (
    status        TEXT NOT NULL CHECK (status IN ('won', 'lost')),
    day           TEXT NOT NULL,
    process_id    INTEGER NOT NULL,
    owner_id      INTEGER NOT NULL,
    count         INTEGER NOT NULL,
    revenue_minor INTEGER NOT NULL,
    PRIMARY KEY (status, day, process_id, owner_id)
) WITHOUT ROWID;

INSERT INTO closed_daily (status, day, process_id, owner_id, count, revenue_minor)
SELECT status, actual_close_date, process_id, owner_id, COUNT(*),
       COALESCE(SUM(CASE status WHEN 'won' THEN actual_revenue_minor ELSE estimated_revenue_minor END), 0)
FROM opportunities WHERE status <> 'open'
GROUP BY status, actual_close_date, process_id, owner_id;

CREATE TRIGGER closed_daily_insert AFTER INSERT ON opportunities WHEN new.status <> 'open' BEGIN
    INSERT INTO closed_daily (status, day, process_id, owner_id, count, revenue_minor)
    SELECT new.status, new.actual_close_date, new.process_id, new.owner_id, 1,
           COALESCE(CASE new.status WHEN 'won' THEN new.actual_revenue_minor ELSE new.estimated_revenue_minor END, 0)
    WHERE true
    ON CONFLICT (status, day, process_id, owner_id) DO UPDATE
    SET count = count + 1, revenue_minor = revenue_minor + excluded.revenue_minor;
END;

CREATE TRIGGER closed_daily_update
AFTER UPDATE OF status, actual_close_date, process_id, owner_id, actual_revenue_minor, estimated_revenue_minor ON opportunities
WHEN old.status <> 'open' OR new.status <> 'open' BEGIN
    UPDATE closed_daily
    SET count = count - 1,
        revenue_minor = revenue_minor - COALESCE(CASE old.status WHEN 'won' THEN old.actual_revenue_minor ELSE old.estimated_revenue_minor END, 0)
    WHERE old.status <> 'open' AND status = old.status AND day = old.actual_close_date
      AND process_id = old.process_id AND owner_id = old.owner_id;
    DELETE FROM closed_daily
    WHERE count = 0 AND status = old.status AND day = old.actual_close_date
      AND process_id = old.process_id AND owner_id = old.owner_id;
    INSERT INTO closed_daily (status, day, process_id, owner_id, count, revenue_minor)
    SELECT new.status, new.actual_close_date, new.process_id, new.owner_id, 1,
           COALESCE(CASE new.status WHEN 'won' THEN new.actual_revenue_minor ELSE new.estimated_revenue_minor END, 0)
    WHERE new.status <> 'open'
    ON CONFLICT (status, day, process_id, owner_id) DO UPDATE
    SET count = count + 1, revenue_minor = revenue_minor + excluded.revenue_minor;
END;

CREATE TRIGGER closed_daily_delete AFTER DELETE ON opportunities WHEN old.status <> 'open' BEGIN
    UPDATE closed_daily
    SET count = count - 1,
        revenue_minor = revenue_minor - COALESCE(CASE old.status WHEN 'won' THEN old.actual_revenue_minor ELSE old.estimated_revenue_minor END, 0)
    WHERE status = old.status AND day = old.actual_close_date
      AND process_id = old.process_id AND owner_id = old.owner_id;
    DELETE FROM closed_daily
    WHERE count = 0 AND status = old.status AND day = old.actual_close_date
      AND process_id = old.process_id AND owner_id = old.owner_id;
END;
