-- Leadflow schema: the whole product, designed up front so later work only fills it in.
-- Conventions: option sets are stored as stable codes (never labels); money is integer
-- minor units plus an ISO 4217 currency code; dates are 'YYYY-MM-DD'; timestamps are UTC
-- RFC 3339 text; every editable record has a `version` for optimistic concurrency.

CREATE TABLE users (
    id            INTEGER PRIMARY KEY,
    email         TEXT NOT NULL COLLATE NOCASE UNIQUE,
    name          TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    role          TEXT NOT NULL CHECK (role IN ('rep', 'manager', 'admin')),
    active        INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    -- Bumped on password reset: sessions signed in under an older epoch end.
    session_epoch INTEGER NOT NULL DEFAULT 0,
    version       INTEGER NOT NULL DEFAULT 1,
    created_at    TEXT NOT NULL,
    modified_at   TEXT NOT NULL
);

-- Session rows as tower-sessions' SQLite store reads and writes them.
CREATE TABLE tower_sessions (
    id          TEXT PRIMARY KEY NOT NULL,
    data        BLOB NOT NULL,
    expiry_date INTEGER NOT NULL
);
CREATE INDEX tower_sessions_expiry ON tower_sessions (expiry_date);

-- Instance-wide settings (e.g. whether this database holds demo data).
CREATE TABLE app_settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

-- Business process flows -------------------------------------------------------------
CREATE TABLE processes (
    id         INTEGER PRIMARY KEY,
    name       TEXT NOT NULL UNIQUE,
    is_default INTEGER NOT NULL DEFAULT 0 CHECK (is_default IN (0, 1)),
    active     INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    version    INTEGER NOT NULL DEFAULT 1
);

CREATE TABLE stages (
    id                  INTEGER PRIMARY KEY,
    process_id          INTEGER NOT NULL REFERENCES processes (id),
    position            INTEGER NOT NULL,
    name                TEXT NOT NULL,
    entity              TEXT NOT NULL CHECK (entity IN ('lead', 'opportunity')),
    default_probability INTEGER NOT NULL CHECK (default_probability BETWEEN 0 AND 100),
    forecast_category   TEXT NOT NULL CHECK (forecast_category IN ('pipeline', 'best_case', 'committed', 'omitted', 'won', 'lost')),
    version             INTEGER NOT NULL DEFAULT 1,
    UNIQUE (process_id, position)
);

CREATE TABLE steps (
    id         INTEGER PRIMARY KEY,
    stage_id   INTEGER NOT NULL REFERENCES stages (id),
    position   INTEGER NOT NULL,
    name       TEXT NOT NULL,
    -- 'field': done when `field_name` of the record has a value; 'checkbox': done when ticked.
    kind       TEXT NOT NULL CHECK (kind IN ('field', 'checkbox')),
    field_name TEXT,
    required   INTEGER NOT NULL DEFAULT 0 CHECK (required IN (0, 1)),
    version    INTEGER NOT NULL DEFAULT 1,
    UNIQUE (stage_id, position),
    CHECK ((kind = 'field') = (field_name IS NOT NULL))
);

-- Admin-defined lost reasons next to the built-in ones (Canceled, Out-Sold).
CREATE TABLE lost_reasons (
    id        INTEGER PRIMARY KEY,
    code      TEXT NOT NULL UNIQUE,
    label     TEXT NOT NULL,
    is_system INTEGER NOT NULL DEFAULT 0 CHECK (is_system IN (0, 1)),
    active    INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1))
);

CREATE TABLE competitors (
    id      INTEGER PRIMARY KEY,
    name    TEXT NOT NULL COLLATE NOCASE UNIQUE,
    website TEXT,
    active  INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1))
);

-- Accounts and contacts ----------------------------------------------------------------
CREATE TABLE accounts (
    id                    INTEGER PRIMARY KEY,
    name                  TEXT NOT NULL,
    name_normalized       TEXT NOT NULL,
    website               TEXT,
    phone                 TEXT,
    phone_digits          TEXT,
    email                 TEXT,
    email_normalized      TEXT,
    industry              TEXT,
    street                TEXT,
    city                  TEXT,
    state_province        TEXT,
    postal_code           TEXT,
    country               TEXT,
    employees             INTEGER CHECK (employees IS NULL OR employees >= 0),
    annual_revenue_minor  INTEGER CHECK (annual_revenue_minor IS NULL OR annual_revenue_minor >= 0),
    currency              TEXT NOT NULL DEFAULT 'USD' CHECK (length(currency) = 3),
    parent_account_id     INTEGER REFERENCES accounts (id),
    primary_contact_id    INTEGER REFERENCES contacts (id),
    owner_id              INTEGER NOT NULL REFERENCES users (id),
    active                INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    version               INTEGER NOT NULL DEFAULT 1,
    created_by            INTEGER NOT NULL REFERENCES users (id),
    created_at            TEXT NOT NULL,
    modified_by           INTEGER NOT NULL REFERENCES users (id),
    modified_at           TEXT NOT NULL
);
CREATE INDEX accounts_name ON accounts (active, name_normalized);
CREATE INDEX accounts_owner ON accounts (owner_id, active);
CREATE INDEX accounts_email ON accounts (email_normalized) WHERE email_normalized IS NOT NULL;
CREATE INDEX accounts_phone ON accounts (phone_digits) WHERE phone_digits IS NOT NULL;
CREATE INDEX accounts_parent ON accounts (parent_account_id) WHERE parent_account_id IS NOT NULL;
CREATE INDEX accounts_primary_contact ON accounts (primary_contact_id) WHERE primary_contact_id IS NOT NULL;

CREATE TABLE contacts (
    id                  INTEGER PRIMARY KEY,
    first_name          TEXT,
    last_name           TEXT NOT NULL,
    last_name_normalized TEXT NOT NULL,
    job_title           TEXT,
    account_id          INTEGER REFERENCES accounts (id),
    email               TEXT,
    email_normalized    TEXT,
    business_phone      TEXT,
    mobile_phone        TEXT,
    business_phone_digits TEXT,
    mobile_phone_digits TEXT,
    street              TEXT,
    city                TEXT,
    state_province      TEXT,
    postal_code         TEXT,
    country             TEXT,
    originating_lead_id INTEGER REFERENCES leads (id),
    owner_id            INTEGER NOT NULL REFERENCES users (id),
    active              INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    version             INTEGER NOT NULL DEFAULT 1,
    created_by          INTEGER NOT NULL REFERENCES users (id),
    created_at          TEXT NOT NULL,
    modified_by         INTEGER NOT NULL REFERENCES users (id),
    modified_at         TEXT NOT NULL
);
CREATE INDEX contacts_name ON contacts (active, last_name_normalized, first_name);
CREATE INDEX contacts_account ON contacts (account_id) WHERE account_id IS NOT NULL;
CREATE INDEX contacts_owner ON contacts (owner_id, active);
CREATE INDEX contacts_email ON contacts (email_normalized) WHERE email_normalized IS NOT NULL;
CREATE INDEX contacts_business_phone ON contacts (business_phone_digits) WHERE business_phone_digits IS NOT NULL;
CREATE INDEX contacts_mobile_phone ON contacts (mobile_phone_digits) WHERE mobile_phone_digits IS NOT NULL;
CREATE INDEX contacts_originating_lead ON contacts (originating_lead_id) WHERE originating_lead_id IS NOT NULL;

-- Leads ------------------------------------------------------------------------------
CREATE TABLE leads (
    id                       INTEGER PRIMARY KEY,
    topic                    TEXT NOT NULL,
    first_name               TEXT,
    last_name                TEXT,
    last_name_normalized     TEXT,
    job_title                TEXT,
    company_name             TEXT,
    company_normalized       TEXT,
    email                    TEXT,
    email_normalized         TEXT,
    business_phone           TEXT,
    mobile_phone             TEXT,
    business_phone_digits    TEXT,
    mobile_phone_digits      TEXT,
    website                  TEXT,
    street                   TEXT,
    city                     TEXT,
    state_province           TEXT,
    postal_code              TEXT,
    country                  TEXT,
    description              TEXT,
    lead_source              TEXT CHECK (lead_source IN ('advertisement', 'employee_referral', 'external_referral', 'partner', 'public_relations', 'seminar', 'trade_show', 'web', 'word_of_mouth', 'other')),
    rating                   TEXT CHECK (rating IN ('hot', 'warm', 'cold')),
    budget_amount_minor      INTEGER CHECK (budget_amount_minor IS NULL OR budget_amount_minor >= 0),
    currency                 TEXT NOT NULL DEFAULT 'USD' CHECK (length(currency) = 3),
    budget_status            TEXT CHECK (budget_status IN ('no_committed_budget', 'may_buy', 'can_buy', 'will_buy')),
    purchase_timeframe       TEXT CHECK (purchase_timeframe IN ('immediate', 'this_quarter', 'next_quarter', 'this_year', 'unknown')),
    purchase_process         TEXT CHECK (purchase_process IN ('individual', 'committee', 'unknown')),
    decision_maker_identified INTEGER CHECK (decision_maker_identified IN (0, 1)),
    need                     TEXT CHECK (need IN ('must_have', 'should_have', 'good_to_have', 'no_need')),
    score                    INTEGER NOT NULL DEFAULT 0,
    status                   TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'qualified', 'disqualified')),
    status_reason            TEXT NOT NULL DEFAULT 'new' CHECK (
        (status = 'open' AND status_reason IN ('new', 'contacted'))
        OR (status = 'qualified' AND status_reason = 'qualified')
        OR (status = 'disqualified' AND status_reason IN ('lost', 'cannot_contact', 'no_longer_interested', 'canceled'))
    ),
    process_id               INTEGER REFERENCES processes (id),
    stage_id                 INTEGER REFERENCES stages (id),
    qualified_account_id     INTEGER REFERENCES accounts (id),
    qualified_contact_id     INTEGER REFERENCES contacts (id),
    qualified_opportunity_id INTEGER REFERENCES opportunities (id),
    qualified_at             TEXT,
    closed_at                TEXT,
    owner_id                 INTEGER NOT NULL REFERENCES users (id),
    version                  INTEGER NOT NULL DEFAULT 1,
    created_by               INTEGER NOT NULL REFERENCES users (id),
    created_at               TEXT NOT NULL,
    modified_by              INTEGER NOT NULL REFERENCES users (id),
    modified_at              TEXT NOT NULL,
    CHECK (last_name IS NOT NULL OR company_name IS NOT NULL)
);
-- List views: "open leads" by owner or all, newest first; closed leads; duplicate checks.
CREATE INDEX leads_status_created ON leads (status, created_at DESC);
CREATE INDEX leads_owner_status_created ON leads (owner_id, status, created_at DESC);
CREATE INDEX leads_source ON leads (lead_source, status, rating);
CREATE INDEX leads_rating ON leads (rating, status);
CREATE INDEX leads_email ON leads (email_normalized) WHERE email_normalized IS NOT NULL;
CREATE INDEX leads_business_phone ON leads (business_phone_digits) WHERE business_phone_digits IS NOT NULL;
CREATE INDEX leads_mobile_phone ON leads (mobile_phone_digits) WHERE mobile_phone_digits IS NOT NULL;
CREATE INDEX leads_company_last_name ON leads (company_normalized, last_name_normalized) WHERE company_normalized IS NOT NULL;
-- Foreign-key children are indexed so that checking or following a reference never scans.
CREATE INDEX leads_qualified_account ON leads (qualified_account_id) WHERE qualified_account_id IS NOT NULL;
CREATE INDEX leads_qualified_contact ON leads (qualified_contact_id) WHERE qualified_contact_id IS NOT NULL;
CREATE INDEX leads_qualified_opportunity ON leads (qualified_opportunity_id) WHERE qualified_opportunity_id IS NOT NULL;

-- Lead search: substring matches on name, company and email through a trigram index
-- (rowid = lead id), kept current by triggers.
CREATE VIRTUAL TABLE leads_search USING fts5(text, tokenize = 'trigram');
CREATE TRIGGER leads_search_insert AFTER INSERT ON leads BEGIN
    INSERT INTO leads_search (rowid, text)
    VALUES (new.id, concat_ws(' ', new.first_name, new.last_name, new.company_name, new.email));
END;
CREATE TRIGGER leads_search_update AFTER UPDATE OF first_name, last_name, company_name, email ON leads BEGIN
    UPDATE leads_search
    SET text = concat_ws(' ', new.first_name, new.last_name, new.company_name, new.email)
    WHERE rowid = new.id;
END;
CREATE TRIGGER leads_search_delete AFTER DELETE ON leads BEGIN
    DELETE FROM leads_search WHERE rowid = old.id;
END;

-- Opportunities ------------------------------------------------------------------------
CREATE TABLE opportunities (
    id                        INTEGER PRIMARY KEY,
    topic                     TEXT NOT NULL,
    account_id                INTEGER REFERENCES accounts (id),
    contact_id                INTEGER REFERENCES contacts (id),
    originating_lead_id       INTEGER REFERENCES leads (id),
    estimated_revenue_minor   INTEGER CHECK (estimated_revenue_minor IS NULL OR estimated_revenue_minor >= 0),
    currency                  TEXT NOT NULL DEFAULT 'USD' CHECK (length(currency) = 3),
    estimated_close_date      TEXT,
    probability               INTEGER NOT NULL DEFAULT 10 CHECK (probability BETWEEN 0 AND 100),
    probability_overridden    INTEGER NOT NULL DEFAULT 0 CHECK (probability_overridden IN (0, 1)),
    rating                    TEXT CHECK (rating IN ('hot', 'warm', 'cold')),
    budget_amount_minor       INTEGER CHECK (budget_amount_minor IS NULL OR budget_amount_minor >= 0),
    purchase_timeframe        TEXT CHECK (purchase_timeframe IN ('immediate', 'this_quarter', 'next_quarter', 'this_year', 'unknown')),
    purchase_process          TEXT CHECK (purchase_process IN ('individual', 'committee', 'unknown')),
    need                      TEXT CHECK (need IN ('must_have', 'should_have', 'good_to_have', 'no_need')),
    current_situation         TEXT,
    customer_need             TEXT,
    proposed_solution         TEXT,
    description               TEXT,
    lead_source               TEXT CHECK (lead_source IN ('advertisement', 'employee_referral', 'external_referral', 'partner', 'public_relations', 'seminar', 'trade_show', 'web', 'word_of_mouth', 'other')),
    process_id                INTEGER NOT NULL REFERENCES processes (id),
    -- The pipeline phase: a real reference to the stage, never a text label.
    stage_id                  INTEGER NOT NULL REFERENCES stages (id),
    forecast_category         TEXT NOT NULL DEFAULT 'pipeline' CHECK (forecast_category IN ('pipeline', 'best_case', 'committed', 'omitted', 'won', 'lost')),
    forecast_overridden       INTEGER NOT NULL DEFAULT 0 CHECK (forecast_overridden IN (0, 1)),
    status                    TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'won', 'lost')),
    status_reason             TEXT NOT NULL DEFAULT 'in_progress',
    actual_revenue_minor      INTEGER CHECK (actual_revenue_minor IS NULL OR actual_revenue_minor >= 0),
    actual_close_date         TEXT,
    lost_reason_id            INTEGER REFERENCES lost_reasons (id),
    close_competitor_id       INTEGER REFERENCES competitors (id),
    close_description         TEXT,
    owner_id                  INTEGER NOT NULL REFERENCES users (id),
    version                   INTEGER NOT NULL DEFAULT 1,
    created_by                INTEGER NOT NULL REFERENCES users (id),
    created_at                TEXT NOT NULL,
    modified_by               INTEGER NOT NULL REFERENCES users (id),
    modified_at               TEXT NOT NULL,
    closed_at                 TEXT,
    CHECK (account_id IS NOT NULL OR contact_id IS NOT NULL),
    CHECK (
        (status = 'open' AND status_reason IN ('in_progress', 'on_hold'))
        OR (status = 'won' AND status_reason = 'won' AND actual_close_date IS NOT NULL)
        OR (status = 'lost' AND lost_reason_id IS NOT NULL AND actual_close_date IS NOT NULL)
    )
);
-- Board and funnel: open opportunities per stage with revenue; views by owner; charts by month.
CREATE INDEX opportunities_status_stage ON opportunities (status, stage_id, estimated_close_date, estimated_revenue_minor, probability);
CREATE INDEX opportunities_owner_status ON opportunities (owner_id, status, estimated_close_date);
CREATE INDEX opportunities_status_close_date ON opportunities (status, estimated_close_date);
CREATE INDEX opportunities_won_month ON opportunities (status, actual_close_date, actual_revenue_minor);
CREATE INDEX opportunities_account ON opportunities (account_id) WHERE account_id IS NOT NULL;
CREATE INDEX opportunities_contact ON opportunities (contact_id) WHERE contact_id IS NOT NULL;
CREATE INDEX opportunities_lead ON opportunities (originating_lead_id) WHERE originating_lead_id IS NOT NULL;
CREATE INDEX opportunities_stage ON opportunities (stage_id);

CREATE TABLE opportunity_stakeholders (
    opportunity_id INTEGER NOT NULL REFERENCES opportunities (id),
    contact_id     INTEGER NOT NULL REFERENCES contacts (id),
    role           TEXT NOT NULL CHECK (role IN ('decision_maker', 'economic_buyer', 'champion', 'influencer', 'technical_buyer', 'end_user')),
    PRIMARY KEY (opportunity_id, contact_id)
);
CREATE INDEX opportunity_stakeholders_contact ON opportunity_stakeholders (contact_id);

CREATE TABLE opportunity_competitors (
    opportunity_id INTEGER NOT NULL REFERENCES opportunities (id),
    competitor_id  INTEGER NOT NULL REFERENCES competitors (id),
    PRIMARY KEY (opportunity_id, competitor_id)
);

-- Process progress on a record ------------------------------------------------------------
-- Ticked checkbox steps (field-bound steps are derived from the record's fields).
CREATE TABLE step_completions (
    record_type  TEXT NOT NULL CHECK (record_type IN ('lead', 'opportunity')),
    record_id    INTEGER NOT NULL,
    step_id      INTEGER NOT NULL REFERENCES steps (id),
    completed_by INTEGER NOT NULL REFERENCES users (id),
    completed_at TEXT NOT NULL,
    PRIMARY KEY (record_type, record_id, step_id)
);

-- Every stage change: from, to, who, when (time in stage and stage conversion come from here).
CREATE TABLE stage_history (
    id            INTEGER PRIMARY KEY,
    record_type   TEXT NOT NULL CHECK (record_type IN ('lead', 'opportunity')),
    record_id     INTEGER NOT NULL,
    from_stage_id INTEGER REFERENCES stages (id),
    to_stage_id   INTEGER NOT NULL REFERENCES stages (id),
    changed_by    INTEGER NOT NULL REFERENCES users (id),
    changed_at    TEXT NOT NULL
);
CREATE INDEX stage_history_record ON stage_history (record_type, record_id, changed_at);
CREATE INDEX stage_history_to_stage ON stage_history (to_stage_id, changed_at);

-- Activities: exactly one "regarding" record each.
CREATE TABLE activities (
    id             INTEGER PRIMARY KEY,
    kind           TEXT NOT NULL CHECK (kind IN ('note', 'phone_call', 'task', 'appointment')),
    subject        TEXT NOT NULL,
    body           TEXT,
    lead_id        INTEGER REFERENCES leads (id),
    opportunity_id INTEGER REFERENCES opportunities (id),
    account_id     INTEGER REFERENCES accounts (id),
    contact_id     INTEGER REFERENCES contacts (id),
    direction      TEXT CHECK (direction IN ('inbound', 'outbound')),
    outcome        TEXT,
    due_date       TEXT,
    done           INTEGER NOT NULL DEFAULT 0 CHECK (done IN (0, 1)),
    done_at        TEXT,
    starts_at      TEXT,
    ends_at        TEXT,
    location       TEXT,
    owner_id       INTEGER NOT NULL REFERENCES users (id),
    version        INTEGER NOT NULL DEFAULT 1,
    created_by     INTEGER NOT NULL REFERENCES users (id),
    created_at     TEXT NOT NULL,
    modified_by    INTEGER NOT NULL REFERENCES users (id),
    modified_at    TEXT NOT NULL,
    CHECK ((lead_id IS NOT NULL) + (opportunity_id IS NOT NULL) + (account_id IS NOT NULL) + (contact_id IS NOT NULL) = 1),
    CHECK (kind <> 'appointment' OR (starts_at IS NOT NULL AND ends_at IS NOT NULL AND ends_at >= starts_at))
);
CREATE INDEX activities_lead ON activities (lead_id, created_at DESC) WHERE lead_id IS NOT NULL;
CREATE INDEX activities_opportunity ON activities (opportunity_id, created_at DESC) WHERE opportunity_id IS NOT NULL;
CREATE INDEX activities_account ON activities (account_id, created_at DESC) WHERE account_id IS NOT NULL;
CREATE INDEX activities_contact ON activities (contact_id, created_at DESC) WHERE contact_id IS NOT NULL;
CREATE INDEX activities_owner_open ON activities (owner_id, done, due_date);

-- Field-level history of every change (who, when, field, old, new).
CREATE TABLE record_history (
    id          INTEGER PRIMARY KEY,
    record_type TEXT NOT NULL CHECK (record_type IN ('lead', 'opportunity', 'account', 'contact', 'activity', 'user')),
    record_id   INTEGER NOT NULL,
    field       TEXT NOT NULL,
    old_value   TEXT,
    new_value   TEXT,
    changed_by  INTEGER NOT NULL REFERENCES users (id),
    changed_at  TEXT NOT NULL
);
CREATE INDEX record_history_record ON record_history (record_type, record_id, changed_at DESC);

-- Marketing lists: one member type per list.
CREATE TABLE marketing_lists (
    id          INTEGER PRIMARY KEY,
    name        TEXT NOT NULL UNIQUE,
    member_type TEXT NOT NULL CHECK (member_type IN ('lead', 'contact', 'account')),
    owner_id    INTEGER NOT NULL REFERENCES users (id),
    version     INTEGER NOT NULL DEFAULT 1,
    created_at  TEXT NOT NULL
);
CREATE TABLE marketing_list_members (
    list_id   INTEGER NOT NULL REFERENCES marketing_lists (id),
    member_id INTEGER NOT NULL,
    added_at  TEXT NOT NULL,
    PRIMARY KEY (list_id, member_id)
);
