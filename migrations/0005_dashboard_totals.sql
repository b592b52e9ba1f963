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

-- Adding one opportunity's share (sign 1) or taking it away (sign -1), written once: the
-- triggers below insert an opportunity's columns into this view.
CREATE VIEW opportunity_monthly_change AS
SELECT 0 AS sign, status, estimated_close_date, actual_close_date, owner_id, stage_id,
       forecast_category, lost_reason_id, estimated_revenue_minor, actual_revenue_minor,
       probability, created_at
FROM opportunities WHERE false;

CREATE TRIGGER opportunity_monthly_apply INSTEAD OF INSERT ON opportunity_monthly_change BEGIN
    INSERT INTO opportunity_monthly
    SELECT new.status,
           COALESCE(substr(CASE new.status WHEN 'open' THEN new.estimated_close_date ELSE new.actual_close_date END, 1, 7), ''),
           new.owner_id, new.stage_id, new.forecast_category, COALESCE(new.lost_reason_id, 0),
           new.sign,
           new.sign * COALESCE(CASE new.status WHEN 'won' THEN new.actual_revenue_minor ELSE new.estimated_revenue_minor END, 0),
           new.sign * COALESCE(new.estimated_revenue_minor, 0) * new.probability,
           new.sign * CASE WHEN new.status = 'open' THEN 0
               ELSE CAST(julianday(new.actual_close_date) - julianday(substr(new.created_at, 1, 10)) AS INTEGER) END
    WHERE true
    ON CONFLICT DO UPDATE SET
        count = count + excluded.count,
        revenue_minor = revenue_minor + excluded.revenue_minor,
        weighted_x100 = weighted_x100 + excluded.weighted_x100,
        cycle_days = cycle_days + excluded.cycle_days;
    -- Only a removal can empty a row (the constant test skips the scan for additions).
    DELETE FROM opportunity_monthly WHERE new.sign < 0 AND count = 0;
END;

INSERT INTO opportunity_monthly_change
SELECT 1, status, estimated_close_date, actual_close_date, owner_id, stage_id, forecast_category,
       lost_reason_id, estimated_revenue_minor, actual_revenue_minor, probability, created_at
FROM opportunities;

CREATE TRIGGER opportunity_monthly_insert AFTER INSERT ON opportunities BEGIN
    INSERT INTO opportunity_monthly_change VALUES (1, new.status, new.estimated_close_date,
        new.actual_close_date, new.owner_id, new.stage_id, new.forecast_category, new.lost_reason_id,
        new.estimated_revenue_minor, new.actual_revenue_minor, new.probability, new.created_at);
END;

CREATE TRIGGER opportunity_monthly_update
AFTER UPDATE OF status, estimated_close_date, actual_close_date, owner_id, stage_id, forecast_category,
    lost_reason_id, estimated_revenue_minor, actual_revenue_minor, probability, created_at ON opportunities BEGIN
    INSERT INTO opportunity_monthly_change VALUES (-1, old.status, old.estimated_close_date,
        old.actual_close_date, old.owner_id, old.stage_id, old.forecast_category, old.lost_reason_id,
        old.estimated_revenue_minor, old.actual_revenue_minor, old.probability, old.created_at);
    INSERT INTO opportunity_monthly_change VALUES (1, new.status, new.estimated_close_date,
        new.actual_close_date, new.owner_id, new.stage_id, new.forecast_category, new.lost_reason_id,
        new.estimated_revenue_minor, new.actual_revenue_minor, new.probability, new.created_at);
END;

CREATE TRIGGER opportunity_monthly_delete AFTER DELETE ON opportunities BEGIN
    INSERT INTO opportunity_monthly_change VALUES (-1, old.status, old.estimated_close_date,
        old.actual_close_date, old.owner_id, old.stage_id, old.forecast_category, old.lost_reason_id,
        old.estimated_revenue_minor, old.actual_revenue_minor, old.probability, old.created_at);
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

-- The same for leads: one lead's share added (sign 1) or taken away (sign -1).
CREATE VIEW lead_monthly_change AS
SELECT 0 AS sign, created_at, owner_id, lead_source, status FROM leads WHERE false;

CREATE TRIGGER lead_monthly_apply INSTEAD OF INSERT ON lead_monthly_change BEGIN
    INSERT INTO lead_monthly
    VALUES (substr(new.created_at, 1, 7), new.owner_id, COALESCE(new.lead_source, ''), new.status, new.sign)
    ON CONFLICT DO UPDATE SET count = count + excluded.count;
    DELETE FROM lead_monthly WHERE new.sign < 0 AND count = 0;
END;

INSERT INTO lead_monthly_change SELECT 1, created_at, owner_id, lead_source, status FROM leads;

CREATE TRIGGER lead_monthly_insert AFTER INSERT ON leads BEGIN
    INSERT INTO lead_monthly_change VALUES (1, new.created_at, new.owner_id, new.lead_source, new.status);
END;

CREATE TRIGGER lead_monthly_update AFTER UPDATE OF created_at, owner_id, lead_source, status ON leads BEGIN
    INSERT INTO lead_monthly_change VALUES (-1, old.created_at, old.owner_id, old.lead_source, old.status);
    INSERT INTO lead_monthly_change VALUES (1, new.created_at, new.owner_id, new.lead_source, new.status);
END;

CREATE TRIGGER lead_monthly_delete AFTER DELETE ON leads BEGIN
    INSERT INTO lead_monthly_change VALUES (-1, old.created_at, old.owner_id, old.lead_source, old.status);
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
