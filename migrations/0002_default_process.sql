-- The default "Lead to Opportunity Sales Process" (PRODUCT.md) and the built-in lost reasons.
INSERT INTO processes (id, name, is_default) VALUES (1, 'Lead to Opportunity Sales Process', 1);

INSERT INTO stages (id, process_id, position, name, entity, default_probability, forecast_category) VALUES
    (1, 1, 1, 'Qualify', 'lead', 10, 'pipeline'),
    (2, 1, 2, 'Develop', 'opportunity', 25, 'pipeline'),
    (3, 1, 3, 'Propose', 'opportunity', 50, 'best_case'),
    (4, 1, 4, 'Close', 'opportunity', 80, 'committed');

INSERT INTO steps (stage_id, position, name, kind, field_name, required) VALUES
    (1, 1, 'Existing contact?', 'checkbox', NULL, 0),
    (1, 2, 'Existing account?', 'checkbox', NULL, 0),
    (1, 3, 'Purchase timeframe', 'field', 'purchase_timeframe', 0),
    (1, 4, 'Estimated budget', 'field', 'budget_amount', 0),
    (1, 5, 'Purchase process', 'field', 'purchase_process', 0),
    (1, 6, 'Identify decision maker', 'field', 'decision_maker_identified', 0),
    (1, 7, 'Capture summary', 'field', 'description', 0),
    (2, 1, 'Customer need', 'field', 'customer_need', 1),
    (2, 2, 'Proposed solution', 'field', 'proposed_solution', 1),
    (2, 3, 'Identify stakeholders', 'checkbox', NULL, 0),
    (2, 4, 'Identify competitors', 'checkbox', NULL, 0),
    (3, 1, 'Identify sales team', 'checkbox', NULL, 0),
    (3, 2, 'Develop proposal', 'checkbox', NULL, 1),
    (3, 3, 'Complete internal review', 'checkbox', NULL, 0),
    (3, 4, 'Present proposal', 'checkbox', NULL, 1),
    (4, 1, 'Complete final proposal', 'checkbox', NULL, 1),
    (4, 2, 'Present final proposal', 'checkbox', NULL, 0),
    (4, 3, 'Confirm decision date', 'field', 'estimated_close_date', 1),
    (4, 4, 'Send thank you', 'checkbox', NULL, 0),
    (4, 5, 'File de-brief', 'checkbox', NULL, 0);

INSERT INTO lost_reasons (code, label, is_system) VALUES
    ('canceled', 'Canceled', 1),
    ('out_sold', 'Out-Sold', 1),
    ('other', 'Other', 1);
