-- Closing sets probability and forecast category to those of Won or Lost; the values the
-- opportunity had while open are kept here, so Reopen restores a user's overrides.
ALTER TABLE opportunities ADD COLUMN open_probability INTEGER CHECK (open_probability BETWEEN 0 AND 100);
ALTER TABLE opportunities ADD COLUMN open_forecast_category TEXT
    CHECK (open_forecast_category IN ('pipeline', 'best_case', 'committed', 'omitted', 'won', 'lost'));
