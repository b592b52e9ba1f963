-- Web-to-lead (issue 14): forms a website embeds. A submission creates a lead (owner and
-- source decided here, never by the browser), or logs an activity on the known person it
-- matches, or waits in quarantine (suspected spam) or in the queue (over the form's rate).

CREATE TABLE web_forms (
    id               INTEGER PRIMARY KEY,
    -- The unguessable key in the public address /f/{public_key}.
    public_key       TEXT NOT NULL UNIQUE,
    name             TEXT NOT NULL UNIQUE,
    -- JSON: [{"field": "email", "label": "Work email", "required": true}, …] in form order.
    fields           TEXT NOT NULL,
    consent_text     TEXT,
    lead_source      TEXT NOT NULL DEFAULT 'web',
    campaign         TEXT,
    owner_rule       TEXT NOT NULL CHECK (owner_rule IN ('user', 'round_robin')),
    owner_id         INTEGER REFERENCES users (id),
    -- Round-robin: the rep who got the last lead.
    last_rep_id      INTEGER REFERENCES users (id),
    thank_you        TEXT,
    redirect_url     TEXT,
    -- Origins allowed to embed and post, one per line (https://www.example.com).
    allowed_origins  TEXT NOT NULL DEFAULT '',
    min_fill_seconds INTEGER NOT NULL DEFAULT 3 CHECK (min_fill_seconds BETWEEN 0 AND 600),
    paused           INTEGER NOT NULL DEFAULT 0 CHECK (paused IN (0, 1)),
    version          INTEGER NOT NULL DEFAULT 1,
    created_by       INTEGER NOT NULL REFERENCES users (id),
    created_at       TEXT NOT NULL,
    modified_by      INTEGER NOT NULL REFERENCES users (id),
    modified_at      TEXT NOT NULL,
    CHECK (owner_rule <> 'user' OR owner_id IS NOT NULL)
);

CREATE TABLE web_form_reps (
    form_id  INTEGER NOT NULL REFERENCES web_forms (id),
    user_id  INTEGER NOT NULL REFERENCES users (id),
    position INTEGER NOT NULL,
    PRIMARY KEY (form_id, user_id)
);

CREATE TABLE web_submissions (
    id             INTEGER PRIMARY KEY,
    form_id        INTEGER NOT NULL REFERENCES web_forms (id),
    -- From the signed token of the rendered form; none for rejected posts.
    submission_id  TEXT,
    received_at    TEXT NOT NULL,
    outcome        TEXT NOT NULL
        CHECK (outcome IN ('created', 'matched', 'quarantined', 'queued', 'rejected', 'deleted')),
    reason         TEXT,
    client_address TEXT,
    -- JSON object of the form's own fields as posted (fields not on the form are left out).
    fields         TEXT,
    consent        INTEGER NOT NULL DEFAULT 0,
    page_url       TEXT,
    referrer       TEXT,
    utm_source     TEXT,
    utm_medium     TEXT,
    utm_campaign   TEXT,
    utm_term       TEXT,
    utm_content    TEXT,
    lead_id        INTEGER REFERENCES leads (id),
    contact_id     INTEGER REFERENCES contacts (id),
    decided_by     INTEGER REFERENCES users (id),
    decided_at     TEXT,
    UNIQUE (form_id, submission_id)
);
CREATE INDEX web_submissions_form ON web_submissions (form_id, id DESC);
CREATE INDEX web_submissions_waiting ON web_submissions (outcome, id)
    WHERE outcome IN ('quarantined', 'queued');

-- Where a web lead came from; `seen_at` stays empty until its owner opens it (the badge).
CREATE TABLE lead_web_origins (
    lead_id       INTEGER PRIMARY KEY REFERENCES leads (id),
    form_id       INTEGER NOT NULL REFERENCES web_forms (id),
    page_url      TEXT,
    referrer      TEXT,
    utm_source    TEXT,
    utm_medium    TEXT,
    utm_campaign  TEXT,
    utm_term      TEXT,
    utm_content   TEXT,
    seen_at       TEXT
);
CREATE INDEX lead_web_origins_unseen ON lead_web_origins (lead_id) WHERE seen_at IS NULL;
CREATE INDEX lead_web_origins_form ON lead_web_origins (form_id);
CREATE INDEX lead_web_origins_utm ON lead_web_origins (utm_source, utm_campaign);

-- Server-side secrets made on first use (the key that signs rendered web forms).
CREATE TABLE app_secrets (
    name  TEXT PRIMARY KEY,
    value BLOB NOT NULL
);
