-- The dashboard's figures, kept by triggers inside the transaction that changes the record,
-- so a dashboard over a million records sums a few hundred rows. Months are 'YYYY-MM'.

-- Opportunities per status and month: the estimated close month while open ('' without an
-- estimated close date), the actual close month once closed. Revenue is the estimate while
-- open and for lost deals, the actual revenue once won; `weighted_x100` sums revenue ×
-- probability; `cycle_days` sums the days from creation to the actual close.
CREATE TABLE opportunity_monthly (
    status            TEXT NOT NULL,
    month             TEXT NOT NULL,
    owner_id          INTEGER NOT NULL,
    stage_id          INTEGER NOT NULL,
    forecast_category TEXT NOT NULL,
    lost_reason_id    INTEGER NOT NULL, -- 0 unless lost
    count             INTEGER NOT NULL,
    revenue_minor     INTEGER NOT NULL,
    weighted_x100     INTEGER NOT NULL,
    cycle_days        INTEGER NOT NULL,
    PRIMARY KEY (status, month, owner_id, stage_id, forecast_category, lost_reason_id)
) WITHOUT ROWID;

-- One row's contribution, written once as a view so the triggers and the back-fill agree.
CREATE VIEW opportunity_monthly_rows AS
SELECT id,
       status,
       COALESCE(substr(CASE status WHEN 'open' THEN estimated_close_date ELSE actual_close_date END, 1, 7), '') AS month,
       owner_id,
       stage_id,
       forecast_category,
       COALESCE(lost_reason_id, 0) AS lost_reason_id,
       COALESCE(CASE status WHEN 'won' THEN actual_revenue_minor ELSE estimated_revenue_minor END, 0) AS revenue_minor,
       COALESCE(estimated_revenue_minor, 0) * probability AS weighted_x100,
       CASE WHEN status = 'open' THEN 0
            ELSE CAST(julianday(actual_close_date) - julianday(substr(created_at, 1, 10)) AS INTEGER) END AS cycle_days
FROM opportunities;

INSERT INTO opportunity_monthly
SELECT status, month, owner_id, stage_id, forecast_category, lost_reason_id,
       COUNT(*), SUM(revenue_minor), SUM(weighted_x100), SUM(cycle_days)
FROM opportunity_monthly_rows
GROUP BY status, month, owner_id, stage_id, forecast_category, lost_reason_id;

CREATE TRIGGER opportunity_monthly_insert AFTER INSERT ON opportunities BEGIN
    INSERT INTO opportunity_monthly
    SELECT status, month, owner_id, stage_id, forecast_category, lost_reason_id,
           1, revenue_minor, weighted_x100, cycle_days
    FROM opportunity_monthly_rows WHERE id = new.id
    ON CONFLICT DO UPDATE SET
        count = count + 1,
        revenue_minor = revenue_minor + excluded.revenue_minor,
        weighted_x100 = weighted_x100 + excluded.weighted_x100,
        cycle_days = cycle_days + excluded.cycle_days;
END;

-- The old contribution is computed from `old` by hand (the view reads the new row).
CREATE TRIGGER opportunity_monthly_update
AFTER UPDATE OF status, estimated_close_date, actual_close_date, owner_id, stage_id, forecast_category,
    lost_reason_id, estimated_revenue_minor, actual_revenue_minor, probability, created_at ON opportunities BEGIN
    UPDATE opportunity_monthly SET
        count = count - 1,
        revenue_minor = revenue_minor - COALESCE(CASE old.status WHEN 'won' THEN old.actual_revenue_minor ELSE old.estimated_revenue_minor END, 0),
        weighted_x100 = weighted_x100 - COALESCE(old.estimated_revenue_minor, 0) * old.probability,
        cycle_days = cycle_days - CASE WHEN old.status = 'open' THEN 0
            ELSE CAST(julianday(old.actual_close_date) - julianday(substr(old.created_at, 1, 10)) AS INTEGER) END
    WHERE status = old.status
      AND month = COALESCE(substr(CASE old.status WHEN 'open' THEN old.estimated_close_date ELSE old.actual_close_date END, 1, 7), '')
      AND owner_id = old.owner_id AND stage_id = old.stage_id AND forecast_category = old.forecast_category
      AND lost_reason_id = COALESCE(old.lost_reason_id, 0);
    DELETE FROM opportunity_monthly WHERE count = 0;
    INSERT INTO opportunity_monthly
    SELECT status, month, owner_id, stage_id, forecast_category, lost_reason_id,
           1, revenue_minor, weighted_x100, cycle_days
    FROM opportunity_monthly_rows WHERE id = new.id
    ON CONFLICT DO UPDATE SET
        count = count + 1,
        revenue_minor = revenue_minor + excluded.revenue_minor,
        weighted_x100 = weighted_x100 + excluded.weighted_x100,
        cycle_days = cycle_days + excluded.cycle_days;
END;

CREATE TRIGGER opportunity_monthly_delete AFTER DELETE ON opportunities BEGIN
    UPDATE opportunity_monthly SET
        count = count - 1,
        revenue_minor = revenue_minor - COALESCE(CASE old.status WHEN 'won' THEN old.actual_revenue_minor ELSE old.estimated_revenue_minor END, 0),
        weighted_x100 = weighted_x100 - COALESCE(old.estimated_revenue_minor, 0) * old.probability,
        cycle_days = cycle_days - CASE WHEN old.status = 'open' THEN 0
            ELSE CAST(julianday(old.actual_close_date) - julianday(substr(old.created_at, 1, 10)) AS INTEGER) END
    WHERE status = old.status
      AND month = COALESCE(substr(CASE old.status WHEN 'open' THEN old.estimated_close_date ELSE old.actual_close_date END, 1, 7), '')
      AND owner_id = old.owner_id AND stage_id = old.stage_id AND forecast_category = old.forecast_category
      AND lost_reason_id = COALESCE(old.lost_reason_id, 0);
    DELETE FROM opportunity_monthly WHERE count = 0;
END;

-- Leads per creation month, owner, source ('' without one) and status.
CREATE TABLE lead_monthly (
    month    TEXT NOT NULL,
    owner_id INTEGER NOT NULL,
    source   TEXT NOT NULL,
    status   TEXT NOT NULL,
    count    INTEGER NOT NULL,
    PRIMARY KEY (month, owner_id, source, status)
) WITHOUT ROWID;

INSERT INTO lead_monthly
SELECT substr(created_at, 1, 7), owner_id, COALESCE(lead_source, ''), status, COUNT(*)
FROM leads GROUP BY 1, 2, 3, 4;

CREATE TRIGGER lead_monthly_insert AFTER INSERT ON leads BEGIN
    INSERT INTO lead_monthly VALUES (substr(new.created_at, 1, 7), new.owner_id, COALESCE(new.lead_source, ''), new.status, 1)
    ON CONFLICT DO UPDATE SET count = count + 1;
END;

CREATE TRIGGER lead_monthly_update AFTER UPDATE OF created_at, owner_id, lead_source, status ON leads BEGIN
    UPDATE lead_monthly SET count = count - 1
    WHERE month = substr(old.created_at, 1, 7) AND owner_id = old.owner_id
      AND source = COALESCE(old.lead_source, '') AND status = old.status;
    DELETE FROM lead_monthly WHERE count = 0;
    INSERT INTO lead_monthly VALUES (substr(new.created_at, 1, 7), new.owner_id, COALESCE(new.lead_source, ''), new.status, 1)
    ON CONFLICT DO UPDATE SET count = count + 1;
END;

CREATE TRIGGER lead_monthly_delete AFTER DELETE ON leads BEGIN
    UPDATE lead_monthly SET count = count - 1
    WHERE month = substr(old.created_at, 1, 7) AND owner_id = old.owner_id
      AND source = COALESCE(old.lead_source, '') AND status = old.status;
    DELETE FROM lead_monthly WHERE count = 0;
END;

-- Every amount is in the one currency the app records (USD), so the dashboard's sums are
-- sums of like amounts. Anything else is refused with a message that says so.
CREATE TRIGGER opportunities_one_currency_insert BEFORE INSERT ON opportunities
WHEN new.currency <> 'USD' BEGIN
    SELECT RAISE(ABORT, 'Leadflow records opportunity amounts in USD only');
END;
CREATE TRIGGER opportunities_one_currency_update BEFORE UPDATE OF currency ON opportunities
WHEN new.currency <> 'USD' BEGIN
    SELECT RAISE(ABORT, 'Leadflow records opportunity amounts in USD only');
END;

-- The lost list filtered by reason (the dashboard's lost-reason click-through).
CREATE INDEX opportunities_lost_reason ON opportunities (lost_reason_id, actual_close_date)
    WHERE lost_reason_id IS NOT NULL;
