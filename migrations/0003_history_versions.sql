-- Each history row names the record version its change produced, so a stale save can be
-- told exactly which fields changed since the version it was based on.
ALTER TABLE record_history ADD COLUMN version INTEGER;
CREATE INDEX record_history_version ON record_history (record_type, record_id, version);

-- Qualify carries "decision maker identified" over to the opportunity (PRODUCT.md mapping).
ALTER TABLE opportunities ADD COLUMN decision_maker_identified INTEGER CHECK (decision_maker_identified IN (0, 1));

-- Counting a search's matches checks status and owner here instead of in each lead row.
CREATE INDEX leads_search_filter ON leads (id, status, owner_id);

-- The pipeline board per owner: column totals read from the index alone.
CREATE INDEX opportunities_owner_board ON opportunities
    (owner_id, status, stage_id, estimated_close_date, estimated_revenue_minor, probability, actual_close_date, actual_revenue_minor);
-- Won and Lost columns: totals of recently closed opportunities from the index alone.
CREATE INDEX opportunities_closed_board ON opportunities
    (status, actual_close_date, owner_id, actual_revenue_minor, estimated_revenue_minor);
